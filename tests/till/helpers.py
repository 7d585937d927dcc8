"""Building a till's world for tests: catalog documents, a running till, its HTTP API."""

from __future__ import annotations

import json
from typing import Any

from tests.nodes.helpers import http
from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import apply
from ukm_actors.codecs import catalogdoc
from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.domain.barcodes import ean13_check_digit
from ukm_actors.domain.passwords import hash_password

STORE = "17"
ALL_RIGHTS = [
    "sell",
    "void_line",
    "cancel_receipt",
    "return",
    "return_without_receipt",
    "cash_in",
    "cash_out",
    "open_shift",
    "close_shift",
    "x_report",
    "reprint",
    "supervisor",
]
CASHIER_RIGHTS = [
    "sell",
    "open_shift",
    "close_shift",
    "x_report",
    "cash_in",
    "cash_out",
    "return",
    "reprint",
]
PASSWORD_HASH = {
    pw: hash_password(pw, scheme="pbkdf2-sha256", cost=1000) for pw in ("1111", "9999", "5555")
}


def ean13(body12: str) -> str:
    return body12 + str(ean13_check_digit(body12))


MILK = ean13("460000000001")
BREAD = ean13("460000000002")
BEER6 = ean13("460000000003")
BEER = ean13("460000000004")
VODKA = ean13("460000000005")
COFFEE = ean13("460000000006")
APPLES = ean13("460000000007")


def weight_barcode(item_code: str, grams: int, prefix: str = "22") -> str:
    return ean13(f"{prefix}{item_code:0>5}{grams:05d}")


def put(kind: str, **data: Any) -> CatalogRecord:
    return CatalogRecord("put", kind, data)


def delete(kind: str, **data: Any) -> CatalogRecord:
    return CatalogRecord("del", kind, data)


def base_records(*, vodka_rule: tuple[str, str] = ("23:00", "08:00")) -> list[CatalogRecord]:
    """A small store: taxes, groups, items with prices and barcodes, rules, cashiers."""
    return [
        put("store", code=STORE, name="Магазин 17", timezone="Europe/Moscow"),
        put("tax", id="vat20", name="НДС 20%", rate_bp=2000),
        put("taxgroup", id="1", name="20%", tax_id="vat20"),
        put("group", id="food", parent_id=None, name="Продукты"),
        put("group", id="drinks", parent_id=None, name="Напитки"),
        put("group", id="alcohol", parent_id="drinks", name="Алкоголь"),
        put(
            "item",
            article="100",
            name="Молоко 1 л",
            measure="шт",
            group_id="food",
            taxgroup_id="1",
            barcodes=[[MILK, 1000]],
        ),
        put(
            "item",
            article="101",
            name="Хлеб",
            measure="шт",
            group_id="food",
            taxgroup_id="1",
            barcodes=[[BREAD, 1000]],
        ),
        put(
            "item",
            article="200",
            name="Пиво 0.5",
            measure="шт",
            group_id="alcohol",
            taxgroup_id="1",
            barcodes=[[BEER, 1000], [BEER6, 6000]],
        ),
        put(
            "item",
            article="201",
            name="Водка 0.5",
            measure="шт",
            group_id="alcohol",
            taxgroup_id="1",
            barcodes=[[VODKA, 1000]],
        ),
        put(
            "item",
            article="300",
            name="Кофе",
            measure="шт",
            group_id="drinks",
            taxgroup_id="1",
            barcodes=[[COFFEE, 1000]],
        ),
        put(
            "item",
            article="123",
            name="Сыр весовой",
            measure="кг",
            weighted=True,
            group_id="food",
            taxgroup_id="1",
        ),
        put(
            "item",
            article="124",
            name="Яблоки",
            measure="кг",
            weighted=True,
            group_id="food",
            taxgroup_id="1",
            barcodes=[[APPLES, 1000]],
        ),
        put("price", article="100", price=8990),
        put("price", article="101", price=4500),
        put("price", article="200", price=12000),
        put("price", article="201", price=45000),
        put("price", article="300", price=30000),
        put("price", article="123", price=80000),
        put("price", article="124", price=15000),
        put("addprice", article="300", price_type="club", name="Клубная цена", price=25000),
        put("addprice", article="300", price_type="promo", name="Акция", price=27000),
        put(
            "agerule",
            id="alc18",
            article=None,
            group_id="alcohol",
            min_age=18,
            message="Алкоголь продаётся только покупателям с 18 лет",
        ),
        put(
            "timerule",
            id="night",
            article="201",
            group_id=None,
            start=vodka_rule[0],
            end=vodka_rule[1],
            days=None,
            message="Водка не продаётся с 23:00 до 08:00",
        ),
        put(
            "cashier",
            code="1",
            name="Иванова",
            inn=None,
            password_hash=PASSWORD_HASH["1111"],
            rights=CASHIER_RIGHTS,
            enabled=True,
        ),
        put(
            "cashier",
            code="9",
            name="Петров (старший)",
            inn=None,
            password_hash=PASSWORD_HASH["9999"],
            rights=ALL_RIGHTS,
            enabled=True,
            card="CARD-9",
        ),
        put(
            "cashier",
            code="5",
            name="Уволен",
            inn=None,
            password_hash=PASSWORD_HASH["5555"],
            rights=ALL_RIGHTS,
            enabled=False,
        ),
        put("seller", code="S1", name="Консультант"),
        put("settings", key="header", value=["ООО Ромашка", "Магазин 17"]),
        put("settings", key="footer", value=["Спасибо за покупку!"]),
    ]


def catalog_body(records: list[CatalogRecord], *, full: bool = True, store: str = STORE) -> bytes:
    items = sum(1 for r in records if r.kind == "item")
    return catalogdoc.encode({"full": full, "store": store, "items": items}, records)


def apply_catalog(node: Any, body: bytes, seq: int, *, full: bool = True) -> None:
    """Apply a catalog document through the node's registered appliers, as the bridge does."""
    doc_type = catalogdoc.FULL if full else catalogdoc.DELTA
    doc = Document.make(doc_type, body, channel=f"server>{node.ctx.node_id}", seq=seq)
    with node.ctx.db.write() as session:
        apply(session, doc, node.ctx.appliers)


class TillClient:
    """The till's JSON API; messages in ``language`` (English unless told: tests read them)."""

    def __init__(self, url: str, language: str = "en") -> None:
        self.url = url.rstrip("/") + "/api/v1"
        self.language = language

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = None if body is None else json.dumps(body).encode()
        r = http.request(
            method,
            self.url + path,
            body=data,
            headers={"Content-Type": "application/json", "Accept-Language": self.language},
        )
        return r.status, (json.loads(r.data) if r.data else None)

    def get(self, path: str) -> Any:
        status, body = self.call("GET", path)
        assert status == 200, (status, body)
        return body

    def post(self, path: str, body: Any = None, expect: int | tuple[int, ...] = (200, 201)) -> Any:
        status, out = self.call("POST", path, body if body is not None else {})
        want = (expect,) if isinstance(expect, int) else expect
        assert status in want, (status, out)
        return out

    def fail(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, out = self.call(method, path, body if body is not None else {})
        assert status >= 400, (status, out)
        assert set(out) >= {"code", "message"}, out
        return status, out

    def login(self, code: str = "1", password: str = "1111") -> Any:
        return self.post("/login", {"code": code, "password": password})

    def scan(self, barcode: str, **extra: Any) -> Any:
        return self.post("/receipt/lines", {"barcode": barcode, **extra})

    def receipt(self) -> Any:
        return self.get("/receipt")["receipt"]

    def pay(self, type_: str, amount: int, **extra: Any) -> Any:
        return self.post("/receipt/payments", {"type": type_, "amount": amount, **extra})


SUPERVISOR = {"code": "9", "password": "9999"}


def outbox_docs(node: Any) -> list[tuple[str, Any]]:
    """Every document the till queued for the server: ``(type, decoded document)``, in order."""
    from sqlalchemy import select

    from ukm_actors.bridge.models import Blob, OutboxEntry
    from ukm_actors.codecs import tilldocs

    channel = f"{node.ctx.node_id}>server"
    with node.ctx.db.read() as s:
        rows = s.execute(
            select(OutboxEntry.seq, OutboxEntry.doc_type, Blob.body)
            .join(Blob, Blob.sha256 == OutboxEntry.sha256)
            .where(OutboxEntry.channel == channel)
            .order_by(OutboxEntry.seq)
        ).all()
    seqs = [r[0] for r in rows]
    assert seqs == list(range(1, len(rows) + 1)), seqs
    return [(r[1], tilldocs.decode(r[1], r[2])) for r in rows]
