"""The bridge's HTTP routes (``/mailbox/v1/...``). Every one but ``hello`` is signed.

=====================================  ===========================================
``GET  /mailbox/v1/hello``              who is here (node id, role, version); open
``POST /mailbox/v1/inbox``              a batch of documents (one channel, in order)
``GET  /mailbox/v1/tills/{t}/docs``     ``?after=N&wait=S&limit=L``: the list (long-poll)
``GET  /mailbox/v1/tills/{t}/docs/{n}`` one document file (ETag, Range, If-Range)
``POST /mailbox/v1/tills/{t}/ack``      ``{"seq": n}``: applied up to n
``POST /mailbox/v1/ask/{name}``         an ask: JSON in, ``{"ok", "reply"|"error"}`` out
``GET  /mailbox/v1/peers/keys``         (cash server) keys of the peers that may call me
=====================================  ===========================================
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import bottle
import pykka
import sqlalchemy.exc

from ukm_actors import __version__
from ukm_actors.bridge import encoding, outbox
from ukm_actors.bridge.auth import H_URL, H_VERSION, Caller
from ukm_actors.bridge.documents import DocumentError, channel_name, split_channel, split_documents
from ukm_actors.bridge.errors import BadRequest, BodyTooLarge, Forbidden, UnsupportedEncoding
from ukm_actors.bridge.inboxactor import BatchResult
from ukm_actors.bridge.keys import keys_for
from ukm_actors.bridge.models import Channel
from ukm_actors.bridge.policy import ASK, DOCUMENT
from ukm_actors.bridge.serving import BodyGone, FileView, Unsatisfiable, parse_range, stream
from ukm_actors.codecs import jsonsafe
from ukm_actors.errors import UkmError
from ukm_actors.i18n import to_wire

if TYPE_CHECKING:
    from ukm_actors.bridge.service import BridgeService

log = logging.getLogger(__name__)

LIST_LIMIT = 100
MAX_LIST_LIMIT = 1000


def wire_error(exc: UkmError) -> dict[str, Any]:
    """An error's JSON for another node, with its texts in translatable form (ukm_actors.i18n)."""
    body: dict[str, Any] = dict(exc.to_json())
    for key, value in (("message_text", exc.message), ("hint_text", exc.hint)):
        wired = to_wire(value)
        if wired is not None:
            body[key] = wired
    return body


MAX_SEQ = 2**63 - 1


def _seq(value: object) -> int:
    """A whole number from 0 to ``MAX_SEQ`` (``ValueError`` otherwise)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(value)
    n = int(value) if isinstance(value, int) or (value.isdigit() and len(value) < 20) else -1
    if not 0 <= n <= MAX_SEQ:
        raise ValueError(value)
    return n


def _remote() -> str:
    return bottle.request.remote_addr or "?"


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    return bottle.HTTPResponse(
        body=json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


class Routes:
    """Binds the bridge's routes to one ``BridgeService``."""

    def __init__(self, service: BridgeService) -> None:
        self.s = service

    def install(self, app: bottle.Bottle) -> None:
        s = self.s
        s.policy.require_complete(s.appliers.types(), s.asks.names())
        app.route("/mailbox/v1/hello", "GET", self.hello)
        app.route("/mailbox/v1/ask/<name>", "POST", self.ask)
        if s.db is not None and s.accepts_push:
            app.route("/mailbox/v1/inbox", "POST", self.inbox)
        if s.db is not None and s.serves_pull:
            app.route("/mailbox/v1/tills/<till>/docs", "GET", self.listing)
            app.route("/mailbox/v1/tills/<till>/docs/<seq:int>", "GET", self.document)
            app.route("/mailbox/v1/tills/<till>/ack", "POST", self.ack)
        if s.is_server:
            app.route("/mailbox/v1/peers/keys", "GET", self.keys)

    # -- authentication ------------------------------------------------------------

    def _auth(self, limit: int | None = None) -> tuple[Caller, bytes]:
        req = bottle.request
        env = req.environ
        target = env.get("PATH_INFO", "")
        if env.get("QUERY_STRING"):
            target += "?" + env["QUERY_STRING"]
        cap = self.s.settings.max_batch if limit is None else limit

        def read() -> bytes:
            n = req.content_length
            if n > cap:
                raise BodyTooLarge(
                    f"request body of {n} bytes is over this node's limit of {cap} bytes",
                    hint="send smaller batches, or raise [bridge] max_batch on this node",
                )
            return bytes(env["wsgi.input"].read(n)) if n > 0 else b""

        caller, body = self.s.verifier.authenticate(
            req.method, target, req.headers, read, req.remote_addr or "?"
        )
        self.s.live.heard_from(caller.node_id, req.get_header(H_VERSION), req.get_header(H_URL))
        return caller, body

    def _own_channel(self, caller: Caller, till: str) -> str:
        if caller.node_id != till:
            log.warning("%s asked for the channel of %s: refused", caller.node_id, till)
            raise Forbidden(
                f"{caller.node_id} may read only its own channel, not {till}'s",
                hint="each till reads /mailbox/v1/tills/<its own id>/...",
            )
        return channel_name(self.s.node_id, till)

    # -- routes ---------------------------------------------------------------------------

    def hello(self) -> Any:
        return _json({"node": self.s.node_id, "role": self.s.role, "version": __version__})

    def ask(self, name: str) -> Any:
        try:
            caller, body = self._auth()
            if not body:
                raise BadRequest(f"ask {name!r} has an empty body", hint="send a JSON object")
            try:
                message = jsonsafe.loads(body)
            except ValueError as exc:
                raise BadRequest(f"ask {name!r}: the body is not JSON ({exc})") from None
            if not isinstance(message, dict):
                raise BadRequest(f"ask {name!r}: the body must be a JSON object")
            handler = self.s.asks.get(name)
            self.s.policy.check(caller, ASK, name, message, self.s.asks.subject_of(name), _remote())
            reply = handler(message, caller.node_id)
        except UkmError as exc:
            status = int(getattr(exc, "http_status", 0) or 422)
            return _json({"ok": False, "error": wire_error(exc)}, status)
        except pykka.ActorDeadError:
            return _json(
                {
                    "ok": False,
                    "error": {
                        "code": "actor.not_running",
                        "message": "the service is restarting; retry",
                    },
                },
                503,
            )
        except sqlalchemy.exc.OperationalError as exc:
            log.warning("ask %r: the database does not answer: %s", name, exc.orig)
            return _json(
                {
                    "ok": False,
                    "error": {"code": "db.unavailable", "message": "the database does not answer"},
                },
                503,
            )
        except Exception:
            log.exception("ask %r failed", name)
            return _json(
                {
                    "ok": False,
                    "error": {
                        "code": "internal",
                        "message": f"ask {name!r} failed on {self.s.node_id}; see its log",
                    },
                },
                500,
            )
        return _json({"ok": True, "reply": reply})

    def inbox(self) -> Any:
        caller, body = self._auth()
        body = self._decoded(caller, body)
        if not body:
            raise BadRequest(
                "empty document batch (0 bytes)",
                hint="POST /mailbox/v1/inbox takes one or more documents, one after another",
            )
        try:
            docs = split_documents(body)
        except DocumentError as exc:
            raise BadRequest(f"bad document batch from {caller.node_id}: {exc.message}") from None
        channel = docs[0].channel
        if any(d.channel != channel for d in docs):
            raise BadRequest("a batch must hold documents of one channel only")
        if any(b.seq <= a.seq for a, b in itertools.pairwise(docs)):
            raise BadRequest("the documents of a batch must be in increasing seq order")
        sender, receiver = split_channel(channel)
        if sender != caller.node_id:
            raise Forbidden(f"{caller.node_id} cannot send documents of channel {channel}")
        if receiver != self.s.node_id:
            raise Forbidden(f"channel {channel} is not for {self.s.node_id}")
        appliers, policy = self.s.appliers, self.s.policy
        for d in docs:
            if appliers.knows(d.type):
                policy.check(caller, DOCUMENT, d.type, d, appliers.subject_of(d.type), _remote())
        try:
            result: BatchResult = (
                self.s.inbox_applier(channel)
                .proxy()
                .apply_batch(docs)
                .get(timeout=self.s.settings.transfer_timeout)
            )
        except pykka.Timeout:
            return _json(
                {
                    "code": "bridge.busy",
                    "message": f"{self.s.node_id} is still applying "
                    f"earlier documents of {channel}; send them again later",
                },
                503,
            )

        # RFC 7694: a sender that sees this compresses its next batches
        return _json(result.to_json(), result.status, {"Accept-Encoding": encoding.ZSTD})

    def _decoded(self, caller: Caller, body: bytes) -> bytes:
        """A POSTed batch without its ``Content-Encoding`` (zstd or none), at most
        ``[bridge] max_batch`` bytes decoded."""
        coding = (bottle.request.get_header("Content-Encoding") or "").strip().lower()
        if coding in ("", encoding.IDENTITY):
            return body
        if coding != encoding.ZSTD:
            raise UnsupportedEncoding(
                f"{caller.node_id} sent a batch in {coding!r}; this node reads zstd or none",
                hint="send it uncompressed, or zstd-compressed",
            )
        cap = self.s.settings.max_batch
        try:
            return encoding.decompress(body, cap, f"the batch from {caller.node_id}")
        except encoding.DecodedTooLarge as exc:
            raise BodyTooLarge(
                exc.message, hint="send smaller batches, or raise [bridge] max_batch on this node"
            ) from None
        except encoding.EncodingError as exc:
            raise BadRequest(exc.message, hint=exc.hint) from None

    def listing(self, till: str) -> Any:
        caller, _ = self._auth()
        channel = self._own_channel(caller, till)
        q = bottle.request.query
        try:
            after = _seq(q.get("after") or "0")
            wait = float(q.get("wait") or 0)
            if not math.isfinite(wait):
                raise ValueError(wait)
            wait = min(max(0.0, wait), self.s.settings.poll_wait)
            limit = min(max(1, _seq(q.get("limit") or str(LIST_LIMIT))), MAX_LIST_LIMIT)
        except ValueError:
            raise BadRequest(
                f"after and limit must be whole numbers from 0 to {MAX_SEQ}, wait seconds"
            ) from None
        live = self.s.live.channel(channel, "serve")
        live.contact()
        deadline = time.monotonic() + wait
        db = self.s.require_db()
        while True:
            event = self.s.signals.event(channel)
            with db.read() as session:
                docs = [
                    {
                        "seq": e.seq,
                        "type": e.doc_type,
                        "version": e.version,
                        "length": e.length,
                        "sha256": e.sha256,
                        "created": e.created,
                        "superseded": e.superseded,
                    }
                    for e in outbox.listing(session, channel, after, limit)
                ]
                ch = session.get(Channel, channel)
                state = (ch.last_seq, ch.last_acked) if ch is not None else (0, 0)
                base = outbox.pruned_upto(session, channel)
            left = deadline - time.monotonic()
            if docs or base > after or left <= 0 or self.s.closing:
                break
            live.polls_waiting += 1
            try:
                event.wait(min(left, self.s.settings.poll_recheck))
            finally:
                live.polls_waiting -= 1
        return _json(
            {"channel": channel, "docs": docs, "last": state[0], "acked": state[1], "base": base}
        )

    def document(self, till: str, seq: int) -> Any:
        caller, _ = self._auth()
        channel = self._own_channel(caller, till)
        db = self.s.require_db()
        req = bottle.request
        zstd = encoding.accepts(req.get_header("Accept-Encoding"))
        with db.read() as session:
            entry = outbox.entry(session, channel, seq)
            view = None
            if entry is not None:
                packed = outbox.variant_length(session, entry.sha256, encoding.ZSTD)
                view = FileView.of(outbox.header_of(entry), packed if zstd else None)
            chunk = outbox.body_chunk_size(session)
        if view is None:
            return _json(
                {
                    "code": "bridge.no_document",
                    "message": f"document {seq} of {channel} is not (or no longer) here",
                },
                404,
            )
        total = view.total
        headers = {
            "ETag": view.etag,
            "Accept-Ranges": "bytes",
            "Content-Type": "application/x-ukm-document",
            "Vary": "Accept-Encoding",
        }
        if view.coding != encoding.IDENTITY:
            headers["Content-Encoding"] = view.coding
        wanted = req.get_header("Range")
        if_range = req.get_header("If-Range")
        if wanted and if_range and if_range.strip() != view.etag:
            wanted = None
        try:
            rng = parse_range(wanted, total)
        except Unsatisfiable:
            return _json(
                {
                    "code": "bridge.range",
                    "message": f"range {wanted!r} is past the end of the {total}-byte file",
                },
                416,
                {"Content-Range": f"bytes */{total}"},
            )
        first, last = rng if rng is not None else (0, total - 1)
        status = 206 if rng is not None else 200
        if rng is not None:
            headers["Content-Range"] = f"bytes {first}-{last}/{total}"
        headers["Content-Length"] = str(last - first + 1)
        body = self._send(view, first, last, chunk, channel, seq) if last >= first else iter(())
        return bottle.HTTPResponse(body=body, status=status, headers=headers)

    def _send(
        self, view: FileView, first: int, last: int, chunk: int, channel: str, seq: int
    ) -> Iterator[bytes]:
        db = self.s.require_db()
        live = self.s.live.channel(channel, "serve")
        transfer = live.transfer_of(seq, view.total, view.coding, first)
        transfer.done = first

        def read(start: int, n: int) -> bytes | None:
            with db.read() as session:
                return outbox.read_body(session, view.sha256, start, n, view.coding)

        sent = 0
        try:
            for piece in stream(view, first, last, read, chunk):
                yield piece
                sent += len(piece)
                transfer.done += len(piece)
        except BodyGone:
            log.warning("%s#%d was pruned while it was being sent", channel, seq)
            raise
        finally:
            live.wire_bytes += sent
        if last == view.total - 1:
            transfer.finished = True
            live.bytes += view.plain
            live.docs += 1
            live.last_sent = max(live.last_sent, seq)
            live.contact()

    def ack(self, till: str) -> Any:
        caller, body = self._auth(limit=4096)
        channel = self._own_channel(caller, till)
        try:
            seq = _seq(jsonsafe.loads(body)["seq"])
        except (ValueError, KeyError, TypeError):
            raise BadRequest('an acknowledgement is {"seq": <number>}') from None
        db = self.s.require_db()
        with db.write() as session:
            acked = outbox.ack(session, channel, seq)
            outbox.mark_sent(session, channel, seq)
        self.s.live.channel(channel, "serve").contact()
        return _json({"channel": channel, "acked": acked})

    def keys(self) -> Any:
        caller, _ = self._auth()
        db = self.s.require_db()
        with db.read() as session:
            items = keys_for(session, self.s.node_id, self.s.secret(), caller.node_id)
        return _json({"for": caller.node_id, "keys": items})


def install_routes(app: bottle.Bottle, service: BridgeService) -> None:
    """Mount the bridge's routes on ``app``."""
    Routes(service).install(app)
