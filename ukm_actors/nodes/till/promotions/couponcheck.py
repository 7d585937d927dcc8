"""Is a coupon the cashier scanned good? Answered at once, before it goes on the receipt.

The till first checks what it can alone, against the coupon campaigns of
its copy (``CampaignSet.coupon_rules``: prefix, length, check digit): a code
that has a known prefix but the wrong length, letters among its digits or a
wrong check digit is **mistyped** and refused without asking anybody. Then it
asks the marketing server (``coupon.check``), which knows whether the coupon
was issued, used or expired. When the marketing server does not answer in
time, a well-formed code of a known campaign is accepted as checked
**offline** (it may still turn out used: the accrual then records it), and a
code of no known campaign is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ukm_actors.bridge.errors import AskTimeout, PeerUnreachable, RemoteError
from ukm_actors.domain.promotions import CouponRule
from ukm_actors.domain.promotions.codes import luhn_ok, recognise
from ukm_actors.errors import UkmError
from ukm_actors.i18n import _

log = logging.getLogger(__name__)

Asker = Callable[[str, dict[str, Any], float], Any]
"""``ask(name, message, timeout)``: an ask to the marketing server; raises the bridge's
``PeerUnreachable``, ``AskTimeout`` or ``RemoteError``."""


class CouponRefused(UkmError):
    """A coupon that cannot go on the receipt; ``code`` says why (docs/till-api.md)."""

    code = "coupon.unknown"
    http_status = 400


@dataclass(frozen=True)
class CouponCheck:
    """A coupon accepted onto the receipt."""

    code: str
    campaign_id: str
    checked: str
    """``online`` (the marketing server said it is valid) or ``offline``."""
    expires_at: str | None = None


def layout_problem(code: str, rules: Sequence[CouponRule]) -> CouponRefused | None:
    """Why ``code`` is mistyped for the campaign whose prefix it has, or None when it is
    well-formed or has no known prefix."""
    rule = max((r for r in rules if code.startswith(r.prefix)), key=lambda r: len(r.prefix),
               default=None)  # fmt: skip
    if rule is None or recognise(code, rules) is not None:
        return None
    hint = _("scan the coupon again or type its code carefully")
    if len(code) != rule.length:
        message = _(
            "coupon {code} is mistyped: coupons starting with {prefix} have {length} "
            "characters, this code has {count}",
            code=code,
            prefix=rule.prefix,
            length=rule.length,
            count=len(code),
        )
    elif not code[len(rule.prefix) :].isdigit():
        message = _(
            "coupon {code} is mistyped: after {prefix} it must have only digits",
            code=code,
            prefix=rule.prefix,
        )
    elif rule.check_digit and not luhn_ok(code):
        message = _("coupon {code} is mistyped: its check digit does not match", code=code)
    else:
        return None
    return CouponRefused(message, code="coupon.mistyped", hint=hint)


def check_offline(code: str, rules: Sequence[CouponRule]) -> CouponCheck:
    """What the till can say alone: a known campaign's well-formed code, or a refusal."""
    problem = layout_problem(code, rules)
    if problem is not None:
        raise problem
    rule = recognise(code, rules)
    if rule is None:
        raise CouponRefused(
            _(
                "coupon {code} is unknown: no coupon campaign has codes like it",
                code=code,
            ),
            code="coupon.unknown",
            hint=_("check the code; the customer may have a coupon of another shop"),
        )
    return CouponCheck(code, rule.campaign_id, "offline")


def check_coupon(
    code: str, rules: Sequence[CouponRule], ask: Asker, deadline: float
) -> CouponCheck:
    """Check ``code`` as described in the module doc; raises ``CouponRefused``."""
    problem = layout_problem(code, rules)
    if problem is not None:
        raise problem
    try:
        answer = ask("coupon.check", {"code": code}, deadline)
    except RemoteError as exc:
        if exc.code.startswith("coupon."):
            raise CouponRefused(exc.message, code=exc.code, hint=exc.hint) from None
        log.warning("coupon.check %s refused: %s; checking offline", code, exc)
        return check_offline(code, rules)
    except (PeerUnreachable, AskTimeout) as exc:
        log.info("coupon %s checked offline: %s", code, exc)
        return check_offline(code, rules)
    try:
        return CouponCheck(
            code, str(answer["campaign_id"]), "online", answer.get("expires_at") or None
        )
    except (KeyError, TypeError, AttributeError):
        log.warning("coupon.check %s: unusable answer %r; checking offline", code, answer)
        return check_offline(code, rules)
