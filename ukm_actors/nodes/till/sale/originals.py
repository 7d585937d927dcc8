"""The original receipt of a return, for the cashier to choose lines and quantities from.

``GET /api/v1/returns/original`` asks the cash server (``receipts.lookup``);
when the server cannot be reached it shows this till's own copy of a sale it
closed (marked ``offline``: the return then needs a supervisor or the right
``return_without_receipt``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ukm_actors.codecs.tilldocs import ReceiptDoc, _to_json
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.errors import ServerUnreachable
from ukm_actors.nodes.till.sale.returnlookup import find_original, local_original


def _lines(doc: ReceiptDoc, returned: Mapping[int, int]) -> list[dict[str, Any]]:
    out = []
    for line in doc.lines:
        done = int(returned.get(line.position, 0))
        out.append(
            {
                "position": line.position,
                "article": line.article,
                "name": line.name,
                "measure": line.measure,
                "quantity": line.quantity,
                "price": line.price,
                "total": line.total,
                "voided": line.voided,
                "returned": done,
                "returnable": 0 if line.voided else max(line.quantity - done, 0),
            }
        )
    return out


def original_view(ctx: Any, ref: Mapping[str, Any]) -> dict[str, Any]:
    """``{"receipt", "lines", "offline", "message"?}`` of the original named by ``ref``."""
    try:
        found = find_original(ctx, ref)
    except ServerUnreachable as exc:
        local = local_original(ctx, ref)
        if local is None:
            raise
        doc, returned = local
        return {
            "receipt": _to_json(doc),
            "lines": _lines(doc, returned),
            "offline": True,
            "message": _(
                "{message}; this till's own copy is shown: the return needs a supervisor",
                message=exc.message,
            ),
        }
    return {
        "receipt": _to_json(found.doc),
        "lines": _lines(found.doc, found.returned),
        "offline": False,
    }
