"""A stopping node's HTTP server serves no more requests, even on kept-alive connections
whose handler outlived the kill (a library turned its GreenletExit into an ordinary error).

Seen in CI: SQLAlchemy's connection ping caught the kill, psycopg raised a ProgrammingError
instead, the route answered 500 and the handler went on serving the till's next long polls
over the same connection: the "stopped" server looked online for as long as the test waited."""

from __future__ import annotations

import time

import gevent
import urllib3
from greenlet import GreenletExit

from ukm_actors.bridge.httpserver import HttpServer


def _app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        try:
            gevent.sleep(5)
        except GreenletExit:  # what the database ping did: the kill becomes an error
            start_response("500 Internal Server Error", [("Content-Length", "0")])
            return [b""]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def test_a_stopped_server_answers_nothing_more_on_a_kept_alive_connection():
    ref = HttpServer.start(_app, "127.0.0.1", 0, 1000)
    port = ref.proxy().port.get()
    url = f"http://127.0.0.1:{port}"
    pool = urllib3.PoolManager(maxsize=1, retries=False, timeout=5)
    try:
        assert pool.request("GET", url + "/fast").status == 200
        stopper = gevent.spawn_later(0.3, ref.stop)
        assert pool.request("GET", url + "/slow").status in (500, 503)
        stopper.join(timeout=10)
        started = time.monotonic()
        for _ in range(3):
            try:
                r = pool.request("GET", url + "/fast")
            except urllib3.exceptions.HTTPError:
                continue
            raise AssertionError(f"a stopped server answered {r.status}")
        assert time.monotonic() - started < 3
    finally:
        if ref.is_alive():
            ref.stop()
