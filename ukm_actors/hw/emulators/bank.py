"""A bank card terminal on a TCP port, speaking the JSON-lines protocol of ``hw.bank``.

What it answers is decided per request: first by the behaviours queued
with ``script(...)`` (one per pay/refund request, in order), then by
``policy`` (by default: amounts ending in 99 kopecks are declined,
everything else approved). Behaviours: ``Approve(delay)``,
``Decline(reason, delay)``, ``NoAnswer()`` (waits until cancelled or
stopped), ``CustomerCancels(delay)``. A ``cancel`` for a receipt whose
operation is still waiting aborts it ("cancelled"). The ``ledger`` holds
approved payments and refunds, so tests can assert nothing was charged
twice; a refund must name the rrn of a payment and not exceed what is left.

Terminals given one ``Acquirer`` are one merchant's terminals at one bank: their
rrns are unique among them and a refund at one may return a payment taken at
another (a return at another till of the store, as a real acquirer allows).
Each terminal's ``ledger`` still lists only its own operations.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ukm_actors.domain.money import Money
from ukm_actors.hw.emulators._tcp import TcpEmulator


@dataclass(frozen=True)
class Approve:
    """Approve, after ``delay`` seconds (the customer entering a PIN), or once the test sets
    ``when`` (the PIN entered exactly when the test says)."""

    delay: float = 0.0
    when: threading.Event | None = None


@dataclass(frozen=True)
class Decline:
    """Decline with the terminal's ``reason``."""

    reason: str = "declined by the issuer"
    delay: float = 0.0


@dataclass(frozen=True)
class NoAnswer:
    """Never answer (until the till cancels, or the emulator stops)."""


@dataclass(frozen=True)
class CustomerCancels:
    """The customer presses cancel on the terminal after ``delay`` seconds."""

    delay: float = 0.0


Scripted = Approve | Decline | NoAnswer | CustomerCancels


@dataclass(frozen=True)
class LedgerEntry:
    """An approved operation: money moved."""

    op: Literal["pay", "refund"]
    amount: Money
    rrn: str
    ref: str
    refund_of: str = ""


def default_policy(request: dict[str, Any]) -> Scripted:
    """Amounts ending in 99 kopecks are declined ("insufficient funds"); others approved."""
    amount = request.get("amount")
    if request.get("op") == "pay" and isinstance(amount, int) and amount % 100 == 99:
        return Decline("insufficient funds (emulator rule: amounts ending in .99)")
    return Approve()


class Acquirer:
    """The bank behind one or more emulated terminals: the rrns it gave and what each
    payment has left to refund."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rrn = 0
        self._entries: list[LedgerEntry] = []

    def approve(self, request: dict[str, Any]) -> tuple[LedgerEntry | None, str]:
        """Book an approved pay/refund request: (its entry, ""), or (None, why a refund is
        declined)."""
        with self._lock:
            if request["op"] == "refund":
                problem = self._refund_problem(request)
                if problem:
                    return None, problem
            self._rrn += 1
            entry = LedgerEntry(
                op=request["op"],
                amount=request["amount"],
                rrn=f"{self._rrn:012d}",
                ref=str(request["ref"]),
                refund_of=str(request.get("rrn") or ""),
            )
            self._entries.append(entry)
            return entry, ""

    def _refund_problem(self, request: dict[str, Any]) -> str:
        paid = [e for e in self._entries if e.op == "pay" and e.rrn == request["rrn"]]
        if not paid:
            return f"no payment with rrn {request['rrn']}"
        refunded = sum(e.amount for e in self._entries if e.refund_of == request["rrn"])
        if request["amount"] > paid[0].amount - refunded:
            left = paid[0].amount - refunded
            return f"refund exceeds what is left of payment {request['rrn']} ({left} kopecks)"
        return ""


@dataclass
class _Pending:
    request: dict[str, Any]
    conn: socket.socket
    cancelled: threading.Event


class BankTerminalEmulator(TcpEmulator):
    """A scripted card terminal on ``socket://127.0.0.1:PORT``."""

    what = "bank terminal"

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, acquirer: Acquirer | None = None
    ) -> None:
        super().__init__(host, port)
        self.acquirer = acquirer or Acquirer()
        self.policy: Callable[[dict[str, Any]], Scripted] = default_policy
        self._script: deque[Scripted] = deque()
        self._ledger: list[LedgerEntry] = []
        self._requests: list[dict[str, Any]] = []
        self._pending: dict[str, _Pending] = {}

    def script(self, *behaviours: Scripted) -> None:
        """Queue behaviours for the next pay/refund requests, one each, in order."""
        with self._lock:
            self._script.extend(behaviours)

    def set_policy(self, policy: Callable[[dict[str, Any]], Scripted]) -> None:
        """Decide requests that no scripted behaviour is queued for."""
        with self._lock:
            self.policy = policy

    def ledger(self) -> list[LedgerEntry]:
        """Approved payments and refunds, in order."""
        with self._lock:
            return list(self._ledger)

    def charged(self, ref: str | None = None) -> Money:
        """Payments minus refunds, for one receipt or for all."""
        with self._lock:
            return sum(
                e.amount if e.op == "pay" else -e.amount
                for e in self._ledger
                if ref is None or e.ref == ref
            )

    def requests(self) -> list[dict[str, Any]]:
        """Every request received, in order."""
        with self._lock:
            return list(self._requests)

    def wait_pending(self, ref: str, timeout: float = 2.0) -> bool:
        """Wait until an operation for ``ref`` is waiting for its answer; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: ref in self._pending, timeout)

    def wait_requests(self, count: int, timeout: float = 2.0) -> bool:
        """Wait until ``count`` requests have been received; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: len(self._requests) >= count, timeout)

    def stop(self) -> None:
        with self._lock:
            pending = list(self._pending.values())
        for p in pending:
            p.cancelled.set()
        super().stop()

    def serve(self, conn: socket.socket) -> None:
        buffer = b""
        while not self.stopping.is_set():
            chunk = conn.recv(4096)
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.strip():
                    self._handle(conn, line)

    def _reply(self, conn: socket.socket, request: dict[str, Any], **fields: Any) -> None:
        answer = {"v": 1, "id": request.get("id"), **fields}
        self.send(conn, (json.dumps(answer, ensure_ascii=True) + "\n").encode("ascii"))

    def _handle(self, conn: socket.socket, line: bytes) -> None:
        try:
            request = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError):
            self.send(conn, b'{"v":1,"id":null,"status":"error","message":"not JSON"}\n')
            return
        if not isinstance(request, dict):
            self._reply(conn, {}, status="error", message="a request must be a JSON object")
            return
        with self._lock:
            self._requests.append(request)
            self._lock.notify_all()
        op = request.get("op")
        if op == "ping":
            self._reply(conn, request, status="ok")
        elif op == "cancel":
            self._cancel(conn, request)
        elif op in ("pay", "refund"):
            error = self._invalid(request)
            if error:
                self._reply(conn, request, status="error", message=error)
                return
            with self._lock:
                behaviour = self._script.popleft() if self._script else self.policy(request)
                pending = _Pending(request, conn, threading.Event())
                self._pending[str(request["ref"])] = pending
                self._lock.notify_all()
            self._spawn(self._run, "op", pending, behaviour)
        else:
            self._reply(conn, request, status="error", message=f"unknown op {op!r}")

    def _invalid(self, request: dict[str, Any]) -> str:
        amount = request.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            return "amount must be a positive integer of kopecks"
        if not isinstance(request.get("ref"), str) or not request["ref"]:
            return "ref is required"
        if request["op"] == "refund" and not request.get("rrn"):
            return "a refund needs the rrn of the payment"
        return ""

    def _cancel(self, conn: socket.socket, request: dict[str, Any]) -> None:
        with self._lock:
            pending = self._pending.get(str(request.get("ref")))
        if pending is not None:
            pending.cancelled.set()
        self._reply(conn, request, status="ok", cancelled=pending is not None)

    def _run(self, pending: _Pending, behaviour: Scripted) -> None:
        request = pending.request
        ref = str(request["ref"])
        if isinstance(behaviour, NoAnswer):
            cancelled = pending.cancelled.wait()
        elif isinstance(behaviour, Approve) and behaviour.when is not None:
            while not (pending.cancelled.is_set() or self.stopping.is_set()):
                if behaviour.when.wait(0.05):
                    break
            cancelled = pending.cancelled.is_set()
        elif behaviour.delay > 0:
            cancelled = pending.cancelled.wait(timeout=behaviour.delay)
        else:
            cancelled = pending.cancelled.is_set()
        with self._lock:
            if self._pending.get(ref) is pending:
                del self._pending[ref]
        if self.stopping.is_set():
            return
        if cancelled:
            self._reply(pending.conn, request, status="cancelled", message="cancelled by the till")
        elif isinstance(behaviour, CustomerCancels):
            self._reply(
                pending.conn, request, status="cancelled", message="cancelled by the customer"
            )
        elif isinstance(behaviour, Decline):
            self._reply(pending.conn, request, status="declined", message=behaviour.reason)
        elif isinstance(behaviour, Approve):
            self._approve(pending.conn, request)

    def _approve(self, conn: socket.socket, request: dict[str, Any]) -> None:
        entry, problem = self.acquirer.approve(request)
        if entry is None:
            self._reply(conn, request, status="declined", message=problem)
            return
        rrn = entry.rrn
        with self._lock:
            self._ledger.append(entry)
        auth_code = f"{(int(rrn) * 7919) % 1_000_000:06d}"
        self._reply(
            conn,
            request,
            status="approved",
            rrn=rrn,
            auth_code=auth_code,
            card_mask="220220******1234",
            message="approved",
        )
