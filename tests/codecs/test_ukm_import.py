"""Reading import files: every supported type, deleted records, lenient mode, progress."""

import pytest

from ukm_actors.codecs.ukm_import import (
    AdditionalPriceRecord,
    AgeRestrictionRecord,
    BarcodeRecord,
    CashierRecord,
    ClassifRecord,
    ImportFormatError,
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

SPEC_ITEMS = """\
<?xml version="1.0" encoding="utf-8"?>
<updateItems fullness="I">
  <version>1.5</version>
  <item>
    <article>100245</article>
    <name>Кефир 2,5% 900 г</name>
    <measure>шт</measure>
    <measprec>1</measprec>
    <groupId>41</groupId>
    <egaisType>0</egaisType>
    <taxgroupId>2</taxgroupId>
    <barcode>
      <id>4600000000017</id>
      <quantity>1</quantity>
    </barcode>
    <barcode>
      <id>4600000000024</id>
      <quantity>6</quantity>
    </barcode>
    <SubExcise>0</SubExcise>
  </item>
</updateItems>
"""


def read_all(path, **kw):
    with open_import(path, **kw) as f:
        return f.info, list(f.records()), f.warnings


def test_spec_update_items_example(xml_file):
    info, records, warnings = read_all(xml_file("updateItems_[5]_[I].xml", SPEC_ITEMS))
    assert (info.type, info.fullness, info.version, info.store_id) == (
        "updateItems",
        "I",
        "1.5",
        None,
    )
    assert info.file == "updateItems_[5]_[I].xml"
    assert warnings == []
    assert records == [
        (
            4,
            ItemRecord(
                article="100245",
                name="Кефир 2,5% 900 г",
                measure="шт",
                measprec="1",
                group_id="41",
                taxgroup_id="2",
                egais_type=0,
                barcodes=(
                    BarcodeRecord("4600000000017", 1000),
                    BarcodeRecord("4600000000024", 6000),
                ),
            ),
        )
    ]


def test_weighed_alcohol_and_our_optional_item_fields(xml_file):
    path = xml_file(
        "updateItems_7_F.xml",
        """\
        <updateItems fullness="F"><version>1.5</version>
          <item><article>000304</article><name>Сыр «Российский» &amp; Ко</name><measure>кг</measure>
            <measprec>0.001</measprec><groupId>4</groupId><taxgroupId>1</taxgroupId></item>
          <item><article>7001</article><name>Водка 0,5 л</name><measure>шт</measure>
            <measprec>1</measprec>
            <groupId>9</groupId><egaisType>1</egaisType>
            <ProductAlcCodes><code>0000000000012345678</code>
              <code>0000000000087654321</code></ProductAlcCodes>
            <taxgroupId>1</taxgroupId><SubExcise>1</SubExcise><minPrice>299.00</minPrice><ageLimit>18</ageLimit>
          </item>
          <item><article>7002</article><name>Вино</name><measure>шт</measure><groupId>9</groupId>
            <egaisType>1</egaisType><ProductAlcCodes>111, 222;333</ProductAlcCodes>
            <taxgroupId>1</taxgroupId></item>
          <item><article>7003</article><name>Пиво</name><measure>шт</measure><groupId>9</groupId>
            <egaisType>1</egaisType><ProductAlcCodes/><taxgroupId>1</taxgroupId></item>
        </updateItems>
        """,
    )
    _, records, _ = read_all(path)
    cheese, vodka, wine, beer = (r for _, r in records)
    assert cheese.article == "000304" and cheese.name == "Сыр «Российский» & Ко"
    assert cheese.measprec == "0.001" and cheese.measure == "кг" and cheese.barcodes == ()
    assert vodka.alc_codes == ("0000000000012345678", "0000000000087654321")
    assert vodka.sub_excise and vodka.min_price == 29900 and vodka.age_limit == 18
    assert wine.alc_codes == ("111", "222", "333") and wine.measprec is None
    assert beer.alc_codes == () and beer.egais_type == 1


def test_classif_with_empty_parent(xml_file):
    path = xml_file(
        "classif_[3]_[F].xml",
        """\
        <classif fullness="F"><version>1.0</version>
          <group><id>4</id><parentId></parentId><name>Молочная продукция</name></group>
          <group><id>41</id><parentId>4</parentId><name>Кефир</name></group>
          <group><id>5</id><name>Хлеб</name></group>
        </classif>
        """,
    )
    _, records, _ = read_all(path)
    assert [r for _, r in records] == [
        ClassifRecord("4", None, "Молочная продукция"),
        ClassifRecord("41", "4", "Кефир"),
        ClassifRecord("5", None, "Хлеб"),
    ]


def test_taxes_mix_taxes_and_groups(xml_file):
    path = xml_file(
        "taxes_[1]_[F].xml",
        """\
        <taxes fullness="F"><version>1.0</version>
          <tax><id>1</id><name>НДС 20%</name><rate>20.00</rate></tax>
          <tax><id>3</id><name>НДС 10%</name><rate>10</rate></tax>
          <taxGroup><id>2</id><name>НДС 10%</name><taxId>3</taxId></taxGroup>
        </taxes>
        """,
    )
    _, records, _ = read_all(path)
    assert [r for _, r in records] == [
        TaxRecord("1", "НДС 20%", 2000),
        TaxRecord("3", "НДС 10%", 1000),
        TaxGroupRecord("2", "НДС 10%", "3"),
    ]


def test_regions_store_types_and_stores(xml_file):
    regions = xml_file(
        "regions_[1]_[I].xml",
        '<regions fullness="I"><version>1.0</version><region><id>1</id><name>Москва</name></region>'
        "<region><id>2</id><deleted>1</deleted></region></regions>",
    )
    assert [r for _, r in read_all(regions)[1]] == [
        RegionRecord("1", "Москва"),
        RegionRecord("2", "", deleted=True),
    ]
    types = xml_file(
        "storeTypes_[1]_[I].xml",
        '<storeTypes fullness="I"><version>1.0</version>'
        "<storeType><id>2</id><name>Супермаркет</name></storeType></storeTypes>",
    )
    assert [r for _, r in read_all(types)[1]] == [StoreTypeRecord("2", "Супермаркет")]
    stores = xml_file(
        "stores_[9]_[I].xml",
        """\
        <stores fullness="I"><version>1.0</version>
          <store><id>17</id><name>Магазин на Садовой</name><regionId>1</regionId>
            <storeTypeId>2</storeTypeId></store>
          <store><id>S18</id><name>Самара</name><timezone>Europe/Samara</timezone></store>
        </stores>
        """,
    )
    assert [r for _, r in read_all(stores)[1]] == [
        StoreRecord("17", "Магазин на Садовой", "1", "2"),
        StoreRecord("S18", "Самара", None, None, "Europe/Samara"),
    ]


SPEC_CASHIERS = """\
<?xml version="1.0" encoding="UTF-8"?>
<storeCashiers fullness="F" storeId="17">
  <version>1.0</version>
  <cashier>
    <roleId>1</roleId>
    <id>104</id>
    <name>Петрова Анна Сергеевна</name>
    <INN>770712345633</INN>  <!-- synthetic, passes the check digits -->
    <password>7741</password>
  </cashier>
  <cashier><roleId>13</roleId><id>1</id><name>Администратор</name><password>qr:ABC-1</password></cashier>
</storeCashiers>
"""


def test_spec_store_cashiers_example(xml_file):
    info, records, _ = read_all(xml_file("storeCashiers_[17]_[45296]_[F].xml", SPEC_CASHIERS))
    assert info.store_id == "17" and info.version == "1.0"
    assert [r for _, r in records] == [
        CashierRecord("17", 104, "Петрова Анна Сергеевна", 1, "770712345633", "7741"),
        CashierRecord("17", 1, "Администратор", 13, None, "qr:ABC-1"),
    ]


def test_store_sellers_prices_restrictions(xml_file):
    sellers = xml_file(
        "storeSellers_[17]_[3]_[I].xml",
        '<storeSellers fullness="I" storeId="17"><version>1.0</version>'
        "<seller><id>S1</id><name>Иванов Пётр</name><INN>7707083893</INN></seller>"
        "<seller><id>S2</id><deleted>1</deleted></seller></storeSellers>",
    )
    assert [r for _, r in read_all(sellers)[1]] == [
        SellerRecord("17", "S1", "Иванов Пётр", "7707083893"),
        SellerRecord("17", "S2", "", None, deleted=True),
    ]
    prices = xml_file(
        "storePrices_[17]_[4]_[F].xml",
        """\
        <storePrices fullness="F" storeId="17"><version>1.0</version>
          <price><article>100245</article><value>89.90</value></price>
          <additionalPrice><article>100245</article><priceType>2</priceType><value>84.90</value></additionalPrice>
          <additionalPrice><article>100245</article><priceType>3</priceType>
            <name>Цена по карте</name><value>80</value></additionalPrice>
        </storePrices>
        """,
    )
    assert [r for _, r in read_all(prices)[1]] == [
        PriceRecord("17", "100245", 8990),
        AdditionalPriceRecord("17", "100245", "2", "", 8490),
        AdditionalPriceRecord("17", "100245", "3", "Цена по карте", 8000),
    ]
    restrictions = xml_file(
        "storeRestrictions_[17]_[2]_[F].xml",
        """\
        <storeRestrictions fullness="F" storeId="17"><version>1.0</version>
          <timeRestriction><groupId>7</groupId><from>23:00</from><to>8:00</to></timeRestriction>
          <timeRestriction><id>T2</id><article>7001</article><from>00:00</from><to>10:00</to>
            <days>7,6</days><message>Продажа алкоголя запрещена</message></timeRestriction>
          <timeRestriction><from>22:00</from><to>23:00</to></timeRestriction>
          <ageRestriction><groupId>7</groupId><minAge>18</minAge></ageRestriction>
        </storeRestrictions>
        """,
    )
    got = [r for _, r in read_all(restrictions)[1]]
    assert got == [
        TimeRestrictionRecord("17", None, None, "7", "23:00", "08:00"),
        TimeRestrictionRecord(
            "17", "T2", "7001", None, "00:00", "10:00", "67", "Продажа алкоголя запрещена"
        ),
        TimeRestrictionRecord("17", None, None, None, "22:00", "23:00"),
        AgeRestrictionRecord("17", None, None, "7", 18),
    ]


def test_deleted_records_in_incremental_and_full_files(xml_file):
    body = (
        "<item><article>1</article><deleted>1</deleted></item>"
        "<item><article>2</article><name>Хлеб</name><measure>шт</measure><groupId>5</groupId>"
        "<taxgroupId>1</taxgroupId><deleted>0</deleted></item>"
    )
    inc = xml_file(
        "updateItems_[2]_[I].xml",
        f'<updateItems fullness="I"><version>1.5</version>{body}</updateItems>',
    )
    records = [r for _, r in read_all(inc)[1]]
    assert records[0] == ItemRecord("1", "", "", None, "", "", deleted=True)
    assert records[1].article == "2" and not records[1].deleted
    full = xml_file(
        "updateItems_[3]_[F].xml",
        f'<updateItems fullness="F"><version>1.5</version>{body}</updateItems>',
    )
    assert [r.article for _, r in read_all(full)[1]] == ["2"]


def test_bom_and_no_declaration(xml_file):
    path = xml_file(
        "classif_[1]_[F].xml",
        '<classif fullness="F"><version>1.0</version>'
        "<group><id>1</id><name>Все</name></group></classif>",
        bom=True,
    )
    assert read_all(path)[1] == [(1, ClassifRecord("1", None, "Все"))]


def test_warnings_do_not_stop_the_load(xml_file):
    path = xml_file(
        "classif_[1]_[F].xml",
        '<classif fullness="F" storeId="17" date="2024-01-01">'
        "<group><id>1</id><name>Все</name></group></classif>",
    )
    info, records, warnings = read_all(path)
    assert info.version is None and info.store_id is None and len(records) == 1
    assert any("storeId" in w and "chain-wide" in w for w in warnings)
    assert any("date" in w for w in warnings)
    assert any("no <version>" in w for w in warnings)


def test_lenient_mode_counts_unknown_elements(xml_file):
    path = xml_file(
        "classif_[1]_[F].xml",
        '<classif fullness="F"><version>1.0</version>'
        "<group><id>1</id><name>Все</name><color>red</color></group>"
        "<group><id>2</id><name>Ещё</name><color>blue</color></group><banner/></classif>",
    )
    with pytest.raises(ImportFormatError, match="unknown element <color>"):
        read_all(path)
    with open_import(path, strict=False) as f:
        assert len(list(f.records())) == 2
        assert f.ignored == {"group/color": 2, "banner": 1}


def test_position_reports_progress(tmp_path):
    from ukm_actors.codecs.ukm_samples import write_catalog

    path = write_catalog(tmp_path / "updateItems_[1]_[F].xml", 3000)
    with open_import(path) as f:
        read, total = f.position()
        assert total == path.stat().st_size and 0 < read <= total
        seen = []
        for n, _ in enumerate(f.records()):
            if n % 500 == 0:
                seen.append(f.position()[0])
        assert seen == sorted(seen) and seen[-1] > seen[0]
        assert f.position() == (total, total)


def test_records_can_be_read_once(xml_file):
    path = xml_file("classif_[1]_[F].xml", '<classif fullness="F"><version>1</version></classif>')
    with open_import(path) as f:
        assert list(f.records()) == []
        with pytest.raises(RuntimeError, match="already"):
            list(f.records())


def test_missing_file_is_an_os_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        open_import(tmp_path / "nope.xml")
