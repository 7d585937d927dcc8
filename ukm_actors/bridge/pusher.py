"""``PushSender``: delivers this node's outbox channel ``me>receiver`` to the receiver.

Reads the documents after the last acknowledged one, in order, POSTs them
in batches (at most ``[bridge] batch_docs`` documents and ``batch_bytes``
bytes) to ``{url}/mailbox/v1/inbox`` and records the receiver's cumulative
acknowledgement. While the receiver is unreachable the documents wait in
the outbox (a till works offline for days); the sender retries with
exponential back-off and jitter (``retry_initial`` … ``retry_maximum``),
and is woken at once by ``BridgeService.notify`` when it is idle. Its place
is the acknowledged seq in ``bridge_channel``, so a restart loses nothing.
In a cluster only the holder of the lease ``bridge.push:<channel>`` sends.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from ukm_actors.bridge import encoding, outbox
from ukm_actors.bridge.documents import Document, channel_name
from ukm_actors.bridge.errors import BridgeError
from ukm_actors.bridge.models import Channel
from ukm_actors.bridge.servers import ServerSet
from ukm_actors.bridge.worker import Worker
from ukm_actors.db import leases
from ukm_actors.runtime import Cooperator
from ukm_actors.supervision import Backoff

if TYPE_CHECKING:
    from ukm_actors.bridge.service import BridgeService

log = logging.getLogger(__name__)

IDLE_CHECK = 5.0
"""Seconds between outbox checks when nothing woke the sender."""
LEASE_TTL = 30.0


class PushSender(Worker):
    """Sends one outbox channel to one receiver."""

    def __init__(self, service: BridgeService, receiver: str, targets: ServerSet) -> None:
        super().__init__()
        self.service = service
        self.receiver = receiver
        self.targets = targets
        """Where to send: one URL, or the cluster's servers (on to the next on failure)."""
        self.url = targets.current()
        self.channel = channel_name(service.node_id, receiver)
        cfg = service.settings
        self.backoff = Backoff(initial=cfg.retry_initial, maximum=cfg.retry_maximum, jitter=1.0)
        self.max_bytes = cfg.batch_bytes
        self.live = service.live.channel(self.channel, "push")
        self.live.peer_url = self.url
        self.attempt = 0
        self._resend_from: int | None = None
        self.zstd = False
        """The receiver reads zstd batches (it said so: ``Accept-Encoding`` in its answer)."""
        self._moved = False

    def run(self) -> None:
        db = self.service.require_db()
        while not self.stopping:
            if self.service.clustered and not self._lease():
                self.pause(LEASE_TTL / 3)
                continue
            with db.read() as session:
                ch = session.get(Channel, self.channel)
                acked = ch.last_acked if ch is not None else 0
                last = ch.last_seq if ch is not None else 0
                after = acked if self._resend_from is None else self._resend_from - 1
                docs = outbox.batch(
                    session, self.channel, after, self.service.settings.batch_docs, self.max_bytes
                )
            if docs and docs[0].seq != after + 1:
                self._error(
                    f"{self.receiver} expects document {after + 1} of {self.channel}, but this "
                    f"node's outbox starts at {docs[0].seq} (pruned after an earlier "
                    "acknowledgement): reset the channel on the receiver"
                )
                self.pause(self.backoff.delay(self.attempt))
                self.attempt += 1
                continue
            if not docs:
                self.live.state = "idle" if self.live.state != "error" else "error"
                self.idle(IDLE_CHECK)
                continue
            self.url = self.live.peer_url = self.targets.current()
            if self._send(docs, acked, last):
                self.attempt = 0
            elif self._moved and self.attempt < len(self.targets):
                self.attempt += 1  # another server: try it at once
            else:
                self.pause(self.backoff.delay(self.attempt))
                self.attempt += 1

    def _lease(self) -> bool:
        db = self.service.require_db()
        with db.write() as session:
            return leases.try_acquire(
                session, f"bridge.push:{self.channel}", self.service.holder, LEASE_TTL
            )

    def _send(self, docs: list[Document], acked: int, last: int) -> bool:
        """POST one batch; True when it went through without an error."""
        body = b"".join(d.render() for d in docs)
        plain = len(body)
        headers = {"Content-Type": "application/x-ukm-documents"}
        packed = self.zstd and plain >= encoding.BATCH_MIN
        if packed:
            body = encoding.compress(body)
            headers["Content-Encoding"] = encoding.ZSTD
        self._moved = False
        try:
            with self.waiting():
                r = self.service.client.request(
                    "POST",
                    self.url,
                    "/mailbox/v1/inbox",
                    peer=self.receiver,
                    body=body,
                    headers=headers,
                )
        except BridgeError as exc:
            self._error(f"{exc}")
            self._moved = self.targets.failed(self.url, str(exc))
            return False
        if r.status < 500:
            self.zstd = encoding.accepts(r.headers.get("Accept-Encoding"))
        if packed and r.status in (400, 415) and not self.zstd:
            log.warning("%s: %s refused a compressed batch; sending plain", self.channel, self.url)
            return True
        try:
            answer: dict[str, Any] = json.loads(r.data) if r.data else {}
        except ValueError:
            answer = {}
        if r.status == 413 and len(docs) > 1:
            self.max_bytes = max(1, self.max_bytes // 2)
            log.warning(
                "%s: receiver refused %d bytes; batches now ≤ %d",
                self.channel,
                plain,
                self.max_bytes,
            )
            return True
        their = answer.get("acked")
        if isinstance(their, int):
            if their > last:
                self._error(
                    f"{self.receiver} has applied documents up to {their} of {self.channel}, but "
                    f"this node only ever queued {last}: this database was restored or replaced; "
                    "reset the channel on the receiver before sending more"
                )
                return False
            self._record_ack(their, docs[-1].seq)
        if r.status == 200:
            self._resend_from = None
            self.live.ok()
            self.live.docs += len(docs)
            self.live.bytes += plain
            self.live.wire_bytes += len(body)
            return True
        expected = answer.get("expected")
        if r.status == 409 and isinstance(expected, int):
            if expected <= acked:
                log.error(
                    "%s: the receiver expects seq %d although it acknowledged %d before "
                    "(its database was restored?); sending again from %d",
                    self.channel,
                    expected,
                    acked,
                    expected,
                )
            if self._resend_from == expected:
                self._error(
                    f"{self.receiver} keeps asking for document {expected} of "
                    f"{self.channel}; sending it again did not help"
                )
                return False
            self._resend_from = expected
            self.live.contact()
            return True
        err = answer.get("error") if isinstance(answer.get("error"), dict) else answer
        message = err.get("message") if isinstance(err, dict) else None
        why = f"{self.receiver} refused the batch (HTTP {r.status}): {message or r.data[:200]!r}"
        self._error(why)
        if r.status >= 500:
            self._moved = self.targets.failed(self.url, why)
        return False

    def _record_ack(self, upto: int, sent: int) -> None:
        db = self.service.require_db()
        with db.write() as session:
            outbox.ack(session, self.channel, upto)
            outbox.mark_sent(session, self.channel, sent)
            ch = session.get(Channel, self.channel)
            if ch is not None and ch.last_error:
                ch.last_error = None
        self.live.last_sent = max(self.live.last_sent, sent)
        Cooperator().tick()

    def _error(self, message: str) -> None:
        if self.live.error(message):
            log.warning("%s: %s", self.channel, message)
            with self.service.require_db().write() as session:
                outbox.set_channel_error(session, self.channel, message)

    def stats(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "url": self.url,
            "attempt": self.attempt,
            **self.live.to_json(),
        }
