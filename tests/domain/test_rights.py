import pytest

from ukm_actors.domain.rights import (
    ALL_RIGHTS,
    Right,
    RightsError,
    has_right,
    parse_rights,
    require,
)

EXPECTED = {
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
    "discount_manual",
    "supervisor",
}


def test_exactly_the_agreed_rights_exist():
    assert {r.value for r in Right} == EXPECTED
    assert {r.value for r in ALL_RIGHTS} == EXPECTED
    assert Right("void_line") is Right.VOID_LINE
    assert Right.VOID_LINE == "void_line"


def test_every_right_has_a_label_and_an_action():
    for right in Right:
        assert right.label and right.label[0].isupper()
        assert right.action and right.action[0].islower()
    assert Right.VOID_LINE.label == "Void a line"


def test_parse_rights():
    assert parse_rights(["sell", " VOID_LINE ", "sell"]) == frozenset({Right.SELL, Right.VOID_LINE})
    assert parse_rights([]) == frozenset()
    assert parse_rights(r.value for r in Right) == ALL_RIGHTS


@pytest.mark.parametrize("name", ["void", "", "annul_receipt"])
def test_unknown_right_names_are_refused_with_the_known_list(name):
    with pytest.raises(RightsError) as info:
        parse_rights(["sell", name])
    err = info.value
    assert err.code == "rights.unknown"
    assert repr(name) in err.message
    assert "void_line" in err.message and "supervisor" in err.message


def test_require_passes_when_the_right_is_held():
    require(frozenset({Right.VOID_LINE}), Right.VOID_LINE, "Петрова А. С.")
    assert has_right(ALL_RIGHTS, Right.CASH_OUT)
    assert not has_right(frozenset(), Right.CASH_OUT)


def test_require_explains_a_missing_right_to_the_cashier():
    with pytest.raises(RightsError) as info:
        require(frozenset({Right.SELL}), Right.VOID_LINE, "Петрова А. С.")
    err = info.value
    assert err.code == "rights.missing"
    assert err.right is Right.VOID_LINE
    assert err.message == (
        "Cashier Петрова А. С. has no right to void a line; ask a supervisor to confirm"
    )
    assert err.to_json()["code"] == "rights.missing"


def test_missing_supervisor_right_does_not_say_ask_a_supervisor():
    with pytest.raises(RightsError, match="senior cashier") as info:
        require(frozenset({Right.SELL}), Right.SUPERVISOR, "Иванов И. И.")
    assert "confirm operations for other cashiers" in info.value.message
