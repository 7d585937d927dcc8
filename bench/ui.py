#!/usr/bin/env python3
"""Cashier screen figures, in the real browser (Debian's chromium through playwright).

  scan→painted     from the Enter of a keyboard-wedge scan in the scan field to the new
                   line painted (the row inserted, then the next animation frame and a
                   task after it), for each of --lines scans onto one receipt
  API alone        baseline from the same run and the same page: the bare
                   POST /api/v1/receipt/lines (fetch, JSON parsed), no drawing
  of it: the till / the page
                   the same scans split where the till's answer is parsed: request to
                   answer (the till and the network; "on the wire": the browser's resource
                   timing of the same requests), then the page: its own JavaScript (the row
                   built and appended), the next frame and its layout and paint
  200-line redraw  reload of the whole receipt (GET /receipt, every row rebuilt) to painted
  200-line scroll  the line list scrolled top to bottom in 20 steps: the longest frame

One till node in this process (SQLite), the browser in its own processes.

  python bench/ui.py [--lines 200] [--items 2000] [--chromium /usr/bin/chromium]

Target: scan→painted p99 < 50 ms.
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import urllib3  # noqa: E402

from ukm_actors.bridge.documents import Document  # noqa: E402
from ukm_actors.bridge.inbox import apply  # noqa: E402
from ukm_actors.codecs import catalogdoc  # noqa: E402
from ukm_actors.codecs.catalogdoc import CatalogRecord  # noqa: E402
from ukm_actors.config import load_config  # noqa: E402
from ukm_actors.domain.barcodes import ean13_check_digit  # noqa: E402
from ukm_actors.domain.passwords import hash_password  # noqa: E402
from ukm_actors.domain.rights import Right  # noqa: E402
from ukm_actors.nodes.base import Node  # noqa: E402

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    *os.environ.get("UKM_BENCH_CHROMIUM_ARGS", "").split(),
]

INSTRUMENT = """
window.__bench = {t0: 0, times: [], api: [], js: []};
document.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && e.target && e.target.id === "scan") {
    window.__bench.t0 = performance.now();
  }
}, true);
document.addEventListener("DOMContentLoaded", () => {
  new MutationObserver(() => {
    const t0 = window.__bench.t0;
    if (!t0) return;
    window.__bench.t0 = 0;
    const done = () => {
      window.__bench.times.push(performance.now() - t0);
      window.__bench.api.push((window.__ukmLastScan || {}).api || 0);
      window.__bench.js.push((window.__ukmLastScan || {}).js || 0);
    };
    requestAnimationFrame(() => setTimeout(done, 0));
  }).observe(document.getElementById("lines-body"), {childList: true});
});
"""


def barcode(i: int) -> str:
    body = f"46{i:010d}"
    return body + str(ean13_check_digit(body))


def catalog(items: int) -> bytes:
    put = lambda kind, **data: CatalogRecord("put", kind, data)  # noqa: E731
    records = [
        put("store", code="17", name="Магазин 17", timezone="Europe/Moscow"),
        put("tax", id="vat20", name="НДС 20%", rate_bp=2000),
        put("taxgroup", id="1", name="20%", tax_id="vat20"),
        put("group", id="food", parent_id=None, name="Продукты"),
        put(
            "cashier",
            code="1",
            name="Иванова",
            inn=None,
            password_hash=hash_password("1111", scheme="pbkdf2-sha256", cost=1000),
            rights=[r.value for r in Right],
            enabled=True,
        ),
    ]
    for i in range(items):
        records.append(
            put(
                "item",
                article=str(1000 + i),
                name=f"Товар номер {i} с довольно длинным названием",
                measure="шт",
                group_id="food",
                taxgroup_id="1",
                barcodes=[[barcode(i), 1000]],
            )
        )
        records.append(put("price", article=str(1000 + i), price=1000 + i * 7))
    meta = {"full": True, "store": "17", "items": items}
    return catalogdoc.encode(meta, records)


def start_till(folder: Path, items: int) -> Node:
    config = load_config(
        None,
        role="till",
        overrides={
            "node": {"id": "till-17-1", "data_dir": str(folder)},
            "http": {"host": "127.0.0.1", "port": 0},
            "db": {"url": f"sqlite:///{folder / 'till.db'}"},
            "till": {"store": "17", "number": 1},
        },
    )
    node = Node(config).start()
    doc = Document.make(catalogdoc.FULL, catalog(items), channel="server>till-17-1", seq=1)
    assert node.ctx.db is not None
    with node.ctx.db.write() as session:
        apply(session, doc, node.ctx.appliers)
    return node


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def figures(name: str, values: list[float]) -> str:
    return (
        f"{name:<18} p50 {pct(values, 0.5):6.1f} ms   p99 {pct(values, 0.99):6.1f} ms   "
        f"max {max(values):6.1f} ms   (n={len(values)})"
    )


def api(http: urllib3.PoolManager, url: str, method: str, path: str, body: Any = None) -> Any:
    r = http.request(
        method,
        f"{url}/api/v1{path}",
        body=json.dumps(body or {}).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert r.status < 400, (path, r.status, r.data[:300])
    return json.loads(r.data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        node = start_till(Path(tmp), args.items)
        url = node.ctx.url
        http = urllib3.PoolManager()
        api(http, url, "POST", "/login", {"code": "1", "password": "1111"})
        api(http, url, "POST", "/shift/open")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1024, "height": 768})
            page.add_init_script(INSTRUMENT)
            page.goto(url + "/")
            page.wait_for_selector("#empty:has-text('Отсканируйте')")
            for i in range(args.lines):
                page.keyboard.type(barcode(i % args.items))
                page.keyboard.press("Enter")
                page.wait_for_function(f"window.__bench.times.length >= {i + 1}")
            scans: list[float] = page.evaluate("window.__bench.times")
            in_page_api: list[float] = page.evaluate("window.__bench.api")
            network: list[float] = page.evaluate(NETWORK)
            page_js: list[float] = page.evaluate("window.__bench.js")
            assert page.locator("#lines-body tr").count() == args.lines
            redraw: list[float] = page.evaluate(REDRAW)
            scroll: float = page.evaluate(SCROLL)
            api(http, url, "POST", "/receipt/cancel")
            # the baseline from a page of the same origin without the screen (whose event
            # stream would otherwise refresh after every bare call)
            page.goto(url + "/ui/messages?lang=ru")
            bare: list[float] = page.evaluate(
                BARE, [barcode(i % args.items) for i in range(args.lines)]
            )
            browser.close()
        node.stop()
    print(f"cashier screen, {args.lines} scans onto one receipt, chromium {ARGS[0]}, 1024x768")
    print(figures("scan→painted", scans))
    print(figures("  of it: the till", in_page_api))
    print(figures("    on the wire", network))
    page_part = [t - a for t, a in zip(scans, in_page_api, strict=True)]
    print(figures("  of it: the page", page_part))
    print(figures("    its own JS", page_js))
    if os.environ.get("UKM_BENCH_DETAIL"):
        print(figures("  page, first 50", page_part[:50]))
        print(figures("  page, last 50", page_part[-50:]))
    print(figures("API alone (fetch)", bare))
    print(
        f"{'overhead':<18} p50 {pct(scans, 0.5) - pct(bare, 0.5):+6.1f} ms over the bare API call"
    )
    print(figures(f"{args.lines}-line redraw", redraw))
    print(f"{args.lines}-line scroll    longest frame {scroll:.1f} ms (20 steps, top to bottom)")
    print(f"scan→painted p99 {'<' if pct(scans, 0.99) < 50 else '>='} 50 ms target")
    print("mean scan→painted", round(statistics.mean(scans), 1), "ms")


REDRAW = """async () => {
  const out = [];
  for (let i = 0; i < 10; i++) {
    Screen.state.rows.clear();
    document.getElementById("lines-body").replaceChildren();
    const t0 = performance.now();
    await Screen.refresh();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    out.push(performance.now() - t0);
  }
  return out;
}"""

SCROLL = """async () => {
  const box = document.getElementById("lines-box");
  box.scrollTop = 0;
  await new Promise((r) => requestAnimationFrame(r));
  let longest = 0;
  let last = performance.now();
  for (let i = 1; i <= 20; i++) {
    box.scrollTop = (box.scrollHeight - box.clientHeight) * i / 20;
    await new Promise((r) => requestAnimationFrame(r));
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }
  return longest;
}"""

NETWORK = """performance.getEntriesByType("resource")
  .filter((e) => e.name.endsWith("/api/v1/receipt/lines"))
  .map((e) => e.responseEnd - e.startTime)"""

BARE = """async (codes) => {
  const out = [];
  for (const code of codes) {
    const t0 = performance.now();
    const r = await fetch("/api/v1/receipt/lines", {method: "POST",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({barcode: code})});
    await r.json();
    out.push(performance.now() - t0);
  }
  return out;
}"""


if __name__ == "__main__":
    main()
