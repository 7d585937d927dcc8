"""Receipt search (each filter, paging, one receipt in full) and shift closings."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.nodes.helpers import get_json
from tests.server.tills import BASE, ScriptedTill, line
from ukm_actors.codecs.tilldocs import PaymentDoc
from ukm_actors.nodes.server.sales.search import (
    Paging,
    ReceiptQuery,
    SearchError,
    list_shifts,
    receipt_detail,
    receipt_statement,
    search_receipts,
)
from ukm_actors.nodes.server.sales.web import parse_receipt_query

pytestmark = pytest.mark.timeout(60)

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def shop(server):
    """Two stores, three tills, two cashiers, varied items, payments and amounts."""
    a = ScriptedTill(server, store="17", number=1)
    b = ScriptedTill(
        server, store="17", number=2, cashier_code="105", clock=BASE + timedelta(seconds=10)
    )
    c = ScriptedTill(server, store="18", number=1, clock=BASE + timedelta(seconds=20))
    docs = []
    for t in (a, b, c):
        t.open_shift()
    docs.append(a.receipt((line(1, "MILK", 8990, barcode="4601"),)))
    docs.append(
        b.receipt((line(1, "BREAD", 4500, barcode="4602"), line(2, "MILK", 8990, barcode="4601")))
    )
    docs.append(
        c.receipt(
            (line(1, "CHEESE", 45000, barcode="4603"),), (PaymentDoc("card", 45000, rrn="1"),)
        )
    )
    docs.append(
        a.receipt(
            (line(1, "BREAD", 4500, barcode="4602"),),
            (PaymentDoc("cash", 2000), PaymentDoc("card", 2500)),
        )
    )
    docs.append(b.receipt((line(1, "MILK", 8990, 3000, barcode="4601"),), card="2775"))
    docs.append(
        a.receipt((line(1, "TEA", 30000, barcode=None), line(2, "MILK", 8990, voided=True)))
    )
    a.close_shift()
    a.open_shift()
    docs.append(a.receipt((line(1, "CHEESE", 45000, barcode="4603"),)))
    return {"tills": (a, b, c), "docs": docs}


def ids(page):
    return [r["id"] for r in page["receipts"]]


def newest_first(docs):
    return [d.receipt_id for d in sorted(docs, key=lambda d: d.closed_at_utc, reverse=True)]


def run(server, **filters):
    with server.ctx.db.read() as s:
        return search_receipts(s, ReceiptQuery(**filters), Paging(per_page=100))


FILTER_CASES = [
    ({}, lambda d: True),
    ({"store": "17"}, lambda d: d.store == "17"),
    ({"store": "17", "till": 2}, lambda d: (d.store, d.till) == ("17", 2)),
    (
        {"store": "17", "till": 1, "shift": 2},
        lambda d: (d.till, d.shift_num) == (1, 2) and d.store == "17",
    ),
    ({"cashier": "105"}, lambda d: d.cashier_code == "105"),
    ({"min_total": 30000}, lambda d: d.total >= 30000),
    ({"max_total": 8990}, lambda d: d.total <= 8990),
    ({"min_total": 8990, "max_total": 26970}, lambda d: 8990 <= d.total <= 26970),
    (
        {"article": "MILK"},
        lambda d: any(ln.article == "MILK" and not ln.voided for ln in d.lines),
    ),
    ({"barcode": "4603"}, lambda d: any(ln.barcode == "4603" for ln in d.lines)),
    ({"payment": "card"}, lambda d: any(p.type == "card" for p in d.payments)),
    ({"payment": "card", "article": "BREAD"}, lambda d: d.number == 2 and d.till == 1),
    ({"article": "MILK", "store": "17", "till": 2}, lambda d: d.till == 2 and d.store == "17"),
    ({"number": 2}, lambda d: d.number == 2),
]


def test_each_filter_finds_exactly_its_receipts_newest_first(server, shop):
    for filters, keep in FILTER_CASES:
        expected = newest_first([d for d in shop["docs"] if keep(d)])
        assert expected, f"{filters} must match something"
        assert ids(run(server, **filters)) == expected, filters


def test_the_date_range_is_store_local_unless_a_zone_is_given(server, shop):
    docs = sorted(shop["docs"], key=lambda d: d.closed_at)
    third, fifth = docs[2], docs[4]
    q = parse_receipt_query({"from": third.closed_at, "to": fifth.closed_at}, MSK)
    with server.ctx.db.read() as s:
        got = search_receipts(s, q, Paging())
    assert ids(got) == newest_first(docs[2:5])
    q = parse_receipt_query({"from": third.closed_at_utc, "to": "2024-03-15"}, MSK)
    with server.ctx.db.read() as s:
        assert ids(search_receipts(s, q, Paging())) == newest_first(docs[2:])
    q = parse_receipt_query({"to": "2024-03-14"}, MSK)
    with server.ctx.db.read() as s:
        assert ids(search_receipts(s, q, Paging())) == []


def test_pages_and_cursors_walk_the_same_order(server, shop):
    everything = newest_first(shop["docs"])
    with server.ctx.db.read() as s:
        p1 = search_receipts(s, ReceiptQuery(), Paging(page=1, per_page=3))
        p2 = search_receipts(s, ReceiptQuery(), Paging(page=2, per_page=3))
        p3 = search_receipts(s, ReceiptQuery(), Paging(page=3, per_page=3))
        c2 = search_receipts(s, ReceiptQuery(), Paging(per_page=3, cursor=_cursor(p1)))
    assert ids(p1) + ids(p2) + ids(p3) == everything
    assert (p1["has_more"], p2["has_more"], p3["has_more"]) == (True, True, False)
    assert ids(c2) == ids(p2)


def _cursor(page):
    ms, rid = page["next_cursor"].split(":")
    return int(ms), int(rid)


def test_bad_parameters_name_what_is_wrong():
    cases = [
        ({"till": "two"}, "till='two' is not a whole number"),
        ({"min_total": "10,50"}, "min_total='10,50' is not a whole number of kopecks"),
        ({"min_total": "-5"}, "min_total='-5' is not a whole number of kopecks"),
        ({"max_total": "10.50"}, "max_total='10.50': amounts are in kopecks"),
        ({"from": "yesterday"}, "from='yesterday' is not a date"),
        ({"colour": "red"}, "unknown parameter 'colour'"),
        ({"from": "2024-03-15", "to": "2024-03-01"}, "is before"),
        ({"min_total": "500", "max_total": "100"}, "max_total is less than min_total"),
    ]
    for params, message in cases:
        with pytest.raises(SearchError) as err:
            parse_receipt_query(params, MSK)
        assert message in str(err.value), params
    with pytest.raises(SearchError) as err:
        parse_receipt_query({"min_total": "485.46"}, MSK)
    assert err.value.hint == "for 485.46 roubles write min_total=48546"
    with pytest.raises(SearchError):
        Paging(per_page=10_000)


def test_one_receipt_in_full_with_its_returns_and_export(server, shop):
    sale = shop["docs"][1]
    b = shop["tills"][1]
    ret = b.receipt((line(2, "MILK", 8990, barcode="4601"),), kind="return", original=sale)
    with server.ctx.db.read() as s:
        got = receipt_detail(s, sale.receipt_id)
        assert receipt_detail(s, "nope") is None
    assert got["receipt"]["receipt_id"] == sale.receipt_id
    assert [ln["article"] for ln in got["receipt"]["lines"]] == ["BREAD", "MILK"]
    assert got["returned"] == {"2": 1000}
    assert got["returns"] == [{"id": ret.receipt_id, "number": 3, "store": "17", "till": 2}]
    assert got["export"]["state"] in ("pending", "done")


def test_shift_closings_show_totals_and_whether_every_receipt_arrived(server, shop):
    a = shop["tills"][0]
    a.receipt()
    late = a.receipt(send=False)
    a.close_shift()
    with server.ctx.db.read() as s:
        got = list_shifts(s, "17", None, None, Paging())
    shifts = {(x["till"], x["shift"]): x for x in got["shifts"]}
    assert set(shifts) == {(1, 1), (1, 2), (2, 1)}
    first = shifts[(1, 1)]
    assert first["state"] == "closed"
    assert first["receipts"] == {"arrived": 3, "expected": 3, "complete": True, "missing": []}
    assert first["totals"]["sales_count"] == 3
    assert first["totals"]["sales_total"] == 8990 + 4500 + 30000
    second = shifts[(1, 2)]
    assert second["receipts"] == {"arrived": 2, "expected": 3, "complete": False, "missing": [3]}
    assert second["export"]["state"] == "held"
    assert shifts[(2, 1)]["state"] == "open" and shifts[(2, 1)]["receipts"]["expected"] is None
    a.send(late)
    with server.ctx.db.read() as s:
        again = list_shifts(s, "17", None, None, Paging())
    assert again["shifts"][0]["receipts"]["complete"] is True


def _plan(server, stmt):
    compiled = stmt.compile(server.ctx.db.engine, compile_kwargs={"literal_binds": True})
    with server.ctx.db.read() as s:
        if server.ctx.db.dialect == "sqlite":
            rows = s.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            return " / ".join(r[-1] for r in rows)
        # tiny tables: forbid what the planner would choose for them, and see whether an
        # index can give the rows in order at all
        s.execute(text("SET LOCAL enable_seqscan = off"))
        s.execute(text("SET LOCAL enable_sort = off"))
        s.execute(text("SET LOCAL enable_bitmapscan = off"))
        rows = s.execute(text(f"EXPLAIN {compiled}")).all()
        return " / ".join(r[0] for r in rows)


PLAN_CASES = [
    {},
    {"store": "17"},
    {"store": "17", "till": 1},
    {"cashier": "104"},
    {"number": 5},
    {"from_ms": 1, "to_ms": 2},
    {"article": "MILK"},
    {"barcode": "4601"},
    {"payment": "cash"},
    {"article": "MILK", "payment": "cash"},
]


def test_searches_walk_an_index_in_order_without_sorting(server):
    for filters in PLAN_CASES:
        plan = _plan(server, receipt_statement(ReceiptQuery(**filters), Paging()))
        if server.ctx.db.dialect == "sqlite":
            assert "USING" in plan and "TEMP B-TREE" not in plan, (filters, plan)
            assert "SCAN sales_receipt" not in plan or "INDEX" in plan, (filters, plan)
        else:
            assert "Seq Scan" not in plan and "Sort" not in plan, (filters, plan)


def test_the_http_api_refuses_anyone_not_logged_in(server):
    for path in ("/api/v1/receipts", "/api/v1/receipts/x", "/api/v1/shifts"):
        code, body = get_json(server.ctx.url + path)
        assert code == 401, (path, body)


def test_the_http_api_for_a_logged_in_employee(server, shop, employee_token):
    base = server.ctx.url
    code, body = get_json(
        base + "/api/v1/receipts?store=17&article=MILK&per_page=2", headers=employee_token
    )
    assert code == 200, body
    milk = newest_first(
        [
            d
            for d in shop["docs"]
            if d.store == "17" and any(ln.article == "MILK" and not ln.voided for ln in d.lines)
        ]
    )
    assert ids(body) == milk[:2] and body["has_more"] is True
    code, more = get_json(
        base + f"/api/v1/receipts?store=17&article=MILK&per_page=2&cursor={body['next_cursor']}",
        headers=employee_token,
    )
    assert code == 200 and ids(more) == milk[2:4]
    code, body = get_json(
        base + "/api/v1/receipts?min_total=30000&from=2024-03-15&to=2024-03-15",
        headers=employee_token,
    )
    assert code == 200 and {r["total"] for r in body["receipts"]} == {45000, 30000}
    code, one = get_json(base + f"/api/v1/receipts/{milk[0]}", headers=employee_token)
    assert code == 200 and one["receipt"]["receipt_id"] == milk[0]
    code, err = get_json(base + "/api/v1/receipts/nope", headers=employee_token)
    assert (code, err["code"]) == (404, "receipt.not_found")
    code, err = get_json(base + "/api/v1/receipts?till=x", headers=employee_token)
    assert (code, err["code"]) == (400, "search.invalid") and "till='x'" in err["message"]
    code, shifts = get_json(
        base + "/api/v1/shifts?store=17&from=2024-03-15", headers=employee_token
    )
    assert code == 200 and len(shifts["shifts"]) == 3
    code, _ = get_json(base + "/api/v1/receipts", headers={"Authorization": "Bearer wrong"})
    assert code == 401
