"""Every way an import file is refused, with file, line and field in the message.

What is tolerated instead (fields whose meaning is not documented) is in
``test_import_tolerance.py``."""

import pytest

from ukm_actors.codecs.ukm_import import ImportFormatError, open_import
from ukm_actors.errors import UkmError

ITEM = (
    "<article>{article}</article><name>Хлеб</name><measure>шт</measure><measprec>1</measprec>"
    "<groupId>5</groupId><taxgroupId>1</taxgroupId>"
)


def fail(xml_file, name, text, **kw):
    """Open and read the file; return the ImportFormatError it must raise."""
    path = xml_file(name, text)
    with pytest.raises(ImportFormatError) as err:
        with open_import(path, **kw) as f:
            list(f.records())
    assert isinstance(err.value, UkmError) and err.value.code == "import.format"
    assert str(err.value).startswith(name)
    return err.value


def items(body, fullness="F"):
    return f'<updateItems fullness="{fullness}">\n<version>1.5</version>\n{body}\n</updateItems>\n'


def prices(body, store='storeId="17"'):
    return f'<storePrices fullness="F" {store}>\n<version>1.0</version>\n{body}\n</storePrices>\n'


def test_message_names_file_line_and_field(xml_file):
    err = fail(
        xml_file,
        "storePrices_[17]_[5]_[F].xml",
        prices("<price>\n<article>1</article>\n<value>89,90</value>\n</price>"),
    )
    assert (err.file, err.line, err.field) == ("storePrices_[17]_[5]_[F].xml", 5, "price/value")
    assert str(err) == (
        "storePrices_[17]_[5]_[F].xml line 5, field price/value: "
        "'89,90' uses a comma; write a decimal point, e.g. '89.90'"
    )
    assert err.reason.startswith("'89,90' uses a comma")


def test_malformed_xml_gives_the_line(xml_file):
    err = fail(xml_file, "updateItems_[1]_[F].xml", items("<item>\n<article>1</article>\n</itm>"))
    assert err.line == 5 and err.field is None
    assert "malformed" in str(err) and "line 5" in str(err)


def test_truncated_file(xml_file):
    err = fail(
        xml_file, "updateItems_[1]_[F].xml", items(f"<item>{ITEM.format(article=1)}</item>")[:-30]
    )
    assert "malformed" in err.reason


def test_unknown_tag_inside_a_record(xml_file):
    err = fail(
        xml_file,
        "updateItems_[1]_[F].xml",
        items(f"<item>{ITEM.format(article=1)}\n<colour>red</colour></item>"),
    )
    assert (err.line, err.field) == (4, "item/colour")
    assert "unknown element <colour> in <item>" in err.reason and "SubExcise" in err.reason


def test_unknown_tag_inside_a_barcode(xml_file):
    err = fail(
        xml_file,
        "updateItems_[1]_[F].xml",
        items(f"<item>{ITEM.format(article=1)}<barcode><id>46</id><qty>1</qty></barcode></item>"),
    )
    assert err.field == "item/barcode/qty"


def test_unknown_record_element(xml_file):
    err = fail(xml_file, "updateItems_[1]_[F].xml", items("<article>1</article>"))
    assert (err.line, err.field) == (3, "article")
    assert "expected <item>" in err.reason


def test_missing_required_field(xml_file):
    err = fail(
        xml_file,
        "updateItems_[1]_[F].xml",
        items(
            "<item>\n<article>1</article><measure>шт</measure><groupId>5</groupId><taxgroupId>1</taxgroupId></item>"
        ),
    )
    assert (err.line, err.field) == (3, "item/name")
    assert "missing: every <item> needs a <name>" in err.reason


def test_empty_required_field(xml_file):
    err = fail(
        xml_file, "updateItems_[1]_[F].xml", items(f"<item>{ITEM.format(article='  ')}</item>")
    )
    assert err.field == "item/article" and "is empty" in err.reason


def test_deleted_record_still_needs_its_key(xml_file):
    err = fail(xml_file, "updateItems_[1]_[I].xml", items("<item><deleted>1</deleted></item>", "I"))
    assert err.field == "item/article" and "missing" in err.reason


@pytest.mark.parametrize(
    ("inn", "why"),
    [
        ("770712345634", "check digit 12"),
        ("77071234563", "11 digits"),
        ("7707-12345633", "digits only"),
    ],
)
def test_bad_inn(xml_file, inn, why):
    err = fail(
        xml_file,
        "storeCashiers_[17]_[1]_[F].xml",
        '<storeCashiers fullness="F" storeId="17"><version>1.0</version>\n'
        f"<cashier><roleId>1</roleId><id>104</id><name>Петрова</name>\n<INN>{inn}</INN>"
        "<password>1</password></cashier></storeCashiers>",
    )
    assert (err.line, err.field) == (3, "cashier/INN")
    assert why in err.reason


def test_bad_seller_inn(xml_file):
    err = fail(
        xml_file,
        "storeSellers_[17]_[1]_[F].xml",
        '<storeSellers fullness="F" storeId="17"><seller><id>1</id><name>ООО</name>'
        "<INN>7707083894</INN></seller></storeSellers>",
    )
    assert err.field == "seller/INN" and "check digit" in err.reason


@pytest.mark.parametrize(("value", "why"), [("89,90", "uses a comma")])
def test_bad_price(xml_file, value, why):
    err = fail(
        xml_file,
        "storePrices_[17]_[1]_[F].xml",
        prices(f"<price><article>1</article><value>{value}</value></price>"),
    )
    assert err.field == "price/value" and why in err.reason


@pytest.mark.parametrize(
    ("value", "why"),
    [("1,5", "comma")],
)
def test_bad_quantities(xml_file, value, why):
    err = fail(
        xml_file,
        "updateItems_[1]_[F].xml",
        items(
            f"<item>{ITEM.format(article=1)}<barcode><id>46</id><quantity>{value}</quantity></barcode></item>"
        ),
    )
    assert err.field == "item/barcode/quantity" and why in err.reason


def test_unknown_root(xml_file):
    err = fail(xml_file, "goods_[1]_[F].xml", '<goods fullness="F"><version>1</version></goods>')
    assert (
        err.line == 1
        and "unknown root element <goods>" in err.reason
        and "updateItems" in err.reason
    )


def test_known_but_unsupported_type(xml_file):
    err = fail(xml_file, "kit_[1]_[F].xml", '<kit fullness="F"><version>1</version></kit>')
    assert "kit are not supported" in err.reason


@pytest.mark.parametrize(
    ("root", "fullness", "allowed"),
    [
        ("taxes", "I", '"F"'),
        ("classif", "I", '"F"'),
        ("stores", "F", '"I"'),
        ("updateItems", "X", '"F" or "I"'),
    ],
)
def test_fullness_not_allowed_for_the_type(xml_file, root, fullness, allowed):
    err = fail(xml_file, f"{root}_[1]_[{fullness}].xml", f'<{root} fullness="{fullness}"/>')
    assert err.field == "fullness" and f"not allowed for {root}; allowed: {allowed}" in err.reason


def test_missing_fullness(xml_file):
    err = fail(xml_file, "classif_[1]_[F].xml", "<classif><version>1</version></classif>")
    assert err.field == "fullness" and "has no fullness attribute" in err.reason


def test_store_scoped_file_without_store_id(xml_file):
    err = fail(xml_file, "storePrices_[17]_[1]_[F].xml", prices("", store=""))
    assert err.field == "storeId" and "store-scoped" in err.reason


def test_store_id_with_spaces(xml_file):
    err = fail(xml_file, "storePrices_[1]_[F].xml", prices("", store='storeId="17 A"'))
    assert err.field == "storeId" and "letters and digits" in err.reason


@pytest.mark.parametrize(
    ("body", "field", "why"),
    [("<to>08:00</to>", "from", "missing")],
)
def test_bad_time_restrictions(xml_file, body, field, why):
    err = fail(
        xml_file,
        "storeRestrictions_[17]_[1]_[F].xml",
        '<storeRestrictions fullness="F" storeId="17">'
        f"<timeRestriction>{body}</timeRestriction></storeRestrictions>",
    )
    assert err.field == f"timeRestriction/{field}" and why in err.reason


def test_duplicate_article(xml_file):
    body = "\n".join(f"<item>{ITEM.format(article=a)}</item>" for a in ("1", "2", "3", "2"))
    err = fail(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert (err.line, err.field) == (6, "item/article")
    assert err.reason.startswith("article 2 appears twice in this file (first at line 4)")


def test_duplicate_barcode_across_items(xml_file):
    def item(article, barcode):
        return f"<item>{ITEM.format(article=article)}<barcode><id>{barcode}</id></barcode></item>"

    body = "\n".join([item("1", "461"), item("2", "462"), item("3", "461")])
    err = fail(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert (err.line, err.field) == (5, "item/barcode/id")
    assert "barcode 461 appears twice in this file (first at line 3)" in err.reason


def test_duplicate_barcode_inside_one_item(xml_file):
    barcode = "<barcode><id>46</id></barcode>"
    body = f"<item>{ITEM.format(article=1)}{barcode}\n{barcode}</item>"
    err = fail(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert (err.line, err.field) == (4, "item/barcode/id") and "twice in this item" in err.reason


def test_duplicates_found_in_a_file_on_one_line(xml_file):
    body = "".join(f"<item>{ITEM.format(article=a)}</item>" for a in ("1", "2", "1"))
    err = fail(xml_file, "updateItems_[1]_[F].xml", items(body).replace("\n", ""))
    assert err.line == 1 and "first at line 1" in err.reason


def test_duplicate_keys_per_kind(xml_file):
    err = fail(
        xml_file,
        "storePrices_[17]_[1]_[F].xml",
        prices(
            "<additionalPrice><article>1</article><priceType>2</priceType><value>1</value></additionalPrice>"
            "<additionalPrice><article>1</article><priceType>3</priceType><value>1</value></additionalPrice>"
            "<additionalPrice><article>1</article><priceType>2</priceType><value>2</value></additionalPrice>"
        ),
    )
    assert "additional price (article, type) 1 2 appears twice" in err.reason
    # same id in different kinds is fine: tax 1 and tax group 1
    path = xml_file(
        "taxes_[1]_[F].xml",
        '<taxes fullness="F"><tax><id>1</id><name>НДС</name><rate>20</rate></tax>'
        "<taxGroup><id>1</id><name>НДС</name><taxId>1</taxId></taxGroup></taxes>",
    )
    with open_import(path) as f:
        assert len(list(f.records())) == 2


def test_duplicate_check_can_be_turned_off(xml_file):
    body = "".join(f"<item>{ITEM.format(article=a)}</item>" for a in ("1", "1"))
    path = xml_file("updateItems_[1]_[F].xml", items(body))
    with open_import(path, check_duplicates=False) as f:
        assert len(list(f.records())) == 2


def test_file_above_the_size_limit(xml_file):
    err = fail(
        xml_file,
        "classif_[1]_[F].xml",
        '<classif fullness="F">' + " " * 500 + "</classif>",
        max_bytes=100,
    )
    assert err.line is None and "above the limit of 100 bytes" in err.reason


def test_doctype_in_an_import_file(xml_file):
    err = fail(
        xml_file,
        "updateItems_[1]_[F].xml",
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<updateItems fullness="F"/>',
    )
    assert err.line == 2 and "DOCTYPE" in err.reason


@pytest.mark.parametrize(
    ("body", "field", "why"),
    [
        (f"<item>{ITEM.format(article=1)}<name>Два</name></item>", "item/name", "appears 2 times"),
        (f"<item>{ITEM.format(article='<b>1</b>')}</item>", "item/article", "not the element <b>"),
        (f"<item>{ITEM.format(article='A 1')}</item>", "item/article", "spaces"),
        (f"<item>{ITEM.format(article='1' * 41)}</item>", "item/article", "at most 40"),
        ("<version>1.5</version>", "version", "must appear once"),
    ],
)
def test_field_level_errors(xml_file, body, field, why):
    err = fail(xml_file, "updateItems_[1]_[F].xml", items(body))
    assert err.field == field and why in err.reason


def test_bad_store_code(xml_file):
    err = fail(
        xml_file,
        "stores_[2]_[I].xml",
        '<stores fullness="I"><store><id>17-A</id><name>М</name></store></stores>',
    )
    assert err.field == "store/id" and "letters and digits" in err.reason


def test_cashier_id_must_be_a_number(xml_file):
    err = fail(
        xml_file,
        "storeCashiers_[17]_[1]_[F].xml",
        '<storeCashiers fullness="F" storeId="17"><cashier><roleId>1</roleId><id>A4</id>'
        "<name>x</name><password>1</password></cashier></storeCashiers>",
    )
    assert err.field == "cashier/id" and "whole number" in err.reason


def test_hash_collisions_never_give_false_duplicates(xml_file, monkeypatch):
    """Every key hashes alike: the reader must confirm each match by the earlier record."""
    from ukm_actors.codecs import ukm_import

    monkeypatch.setattr(ukm_import, "key_hash", lambda key: 7)
    body = "\n".join(f"<item>{ITEM.format(article=a)}</item>" for a in ("1", "2", "3", "4"))
    path = xml_file("updateItems_[1]_[F].xml", items(body))
    with open_import(path) as f:
        assert [r.article for _, r in f.records()] == ["1", "2", "3", "4"]
    err = fail(
        xml_file,
        "updateItems_[2]_[F].xml",
        items(body + f"\n<item>{ITEM.format(article=3)}</item>"),
    )
    assert err.line == 7 and "article 3 appears twice in this file (first at line 5)" in err.reason
