"""Browser tests of the cashier screen: Debian's chromium driven by playwright, real tills.

One browser for the whole session (a new context per test). The tests are skipped, with
the reason, only where chromium cannot be launched. ``UKM_SCREENSHOTS=docs`` makes the
tests write the README's screenshots there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.nodes.helpers import http, start_node
from tests.till.helpers import STORE, TillClient, apply_catalog, base_records, catalog_body

CHROMIUM = os.environ.get("UKM_CHROMIUM", "/usr/bin/chromium")
EXPECT_TIMEOUT_MS = 15_000
"""How long an ``expect`` waits by default (playwright's own 5 s is short on a loaded 2-core
machine after a node restart or a server stop). A passing expect returns as soon as it holds,
so this costs nothing when the page is quick."""

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extras install it
        pytest.skip(f"playwright is not installed ({exc}); run make install")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}: apt-get install -y chromium (.ci/run does)")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    except Exception as exc:  # noqa: BLE001 - any launch failure means: cannot test here
        manager.stop()
        pytest.skip(f"chromium at {CHROMIUM} cannot be launched here: {exc}")
    yield browser
    browser.close()
    manager.stop()


@pytest.fixture
def open_page(browser):
    """Factory: ``open_page(url, width, height)`` → a page of a fresh context (closed after)."""
    contexts = []

    def open_(url: str, width: int = 1024, height: int = 768, timezone: str | None = None):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="ru-RU", timezone_id=timezone
        )
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        assert not any(p.js_errors for p in context.pages), [p.js_errors for p in context.pages]
        context.close()


@pytest.fixture
def screen_till(tmp_path, make_db_url):
    """Factory: a till node (file printer, optional devices and bridge), catalog applied."""
    nodes = []

    def start(devices=None, bridge=None, port=0, db_url=None, ui_mode="keyboard", **till):
        node_id = f"till-{STORE}-1"
        printer = tmp_path / "printer.bin"
        all_devices = {"printer": {"kind": "file", "path": str(printer)}, **(devices or {})}
        node = start_node(
            "till",
            tmp_path,
            db_url or make_db_url(node_id),
            node={"id": node_id},
            http={"port": port},
            bridge=bridge or {},
            till={"store": STORE, "number": 1, "devices": all_devices, "ui_mode": ui_mode, **till},
        )
        nodes.append(node)
        if not bridge:
            apply_catalog(node, catalog_body(base_records()), seq=1)
        node.printer_path = printer
        node.client = TillClient(node.ctx.url)
        return node

    yield start
    http.clear()
    for node in reversed(nodes):
        node.stop()


def screenshot(page, name: str) -> None:
    """Save a screenshot for the README when ``UKM_SCREENSHOTS`` names a folder."""
    folder = os.environ.get("UKM_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


@pytest.fixture(scope="session")
def world(tmp_path_factory, browser):
    """The console tests' store (tests/browser/world.py): example catalog, employees, a till."""
    from tests.browser import world as w

    folder = tmp_path_factory.mktemp("console-world")
    built = w.build(folder, os.environ.get("UKM_TEST_PG_URL", ""))
    yield built
    built.stop()


@pytest.fixture(scope="session")
def big_catalog(tmp_path_factory, browser):
    """A cash server with 200,000 generated items besides the examples (no till)."""
    from tests.browser import world as w

    items = int(os.environ.get("UKM_CONSOLE_ITEMS", "200000"))
    folder = tmp_path_factory.mktemp("console-catalog")
    built = w.build(folder, os.environ.get("UKM_TEST_PG_URL", ""), items, tills=0, marketing=False)
    yield built
    built.stop()


@pytest.fixture
def console(open_page, request):
    """Factory: ``console(login)`` → a page of the cash server's console, logged in as ``login``
    (None: at the login form); on ``world``'s server, or on ``server`` (``big_catalog``)."""
    from tests.browser.world import PASSWORD

    def open_(
        login: str | None = "anna.admin",
        path: str = "/",
        width: int = 1366,
        height: int = 900,
        server=None,
    ):
        url = (server or request.getfixturevalue("world")).url
        page = open_page(url + path, width, height)
        if login:
            page.fill("input[name=login]", login)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("#nav")
        return page

    return open_


@pytest.fixture
def marketing_console(open_page, world):
    """Factory: ``marketing_console(login)`` → the marketing server's console, logged in with
    a cash server employee's login (asked of the cash server)."""
    from tests.browser.world import PASSWORD

    def open_(
        login: str = "max.manager",
        path: str = "/",
        width: int = 1366,
        height: int = 900,
        timezone: str | None = None,
    ):
        page = open_page(world.marketing.url + path, width, height, timezone)
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#nav")
        return page

    return open_
