"""The numbering coupon campaigns and certificate series share: codes taken in turn."""

from __future__ import annotations

from ukm_actors.domain.promotions.codes import (
    CodeError,
    make_code,
    scrambled_serials,
    serial_width,
)
from ukm_actors.nodes.marketing.core.errors import Conflict
from ukm_actors.nodes.marketing.core.tables import MkCertSeries, MkCouponCampaign


def take_codes(row: MkCouponCampaign | MkCertSeries, count: int, seed: str, what: str) -> list[str]:
    """The next ``count`` codes of ``row``'s layout, their serials scrambled with ``seed``;
    ``row.next_serial`` moves past them. ``Conflict`` (naming ``what`` and the row) when the
    layout holds no more codes."""
    width = serial_width(row.prefix, row.length, row.check_digit)
    try:
        serials = scrambled_serials(seed, row.next_serial, count, width)
    except CodeError as exc:
        raise Conflict(f"{what} {row.id!r}: {exc}") from None
    row.next_serial += count
    return [make_code(row.prefix, n, row.length, row.check_digit) for n in serials]
