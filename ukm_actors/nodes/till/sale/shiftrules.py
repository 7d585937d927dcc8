"""The shift's age rule: a shift older than ``max_shift_hours`` may not sell."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.clock import epoch_ms
from ukm_actors.nodes.till.sale.errors import SaleError

if TYPE_CHECKING:
    from ukm_actors.nodes.till.sale.env import SaleEnv


def shift_age_hours(opened_ms: int, env: SaleEnv) -> float:
    return (epoch_ms(env.now()) - opened_ms) / 3_600_000


def require_fresh(opened_ms: int, env: SaleEnv) -> None:
    """Raise ``shift.expired`` when the shift opened more than ``max_shift_hours`` ago."""
    limit = float(env.settings.max_shift_hours)
    if opened_ms and shift_age_hours(opened_ms, env) > limit:
        raise SaleError(
            _(
                "the shift has been open for more than {limit:g} h and may not sell any more; "
                "close it (Z report) and open a new one",
                limit=limit,
            ),
            code="shift.expired",
        )
