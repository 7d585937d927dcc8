"""Logging for a node: one line per event, with the node's id, to stderr and a file."""

from __future__ import annotations

import json
import logging
import logging.handlers
from datetime import datetime
from pathlib import Path

from ukm_actors.config import Config


class _NodeFilter(logging.Filter):
    def __init__(self, node: str) -> None:
        super().__init__()
        self.node = node

    def filter(self, record: logging.LogRecord) -> bool:
        record.node = self.node
        return True


def _zoned_time(record: logging.LogRecord) -> str:
    """When ``record`` was made, in the machine's time with its UTC offset, to the millisecond."""
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class TextFormatter(logging.Formatter):
    """``2026-12-05T15:52:39.123+03:00 till-17-1 INFO logger: message``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _zoned_time(record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": _zoned_time(record),
            "node": getattr(record, "node", ""),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup_logging(config: Config) -> None:
    """Configure the root logger from ``[log]``."""
    fmt: logging.Formatter
    if config.log.json:
        fmt = JsonFormatter()
    else:
        fmt = TextFormatter("%(asctime)s %(node)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.handlers.clear()
    root.setLevel(config.log.level)
    flt = _NodeFilter(config.node_id)
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if config.log.file:
        path = config.resolve(config.log.file)
        path.parent.mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path, maxBytes=20_000_000, backupCount=5, encoding="utf-8"
            )
        )
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(flt)
        root.addHandler(h)
    logging.getLogger("pykka").setLevel(logging.WARNING)
    for noisy in ("urllib3", "alembic"):  # alembic: a line per plugin at every start
        logging.getLogger(noisy).setLevel(logging.WARNING)


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path
