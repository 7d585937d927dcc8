"""The bridge's housekeeping actors.

- ``TillQueue`` (cash server, one per registered till, children of
  ``bridge_queues``): owns the till's document queue ``server>till``: prunes
  its acknowledged documents after ``[bridge] retention`` (in a cluster,
  only the process holding the lease ``bridge.queue:<till>`` does) and
  reports the queue (``stats``). The long-poll waiters themselves are
  request greenlets waiting on ``ChannelSignals`` (see ``live.py``).
- ``Maintenance`` (every node with a database): writes the live contact
  times and errors to ``bridge_peer``/``bridge_channel``, forgets old
  nonces, prunes the other outgoing channels and unreferenced bodies, and
  on the cash server keeps one ``TillQueue`` per enabled till and a push
  sender to the marketing server once it has reported its URL.
- ``KeyRefresher`` (every node but the server): re-reads its callers' keys
  from the cash server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pykka
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ukm_actors.bridge import outbox, peers
from ukm_actors.bridge.documents import channel_name, split_channel, utc_now_iso
from ukm_actors.bridge.errors import BridgeError
from ukm_actors.bridge.models import Channel
from ukm_actors.bridge.worker import Worker
from ukm_actors.db import leases
from ukm_actors.supervision import Backoff, ChildSpec

if TYPE_CHECKING:
    from ukm_actors.bridge.service import BridgeService

log = logging.getLogger(__name__)

TICK = 0.5
SYNC_EVERY = 2.0
FLUSH_EVERY = 5.0
CLEAN_EVERY = 60.0
QUEUES = "bridge_queues"


def queue_name(till: str) -> str:
    return f"queue.{till}"


class TillQueue(Worker):
    """The cash server's document queue for one till."""

    def __init__(self, service: BridgeService, till: str) -> None:
        super().__init__()
        self.service = service
        self.till = till
        self.channel = channel_name(service.node_id, till)
        self.live = service.live.channel(self.channel, "serve")
        self.pruned = 0

    def run(self) -> None:
        every = max(1.0, min(self.service.settings.retention / 4, 600.0))
        while not self.stopping:
            self.prune()
            self.pause(every)

    def prune(self) -> int:
        """Delete this till's acknowledged documents older than the retention."""
        db = self.service.require_db()
        with db.write() as session:
            if self.service.clustered and not leases.try_acquire(
                session, f"bridge.queue:{self.till}", self.service.holder, 900.0
            ):
                return 0
            n = outbox.prune(
                session, self.channel, utc_now_iso(seconds_ago=self.service.settings.retention)
            )
        self.pruned += n
        return n

    def stats(self) -> dict[str, Any]:
        """Sent/acked seq, pending documents and bytes, live counters."""
        from ukm_actors.bridge import monitoring

        db = self.service.require_db()
        with db.read() as session:
            view = monitoring.channel(session, self.channel)
        return {**view, "live": self.live.to_json(), "pruned": self.pruned}


def _queue_starter(service: BridgeService, till: str) -> Callable[[], pykka.ActorRef[Any]]:
    return lambda: TillQueue.start(service, till)


class Maintenance(Worker):
    """Flushes live facts to the database and keeps the dynamic bridge actors."""

    def __init__(self, service: BridgeService) -> None:
        super().__init__()
        self.service = service
        self._last: dict[str, float] = {}

    def _due(self, what: str, every: float) -> bool:
        now = time.monotonic()
        if now - self._last.get(what, -1e9) >= every:
            self._last[what] = now
            return True
        return False

    def run(self) -> None:
        while not self.stopping:
            if self.service.is_server and self._due("sync", SYNC_EVERY):
                self.sync_peers()
            if self._due("flush", FLUSH_EVERY):
                self.flush()
            if self._due("clean", CLEAN_EVERY):
                self.clean()
            self.idle(TICK)

    def on_stop(self) -> None:
        self.service.close()
        super().on_stop()

    def on_receive(self, message: Any) -> Any:
        if message == "sync":
            self._last.pop("sync", None)
        return super().on_receive(message)

    # -- cash server: one queue per till, a push sender to marketing ------------

    def sync_peers(self) -> None:
        svc = self.service
        db = svc.require_db()
        with db.read() as session:
            tills = [p.node_id for p in peers.list_peers(session, kind="till") if p.enabled]
            marketing = [p for p in peers.list_peers(session, kind="marketing") if p.enabled]
        sup = svc.names.find(QUEUES)
        if sup is not None:
            self._sync_children(sup, {queue_name(t): t for t in tills})
        for m in marketing:
            heard = svc.live.contacts.get(m.node_id)
            url = (heard.url if heard is not None else None) or m.url
            if url:
                svc.add_push(m.node_id, url)

    def _sync_children(self, sup: pykka.ActorRef[Any], want: dict[str, str]) -> None:
        proxy = sup.proxy()
        try:
            have = set(proxy.children().get(timeout=5))
            for name in sorted(set(want) - have):
                till = want[name]
                proxy.start_child(
                    ChildSpec(
                        name,
                        _queue_starter(self.service, till),
                        backoff=Backoff(initial=1.0, maximum=30.0),
                    )
                ).get(timeout=10)
            for name in sorted(have - set(want)):
                proxy.stop_child(name).get(timeout=10)
        except (pykka.ActorDeadError, pykka.Timeout) as exc:
            log.info("cannot sync the till queues now: %r", exc)

    # -- flushing and cleaning ------------------------------------------------------

    def flush(self) -> None:
        svc = self.service
        db = svc.require_db()
        contacts = [(k, c) for k, c in list(svc.live.contacts.items()) if not c.flushed]
        dirty = [c for c in list(svc.live.channels.values()) if c.dirty]
        if not contacts and not dirty:
            return
        with db.write() as session:
            for node, c in contacts:
                peers.record_contact(session, node, c.when, c.version, c.url)
                c.flushed = True
            for live in dirty:
                values: dict[str, Any] = {"last_error": live.last_error}
                if live.last_contact is not None:
                    values["last_contact"] = live.last_contact
                session.execute(
                    update(Channel)
                    .where(Channel.channel == live.channel)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
                if live.last_sent:
                    outbox.mark_sent(session, live.channel, live.last_sent)
                live.dirty = False

    def clean(self) -> None:
        svc = self.service
        db = svc.require_db()
        svc.nonces.purge(time.time())
        with db.write() as session:
            if svc.clustered and not leases.try_acquire(
                session, f"bridge.prune:{svc.node_id}", svc.holder, 900.0
            ):
                return
            cutoff = utc_now_iso(seconds_ago=svc.settings.retention)
            names = session.execute(
                select(Channel.channel).where(Channel.direction == "out")
            ).scalars()
            for name in list(names):
                if svc.names.find(queue_name(split_channel(name)[1])) is not None:
                    continue  # its TillQueue prunes it
                outbox.prune(session, name, cutoff)
            try:
                with session.begin_nested():
                    outbox.prune_blobs(session)
            except IntegrityError:
                # PostgreSQL: another process queued a document on a body we were
                # deleting; it stays, and the next round looks again.
                log.info("a body being pruned was just queued again; kept")


class KeyRefresher(Worker):
    """Keeps the keys of this node's callers fresh (nodes other than the server)."""

    def __init__(self, service: BridgeService) -> None:
        super().__init__()
        self.service = service

    def on_stop(self) -> None:
        self.service.close()  # the only bridge actor of the roles without a database
        super().on_stop()

    def run(self) -> None:
        keys = self.service.cached_keys
        assert keys is not None
        keys.load()
        every = self.service.settings.keys_refresh
        while not self.stopping:
            try:
                keys.refresh()
                wait = every
            except BridgeError as exc:
                log.info("peer keys not refreshed: %s", exc)
                wait = min(30.0, every)
            self.pause(wait)
