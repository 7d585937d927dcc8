"""Import file names and the load plan (vendor order: newest F, then newer I)."""

from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.codecs.ukm_import import (
    IMPORT_TYPES,
    LOAD_ORDER,
    ImportInfo,
    ImportName,
    compare_name,
    import_file_name,
    parse_import_name,
    plan_imports,
)


def test_parse_the_three_accepted_forms():
    assert parse_import_name("storeCashiers_[2013]_[45296]_[F].xml") == ImportName(
        "storeCashiers", "2013", 45296, "F", "storeCashiers_[2013]_[45296]_[F].xml"
    )
    assert parse_import_name("updateItems_5_F.xml") == ImportName(
        "updateItems", None, 5, "F", "updateItems_5_F.xml"
    )
    assert parse_import_name("updateItems_[5]_[I].xml") == ImportName(
        "updateItems", None, 5, "I", "updateItems_[5]_[I].xml"
    )
    assert parse_import_name("storePrices_17_12_i.XML").store_id == "17"
    assert parse_import_name("storePrices_17_12_i.XML").fullness == "I"
    assert parse_import_name("storePrices_[17]_12_[F].xml").number == 12


def test_names_that_are_not_import_files():
    for name in (
        "readme.txt",
        "updateItems.xml",
        "updateItems_[5]_[F].xml.error.txt",
        ".updateItems_[5]_[F].xml.tmp",
        "updateItems_[5]_[X].xml",
        "updateItems_[a]_[F].xml",
        "updateItems_[1 7]_[5]_[F].xml",
        "updateItems_[5]_[F]",
        "_[5]_[F].xml",
    ):
        assert parse_import_name(name) is None, name


def test_unknown_type_is_parsed_but_not_known():
    name = parse_import_name("goods_[5]_[F].xml")
    assert name is not None and not name.known
    assert not parse_import_name("kit_[5]_[F].xml").known  # documented type we do not read
    assert parse_import_name("updateItems_[5]_[F].xml").known


def test_import_file_name_round_trip():
    assert (
        import_file_name("storeCashiers", 45296, "F", "2013")
        == "storeCashiers_[2013]_[45296]_[F].xml"
    )
    assert import_file_name("updateItems", 5, "I") == "updateItems_[5]_[I].xml"
    name = parse_import_name(import_file_name("storePrices", 7, "I", "S17"))
    assert (name.type, name.store_id, name.number, name.fullness) == ("storePrices", "S17", 7, "I")


def names(*filenames):
    return [parse_import_name(f) for f in filenames]


def test_plan_newest_full_then_newer_incrementals():
    plan = plan_imports(
        names(
            "updateItems_[3]_[I].xml",
            "updateItems_[5]_[F].xml",
            "updateItems_[2]_[F].xml",
            "updateItems_[9]_[I].xml",
            "updateItems_[7]_[I].xml",
            "updateItems_[5]_[I].xml",
        )
    )
    assert [n.filename for n in plan.load] == [
        "updateItems_[5]_[F].xml",
        "updateItems_[7]_[I].xml",
        "updateItems_[9]_[I].xml",
    ]
    assert [n.filename for n in plan.skipped] == [
        "updateItems_[2]_[F].xml",
        "updateItems_[3]_[I].xml",
        "updateItems_[5]_[I].xml",
    ]
    assert plan.unknown == ()


def test_plan_orders_types_references_first_and_stores_separately():
    plan = plan_imports(
        names(
            "storeCashiers_[18]_[1]_[F].xml",
            "storeCashiers_[17]_[4]_[F].xml",
            "storeCashiers_[17]_[2]_[F].xml",
            "storePrices_[17]_[1]_[F].xml",
            "updateItems_[1]_[F].xml",
            "classif_[1]_[F].xml",
            "taxes_[1]_[F].xml",
            "stores_[2]_[I].xml",
            "stores_[1]_[I].xml",
            "regions_[1]_[I].xml",
            "storeTypes_[1]_[I].xml",
            "goods_[1]_[F].xml",
        )
    )
    assert [(b.type, b.store_id, [f.number for f in b.files]) for b in plan.batches] == [
        ("regions", None, [1]),
        ("storeTypes", None, [1]),
        ("stores", None, [1, 2]),
        ("taxes", None, [1]),
        ("classif", None, [1]),
        ("updateItems", None, [1]),
        ("storeCashiers", "17", [4]),
        ("storeCashiers", "18", [1]),
        ("storePrices", "17", [1]),
    ]
    assert [n.filename for n in plan.skipped] == ["storeCashiers_[17]_[2]_[F].xml"]
    assert [n.filename for n in plan.unknown] == ["goods_[1]_[F].xml"]


def test_plan_incremental_only_and_no_full_file():
    plan = plan_imports(names("stores_[3]_[I].xml", "stores_[1]_[I].xml", "stores_[2]_[F].xml"))
    assert [n.number for n in plan.load] == [
        1,
        2,
        3,
    ]  # the F is loaded so opening it reports the error
    plan = plan_imports(names("storeSellers_[1]_[9]_[I].xml", "storeSellers_[1]_[4]_[I].xml"))
    assert [n.number for n in plan.load] == [4, 9] and plan.skipped == ()


def test_chain_wide_store_part_does_not_split_the_type():
    plan = plan_imports(names("updateItems_[17]_[3]_[F].xml", "updateItems_[18]_[5]_[F].xml"))
    assert [n.number for n in plan.load] == [5] and [n.number for n in plan.skipped] == [3]


def test_two_full_files_with_the_same_number():
    plan = plan_imports(names("updateItems_[5]_[F].xml", "updateItems_5_F.xml"))
    assert [n.filename for n in plan.load] == ["updateItems_[5]_[F].xml"]  # larger name wins
    assert [n.filename for n in plan.skipped] == ["updateItems_5_F.xml"]


def test_compare_name_with_root():
    name = parse_import_name("storePrices_[17]_[3]_[F].xml")
    assert compare_name(name, ImportInfo("storePrices", "F", "1.0", "17", name.filename)) == []
    warnings = compare_name(name, ImportInfo("storeSellers", "I", "1.0", "18", name.filename))
    assert len(warnings) == 3 and "storeSellers" in warnings[0]


SUPPORTED = [t for t in LOAD_ORDER if IMPORT_TYPES[t].supported]


@st.composite
def import_names(draw):
    """A file name as a trade system might write it, parsed."""
    type_ = draw(st.sampled_from([*SUPPORTED, "goods"]))
    scoped = type_ in IMPORT_TYPES and IMPORT_TYPES[type_].store_scoped
    store = draw(st.sampled_from(["17", "18"])) if scoped else None
    number = draw(st.integers(0, 30))
    fullness = draw(st.sampled_from(["F", "I"]))
    if draw(st.booleans()):
        filename = import_file_name(type_, number, fullness, store)
    else:
        filename = "_".join([type_, *([store] if store else []), str(number), fullness]) + ".xml"
    name = parse_import_name(filename)
    assert name is not None and name.store_id == store
    return name


def group_of(name):
    scoped = IMPORT_TYPES[name.type].store_scoped
    return name.type, name.store_id if scoped else None


@given(st.lists(import_names(), max_size=40, unique_by=lambda n: n.filename))
def test_plan_properties(listing):
    plan = plan_imports(listing)
    by_name = lambda names: sorted(names, key=lambda n: n.filename)  # noqa: E731
    # every file is loaded, skipped or unknown, exactly once
    assert by_name([*plan.load, *plan.skipped, *plan.unknown]) == by_name(listing)
    assert all(not n.known for n in plan.unknown) and all(n.known for n in plan.load)
    for batch in plan.batches:
        assert [f.number for f in batch.files] == sorted(f.number for f in batch.files)
        group = [n for n in listing if n.known and group_of(n) == (batch.type, batch.store_id)]
        fulls = [n.number for n in group if n.fullness == "F"]
        if fulls and not IMPORT_TYPES[batch.type].incremental_only:
            newest = max(fulls)
            first, rest = batch.files[0], batch.files[1:]
            assert first.fullness == "F" and first.number == newest
            # never a file older than the newest F of its type
            assert all(f.fullness == "I" and f.number > newest for f in rest)
            assert by_name(rest) == by_name(
                n for n in group if n.fullness == "I" and n.number > newest
            )
        else:
            assert by_name(batch.files) == by_name(group)
    order = [LOAD_ORDER.index(b.type) for b in plan.batches]
    assert order == sorted(order)
