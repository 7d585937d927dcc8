"""Who may send what over the bridge: one table, checked before any applier or handler runs.

A signature proves who sent a request (``auth.py``); this table decides what
that peer may send. For each document type and each ask it names the role
that takes it, the kinds of peers that may send it, and the store scope:

- ``any``: the sender's kind is enough;
- ``own store``: every store it names is the sender's own store;
- ``itself``: it is the sender's own: it names the sender (a till's
  ``till-{store}-{n}``) and the sender's store;
- ``visible``: the receipts it is about are ones the sender may see: of its
  own store, or of any store of the chain where the receiving node allows
  it (the cash server's ``[server] return_scope``).

What a document or an ask is about (its ``Subject``) is read by a function
the feature registers with its applier or handler (``subject=``). A payload
whose subject cannot be read at all goes on to the applier or handler, which
refuses malformed content itself (an applier parks it). Anything the table
does not allow is refused with 403 ``bridge.forbidden``, logged with the
peer and its address, and handed to the node's refusal hooks (the cash
server writes it to its audit log). A node whose features register an
applier or a handler without a row here does not start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ukm_actors.bridge.auth import Caller
from ukm_actors.bridge.errors import Forbidden
from ukm_actors.config.common import Role
from ukm_actors.errors import UkmError

log = logging.getLogger(__name__)

DOCUMENT = "document"
ASK = "ask"


class Scope(StrEnum):
    ANY = "any"
    OWN_STORE = "own store"
    ITSELF = "itself"
    VISIBLE = "visible"


@dataclass(frozen=True)
class Subject:
    """What a document or an ask is about: the stores it names, the node it is of."""

    stores: frozenset[str] = frozenset()
    node: str | None = None

    @classmethod
    def of(cls, *stores: str | None, node: str | None = None) -> Subject:
        return cls(frozenset(s for s in stores if s), node)


SubjectOf = Callable[[Any], Subject | None]
"""Reads the subject of a document (``Document``) or an ask's message (``dict``);
None when the payload does not say (malformed: the applier or handler refuses it)."""


@dataclass(frozen=True)
class Rule:
    """One row of the table."""

    what: str
    """``document`` or ``ask``."""
    receiver: Role
    """The role that applies or answers it."""
    name: str
    """The document type or the ask's name."""
    senders: tuple[Role, ...]
    """Peer kinds that may send it (``server``, ``till``, ``marketing``, ``integration``,
    ``pricechecker``)."""
    scope: Scope
    note: str = ""


def _rules(
    what: str,
    receiver: Role,
    names: Iterable[str],
    senders: tuple[Role, ...],
    scope: Scope,
    note: str,
) -> tuple[Rule, ...]:
    return tuple(Rule(what, receiver, n, senders, scope, note) for n in names)


TILL_DOCS = ("shift.open", "receipt", "cash.move", "shift.close")
RETURN_ASKS = ("receipts.lookup", "receipts.reserve_return", "receipts.release_return")
MARKETING_ASKS = (
    "promo.price",
    "coupon.check",
    "coupon.redeem",
    "coupon.issue",
    "certificate.check",
    "certificate.activate",
    "certificate.redeem",
    "certificate.void",
    "card.info",
    "bonus.balance",
    "bonus.spend",
    "bonus.void",
)

TABLE: tuple[Rule, ...] = (
    *_rules(DOCUMENT, "server", TILL_DOCS, ("till",), Scope.ITSELF, "the till's own sales"),
    *_rules(ASK, "server", RETURN_ASKS, ("till",), Scope.VISIBLE, "a return: its original"),
    Rule(ASK, "server", "till.status", ("till",), Scope.ANY, "recorded as the sender's own"),
    Rule(ASK, "server", "auth.verify", ("marketing",), Scope.ANY, "an employee's login"),
    Rule(ASK, "server", "auth.login", ("marketing",), Scope.ANY, "an employee logs in (console)"),
    Rule(ASK, "server", "auth.logout", ("marketing",), Scope.ANY, "an employee logs out"),
    Rule(ASK, "server", "integration.settings", ("integration",), Scope.OWN_STORE, "folders"),
    Rule(ASK, "server", "store.tills", ("pricechecker", "integration"), Scope.OWN_STORE, "tills"),
    Rule(ASK, "server", "till.exchange_settings", ("till",), Scope.ITSELF, "its own folders"),
    Rule(DOCUMENT, "marketing", "feed.catalog", ("server",), Scope.ANY, "items for campaigns"),
    Rule(DOCUMENT, "marketing", "feed.stores", ("server",), Scope.ANY, "the store list"),
    Rule(DOCUMENT, "marketing", "feed.heartbeat", ("server",), Scope.ANY, "feeds alive"),
    Rule(DOCUMENT, "marketing", "loyalty.accrual", ("till",), Scope.ITSELF, "a receipt's points"),
    *_rules(ASK, "marketing", MARKETING_ASKS, ("till",), Scope.OWN_STORE, "a sale at the till"),
    Rule(DOCUMENT, "till", "catalog.full", ("server",), Scope.ANY, "pulled from the server"),
    Rule(DOCUMENT, "till", "catalog.delta", ("server",), Scope.ANY, "pulled from the server"),
    Rule(DOCUMENT, "till", "promo.campaigns", ("marketing",), Scope.ANY, "pulled"),
    Rule(
        ASK,
        "till",
        "prices.lookup",
        ("pricechecker", "integration"),
        Scope.OWN_STORE,
        "the till's store only",
    ),
)
"""The whole table, every role's rows (``docs/bridge.md`` shows it; a test keeps
the two the same)."""


@dataclass(frozen=True)
class Refusal:
    """A request the table refused (what the refusal hooks get)."""

    caller: Caller
    what: str
    name: str
    reason: str
    remote: str


RefusalHook = Callable[[Refusal], None]


class PolicyError(UkmError):
    """The node's features and the table disagree (found at start)."""

    code = "bridge.policy"


class Policy:
    """The rows of ``TABLE`` for one role, and the check of each request against them."""

    def __init__(self, role: Role, rules: Iterable[Rule] = TABLE) -> None:
        self.role = role
        self._rules: dict[tuple[str, str], Rule] = {}
        self.add(rules)
        self.visible: Callable[[Caller, str], bool] = own_store
        """Whether a caller may see receipts of a store (scope ``visible``)."""
        self.hooks: list[RefusalHook] = []

    def add(self, rules: Iterable[Rule]) -> None:
        """Add rows (this role's; other roles' rows are ignored)."""
        for r in rules:
            if r.receiver == self.role:
                self._rules[(r.what, r.name)] = r

    def rule(self, what: str, name: str) -> Rule | None:
        return self._rules.get((what, name))

    def rules(self) -> list[Rule]:
        return sorted(self._rules.values(), key=lambda r: (r.what, r.name))

    def require_complete(self, doc_types: Iterable[str], asks: Iterable[str]) -> None:
        """``PolicyError`` naming every applier or handler that has no row."""
        missing = [f"document {t!r}" for t in doc_types if self.rule(DOCUMENT, t) is None]
        missing += [f"ask {a!r}" for a in asks if self.rule(ASK, a) is None]
        if missing:
            raise PolicyError(
                f"the {self.role} role takes {', '.join(missing)} but the bridge's "
                "authorisation table has no row for it",
                hint="add a Rule to ukm_actors/bridge/policy.py TABLE (and docs/bridge.md)",
            )

    def check(
        self,
        caller: Caller,
        what: str,
        name: str,
        payload: Any,
        subject_of: SubjectOf | None,
        remote: str = "?",
    ) -> None:
        """Return if ``caller`` may send ``payload``; else ``Forbidden`` (logged, hooked)."""
        reason = self._verdict(caller, what, name, payload, subject_of)
        if reason is None:
            return
        refusal = Refusal(caller, what, name, reason, remote)
        log.warning(
            "refused %s %r from %s (%s) at %s: %s",
            what,
            name,
            caller.node_id,
            caller.kind,
            remote,
            reason,
        )
        for hook in self.hooks:
            try:
                hook(refusal)
            except Exception:
                log.exception("refusal hook failed")
        raise Forbidden(reason, hint="the bridge's authorisation table is in docs/bridge.md")

    def _verdict(
        self, caller: Caller, what: str, name: str, payload: Any, subject_of: SubjectOf | None
    ) -> str | None:
        rule = self.rule(what, name)
        who = f"{caller.node_id} ({caller.kind})"
        if rule is None:
            return f"no peer may send {what} {name!r} to a {self.role}"
        if caller.kind not in rule.senders:
            return f"{who} may not send {what} {name!r}: only {' or '.join(rule.senders)} may"
        if rule.scope is Scope.ANY:
            return None
        subject = subject_of(payload) if subject_of is not None else None
        if subject is None:
            return None
        if rule.scope is Scope.ITSELF and subject.node != caller.node_id:
            return f"{who} may send only its own {name!r}, not one of {subject.node}"
        if rule.scope is Scope.VISIBLE:
            hidden = sorted(s for s in subject.stores if not self.visible(caller, s))
            if hidden:
                return f"{who} may not see {name!r} of store {', '.join(hidden)}"
            return None
        foreign = sorted(subject.stores - {caller.store or ""})
        if foreign:
            return (
                f"{who} of store {caller.store} may not send {what} {name!r} "
                f"for store {', '.join(foreign)}"
            )
        return None


def markdown(rules: Iterable[Rule] = TABLE) -> str:
    """The table as Markdown, as ``docs/bridge.md`` shows it."""
    order = {"server": 0, "marketing": 1, "till": 2}
    rows = sorted(rules, key=lambda r: (order.get(r.receiver, 9), r.receiver, r.what, r.name))
    out = [
        "| to | document or ask | who may send it | store scope | |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r.receiver} | {r.what} `{r.name}` | {', '.join(r.senders)} | {r.scope} "
            f"| {r.note} |"
        )
    return "\n".join(out) + "\n"


def own_store(caller: Caller, store: str) -> bool:
    """Scope ``visible`` by default: the caller's own store only."""
    return caller.store == store


def json_field_subject(data: Any, store_key: str = "store") -> Subject | None:
    """The subject of a JSON object naming a store at ``store_key`` (None: it names none)."""
    if not isinstance(data, dict):
        return None
    store = data.get(store_key)
    if store is None:
        return Subject()
    return Subject.of(str(store))
