"""New receipts: a draft in the open shift, then numbered when it is first stored.

A sale's first line makes a draft (``draft``) that is numbered (``numbered``)
in the transaction that stores it, so a line refused on the way takes no
number; a receipt opened by a loyalty card or for a return is numbered at
once (``new_receipt``).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from ukm_actors.domain.receipt import Receipt
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.auth import Grant
from ukm_actors.nodes.till.sale.env import SaleEnv
from ukm_actors.nodes.till.sale.errors import SaleError
from ukm_actors.nodes.till.sale.model import OpenReceipt
from ukm_actors.nodes.till.sale.repo import open_shift
from ukm_actors.nodes.till.sale.shiftrules import require_fresh
from ukm_actors.nodes.till.sale.tables import ShiftRow


def _shift_closed() -> SaleError:
    return SaleError(_("no shift is open; open a shift first"), code="shift.closed")


def draft(env: SaleEnv, shift: ShiftRow | None, grant: Grant, kind: str = "sale") -> OpenReceipt:
    """A new empty receipt in ``shift``, not numbered or stored yet."""
    if shift is None:
        raise _shift_closed()
    require_fresh(shift.opened_ms, env)
    now = env.now()
    return OpenReceipt(
        id=str(uuid.uuid4()),
        shift_id=shift.id,
        shift_num=shift.num,
        shift_opened_ms=shift.opened_ms,
        number=0,
        kind=kind,
        opened_at=env.local(now),
        opened_at_utc=env.utc(now),
        cashier_code=grant.cashier.code,
        cashier_name=grant.cashier.name,
        receipt=Receipt(kind="return" if kind == "return" else "sale"),
        supervisor_code=grant.supervisor_code,
    )


def numbered(s: Any, r: OpenReceipt) -> OpenReceipt:
    """The draft ``r`` with the next receipt number of its shift (taken in ``s``)."""
    shift = open_shift(s, lock=True)
    if shift is None or shift.id != r.shift_id:
        raise _shift_closed()
    number = shift.next_receipt
    shift.next_receipt = number + 1
    return replace(r, number=number)


def new_receipt(env: SaleEnv, s: Any, grant: Grant, kind: str = "sale") -> OpenReceipt:
    """A numbered new receipt in the open shift (in ``s``, which stores it)."""
    return numbered(s, draft(env, open_shift(s, lock=True), grant, kind))
