"""Customer display, 2 lines × 20 characters, ESC/POS display command set.

The Epson DM-D command set, which nearly every pole display (VFD or LCD)
accepts in its "Epson" / "ESC/POS" mode:

    ESC @      1B 40      initialize
    US MD1     1F 01      overwrite mode (no scrolling)
    ESC t n    1B 74 n    select the character code table n (model-specific)
    CLR        0C         clear the screen, cursor home
    HOM        0B         cursor to the top-left position
    US $ x y   1F 24 x y  cursor to column x (1..20), line y (1..2)

``show(line1, line2)`` writes ``HOM`` + 20 characters + ``US $ 1 2`` + 20
characters: every cell is overwritten, so the screen does not flicker the
way ``CLR`` + text does. Text is encoded with ``encoding``, CP866 by
default: Russian displays (and the Russian firmware of Posiflex, Shtrih,
ATOL displays) ship with the DOS Cyrillic code page as their default table.
Displays that need a table selected get ``code_table`` (the ``n`` of
``ESC t n`` from the display's manual), sent once at ``open()``. Characters
the code page lacks print as ``?``.
"""

from __future__ import annotations

from typing import Any

from ukm_actors.domain.money import Money, format_money
from ukm_actors.hw._link import SerialDevice, SerialLink
from ukm_actors.hw.errors import DeviceError
from ukm_actors.i18n import _

WIDTH = 20

INIT = b"\x1b@"
OVERWRITE = b"\x1f\x01"
CLEAR = b"\x0c"
HOME = b"\x0b"


def goto(column: int, line: int) -> bytes:
    """``US $ x y``: the cursor to ``column`` (1-based) on ``line`` (1 or 2)."""
    return b"\x1f$" + bytes([column, line])


def fit(text: str, width: int = WIDTH) -> str:
    """``text`` cut or padded with spaces to exactly ``width`` characters."""
    return text[:width].ljust(width)


def two_columns(left: str, right: str, width: int = WIDTH) -> str:
    """``left`` and ``right`` on one line of ``width``; ``left`` is cut to make room."""
    room = max(0, width - len(right) - 1)
    if len(left) > room:
        left = left[:room]
    return fit(left + " " * (width - len(left) - len(right)) + right, width)


def _money(amount: Money) -> str:
    text = format_money(amount)
    return text if len(text) <= WIDTH else "#" * WIDTH


def layout_item(name: str, price: Money, quantity_text: str = "") -> tuple[str, str]:
    """The item just scanned: its name on line 1, its price right-aligned on line 2.

    With ``quantity_text`` ("0.350 кг") line 2 is ``quantity`` on the left
    and the price on the right.
    """
    return fit(name), two_columns(quantity_text, _money(price))


def layout_total(total: Money) -> tuple[str, str]:
    """The amount to pay: "ИТОГО:" on line 1, the amount right-aligned on line 2.

    An amount wider than the display shows as ``#`` signs, never cut.
    """
    return fit("ИТОГО:"), _money(total).rjust(WIDTH)


def layout_change(paid: Money, change: Money) -> tuple[str, str]:
    """After payment: what was paid and the change to give."""
    return two_columns("ОПЛАЧЕНО", _money(paid)), two_columns("СДАЧА", _money(change))


class CustomerDisplay(SerialDevice):
    """A 2×20 display on ``url`` (``/dev/ttyUSB1``, ``socket://``, ``loop://``)."""

    def __init__(
        self,
        url: str,
        baudrate: int = 9600,
        encoding: str = "cp866",
        *,
        code_table: int | None = None,
        write_timeout: float = 1.0,
    ) -> None:
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise DeviceError(
                _("display on {url}: unknown encoding {encoding!r}", url=url, encoding=encoding),
                device=f"display on {url}",
                hint=_("use a Python codec name such as 'cp866' or 'cp1251'"),
            ) from exc
        if code_table is not None and not 0 <= code_table <= 255:
            raise DeviceError(
                _(
                    "display on {url}: code_table must be 0..255, not {code_table}",
                    url=url,
                    code_table=code_table,
                ),
                device=f"display on {url}",
            )
        self.encoding = encoding
        self.code_table = code_table
        self.link = SerialLink(url, what="display", baudrate=baudrate, write_timeout=write_timeout)
        self.lines: tuple[str, str] = ("", "")

    def open(self) -> None:
        """Open the port, initialize the display (overwrite mode, code table) and clear it.

        ``close()`` leaves the display showing its last text.
        """
        self.link.open()
        self.link.write(self.init_bytes())
        self.lines = ("", "")

    def init_bytes(self) -> bytes:
        """What ``open()`` sends: ESC @, US MD1, [ESC t n], CLR."""
        table = b"" if self.code_table is None else b"\x1bt" + bytes([self.code_table])
        return INIT + OVERWRITE + table + CLEAR

    def encode(self, text: str) -> bytes:
        """``text`` in the display's code page; control characters and unknown ones become '?'."""
        clean = "".join(ch if ch.isprintable() else "?" for ch in text)
        return clean.encode(self.encoding, errors="replace")

    def show_bytes(self, line1: str, line2: str) -> bytes:
        """What ``show()`` sends for these two lines."""
        return HOME + self.encode(fit(line1)) + goto(1, 2) + self.encode(fit(line2))

    def show(self, line1: str, line2: str = "") -> None:
        """Show two lines (each cut or padded to 20 characters)."""
        self.link.write(self.show_bytes(line1, line2))
        self.lines = (fit(line1), fit(line2))

    def clear(self) -> None:
        """Blank the display."""
        self.link.write(CLEAR)
        self.lines = ("", "")

    def status(self) -> dict[str, Any]:
        """``{"device", "open", "lines"}``: what the display should be showing."""
        return {"device": self.name, "open": self.link.is_open, "lines": list(self.lines)}
