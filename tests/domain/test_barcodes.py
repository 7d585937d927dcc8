import pytest
from hypothesis import given
from hypothesis import strategies as st

from ukm_actors.domain.barcodes import (
    DEFAULT_WEIGHT_LAYOUT,
    BarcodeError,
    BarcodeLayoutError,
    WeightBarcode,
    WeightBarcodeLayout,
    decode_weight_barcode,
    ean8_check_digit,
    ean13_check_digit,
    gtin_check_digit,
    is_valid_ean8,
    is_valid_ean13,
    parse_prefixes,
)


def with_check(body: str) -> str:
    return body + str(gtin_check_digit(body))


def wrong_check(body: str) -> str:
    return body + str((gtin_check_digit(body) + 1) % 10)


# --- EAN --------------------------------------------------------------------


def test_known_ean13():
    assert ean13_check_digit("400638133393") == 1
    assert is_valid_ean13("4006381333931")
    # The exchange spec's example barcode 4600000000024 does not carry a valid
    # check digit (it would be ...022); importers must not assume EANs are valid.
    assert not is_valid_ean13("4600000000024")
    assert is_valid_ean13("4600000000022")


def test_known_ean8():
    assert ean8_check_digit("9638507") == 4
    assert is_valid_ean8("96385074")


@pytest.mark.parametrize(
    "code", ["4006381333932", "400638133393", "40063813339311", "400638133393X", "", "abc"]
)
def test_invalid_ean13(code):
    assert not is_valid_ean13(code)


@pytest.mark.parametrize("code", ["96385075", "9638507", "963850741", "9638507A"])
def test_invalid_ean8(code):
    assert not is_valid_ean8(code)


@pytest.mark.parametrize("body", ["40063813339", "4006381333931", "40063813339X", ""])
def test_ean13_check_digit_refuses_a_bad_body(body):
    with pytest.raises(BarcodeError, match="exactly 12 digits"):
        ean13_check_digit(body)


def test_ean8_check_digit_refuses_a_bad_body():
    with pytest.raises(BarcodeError, match="exactly 7 digits"):
        ean8_check_digit("12345")


def test_gtin_check_digit_refuses_non_digits():
    with pytest.raises(BarcodeError, match="digits only"):
        gtin_check_digit("12a4")
    with pytest.raises(BarcodeError):
        gtin_check_digit("")


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_ean13_with_computed_check_digit_is_valid(body):
    code = body + str(ean13_check_digit(body))
    assert is_valid_ean13(code)
    wrong = str((int(code[-1]) + 1) % 10)
    assert not is_valid_ean13(code[:-1] + wrong)


# --- prefixes -----------------------------------------------------------------


def test_parse_prefixes():
    assert parse_prefixes("20-29") == tuple(str(n) for n in range(20, 30))
    assert parse_prefixes("21, 23-25") == ("21", "23", "24", "25")
    assert parse_prefixes("01-03") == ("01", "02", "03")
    assert parse_prefixes("22,22") == ("22",)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty item"),
        ("20,", "empty item"),
        ("2a", "must be digits"),
        ("20-299", "equally long"),
        ("29-20", "runs backwards"),
    ],
)
def test_parse_prefixes_refuses(text, fragment):
    with pytest.raises(BarcodeLayoutError, match=fragment):
        parse_prefixes(text)


# --- layouts ------------------------------------------------------------------


def test_default_layout():
    lay = DEFAULT_WEIGHT_LAYOUT
    assert lay.prefixes[0] == "20" and lay.prefixes[-1] == "29"
    assert (lay.item_code_start, lay.item_code_length) == (2, 5)
    assert (lay.value_start, lay.value_length) == (7, 5)
    assert lay.value_kind == "weight" and lay.check_digit and lay.length == 13


def test_parse_price_layout_without_check_digit():
    lay = WeightBarcodeLayout.parse("pccccmmmmmm", "2")
    assert lay.prefixes == tuple("2")
    assert (lay.item_code_start, lay.item_code_length) == (1, 4)
    assert (lay.value_start, lay.value_length, lay.value_kind) == (5, 6, "price")
    assert not lay.check_digit and lay.length == 11


@pytest.mark.parametrize(
    ("pattern", "prefixes", "fragment"),
    [
        ("PPCCCCCXWWWWK", "20-29", "unknown letter"),
        ("PPCCCCCWWMWWK", "20-29", "W positions must be together"),
        ("CCCCCPPWWWWWK", "20-29", "must start with P"),
        ("PPWWWWWWWWWWK", "20-29", "no item code"),
        ("PPCCCCCWWWMMK", "20-29", "either W (weight) or M (money)"),
        ("PPCCCCCCCCCCK", "20-29", "either W (weight) or M (money)"),
        ("PPCCCCCWWWWKK", "20-29", "one last letter"),
        ("PPCCCCCKWWWWW", "20-29", "one last letter"),
        ("PPCCCCCWWWWWK", "2", "must have 2 digit(s)"),
        ("PPCCCCCWWWWWK", "x", "must be digits"),
    ],
)
def test_parse_refuses_a_bad_pattern(pattern, prefixes, fragment):
    with pytest.raises(BarcodeLayoutError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        WeightBarcodeLayout.parse(pattern, prefixes)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"prefixes": ()}, "at least one prefix"),
        ({"prefixes": ("20", "2")}, "one length"),
        ({"value_kind": "volume"}, "unknown"),
        ({"value_start": 8}, "does not fit"),
        ({"item_code_length": 0}, "does not fit"),
        ({"item_code_start": 1}, "overlaps"),
        ({"value_start": 6}, "overlaps"),
    ],
)
def test_layout_refuses_inconsistent_fields(kwargs, fragment):
    base = {
        "prefixes": ("20",),
        "item_code_start": 2,
        "item_code_length": 5,
        "value_start": 7,
        "value_length": 5,
    }
    with pytest.raises(BarcodeLayoutError, match=fragment):
        WeightBarcodeLayout(**(base | kwargs))


# --- decoding -----------------------------------------------------------------


def test_decode_default_weight_barcode():
    code = with_check("210012301250")  # item 00123, 1.250 kg
    assert decode_weight_barcode(code, DEFAULT_WEIGHT_LAYOUT) == WeightBarcode(
        item_code="00123", quantity=1250, price=None
    )


def test_decode_price_barcode():
    lay = WeightBarcodeLayout.parse("PPCCCCCMMMMMK", "22")
    code = with_check("220004512345")  # item 00045, 123.45 rub
    assert decode_weight_barcode(code, lay) == WeightBarcode("00045", None, 12345)


def test_decode_without_check_digit():
    lay = WeightBarcodeLayout.parse("PPCCCCCWWWWWW", "27")
    assert decode_weight_barcode("2712345000350", lay) == WeightBarcode("12345", 350, None)


def test_an_ordinary_ean_is_not_a_weight_barcode():
    assert decode_weight_barcode("4600000000024", DEFAULT_WEIGHT_LAYOUT) is None
    assert decode_weight_barcode("", DEFAULT_WEIGHT_LAYOUT) is None
    assert decode_weight_barcode("ABC2012345", DEFAULT_WEIGHT_LAYOUT) is None


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("21001230125", "has 11 digits, the scale layout expects 13"),
        ("21001230125000", "has 14 digits"),
        ("21001230125X0", "non-digits"),
        (wrong_check("210012301250"), "wrong check digit"),
        (with_check("210012300000"), "zero weight"),
    ],
)
def test_decode_refuses_a_damaged_label(code, fragment):
    with pytest.raises(BarcodeError, match=fragment) as info:
        decode_weight_barcode(code, DEFAULT_WEIGHT_LAYOUT)
    assert info.value.code == "barcode.invalid"


def test_zero_price_is_refused():
    lay = WeightBarcodeLayout.parse("PPCCCCCMMMMMK", "22")
    with pytest.raises(BarcodeError, match="zero price"):
        decode_weight_barcode(with_check("220004500000"), lay)


@given(
    prefix=st.integers(20, 29),
    item=st.integers(0, 99999),
    grams=st.integers(1, 99999),
)
def test_decode_round_trips_any_label(prefix, item, grams):
    code = with_check(f"{prefix}{item:05d}{grams:05d}")
    decoded = decode_weight_barcode(code, DEFAULT_WEIGHT_LAYOUT)
    assert decoded == WeightBarcode(f"{item:05d}", grams, None)
