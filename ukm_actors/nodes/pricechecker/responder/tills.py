"""Which till answers a price check: round robin over the store's tills, fail-over within
a deadline, and a short memory of tills that did not answer (a circuit breaker)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gevent
from gevent.lock import BoundedSemaphore

from ukm_actors.codecs.pricechecker import UNAVAILABLE, Answer
from ukm_actors.errors import UkmError

log = logging.getLogger(__name__)

LOOKUP_ASK = "prices.lookup"
BUSY = "price check busy: try again"

Ask = Callable[["TillRef", str, dict[str, Any], float], Any]
"""``ask(till, name, message, timeout)`` → the till's reply; raises on any failure."""


@dataclass(frozen=True)
class TillRef:
    """A till of the store that may answer price asks."""

    node_id: str
    number: int
    url: str


class TillFailed(UkmError):
    """A till did not give a usable answer (unreachable, too slow, refused, nonsense)."""

    code = "pricechecker.till_failed"


def till_refs(reply: Any) -> list[TillRef]:
    """The tills of a ``store.tills`` answer that have a URL (others cannot be asked)."""
    if not isinstance(reply, dict) or not isinstance(reply.get("tills"), list):
        raise TillFailed(f"the cash server's store.tills answer is not usable: {reply!r}")
    out = []
    for t in reply["tills"]:
        if isinstance(t, dict) and isinstance(t.get("url"), str) and t["url"]:
            out.append(TillRef(str(t.get("node_id", "")), int(t.get("number") or 0), t["url"]))
    return sorted(out, key=lambda t: (t.number, t.node_id))


def answer_from(barcode: str, reply: Any) -> Answer:
    """The device's answer from a ``prices.lookup`` reply; ``TillFailed`` if it is malformed."""
    if not isinstance(reply, dict) or not isinstance(reply.get("found"), bool):
        raise TillFailed(f"prices.lookup answered {reply!r}")
    if not reply["found"]:
        return Answer.not_found(barcode)
    name, price = reply.get("name"), reply.get("price")
    if not isinstance(name, str) or isinstance(price, bool) or not isinstance(price, int):
        raise TillFailed(f"prices.lookup answered {reply!r}")
    return Answer.found(barcode, name, price)


class TillPicker:
    """Answers price checks from the store's live tills.

    Each lookup starts at the next till in turn (spreading the load) and
    moves on when a till fails or is silent for ``deadline`` seconds. A till
    that failed goes to the back of the line for ``dead_for`` seconds: it is
    asked only when every other till has failed too (so a till that came
    back is found at once, and a hung one costs its deadline only when no
    other till answers). When no till answers, the answer is "price check
    unavailable: no till is running". At most ``concurrency`` asks are in
    flight to one till (the bridge keeps that many connections to a peer
    open; more would each open a new one); a lookup that cannot get a slot
    within the deadline moves on to the next till, and when every till was
    busy the answer is "price check busy: try again". Safe to use from many
    greenlets at once.
    """

    def __init__(
        self,
        ask: Ask,
        deadline: float,
        dead_for: float,
        clock: Callable[[], float] = time.monotonic,
        concurrency: int = 8,
    ) -> None:
        self.ask = ask
        self.concurrency = concurrency
        self._slots: dict[str, BoundedSemaphore] = {}
        self.deadline = deadline
        self.dead_for = dead_for
        self.clock = clock
        self.tills: list[TillRef] = []
        self._dead_until: dict[str, float] = {}
        self._last_error: dict[str, str] = {}
        self._turn = 0
        self.answered: dict[str, int] = {}
        self.unavailable = 0

    def set_tills(self, tills: list[TillRef]) -> None:
        self.tills = list(tills)
        known = {t.node_id for t in tills}
        for d in (self._dead_until, self._last_error):
            for k in [k for k in d if k not in known]:
                del d[k]

    def order(self) -> list[TillRef]:
        """The tills to try, in order: the healthy ones starting with the next in turn,
        then those that failed lately, the longest ago first."""
        now = self.clock()
        alive = [t for t in self.tills if self._dead_until.get(t.node_id, 0.0) <= now]
        dead = sorted(
            (t for t in self.tills if self._dead_until.get(t.node_id, 0.0) > now),
            key=lambda t: self._dead_until[t.node_id],
        )
        if alive:
            start = self._turn % len(alive)
            self._turn += 1
            alive = alive[start:] + alive[:start]
        return alive + dead

    def lookup(self, barcode: str) -> Answer:
        """What to show for ``barcode``."""
        busy = False
        for till in self.order():
            slots = self._slots.setdefault(till.node_id, BoundedSemaphore(self.concurrency))
            if not slots.acquire(timeout=self.deadline):
                busy = True
                continue
            try:
                late = TillFailed(f"no answer within {self.deadline:g} s")
                with gevent.Timeout(self.deadline + 0.25, late):
                    reply = self.ask(till, LOOKUP_ASK, {"barcode": barcode}, self.deadline)
                answer = answer_from(barcode, reply)
            except (UkmError, OSError) as exc:
                self._failed(till, exc)
                continue
            finally:
                slots.release()
            self._dead_until.pop(till.node_id, None)
            self.answered[till.node_id] = self.answered.get(till.node_id, 0) + 1
            return answer
        self.unavailable += 1
        return Answer.unavailable(BUSY if busy else UNAVAILABLE)

    def _failed(self, till: TillRef, exc: BaseException) -> None:
        self._dead_until[till.node_id] = self.clock() + self.dead_for
        text = f"{type(exc).__name__}: {exc}"
        if self._last_error.get(till.node_id) != text:
            log.warning("till %s did not answer a price check: %s", till.node_id, text)
        self._last_error[till.node_id] = text

    def status(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "tills": [
                {
                    "node_id": t.node_id,
                    "number": t.number,
                    "url": t.url,
                    "skipped_for_s": round(max(0.0, self._dead_until.get(t.node_id, 0.0) - now), 1),
                    "last_error": self._last_error.get(t.node_id),
                    "answered": self.answered.get(t.node_id, 0),
                }
                for t in self.tills
            ],
            "unavailable_answers": self.unavailable,
        }
