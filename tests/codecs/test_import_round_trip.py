"""Records written by our writer read back unchanged, for every import type."""

import string
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ukm_actors.codecs.ukm_import import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
    BarcodeRecord,
    CashierRecord,
    ClassifRecord,
    ItemRecord,
    PriceRecord,
    RegionRecord,
    SellerRecord,
    StoreRecord,
    StoreTypeRecord,
    TaxGroupRecord,
    TaxRecord,
    TimeRestrictionRecord,
    open_import,
)
from ukm_actors.codecs.ukm_samples import sample_inn, write_import_file

codes = st.text(string.ascii_letters + string.digits + "-_./", min_size=1, max_size=40)
store_codes = st.text(string.ascii_letters + string.digits + "АБВабв", min_size=1, max_size=10)
names = (
    st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
money = st.integers(0, 10**12)
positive_qty = st.integers(1, 10**7)
inns = st.one_of(
    st.none(),
    st.integers(0, 10**7).map(sample_inn),
    st.integers(0, 10**6).map(lambda n: sample_inn(n, False)),
)
times = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59))
days = st.one_of(
    st.none(), st.sets(st.sampled_from("1234567"), min_size=1).map(lambda s: "".join(sorted(s)))
)


def unique(strategy, key, max_size=6):
    return st.lists(strategy, max_size=max_size, unique_by=key)


barcodes = st.lists(
    st.builds(BarcodeRecord, codes, positive_qty), max_size=3, unique_by=lambda b: b.barcode
)


measprecs = st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,3}(\.[0-9]{1,3})?\Z"))


@st.composite
def items(draw):
    egais = draw(st.integers(0, 99))
    return ItemRecord(
        article=draw(codes),
        name=draw(names),
        measure=draw(names),
        measprec=draw(measprecs),
        group_id=draw(codes),
        taxgroup_id=draw(codes),
        egais_type=egais,
        alc_codes=tuple(
            draw(st.lists(st.text(string.digits, min_size=1, max_size=19), max_size=3))
        ),
        sub_excise=draw(st.booleans()),
        barcodes=tuple(draw(barcodes)),
        min_price=draw(st.one_of(st.none(), money)),
        age_limit=draw(st.one_of(st.none(), st.integers(0, 150))),
    )


def item_list():
    def no_shared_barcodes(records):
        seen = [b.barcode for r in records for b in r.barcodes]
        return len(seen) == len(set(seen))

    return unique(items(), lambda r: r.article).filter(no_shared_barcodes)


@st.composite
def groups(draw):
    gid = draw(codes)
    parent = draw(st.one_of(st.none(), codes.filter(lambda p: p != gid)))
    return ClassifRecord(gid, parent, draw(names))


@st.composite
def restrictions(draw):
    target = draw(st.sampled_from(["article", "group", "store"]))
    article = draw(codes) if target == "article" else None
    group_id = draw(codes) if target == "group" else None
    rid = draw(st.one_of(st.none(), codes))
    message = draw(st.one_of(st.just(""), names))
    if draw(st.booleans()):
        start = draw(times)
        end = draw(times.filter(lambda t: t != start))
        return TimeRestrictionRecord("S17", rid, article, group_id, start, end, draw(days), message)
    return AgeRestrictionRecord("S17", rid, article, group_id, draw(st.integers(1, 150)), message)


CASES = {
    "updateItems": ("F", None, item_list()),
    "classif": ("F", None, unique(groups(), lambda r: r.id)),
    "taxes": (
        "F",
        None,
        st.tuples(
            unique(st.builds(TaxRecord, codes, names, st.integers(0, 10_000)), lambda r: r.id),
            unique(st.builds(TaxGroupRecord, codes, names, codes), lambda r: r.id),
        ).map(lambda t: t[0] + t[1]),
    ),
    "regions": ("I", None, unique(st.builds(RegionRecord, codes, names), lambda r: r.id)),
    "storeTypes": ("I", None, unique(st.builds(StoreTypeRecord, codes, names), lambda r: r.id)),
    "stores": (
        "I",
        None,
        unique(
            st.builds(
                StoreRecord,
                store_codes,
                names,
                st.one_of(st.none(), codes),
                st.one_of(st.none(), codes),
                st.sampled_from(["Europe/Moscow", "Europe/Samara", "Asia/Vladivostok"]),
            ),
            lambda r: r.id,
        ),
    ),
    "storeCashiers": (
        "F",
        "S17",
        unique(
            st.builds(
                CashierRecord,
                st.just("S17"),
                st.integers(0, 2**31 - 1),
                names,
                st.integers(0, 99),
                inns,
                names,
            ),
            lambda r: r.id,
        ),
    ),
    "storeSellers": (
        "I",
        "S17",
        unique(st.builds(SellerRecord, st.just("S17"), codes, names, inns), lambda r: r.id),
    ),
    "storePrices": (
        "F",
        "S17",
        st.tuples(
            unique(st.builds(PriceRecord, st.just("S17"), codes, money), lambda r: r.article),
            unique(
                st.builds(
                    AdditionalPriceRecord,
                    st.just("S17"),
                    codes,
                    codes,
                    st.one_of(st.just(""), names),
                    money,
                ),
                lambda r: (r.article, r.price_type),
            ),
        ).map(lambda t: t[0] + t[1]),
    ),
    "storeRestrictions": (
        "F",
        "S17",
        st.lists(restrictions(), max_size=6).filter(
            lambda rs: (
                len({r.id for r in rs if r.id is not None})
                == len([r for r in rs if r.id is not None])
            )
        ),
    ),
}


def write_and_read(type_name, records, fullness, store):
    with tempfile.TemporaryDirectory() as d:
        path = write_import_file(Path(d), type_name, records, fullness, store, number=1)
        with open_import(path) as f:
            assert (f.info.type, f.info.fullness, f.info.store_id) == (type_name, fullness, store)
            assert f.warnings == []
            return [r for _, r in f.records()]


@st.composite
def any_case(draw):
    type_name = draw(st.sampled_from(sorted(CASES)))
    fullness, store, strategy = CASES[type_name]
    return type_name, fullness, store, draw(strategy)


@settings(max_examples=150, deadline=None)
@given(any_case())
def test_round_trip(case):
    type_name, fullness, store, records = case
    assert write_and_read(type_name, records, fullness, store) == records


def test_deleted_records_round_trip_as_keys():
    records = [
        ItemRecord("0001", "", "", None, "", "", deleted=True),
        ItemRecord("0002", "Хлеб", "шт", "1", "5", "1"),
    ]
    assert write_and_read("updateItems", records, "I", None) == records
    prices = [
        PriceRecord("17", "0001", 0, deleted=True),
        AdditionalPriceRecord("17", "0001", "2", "", 0, deleted=True),
    ]
    assert write_and_read("storePrices", prices, "I", "17") == prices
    cashiers = [CashierRecord("17", 104, "", 0, None, "", deleted=True)]
    assert write_and_read("storeCashiers", cashiers, "I", "17") == cashiers
    stores = [StoreRecord("17", "", deleted=True)]
    assert write_and_read("stores", stores, "I", None) == stores


def test_writer_output_looks_like_the_spec(tmp_path):
    item = ItemRecord(
        "100245",
        "Кефир 2,5% 900 г",
        "шт",
        "1",
        "41",
        "2",
        barcodes=(BarcodeRecord("4600000000017"), BarcodeRecord("4600000000024", 6000)),
    )
    path = write_import_file(tmp_path, "updateItems", [item], "I", number=5)
    assert path.name == "updateItems_[5]_[I].xml"
    text = path.read_text("utf-8")
    assert text.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<updateItems fullness="I">\n  <version>1.5</version>\n'
    )
    tags = [line.strip().split(">")[0] + ">" for line in text.splitlines()[4:-2]]
    assert tags == [
        "<article>",
        "<name>",
        "<measure>",
        "<measprec>",
        "<groupId>",
        "<egaisType>",
        "<taxgroupId>",
        "<barcode>",
        "<id>",
        "<quantity>",
        "</barcode>",
        "<barcode>",
        "<id>",
        "<quantity>",
        "</barcode>",
        "<SubExcise>",
    ]
    assert "<measprec>1</measprec>" in text and "<quantity>6</quantity>" in text
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_names_are_escaped(tmp_path):
    group = ClassifRecord("1", None, 'Сыр "Ламбер" & <сливочный>')
    path = write_import_file(tmp_path / "classif.xml", "classif", [group], "F")
    assert "&amp; &lt;сливочный&gt;" in path.read_text("utf-8")
    with open_import(path) as f:
        assert [r for _, r in f.records()] == [group]
