"""What the bridge knows only in memory: long-poll wake-ups and live counters.

Long-poll waiters are request greenlets; they wait on a gevent ``Event``
per channel, which ``notify`` sets. This is deliberately not an actor: a
waiter that had to go through a mailbox would add a hop to every poll, and
a busy mailbox would delay every till's wake-up. In a cluster the
notification also goes through PostgreSQL (``cluster.py``), and every
waiter re-reads the database every ``[bridge] poll_recheck`` seconds, so a
lost wake-up costs at most that long.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import gevent.event

from ukm_actors.isotime import iso

ChannelState = Literal["idle", "ok", "error"]
"""A link's state in ``/status``: ``idle`` (nothing sent yet, or nothing to send
and no error), ``ok`` (the last exchange worked), ``error`` (the last one failed:
``last_error``, ``error_since``)."""
ChannelRole = Literal["", "push", "pull", "serve", "inbox"]
"""What this node does on a channel: ``push`` its outbox, ``pull`` a peer's,
``serve`` it to a peer, take it into its ``inbox``; empty until a worker says."""


class ChannelSignals:
    """Channel name → an event that the next ``notify`` sets."""

    def __init__(self) -> None:
        self._events: dict[str, gevent.event.Event] = {}

    def event(self, channel: str) -> gevent.event.Event:
        """The event the next ``notify(channel)`` sets: take it *before* reading
        the database, then wait on it, and no wake-up is lost in between."""
        ev = self._events.get(channel)
        if ev is None:
            ev = self._events[channel] = gevent.event.Event()
        return ev

    def notify(self, channel: str) -> None:
        ev = self._events.pop(channel, None)
        if ev is not None:
            ev.set()

    def notify_all(self) -> None:
        events, self._events = self._events, {}
        for ev in events.values():
            ev.set()


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass
class Transfer:
    """One document on its way (a till's download, or the server sending it).

    Byte counts are of what travels (compressed when it is): ``done`` of
    ``total``, this attempt having started at ``offset`` (0, or where a
    resume continued from); ``resumes`` counts the attempts that continued
    a broken one.
    """

    seq: int
    total: int
    coding: str = "identity"
    done: int = 0
    offset: int = 0
    resumes: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: bool = False

    def restart(self, offset: int, total: int) -> None:
        """A new attempt at the same document, from ``offset``."""
        if offset > 0:
            self.resumes += 1
        self.offset = self.done = offset
        self.total = total
        self.started = time.monotonic()
        self.finished = False

    def rate(self) -> float:
        """Bytes per second of the current attempt."""
        elapsed = time.monotonic() - self.started
        return (self.done - self.offset) / elapsed if elapsed > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "coding": self.coding,
            "done": self.done,
            "total": self.total,
            "percent": round(100 * self.done / self.total, 1) if self.total else 100.0,
            "rate_bps": round(self.rate()),
            "offset": self.offset,
            "resumes": self.resumes,
            "finished": self.finished,
        }


@dataclass
class LiveChannel:
    """Counters of one channel since this process started."""

    channel: str
    role: ChannelRole = ""
    peer_url: str = ""
    state: ChannelState = "idle"
    last_contact: datetime | None = None
    last_error: str | None = None
    error_since: datetime | None = None
    last_sent: int = 0
    docs: int = 0
    bytes: int = 0
    """Document bytes moved (decoded)."""
    wire_bytes: int = 0
    """Bytes that crossed the network for them (compressed, or not)."""
    resumed: int = 0
    corrupt: int = 0
    polls_waiting: int = 0
    transfer: Transfer | None = None
    """The document being downloaded or served now (or the last one, ``finished``)."""
    dirty: bool = False

    def transfer_of(self, seq: int, total: int, coding: str, offset: int) -> Transfer:
        """Record an attempt at document ``seq`` from ``offset`` (a resume when > 0)."""
        t = self.transfer
        if t is None or t.seq != seq or t.coding != coding:
            t = self.transfer = Transfer(seq, total, coding, offset, offset, int(offset > 0))
        else:
            t.restart(offset, total)
        return t

    def contact(self) -> None:
        self.last_contact = now_utc()
        self.dirty = True

    def ok(self) -> bool:
        """Record a good exchange; True when this ends an error."""
        self.contact()
        self.state = "ok"
        if self.last_error is None:
            return False
        self.last_error = None
        self.error_since = None
        return True

    def error(self, message: str) -> bool:
        """Record an error; True when it is a new one (not the same again)."""
        self.state = "error"
        if self.last_error is None:
            self.error_since = now_utc()
        message = message[:1000]
        new = message != self.last_error
        self.last_error = message
        self.dirty = True
        return new

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "url": self.peer_url or None,
            "state": self.state,
            "last_contact": iso(self.last_contact),
            "last_error": self.last_error,
            "error_since": iso(self.error_since),
            "docs": self.docs,
            "bytes": self.bytes,
            "wire_bytes": self.wire_bytes,
            "resumed": self.resumed,
            "corrupt": self.corrupt,
            "polls_waiting": self.polls_waiting,
            "transfer": self.transfer.to_json() if self.transfer is not None else None,
        }


@dataclass
class Contact:
    when: datetime
    version: str | None
    url: str | None
    flushed: bool = False


@dataclass
class LiveStats:
    channels: dict[str, LiveChannel] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    """Peer id → when it was last heard from (flushed to ``bridge_peer``)."""

    def channel(self, name: str, role: ChannelRole = "") -> LiveChannel:
        live = self.channels.get(name)
        if live is None:
            live = self.channels[name] = LiveChannel(name, role)
        elif role and not live.role:
            live.role = role
        return live

    def heard_from(self, node_id: str, version: str | None, url: str | None) -> None:
        self.contacts[node_id] = Contact(now_utc(), version, url)
