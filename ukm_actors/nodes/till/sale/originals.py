"""The original receipt of a return, for the cashier to choose lines and quantities from.

``GET /api/v1/returns/original`` asks the cash server (``receipts.lookup``);
when the server cannot be reached it shows this till's own copy of a sale it
closed (marked ``offline``: the return then needs a supervisor or the right
``return_without_receipt``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ukm_actors.codecs.tilldocs import ReceiptDoc
from ukm_actors.i18n import _
from ukm_actors.nodes.till.sale.errors import ServerUnreachable
from ukm_actors.nodes.till.sale.returnlookup import find_original, local_original

if TYPE_CHECKING:
    from ukm_actors.nodes.till.services import TillContext


@dataclass(frozen=True)
class Original:
    """The original of a return: the receipt, what of each line was returned already, and
    whether it is this till's own copy (``offline``, with the ``message`` why)."""

    doc: ReceiptDoc
    returned: Mapping[int, int]
    offline: bool = False
    message: str | None = None


def original_for_return(ctx: TillContext, ref: Mapping[str, Any]) -> Original:
    """The original named by ``ref``: from the cash server, or this till's copy when the
    server cannot be reached (raises ``ServerUnreachable`` when the till has none)."""
    try:
        found = find_original(ctx, ref)
    except ServerUnreachable as exc:
        local = local_original(ctx, ref)
        if local is None:
            raise
        doc, returned = local
        message = _(
            "{message}; this till's own copy is shown: the return needs a supervisor",
            message=exc.message,
        )
        return Original(doc, returned, offline=True, message=message)
    return Original(found.doc, found.returned)
