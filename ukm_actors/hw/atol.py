"""ATOL fiscal registers through the driver's web server: JSON tasks over HTTP.

The ATOL KKT driver v10 ships a web server (default port 16732) that runs
the driver's JSON tasks ("JSON-задания") on the register: ``POST
/api/v2/requests`` with ``{"uuid": ..., "request": [task, ...]}`` queues
them (201; 409 if that uuid was already queued), ``GET
/api/v2/requests/{uuid}`` gives their results (``status`` wait /
inProgress / ready / error / interrupted / blocked / canceled, the
driver's ``errorCode`` and ``errorDescription``, and the task's ``result``).
A queued uuid is never executed twice, so asking again after a lost answer
is safe; the server keeps the results and resolves a task it lost the
register on ("blocked") by reading the fiscal storage's last document.

The format followed and the fields used are listed in ``docs/devices.md``.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import urllib3

from ukm_actors.hw.errors import DeviceError, DeviceUnavailable
from ukm_actors.hw.fiscal import (
    FiscalReceipt,
    FiscalRefused,
    FiscalRegister,
    FiscalResult,
    FiscalUnknown,
    RegisterHealth,
    ShiftState,
)
from ukm_actors.i18n import Text, _

log = logging.getLogger(__name__)

FINAL = ("ready", "error", "interrupted", "canceled")
"""Task states after which nothing more happens to the task."""

REFUSALS: dict[int, tuple[str, Text]] = {
    2: ("fiscal.offline", _("check the register's power and cable")),
    44: ("fiscal.paper_out", _("load paper into the register")),
    45: ("fiscal.paper_out", _("close the register's cover")),
    66: ("fiscal.sum", _("the payments do not cover the receipt; check the payments")),
    68: ("fiscal.shift_expired", _("the register's shift is over 24 hours: close it (Z report)")),
    73: ("fiscal.shift_closed", _("open the shift")),
    80: ("fiscal.no_cash", _("there is not that much cash in the register's drawer")),
    83: ("fiscal.shift_open", _("close the register's shift first")),
    70: ("fiscal.fn_full", _("the fiscal storage is full: have it replaced")),
    121: ("fiscal.fn_full", _("the fiscal storage is full: have it replaced")),
    120: ("fiscal.fn_expired", _("the fiscal storage has expired: have it replaced")),
    137: ("fiscal.fn_expired", _("the fiscal storage's resource is spent: have it replaced")),
    227: ("fiscal.sum", _("the receipt's sums do not add up; check the lines")),
}
"""The register's error codes we act on: our code and the cashier's hint."""


class FiscalRequestUnknown(DeviceError):
    """The register's server has no task with that uuid (never received, or forgotten)."""

    code = "fiscal.request_unknown"


def money(kopecks: int) -> float:
    """Kopecks as the wire's decimal number (exact to two places in its JSON text)."""
    return kopecks / 100


def kopecks(value: Any) -> int:
    """A decimal number of roubles from the wire as kopecks."""
    return int((Decimal(str(value)) * 100).to_integral_value())


def fiscal_result(params: dict[str, Any], warnings: Any = None) -> FiscalResult:
    """``fiscalParams`` of a task result as a ``FiscalResult``."""
    notes: tuple[str, ...] = ()
    if isinstance(warnings, dict):
        notes = tuple(sorted(k for k, v in warnings.items() if v))
    return FiscalResult(
        fn=str(params["fnNumber"]),
        fd=int(params["fiscalDocumentNumber"]),
        fp=str(params["fiscalDocumentSign"]),
        shift=int(params.get("shiftNumber") or 0),
        number=int(params.get("fiscalReceiptNumber") or 0),
        registered_at=str(params["fiscalDocumentDateTime"]),
        total=kopecks(params.get("total") or 0),
        registration_number=str(params.get("registrationNumber") or ""),
        fns_url=str(params.get("fnsUrl") or ""),
        warnings=notes,
    )


def receipt_task(receipt: FiscalReceipt) -> dict[str, Any]:
    """The ``sell`` / ``sellReturn`` task of ``receipt``."""
    operator: dict[str, Any] = {"name": receipt.operator}
    if receipt.operator_vatin:
        operator["vatin"] = receipt.operator_vatin
    return {
        "type": receipt.kind,
        "taxationType": receipt.taxation,
        "operator": operator,
        "items": [
            {
                "type": "position",
                "name": i.name,
                "price": money(i.price),
                "quantity": i.quantity / 1000,
                "amount": money(i.amount),
                "measurementUnit": i.measure,
                "paymentMethod": i.payment_method,
                "paymentObject": i.payment_object,
                "tax": {"type": i.tax},
            }
            for i in receipt.items
        ],
        "payments": [{"type": p.kind, "sum": money(p.amount)} for p in receipt.payments],
        "total": money(receipt.total),
    }


class AtolWebRegister(FiscalRegister):
    """An ATOL register behind its driver's web server at ``url`` (``http://host:16732``)."""

    def __init__(
        self,
        url: str,
        *,
        poll: float = 0.05,
        connect_timeout: float = 2.0,
        taxation: str = "osn",
        operator_vatin: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.url = url.rstrip("/")
        self.taxation = taxation
        self.operator_vatin = operator_vatin
        self.timeout = timeout
        """Seconds a document may take (the till's default for ``register`` etc.)."""
        self.name = f"fiscal register at {self.url}"
        self.poll = poll
        self.connect_timeout = connect_timeout
        self._http: urllib3.PoolManager | None = None
        self.documents = 0

    # -- connection -------------------------------------------------------------------

    def open(self) -> None:
        self._http = urllib3.PoolManager(num_pools=1, maxsize=2, retries=False)
        self.shift_state(timeout=self.connect_timeout + 3.0)

    def close(self) -> None:
        if self._http is not None:
            self._http.clear()
            self._http = None

    def _request(
        self, method: str, path: str, body: Any = None, timeout: float = 5.0
    ) -> tuple[int, Any]:
        if self._http is None:
            raise DeviceUnavailable(f"{self.name} is not open", device=self.name)
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        try:
            response = self._http.request(
                method,
                self.url + path,
                body=data,
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=urllib3.Timeout(connect=self.connect_timeout, read=max(timeout, 0.1)),
                retries=False,
            )
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise TimeoutError(str(exc)) from exc
        except urllib3.exceptions.HTTPError as exc:
            raise DeviceUnavailable(
                f"{self.name} cannot be reached: {exc}",
                device=self.name,
                hint="check that the register and its driver's web server are on",
            ) from exc
        text = response.data.decode("utf-8", "replace")
        try:
            parsed = json.loads(text, parse_float=Decimal) if text.strip() else None
        except ValueError:
            parsed = text
        return response.status, parsed

    # -- tasks ------------------------------------------------------------------------

    def _submit(self, request_id: str, tasks: list[dict[str, Any]], timeout: float) -> None:
        try:
            status, answer = self._request(
                "POST", "/api/v2/requests", {"uuid": request_id, "request": tasks}, timeout
            )
        except TimeoutError:
            raise FiscalUnknown(
                f"{self.name} did not confirm request {request_id} within {timeout:g} s",
                request_id=request_id,
                device=self.name,
            ) from None
        if status in (200, 201, 409):
            return
        raise DeviceError(
            f"{self.name} refused request {request_id} (HTTP {status}): {answer}",
            device=self.name,
            hint="the request was malformed; nothing was registered",
        )

    def _results(self, request_id: str, timeout: float) -> list[dict[str, Any]]:
        try:
            status, answer = self._request("GET", f"/api/v2/requests/{request_id}", None, timeout)
        except TimeoutError:
            raise FiscalUnknown(
                f"{self.name} did not say what became of request {request_id}",
                request_id=request_id,
                device=self.name,
            ) from None
        if status == 404:
            raise FiscalRequestUnknown(f"{self.name} has no request {request_id}", device=self.name)
        if status != 200 or not isinstance(answer, dict):
            raise DeviceError(
                f"{self.name} answered HTTP {status} for request {request_id}: {answer}",
                device=self.name,
            )
        results = answer.get("results")
        if not isinstance(results, list):
            raise DeviceError(f"{self.name}: no results for {request_id}", device=self.name)
        return results

    def _wait(self, request_id: str, count: int, timeout: float) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            results = self._results(request_id, max(min(left, 5.0), 0.5))
            if len(results) >= count and all(r.get("status") in FINAL for r in results):
                return results
            if left <= 0:
                raise FiscalUnknown(
                    f"{self.name} has not finished request {request_id} within {timeout:g} s",
                    request_id=request_id,
                    device=self.name,
                )
            time.sleep(min(self.poll, max(left, 0.0)))

    def _refusal(self, result: dict[str, Any], what: str) -> FiscalRefused:
        code = int(result.get("errorCode") or 0)
        description = str(result.get("errorDescription") or result.get("status"))
        ours, hint = REFUSALS.get(code, ("fiscal.refused", _("see the register's display")))
        return FiscalRefused(
            f"{self.name} refused {what}: {description} (error {code})",
            register_code=code,
            description=description,
            device=self.name,
            code=ours,
            hint=hint,
        )

    def run(
        self, request_id: str, task: dict[str, Any], timeout: float, what: str
    ) -> dict[str, Any]:
        """Queue one task under ``request_id`` and wait for its result (or raise)."""
        self._submit(request_id, [task], timeout)
        try:
            result = self._wait(request_id, 1, timeout)[0]
        except (DeviceUnavailable, FiscalRequestUnknown) as exc:
            raise FiscalUnknown(
                f"{self.name} was lost while it ran request {request_id}: {exc}",
                request_id=request_id,
                device=self.name,
            ) from exc
        if result.get("status") != "ready":
            raise self._refusal(result, what)
        body = result.get("result")
        return body if isinstance(body, dict) else {}

    def _query(self, task: dict[str, Any], timeout: float) -> dict[str, Any]:
        return self.run(str(uuid.uuid4()), task, timeout, f"the query {task['type']}")

    # -- FiscalRegister ---------------------------------------------------------------

    def register(self, receipt: FiscalReceipt, request_id: str, timeout: float) -> FiscalResult:
        what = f"the {'return' if receipt.kind == 'sellReturn' else 'sale'} receipt"
        receipt = replace(
            receipt,
            taxation=self.taxation,
            operator_vatin=receipt.operator_vatin or self.operator_vatin,
        )
        body = self.run(request_id, receipt_task(receipt), timeout, what)
        self.documents += 1
        return fiscal_result(body["fiscalParams"], body.get("warnings"))

    def _shift_task(
        self, kind: str, operator: str, request_id: str, timeout: float
    ) -> FiscalResult:
        body = self.run(request_id, {"type": kind, "operator": {"name": operator}}, timeout, kind)
        self.documents += 1
        return fiscal_result(body["fiscalParams"], body.get("warnings"))

    def open_shift(self, operator: str, request_id: str, timeout: float) -> FiscalResult:
        return self._shift_task("openShift", operator, request_id, timeout)

    def close_shift(self, operator: str, request_id: str, timeout: float) -> FiscalResult:
        return self._shift_task("closeShift", operator, request_id, timeout)

    def cash(
        self, direction: str, amount: int, operator: str, request_id: str, timeout: float
    ) -> int:
        kind = "cashIn" if direction == "in" else "cashOut"
        task = {"type": kind, "operator": {"name": operator}, "cashSum": money(amount)}
        body = self.run(request_id, task, timeout, kind)
        return kopecks((body.get("counters") or {}).get("cashSum") or 0)

    def x_report(self, operator: str, request_id: str, timeout: float) -> None:
        self.run(request_id, {"type": "reportX", "operator": {"name": operator}}, timeout, "X")

    def _final(self, request_id: str, timeout: float) -> dict[str, Any]:
        results = self._results(request_id, timeout)
        if not results or any(r.get("status") not in FINAL for r in results):
            raise FiscalUnknown(
                f"{self.name} is still working on request {request_id}",
                request_id=request_id,
                device=self.name,
            )
        return results[0]

    def finished(self, request_id: str, timeout: float) -> bool:
        return self._final(request_id, timeout).get("status") == "ready"

    def outcome(self, request_id: str, timeout: float) -> FiscalResult | None:
        result = self._final(request_id, timeout)
        if result.get("status") != "ready":
            return None
        body = result.get("result") or {}
        params = body.get("fiscalParams") if isinstance(body, dict) else None
        if not params:
            return None
        return fiscal_result(params, body.get("warnings"))

    def last_document(self, timeout: float, *, receipt: bool = True) -> FiscalResult:
        body = self._query({"type": "getLastFiscalParams", "forReceipt": receipt}, timeout)
        return fiscal_result(body["fiscalParams"])

    def shift_state(self, timeout: float) -> ShiftState:
        body = self._query({"type": "getShiftStatus"}, timeout)
        s = body.get("shiftStatus") or {}
        return ShiftState(
            state=str(s.get("state") or "closed"),
            number=int(s.get("number") or 0),
            expires_at=str(s.get("expiredTime") or ""),
        )

    def health(self, timeout: float) -> RegisterHealth:
        tasks = [
            {"type": "getShiftStatus"},
            {"type": "getDeviceStatus"},
            {"type": "getFnInfo"},
            {"type": "ofdExchangeStatus"},
        ]
        request_id = str(uuid.uuid4())
        self._submit(request_id, tasks, timeout)
        results = self._wait(request_id, len(tasks), timeout)
        for r in results:
            if r.get("status") != "ready":
                raise self._refusal(r, "a status query")
        shift, device, fn, ofd = (r.get("result") or {} for r in results)
        return health_from(shift, device, fn, ofd)

    def status(self) -> dict[str, Any]:
        return {"device": self.name, "open": self._http is not None, "documents": self.documents}


def health_from(
    shift: dict[str, Any], device: dict[str, Any], fn: dict[str, Any], ofd: dict[str, Any]
) -> RegisterHealth:
    """``RegisterHealth`` from the results of the four status tasks."""
    s = shift.get("shiftStatus") or {}
    d = device.get("deviceStatus") or {}
    info = fn.get("fnInfo") or {}
    warnings = info.get("warnings") or {}
    o = ofd.get("status") or {}
    return RegisterHealth(
        shift=ShiftState(
            str(s.get("state") or "closed"),
            int(s.get("number") or 0),
            str(s.get("expiredTime") or ""),
        ),
        paper=bool(d.get("paperPresent", True)),
        fn_serial=str(info.get("serial") or ""),
        fn_valid_until=str(info.get("validityDate") or ""),
        fn_warnings=tuple(sorted(k for k, v in warnings.items() if v)),
        unsent_count=int(o.get("notSentCount") or 0),
        unsent_oldest=str(o.get("notSentFirstDocDateTime") or ""),
        model=str(d.get("modelName") or ""),
    )
