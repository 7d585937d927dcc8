"""Progress of a long import: log lines with items/s and an ETA, a snapshot for /status."""

import logging

from ukm_actors.nodes.server.catalog.progress import Progress


def test_progress_logs_the_rate_and_an_eta_and_feeds_a_bar(caplog):
    now = [100.0]
    position = [0]
    seen = []
    p = Progress(interval=5.0, on_update=seen.append, clock=lambda: now[0])
    p.start("updateItems_[1]_[F].xml", lambda: (position[0], 1_000_000))
    caplog.set_level(logging.INFO, logger="ukm_actors.nodes.server.catalog")
    for _ in range(5):
        now[0] += 2.5  # 1024 records every 2.5 s
        position[0] += 100_000
        p.record(1024)
    lines = [r.getMessage() for r in caplog.records]
    assert lines and all("items/s" in line and "ETA" in line for line in lines)
    snap = p.snapshot()
    assert snap.records == 5120 and snap.position == 500_000 and snap.total == 1_000_000
    assert round(snap.rate) == 410 and round(snap.eta_s) == 12
    assert seen and seen[-1].file == "updateItems_[1]_[F].xml"
    assert snap.to_json()["percent"] == 50.0
    p.finish({"file": "updateItems_[1]_[F].xml", "status": "loaded"})
    assert p.snapshot() is None and list(p.results)[-1]["status"] == "loaded"
