"""The 2×20 customer display: exact bytes read back through pyserial loop://."""

import pytest

from ukm_actors.hw._link import deadline_after
from ukm_actors.hw.display import (
    CustomerDisplay,
    layout_change,
    layout_item,
    layout_total,
)
from ukm_actors.hw.errors import DeviceError, DeviceUnavailable


def sent(display, size):
    """What the display was sent: loop:// gives back what was written."""
    deadline = deadline_after(1.0)
    data = b""
    while len(data) < size:
        chunk = display.link.read_some(deadline)
        assert chunk, f"only {data!r} arrived"
        data += chunk
    assert display.link.read_some(deadline_after(0)) == b""
    return data


@pytest.fixture
def display():
    d = CustomerDisplay("loop://")
    d.open()
    assert sent(d, 5) == b"\x1b@\x1f\x01\x0c"
    yield d
    d.close()


def test_show_writes_two_full_lines_in_cp866(display):
    display.show("Молоко 3.2%", "89.90")
    expected = (
        b"\x0b"
        + "Молоко 3.2%         ".encode("cp866")
        + b"\x1f$\x01\x02"
        + "89.90               ".encode("cp866")
    )
    assert sent(display, len(expected)) == expected
    assert display.status()["lines"] == ["Молоко 3.2%         ", "89.90               "]


def test_long_lines_are_cut_to_20_characters(display):
    display.show("Йогурт клубничный 2.5% 300 г", "")
    data = sent(display, 1 + 20 + 4 + 20)
    assert data[1:21] == "Йогурт клубничный 2.".encode("cp866")


def test_characters_outside_the_code_page_become_question_marks(display):
    display.show("Café ☕\x07", "")
    data = sent(display, 45)
    assert data[1:21] == b"Caf? ??" + b" " * 13


def test_clear(display):
    display.clear()
    assert sent(display, 1) == b"\x0c"
    assert display.status()["lines"] == ["", ""]


def test_a_code_table_is_selected_at_open():
    with CustomerDisplay("loop://", code_table=7) as d:
        assert sent(d, 8) == b"\x1b@\x1f\x01\x1bt\x07\x0c"


def test_another_encoding():
    with CustomerDisplay("loop://", encoding="cp1251") as d:
        sent(d, 5)
        d.show("Хлеб", "")
        assert sent(d, 45)[1:5] == "Хлеб".encode("cp1251")


def test_layouts_are_two_lines_of_20():
    assert layout_item("Хлеб Бородинский", 5490) == (
        "Хлеб Бородинский    ",
        "               54.90",
    )
    assert layout_item("Бананы", 4515, "0.350 кг") == (
        "Бананы              ",
        "0.350 кг       45.15",
    )
    assert layout_total(123456) == ("ИТОГО:              ", "             1234.56")
    assert layout_change(200000, 76544) == (
        "ОПЛАЧЕНО     2000.00",
        "СДАЧА         765.44",
    )
    for pair in (layout_item("x" * 40, 10**12, "y" * 40), layout_total(10**30)):
        assert [len(line) for line in pair] == [20, 20]
    assert layout_total(10**30)[1] == "#" * 20


def test_bad_settings_and_closed_port():
    with pytest.raises(DeviceError, match="unknown encoding 'klingon'"):
        CustomerDisplay("loop://", encoding="klingon")
    with pytest.raises(DeviceError, match="code_table must be 0..255"):
        CustomerDisplay("loop://", code_table=300)
    with pytest.raises(DeviceUnavailable, match="display on loop:// is not open"):
        CustomerDisplay("loop://").show("a", "b")
