"""Fields whose meaning the vendor does not document: tolerated, never a reason to refuse.

Each case reads a file with a value our provisional reading cannot use and checks what the
reader made of it, and that ``ImportFile.notes`` says so once, with a count, the first line
and an example.
"""

import pytest

from ukm_actors.codecs.ukm_import import open_import

ITEM = (
    "<article>{article}</article><name>Хлеб</name><measure>шт</measure>"
    "<groupId>5</groupId><taxgroupId>1</taxgroupId>"
)


def read(xml_file, name, text, **kw):
    path = xml_file(name, text)
    with open_import(path, **kw) as f:
        records = [r for _line, r in f.records()]
        return records, f.notes.lines()


def items(body, fullness="F"):
    return f'<updateItems fullness="{fullness}">\n<version>1.5</version>\n{body}\n</updateItems>\n'


@pytest.mark.parametrize("value", ["0", "1", "2", "0.001", "3", "abc", "-1", "1e3"])
def test_measprec_is_kept_as_received_whatever_it_says(xml_file, value):
    """Issue 16.2: 0 (decimal places?), 2 (a connector's constant), 1 (the vendor's example)."""
    body = "\n".join(
        f"<item>{ITEM.format(article=a)}<measprec>{value}</measprec></item>" for a in "123"
    )
    records, notes = read(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert [r.measprec for r in records] == [value] * 3
    assert notes == []


def test_measprec_with_a_comma_is_still_refused_the_point_is_documented(xml_file):
    from ukm_actors.codecs.ukm_import import ImportFormatError

    body = f"<item>{ITEM.format(article=1)}<measprec>0,001</measprec></item>"
    with pytest.raises(ImportFormatError, match="uses a comma"):
        read(xml_file, "updateItems_[1]_[F].xml", items(body))


def test_undocumented_item_fields_take_a_default_noted_once_per_field(xml_file):
    bad = (
        "<measprec>{m}</measprec><egaisType>-1</egaisType><SubExcise>yes</SubExcise>"
        "<ageLimit>200</ageLimit><minPrice>abc</minPrice>"
    )
    body = "\n".join(
        f"<item>{ITEM.format(article=a)}{bad.format(m='x' * 41)}</item>" for a in ("1", "2")
    )
    records, notes = read(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert len(records) == 2
    r = records[0]
    assert (r.measprec, r.egais_type, r.sub_excise, r.age_limit, r.min_price) == (
        None,
        0,
        False,
        None,
        None,
    )
    assert len(notes) == 5
    by_field = {n.split(":", 1)[0]: n for n in notes}
    assert set(by_field) == {
        "item/measprec",
        "item/egaisType",
        "item/SubExcise",
        "item/ageLimit",
        "item/minPrice",
    }
    assert "(2 record(s), first at line 3, e.g. '-1')" in by_field["item/egaisType"]
    assert "taken as 0" in by_field["item/SubExcise"]


def test_missing_measure_group_and_tax_group_are_noted(xml_file):
    body = "<item><article>1</article><name>Хлеб</name></item>"
    records, notes = read(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert (records[0].measure, records[0].group_id, records[0].taxgroup_id) == ("шт", "", "")
    assert [n.split(":")[0] for n in notes] == ["item/measure", "item/groupId", "item/taxgroupId"]
    assert "sold in pieces" in notes[0]


@pytest.mark.parametrize("value", ["0", "0.0001", "abc", "-6"])
def test_a_barcode_whose_quantity_cannot_be_used_is_left_out_not_the_item(xml_file, value):
    body = (
        f"<item>{ITEM.format(article=1)}<barcode><id>46</id><quantity>{value}</quantity></barcode>"
        "<barcode><id>47</id><quantity>6</quantity></barcode></item>"
    )
    records, notes = read(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert [(b.barcode, b.quantity) for b in records[0].barcodes] == [("47", 6000)]
    assert len(notes) == 1 and notes[0].startswith("item/barcode/quantity:")
    assert "this barcode is not loaded (the item is)" in notes[0]


def prices(body):
    return (
        f'<storePrices fullness="F" storeId="17">\n<version>1.0</version>\n{body}\n</storePrices>\n'
    )


@pytest.mark.parametrize("value", ["-5.00", "89.901", "abc"])
def test_a_price_that_is_not_money_is_left_out_and_noted(xml_file, value):
    body = (
        f"<price><article>1</article><value>{value}</value></price>\n"
        "<price><article>2</article><value>10.00</value></price>"
    )
    records, notes = read(xml_file, "storePrices_[17]_[1]_[F].xml", prices(body))
    assert [(r.article, r.price) for r in records] == [("2", 1000)]
    assert notes == [
        "price/value: not an amount of money (0 or more, at most 2 decimals); this price is not "
        f"loaded (1 record(s), first at line 3, e.g. {value!r})"
    ]


def restrictions(body):
    root = '<storeRestrictions fullness="F" storeId="17"><version>1.0</version>'
    return f"{root}\n{body}\n</storeRestrictions>"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("<timeRestriction><from>25:00</from><to>08:00</to></timeRestriction>", "from"),
        ("<timeRestriction><from>23:00</from><to>8</to></timeRestriction>", "to"),
        ("<timeRestriction><from>23:00</from><to>23:00</to></timeRestriction>", "to"),
        (
            "<timeRestriction><from>23:00</from><to>08:00</to><days>18</days></timeRestriction>",
            "days",
        ),
        ("<ageRestriction><minAge>0</minAge></ageRestriction>", "minAge"),
        (
            "<ageRestriction><article>1</article><groupId>7</groupId><minAge>18</minAge></ageRestriction>",
            "groupId",
        ),
    ],
)
def test_a_restriction_that_cannot_be_used_is_left_out_and_noted(xml_file, body, field):
    good = "<ageRestriction><groupId>7</groupId><minAge>18</minAge></ageRestriction>"
    records, notes = read(
        xml_file, "storeRestrictions_[17]_[1]_[F].xml", restrictions(f"{body}\n{good}")
    )
    assert len(records) == 1 and records[0].min_age == 18
    assert len(notes) == 1 and f"Restriction/{field}: " in notes[0] and "not loaded" in notes[0]


def test_unknown_time_zone_group_own_parent_tax_rate(xml_file):
    records, notes = read(
        xml_file,
        "stores_[1]_[I].xml",
        '<stores fullness="I"><store><id>17</id><name>М</name>'
        "<timezone>Moscow/Red</timezone></store></stores>",
    )
    assert records[0].timezone == "Europe/Moscow" and "store/timezone: not an IANA" in notes[0]
    records, notes = read(
        xml_file,
        "classif_[1]_[F].xml",
        '<classif fullness="F"><group><id>4</id><parentId>4</parentId>'
        "<name>x</name></group></classif>",
    )
    assert records[0].parent_id is None and "own parent" in notes[0]
    records, notes = read(
        xml_file,
        "taxes_[1]_[F].xml",
        '<taxes fullness="F"><tax><id>1</id><name>x</name><rate>120</rate></tax>'
        "<tax><id>2</id><name>НДС 20%</name><rate>20.00</rate></tax></taxes>",
    )
    assert [r.id for r in records] == ["2"] and "this tax is not loaded" in notes[0]


def test_unknown_elements_are_counted_when_not_strict(xml_file):
    body = f"<item>{ITEM.format(article=1)}<colour>red</colour><noDiscount>1</noDiscount></item>"
    path = xml_file("updateItems_[1]_[F].xml", items(body))
    with open_import(path, strict=False) as f:
        assert len(list(f.records())) == 1
        assert dict(f.ignored) == {"item/colour": 1, "item/noDiscount": 1}
