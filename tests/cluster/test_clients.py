"""Clients of a cluster (#14): the marketing server, the price-checker module and a till,
each a real node process given two cash server addresses, of which the one it prefers
fails (nothing listens there, it answers 503 as a server without its database does, or
it never answers, as a stopped one) and the other is a real cash server. Runs on SQLite
and PostgreSQL alike: one live server is enough to show a client moving on, and coming
back only through health checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa

from tests.cluster.procs import HTTP, Cashier
from tests.cluster.site import Silent, Site, failing_server, preferring
from tests.nodes.helpers import get_json, http
from tests.pricechecker.conftest import Device
from ukm_actors.commands.demo_day import TillClient
from ukm_actors.db import Database
from ukm_actors.supervision.testing import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(150)]

FEED_INTERVAL = 2.0
KEFIR = "4600000000015"
"""Article 100245 of the example catalog, 89.90 in store 17, renamed by its second file."""


def post_json(url: str, body: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    r = http.request("POST", url, body=json.dumps(body).encode(), headers=headers)
    return r.status, json.loads(r.data)


def servers_seen(node_url: str) -> dict[str, Any]:
    """The node's ``/status`` → ``bridge.servers``."""
    servers: dict[str, Any] = get_json(node_url + "/status")[1]["bridge"]["servers"]
    return servers


def moved_on(node_url: str, failing: str, live: str) -> bool:
    """The node prefers ``failing``, saw it fail, and uses ``live``."""
    seen = servers_seen(node_url)["servers"]
    return [(s["url"], s["preferred"], s["current"]) for s in seen] == [
        (failing, True, False),
        (live, False, True),
    ] and bool(seen[0].get("reason"))


def server_items(db_url: str) -> int:
    db = Database(db_url)
    try:
        with db.read() as s:
            return int(s.execute(sa.text("SELECT count(*) FROM catalog_item")).scalar_one())
    finally:
        db.dispose()


def asked(stub: Any) -> list[str]:
    """The requests a failing server got, but its health checks."""
    return [r for r in getattr(stub, "requests", []) if r != "GET /health"]


def only_checks_went_to(stub: Any, sent: list[str], node_url: str) -> None:
    """Since ``sent``, the failing server got only health checks and the node stayed on the
    live one, unless the live server failed too (a timeout on a loaded machine sends a node
    round to the next server, the failing one): its failure is on /status before that."""
    now = asked(stub)
    seen = servers_seen(node_url)
    if "reason" in seen["servers"][1]:
        return
    assert seen["switches"] == 1, seen
    assert now == sent, f"only /health went to the failing server: {now[len(sent) :]}"


@pytest.fixture(params=["refused", "503"])
def failing(request):
    url, stub = failing_server(request.param)
    yield url, stub
    if stub is not None:
        stub.stop()


@pytest.fixture
def site(tmp_path, make_db_url):
    nodes = {
        "till-17-1": ("till", {"store": "17", "number": 1}),
        "marketing": ("marketing", {}),
        "pricechecker-17": ("pricechecker", {"store": "17"}),
    }
    s = Site(tmp_path, make_db_url("server"), nodes)
    yield s
    http.clear()
    s.stop()


def test_the_marketing_server_logs_employees_in_and_gets_its_feeds_past_a_failing_server(
    site, failing
):
    bad, stub = failing
    server = site.start_server(marketing={"feed_interval": FEED_INTERVAL})
    urls = preferring("marketing", bad, server.url)
    mk = site.start_node(
        "marketing",
        {"server_urls": urls},
        marketing={"feed_interval": FEED_INTERVAL, "server_auth": True},
    )

    # An employee logs in to the marketing console: the ask auth.login goes on to the server.
    status, body = post_json(
        mk.url + "/api/v1/login", {"login": "admin", "password": site.admin_password()}
    )
    assert status == 200, body
    token = body["token"]

    def console_opens() -> bool:
        r = http.request(
            "GET", mk.url + "/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"}
        )
        return r.status == 200

    # Each console request checks the login (ask auth.verify). After failback (1 s) the node
    # checks its preferred server's /health in the background, finds it still failing and
    # stays on the live server: no request of an employee goes to the failing one again.
    expect(console_opens, within=30, what="the console open with the employee's login")
    sent = asked(stub)
    expect(
        lambda: console_opens() and servers_seen(mk.url)["checks"] >= 2,
        within=30,
        what="the preferred server checked twice while the console stays open",
    )
    only_checks_went_to(stub, sent, mk.url)

    # The server's feeds (pushed by the server once it has heard the marketing server).
    items = server_items(site.db_url)
    assert items > 0

    def fed() -> bool:
        st = get_json(mk.url + "/status")[1]["marketing"]
        return st["items"] == items and st["tills"] == 1 and st["feed_age_s"] is not None

    expect(fed, within=60, what="the catalog and stores feeds on the marketing server")

    expect(lambda: moved_on(mk.url, bad, server.url), within=30, what="/status says so")
    if stub is not None:
        # its first request (keys or an ask, whichever came first) went there, then checks
        assert asked(stub) and "GET /health" in stub.requests, stub.requests[:20]


@pytest.fixture(params=["refused", "503", "silent"])
def failing_or_silent(request):
    url, stub = failing_server(request.param)
    yield url, stub
    if stub is not None:
        stub.stop()


def test_the_price_checker_gets_its_tills_and_answers_past_a_failing_server(
    site, failing_or_silent
):
    bad, stub = failing_or_silent
    server = site.start_server()
    till = site.start_node(
        "till-17-1", {"server_url": server.url}, till={"store": "17", "number": 1}
    )
    urls = preferring("pricechecker-17", bad, server.url)
    pc = site.start_node(
        "pricechecker-17",
        {"server_urls": urls, "ask_timeout": 3.0},
        pricechecker={"store": "17", "tills_refresh": 0.5, "till_deadline": 2.0},
    )

    def tills() -> dict[str, str]:
        st = get_json(pc.url + "/status")[1]["pricechecker"]
        return {t["node_id"]: t["url"] for t in st.get("tills", [])}

    expect(lambda: tills() == {"till-17-1": till.url}, within=30, what="store.tills answered")

    def price() -> list[str]:
        device = Device(pc.info["tcp"])
        try:
            return device.ask(KEFIR)
        finally:
            device.close()

    expect(
        lambda: price() == ["Кефир 2,5% 900 г (новая упаковка)", "89.90"],
        within=60,
        what="the price of kefir over the TCP line protocol",
    )
    expect(lambda: moved_on(pc.url, bad, server.url), within=30, what="/status says so")
    # tills_refresh is 0.5 s and failback 1 s: the directory keeps asking the live server
    # while the preferred one is checked (/health) in the background, and found failing.
    sent = asked(stub)
    expect(lambda: servers_seen(pc.url)["checks"] >= 2, within=30, what="two health checks")
    only_checks_went_to(stub, sent, pc.url)
    assert tills() == {"till-17-1": till.url}
    assert price() == ["Кефир 2,5% 900 г (новая упаковка)", "89.90"]
    if stub is not None:
        assert asked(stub) and "GET /health" in stub.requests, stub.requests[:20]


def caught_up(server_url: str, channel: str) -> bool:
    """Every document of ``channel`` acknowledged by its receiver (the server's /status)."""
    channels = get_json(server_url + "/status")[1]["bridge"]["channels"]
    return any(
        c["channel"] == channel and c.get("last_acked") and not c.get("pending_docs")
        for c in channels
    )


def server_receipts(db_url: str) -> list[tuple[int, int]]:
    db = Database(db_url)
    try:
        with db.read() as s:
            rows = s.execute(sa.text("SELECT shift_num, number FROM sales_receipt"))
            return sorted((int(a), int(b)) for a, b in rows)
    finally:
        db.dispose()


def test_a_till_whose_preferred_server_never_answers_sells_and_delivers_through_the_other(
    site,
):
    """A till's long-poll to a hung server waits ``poll_wait`` + ``transfer_timeout``: it
    must wait so once, not again every ``failback`` seconds."""
    stub = Silent()
    try:
        server = site.start_server()
        urls = preferring("till-17-1", stub.url, server.url)
        till = site.start_node(
            "till-17-1",
            {"server_urls": urls, "transfer_timeout": 6.0},
            till={"store": "17", "number": 1},
        )
        expect(
            lambda: caught_up(server.url, "server>till-17-1"),
            within=90,
            what="the whole catalog on the till (the cashiers, items and prices), past the stub",
        )
        cashier = Cashier("till-17-1", TillClient("till-17-1", till.url, HTTP))
        cashier.prepare("17")
        for _ in range(3):
            cashier.call("POST", "/receipt/lines", {"barcode": KEFIR})
            due = cashier.call("GET", "/receipt")["receipt"]["totals"]["due"]
            closed = cashier.call("POST", "/receipt/payments", {"type": "cash", "amount": due})
            cashier.closed.append((closed["closed"]["shift_num"], closed["closed"]["number"]))
        expect(
            lambda: server_receipts(site.db_url) == sorted(cashier.closed),
            within=60,
            what="the receipts on the live server, once each",
        )
        expect(lambda: moved_on(till.url, stub.url, server.url), within=30, what="/status")
        sent = asked(stub)
        expect(lambda: servers_seen(till.url)["checks"] >= 2, within=40, what="two checks")
        only_checks_went_to(stub, sent, till.url)
        assert sent, "the till tried its preferred server first"
    finally:
        stub.stop()
