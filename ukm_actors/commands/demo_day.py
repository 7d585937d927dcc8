"""A scripted store day at two tills, through their HTTP API (what ``ukm demo`` plays).

Everything goes through the real tills and server: cashiers log in, open
shifts, sell (cash, card, split, a declined card, a weighed item, an
age-restricted item, an additional price), a return of the other till's
receipt through the cash server, cash out with a supervisor, and shift close.
``StoreDay.record`` keeps what was sold, so the export files can be checked
against it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import urllib3

from ukm_actors.domain.money import format_money, format_quantity
from ukm_actors.errors import UkmError

SUPERVISOR = {"code": "1", "password": "QR:17-ADM-0001"}
REGISTER_ATTEMPTS = 5
"""How many times the day registers a receipt again after the fiscal register failed."""
"""Store 17's administrator in the example catalog (role 13: may grant rights)."""


class TillRefused(UkmError):
    """The till answered a request with an error."""

    code = "demo.refused"

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(str(body.get("message") or body), code=str(body.get("code", "error")))
        self.status = status
        self.body = body


class TillClient:
    """A till's cashier API (``/api/v1``), its messages in English like the demo's own lines."""

    def __init__(self, name: str, url: str, http: urllib3.PoolManager) -> None:
        self.name = name
        self.url = url.rstrip("/") + "/api/v1"
        self.http = http

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        r = self.http.request(
            method,
            self.url + path,
            body=json.dumps(body or {}).encode() if method != "GET" else None,
            headers={"Content-Type": "application/json", "Accept-Language": "en"},
        )
        data = json.loads(r.data) if r.data else {}
        if r.status >= 400:
            raise TillRefused(r.status, data)
        return data

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call("POST", path, body)


@dataclass
class StoreDay:
    """Plays the day and remembers what happened."""

    tills: dict[str, TillClient]
    scales: dict[str, Callable[[int], None]]
    say: Callable[[str], None] = print
    record: dict[str, Any] = field(
        default_factory=lambda: {"receipts": [], "cash": [], "shifts": []}
    )

    # -- small steps ------------------------------------------------------------------

    def login(self, till: str, code: str, password: str) -> None:
        who = self.tills[till].post("/login", {"code": code, "password": password})["cashier"]
        self.say(f"{till}: {who['name']} logs in")

    def open_shift(self, till: str) -> None:
        shift = self.tills[till].post("/shift/open")["shift"]
        self.say(f"{till}: shift {shift['shift_num']} opened")

    def add(self, till: str, what: str, **body: Any) -> dict[str, Any] | None:
        """Add a line; answers the till's questions (age, which price) like a cashier would."""
        client = self.tills[till]
        try:
            line: dict[str, Any] = client.post("/receipt/lines", body)["line"]
        except TillRefused as exc:
            question = exc.body.get("question") or {}
            if exc.code == "sale.age_confirm":
                self.say(f"{till}:   {what}: the till asks to check the buyer's age — confirmed")
                line = client.post("/receipt/lines", {**body, "age_confirmed": True})["line"]
            elif exc.code == "sale.choose_price":
                options = question.get("options") or []
                choice = options[-1]
                self.say(
                    f"{till}:   {what}: the till offers {len(options)} prices — "
                    f"the cashier picks {choice['name']} {format_money(choice['price'])}"
                )
                line = client.post("/receipt/lines", {**body, "price_type": choice["price_type"]})[
                    "line"
                ]
            elif exc.code == "sale.restricted":
                self.say(f"{till}:   {what}: refused by the till — {exc.message}")
                return None
            else:
                raise
        self.say(
            f"{till}:   + {line['name']}  {format_quantity(line['quantity'])} × "
            f"{format_money(line['price'])} = {format_money(line['amount'])}"
        )
        return line

    def receipt(self, till: str) -> dict[str, Any]:
        r: dict[str, Any] = self.tills[till].call("GET", "/receipt")["receipt"]
        return r

    def pay(self, till: str, kind: str, amount: int | None = None) -> dict[str, Any]:
        """Pay ``amount`` (default: what is due) by ``kind``; returns the till's answer."""
        client = self.tills[till]
        due = self.receipt(till)["totals"]["due"]
        answer: dict[str, Any] = client.post(
            "/receipt/payments", {"type": kind, "amount": due if amount is None else amount}
        )
        paid = answer["payment"]["amount"]
        self.say(f"{till}:   paid {format_money(paid)} by {kind}")
        return self._settle(till, answer)

    def _settle(self, till: str, answer: dict[str, Any]) -> dict[str, Any]:
        """A payment's answer: its receipt closed, or, when the fiscal register failed (a
        busy machine can make it late), registered again as a cashier would; else as is."""
        for _attempt in range(REGISTER_ATTEMPTS):
            if answer.get("closed") or not answer.get("fiscal_error"):
                break
            error = answer["fiscal_error"]
            self.say(f"{till}:   fiscal register: {error.get('message')}; registering again")
            time.sleep(1.0)
            try:
                answer = self.tills[till].post("/receipt/register", {})
            except TillRefused as exc:
                answer = {"fiscal_error": {"code": exc.code, "message": exc.message}}
        if answer.get("closed"):
            self._closed(till, answer)
        elif answer.get("fiscal_error"):
            raise TillRefused(0, answer["fiscal_error"])
        return answer

    def _closed(self, till: str, answer: dict[str, Any]) -> None:
        done = answer["closed"]
        totals = done.get("totals") or {}
        change = done.get("change") or totals.get("change") or 0
        text = f"{till}:   receipt {done['number']} closed: total {format_money(totals['total'])}"
        if change:
            text += f", change {format_money(change)}"
        printed = (answer.get("print") or {}).get("message")
        if printed:
            text += f" ({printed})"
        self.say(text)
        self.record["receipts"].append({"till": till, **done})

    # -- the day ----------------------------------------------------------------------

    def play(self) -> dict[str, Any]:
        t1, t2 = sorted(self.tills)
        self.say("\n== Morning: both tills open their shifts")
        self.login(t1, "104", "7741")
        self.open_shift(t1)
        self.login(t2, "105", "5530")
        self.open_shift(t2)

        self.say("\n== A sale paid in cash, with change")
        self.add(t1, "kefir", barcode="4600000000015")
        self.add(t1, "bread", barcode="4607001771234")
        total = self.receipt(t1)["totals"]["due"]
        self.pay(t1, "cash", ((total // 10000) + 1) * 10000)

        self.say("\n== A weighed item from the scales, paid by card")
        self.scales[t1](350)
        self.add(t1, "cheese (weighed)", article="000304")
        self.add(t1, "milk", barcode="4690228004612")
        sale_for_return = self.receipt(t1)["receipt_id"]
        self.pay(t1, "card")

        self.say("\n== A declined card leaves the receipt open; the customer pays cash")
        self.add(t1, "milk", barcode="4690228004612")
        try:
            self.pay(t1, "card")
        except TillRefused as exc:
            self.say(f"{t1}:   card declined: {exc.message}")
        self.pay(t1, "cash")

        self.say("\n== An age-restricted item and a split payment (part card, rest cash)")
        self.scales[t2](1200)
        self.add(t2, "apples (weighed)", article="300128")
        self.add(t2, "vodka", barcode="4600682000419")
        self.add(t2, "beer", barcode="4600721001230")
        due = self.receipt(t2)["totals"]["due"]
        self.pay(t2, "card", due // 2)
        self.pay(t2, "cash")

        self.say(f"\n== At {t2}, a customer returns the milk bought at {t1}")
        original = self.tills[t2].post(
            "/returns",
            {"receipt_id": sale_for_return, "lines": {"2": 1000}, "supervisor": SUPERVISOR},
        )
        for refund in original.get("refunds") or []:
            if refund.get("error"):
                self.say(
                    f"{t2}:   the {refund['type']} refund of {format_money(refund['amount'])} "
                    f"failed: {refund['error']}"
                )
                continue
            self.say(
                f"{t2}:   refunded {format_money(refund['amount'])} by {refund['type']} "
                "(the original means)"
            )
        settled = self._settle(t2, original)
        if not settled.get("closed"):  # a refund that did not cover it: the rest in cash
            due = self.receipt(t2)["totals"]["due"]
            answer = self.tills[t2].post(
                "/receipt/payments", {"type": "cash", "amount": due, "supervisor": SUPERVISOR}
            )
            self.say(f"{t2}:   refunded {format_money(due)} by cash")
            self._settle(t2, answer)

        self.say("\n== Cash out with the supervisor's approval, then closing")
        for till in (t1, t2):
            # 50.00: till 2 has only its split payment's 95.94 in cash (the register refuses
            # to pay out more than its drawer holds)
            move = self.tills[till].post("/cash/out", {"amount": 5000, "supervisor": SUPERVISOR})
            self.say(f"{till}: cash out 50.00, approved by the store administrator")
            self.record["cash"].append({"till": till, **move["cash_move"]})
        for till in (t1, t2):
            closed = self.tills[till].post("/shift/close")
            z = closed["z_report"]
            self.say(
                f"{till}: shift closed — sales {format_money(z['sales_total'])} "
                f"({z['sales_count']}), returns {format_money(z['returns_total'])}, "
                f"cash in drawer {format_money(z['cash_in_drawer'])}"
            )
            self.record["shifts"].append({"till": till, **closed["shift"]})
        return self.record
