"""A catalog change applied in batches (``BulkDelta``) leaves the till's tables exactly as
applying its records one by one does, whatever their order (hypothesis)."""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.bridge.helpers import migrate
from tests.till.helpers import delete, put
from ukm_actors.codecs.catalogdoc import CatalogRecord
from ukm_actors.db import Database
from ukm_actors.nodes.till.catalog import bulkdelta
from ukm_actors.nodes.till.catalog.bulkdelta import BulkDelta
from ukm_actors.nodes.till.catalog.bulkput import delete_record, put_record
from ukm_actors.nodes.till.catalog.records import CatalogRecordError
from ukm_actors.nodes.till.catalog.tables import (
    CatAddPrice,
    CatBarcode,
    CatItem,
    CatPrice,
    CatSetting,
)

ARTICLES = ("1", "2", "3")
CODES = ("461", "462", "463", "464")
TABLES = (CatItem, CatBarcode, CatPrice, CatAddPrice, CatSetting)

article = st.sampled_from(ARTICLES)
code = st.sampled_from(CODES)
records = st.one_of(
    st.builds(
        lambda a, name, codes: put(
            "item", article=a, name=name, barcodes=[[c, q] for c, q in codes]
        ),
        article,
        st.sampled_from(("Молоко", "Кефир")),
        st.lists(st.tuples(code, st.sampled_from((1000, 6000))), max_size=3),
    ),
    st.builds(lambda a: put("item", article=a, name="без штрихкодов"), article),
    st.builds(lambda a: delete("item", article=a), article),
    st.builds(lambda c: delete("barcode", barcode=c), code),
    st.builds(lambda a, p: put("price", article=a, price=p), article, st.integers(1, 99)),
    st.builds(lambda a: delete("price", article=a), article),
    st.builds(
        lambda a, t, p: put("addprice", article=a, price_type=t, price=p),
        article,
        st.sampled_from(("club", "promo")),
        st.integers(1, 99),
    ),
    st.builds(
        lambda a, t: delete("addprice", article=a, price_type=t),
        article,
        st.sampled_from(("club", "promo")),
    ),
    st.builds(lambda v: put("settings", key="footer", value=v), st.sampled_from(("a", "b"))),
)
BEFORE = [
    put("item", article="1", name="Хлеб", barcodes=[["461", 1000], ["462", 1000]]),
    put("item", article="2", name="Соль", barcodes=[["463", 1000]]),
    put("price", article="1", price=50),
    put("addprice", article="2", price_type="club", price=40),
]


@pytest.fixture
def db(make_db_url):
    url = make_db_url("till")
    migrate(url, "till")
    database = Database(url)
    yield database
    database.dispose()


def tables(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for model in TABLES:
        cols = list(model.__table__.columns)
        out[model.__tablename__] = sorted(tuple(r) for r in session.execute(select(*cols)).all())
    return out


def one_by_one(session: Session, recs: list[CatalogRecord]) -> None:
    for line, rec in enumerate(recs, start=2):
        if rec.op == "del":
            delete_record(session, rec, line)
        else:
            put_record(session, rec, line)
    session.flush()


def batched(session: Session, recs: list[CatalogRecord]) -> None:
    bulk = BulkDelta(session)
    for line, rec in enumerate(recs, start=2):
        bulk.add(rec, line)
    bulk.flush()


def result(db: Database, apply, recs: list[CatalogRecord]) -> dict[str, list[tuple[Any, ...]]]:
    with Session(db.engine) as session:
        one_by_one(session, BEFORE)
        apply(session, recs)
        got = tables(session)
        session.rollback()
    return got


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(records, max_size=14), st.sampled_from((1, 3, bulkdelta.BATCH)))
def test_batches_give_what_one_by_one_gives(db, recs, batch):
    old = bulkdelta.BATCH
    bulkdelta.BATCH = batch  # small batches: flushes in the middle of a run of one kind
    try:
        assert result(db, batched, recs) == result(db, one_by_one, recs)
    finally:
        bulkdelta.BATCH = old


def test_a_barcode_moved_then_dropped_is_deleted(db):
    """Barcode 463 moves from item 2 to item 1, then item 1 is put again without it."""
    recs = [
        put("item", article="1", name="Хлеб", barcodes=[["463", 1000]]),
        put("item", article="1", name="Хлеб", barcodes=[["461", 1000]]),
    ]
    got = result(db, batched, recs)
    assert got == result(db, one_by_one, recs)
    assert [r[0] for r in got["till_cat_barcode"]] == ["461"]


def test_a_barcode_put_alone_is_refused_with_its_line(db):
    with Session(db.engine) as session, pytest.raises(CatalogRecordError, match="line 3"):
        batched(session, [put("price", article="1", price=5), put("barcode", barcode="461")])
