"""What the console tests do at the till and wait for on the server (tests/browser/world.py)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.browser.world import STORE, World, wait
from tests.till.helpers import TillClient

TILL = f"till-{STORE}-1"


def gone(page: Page, rows: Locator) -> None:
    """After an action that redraws the page (a delete, a lock lifted): ``rows`` are gone from
    the redrawn page, not only from the "Loading…" placeholder shown in between."""
    expect(rows).to_have_count(0)
    expect(page.locator("#view[data-ready='1']")).to_be_visible()
    expect(rows).to_have_count(0)


def till(world: World) -> TillClient:
    """The store's till 1 with its administrator logged in and a shift open."""
    client = TillClient(world.tills[TILL].url)
    client.login("1", "QR:17-ADM-0001")
    if not client.get("/shift").get("shift"):
        client.post("/shift/open")
    return client


def sell(world: World, *articles: str) -> str:
    """Sell ``articles`` for cash at till 1; the receipt's id once the server has it."""
    client = till(world)
    for article in articles:
        client.post("/receipt/lines", {"article": article})
    receipt_id = str(client.receipt()["receipt_id"])
    client.pay("cash", client.receipt()["totals"]["total"])
    assert world.admin is not None
    wait(lambda: world.admin.call("GET", f"/api/v1/receipts/{receipt_id}")[0] == 200,  # type: ignore[union-attr]
         30, "the receipt reached the server")  # fmt: skip
    return receipt_id


def give_back(world: World, receipt_id: str, lines: dict[str, int]) -> Any:
    """Return ``lines`` ({position: thousandths}) of the receipt at till 1 (cash refund)."""
    answer = till(world).post("/returns", {"receipt_id": receipt_id, "lines": lines})
    return_id = str(answer["return_id"])
    assert world.admin is not None
    wait(lambda: world.admin.call("GET", f"/api/v1/receipts/{return_id}")[0] == 200,  # type: ignore[union-attr]
         30, "the return reached the server")  # fmt: skip
    return answer
