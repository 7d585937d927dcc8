"""HTTP API of the sales feature (employee login required).

- ``GET /api/v1/receipts?store=&till=&shift=&from=&to=&cashier=&min_total=&max_total=
  &article=&barcode=&payment=&number=&page=&per_page=&cursor=`` — newest first;
- ``GET /api/v1/receipts/<id>`` — one receipt in full (``id`` = its receipt id);
- ``GET /api/v1/shifts?store=&from=&to=&page=&per_page=&cursor=`` — shift closings.

Money is kopecks, quantities thousandths, in answers and in ``min_total`` /
``max_total`` (whole kopecks; ``485.46``, the roubles of an earlier version,
is refused with the kopeck value to write instead).
``from``/``to`` are ISO dates or date-times; without a zone they are in
``[server] report_timezone``; a plain date ``to`` includes that whole day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import bottle

from ukm_actors.codecs import jsonsafe
from ukm_actors.codecs.jsonsafe import MAX_INT
from ukm_actors.domain.money import MAX_COUNT, AmountFormatError, parse_money
from ukm_actors.nodes.base import NodeContext, json_response
from ukm_actors.nodes.routes import Routes
from ukm_actors.nodes.server.sales.access import audited, require_reader, require_writer
from ukm_actors.nodes.server.sales.exportwork import reexport
from ukm_actors.nodes.server.sales.search import (
    Paging,
    ReceiptQuery,
    SearchError,
    list_shifts,
    parse_cursor,
    receipt_detail,
    search_receipts,
)

RECEIPT_PARAMS = frozenset(
    {
        "store",
        "till",
        "shift",
        "from",
        "to",
        "cashier",
        "min_total",
        "max_total",
        "article",
        "barcode",
        "payment",
        "number",
        "page",
        "per_page",
        "cursor",
    }
)
SHIFT_PARAMS = frozenset({"store", "from", "to", "page", "per_page", "cursor"})


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SearchError(f"[server] report_timezone {name!r} is not a known time zone") from exc


_WHOLE = re.compile(r"-?[0-9]{1,19}")


def _int(
    params: Mapping[str, str], key: str, default: int | None = None, limit: int = MAX_INT
) -> int | None:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    if not _WHOLE.fullmatch(text) or abs(int(text)) > limit:
        raise SearchError(f"{key}={raw[:40]!r} is not a whole number within ±{limit}")
    return int(text)


def _text(params: Mapping[str, str], key: str) -> str | None:
    raw = params.get(key)
    return raw.strip() if raw and raw.strip() else None


def _kopecks(params: Mapping[str, str], key: str) -> int | None:
    """A whole number of kopecks; roubles with a decimal point (the old form) are refused."""
    raw = _text(params, key)
    if raw is None:
        return None
    if re.fullmatch(r"[0-9]{1,19}", raw):
        if int(raw) > MAX_INT:
            raise SearchError(f"{key}={raw!r} is out of range")
        return int(raw)
    try:
        as_roubles = parse_money(raw)
    except AmountFormatError:
        raise SearchError(f"{key}={raw[:40]!r} is not a whole number of kopecks") from None
    raise SearchError(
        f"{key}={raw!r}: amounts are in kopecks, like everywhere in this API",
        hint=f"for {raw} roubles write {key}={as_roubles}",
    )


def parse_time(raw: str, key: str, tz: ZoneInfo, *, end: bool) -> int:
    """UTC ms of a ``from``/``to`` value; ``end`` gives the exclusive upper bound."""
    text = raw.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end:
                day += timedelta(days=1)
            value = datetime(day.year, day.month, day.day, tzinfo=tz)
        else:
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                value = value.replace(tzinfo=tz)
            if end:
                value += timedelta(milliseconds=1)
    except ValueError as exc:
        raise SearchError(
            f"{key}={raw!r} is not a date (2024-03-15) or date-time (2024-03-15T12:00:00)"
        ) from exc
    return int(value.timestamp() * 1000)


def _times(params: Mapping[str, str], tz: ZoneInfo) -> tuple[int | None, int | None]:
    lo = _text(params, "from")
    hi = _text(params, "to")
    from_ms = parse_time(lo, "from", tz, end=False) if lo else None
    to_ms = parse_time(hi, "to", tz, end=True) if hi else None
    if from_ms is not None and to_ms is not None and to_ms <= from_ms:
        raise SearchError(f"to={hi!r} is before from={lo!r}")
    return from_ms, to_ms


def _check_known(params: Mapping[str, str], known: frozenset[str]) -> None:
    unknown = sorted(set(params) - known)
    if unknown:
        raise SearchError(
            f"unknown parameter {unknown[0]!r}", hint=f"known: {', '.join(sorted(known))}"
        )


def parse_paging(params: Mapping[str, str]) -> Paging:
    cursor = _text(params, "cursor")
    return Paging(
        page=_int(params, "page", 1, limit=MAX_COUNT) or 1,
        per_page=_int(params, "per_page", 50, limit=MAX_COUNT) or 50,
        cursor=parse_cursor(cursor) if cursor else None,
    )


def parse_receipt_query(params: Mapping[str, str], tz: ZoneInfo) -> ReceiptQuery:
    """A ``ReceiptQuery`` from the query string; ``SearchError`` names a bad parameter."""
    _check_known(params, RECEIPT_PARAMS)
    from_ms, to_ms = _times(params, tz)
    q = ReceiptQuery(
        store=_text(params, "store"),
        till=_int(params, "till"),
        shift=_int(params, "shift"),
        from_ms=from_ms,
        to_ms=to_ms,
        cashier=_text(params, "cashier"),
        min_total=_kopecks(params, "min_total"),
        max_total=_kopecks(params, "max_total"),
        article=_text(params, "article"),
        barcode=_text(params, "barcode"),
        payment=_text(params, "payment"),
        number=_int(params, "number"),
    )
    if q.min_total is not None and q.max_total is not None and q.max_total < q.min_total:
        raise SearchError("max_total is less than min_total")
    return q


def parse_reexport(raw: bytes) -> tuple[date, date | None, list[str]]:
    """``{"since": "2024-03-01", "until"?: "2024-03-31", "stores"?: ["17"]}`` of a re-export."""
    try:
        data = jsonsafe.loads(raw or b"{}")
    except ValueError:
        raise SearchError("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise SearchError('send {"since": "YYYY-MM-DD", "until"?: "YYYY-MM-DD", "stores"?: [...]}')

    def day(name: str) -> date | None:
        value = data.get(name)
        if value is None:
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise SearchError(f'"{name}" must be a date like 2024-03-15, not {value!r}') from None

    since, until = day("since"), day("until")
    if since is None:
        raise SearchError('"since" (the first day, YYYY-MM-DD) is required')
    if until is not None and until < since:
        raise SearchError(f'"until" {until} is before "since" {since}')
    stores = data.get("stores") or []
    if not isinstance(stores, list) or not all(isinstance(x, str) for x in stores):
        raise SearchError('"stores" must be a list of store codes')
    return since, until, [str(x) for x in stores][:1000]


def _params() -> dict[str, str]:
    return {k: bottle.request.query.getunicode(k) or "" for k in bottle.request.query.keys()}


def receipts(ctx: NodeContext) -> bottle.HTTPResponse:
    require_reader(ctx)
    params = _params()
    query = parse_receipt_query(params, zone(ctx.config.server.report_timezone))
    paging = parse_paging(params)
    with ctx.require_db().read() as session:
        return json_response(search_receipts(session, query, paging))


def receipt(ctx: NodeContext, receipt_id: str) -> bottle.HTTPResponse:
    require_reader(ctx)
    with ctx.require_db().read() as session:
        found: dict[str, Any] | None = receipt_detail(session, receipt_id)
    if found is None:
        return json_response(
            {"code": "receipt.not_found", "message": f"receipt {receipt_id} is not here"},
            404,
        )
    return json_response(found)


def export_again(ctx: NodeContext) -> bottle.HTTPResponse:
    who = require_writer(ctx)
    since, until, stores = parse_reexport(bottle.request.body.read())
    folder = ctx.config.resolve(ctx.config.server.export_dir)
    result = reexport(
        ctx.require_db(), folder, since, until, stores or ctx.config.server.export_stores
    )
    answer = {
        "since": since.isoformat(),
        "until": until.isoformat() if until else None,
        "written": result.written,
        "total": result.total,
        "held": result.held[:100],
        "failed": result.failed[:100],
    }
    with ctx.require_db().write() as session:
        audited(session, who.login, "export.again", f"{since}..{until or ''}", answer)
    return json_response(answer)


def shifts(ctx: NodeContext) -> bottle.HTTPResponse:
    require_reader(ctx)
    params = _params()
    _check_known(params, SHIFT_PARAMS)
    from_ms, to_ms = _times(params, zone(ctx.config.server.report_timezone))
    paging = parse_paging(params)
    with ctx.require_db().read() as session:
        return json_response(list_shifts(session, _text(params, "store"), from_ms, to_ms, paging))


def install(app: bottle.Bottle, ctx: NodeContext) -> None:
    """Add the receipt and shift routes to ``app``."""
    r = Routes(app, ctx, prefix="/api/v1")
    r.get("/receipts", receipts)
    r.get("/receipts/<receipt_id>", receipt)
    r.post("/exports", export_again)
    r.get("/shifts", shifts)
