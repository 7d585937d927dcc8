"""``ukm export --since DATE``: write a date range of documents for the trade system again."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from ukm_actors.errors import UkmError

NAME = "export"
HELP = "export receipts, shift opens/closes and cash in/out of a date range again"
DESCRIPTION = """\
Write again, into the server's export folder ([server] export_dir), every
document of the trade system export whose store-local date is between
--since and --until (inclusive; --until defaults to no end): receipts, shift
opens, cash in/out, and the shift closes whose receipts have all arrived.
Files keep their documented names, so existing ones are replaced (each is
written under a temporary name and renamed into place). Works while the
server runs, and while it is stopped.

Examples:
  ukm export --since 2024-03-15 --config /etc/ukm/server.toml
  ukm export --since 2024-03-01 --until 2024-03-31 --store 17 --config server.toml
"""


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2024-03-15") from None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--since", type=_day, required=True, help="first day (YYYY-MM-DD)")
    p.add_argument("--until", type=_day, help="last day (YYYY-MM-DD), inclusive")
    p.add_argument(
        "--store",
        action="append",
        default=[],
        help="only this store (repeatable; default: [server] export_stores, or every store)",
    )
    p.add_argument("--config", "-c", type=Path, required=True, help="the server's TOML file")


def run(args: argparse.Namespace) -> int:
    from ukm_actors.config import load_config
    from ukm_actors.db import Database
    from ukm_actors.nodes.server.sales.exportwork import reexport

    if args.until is not None and args.until < args.since:
        raise UkmError(f"--until {args.until} is before --since {args.since}")
    config = load_config(args.config, role="server")
    folder = config.resolve(config.server.export_dir)
    stores = args.store or config.server.export_stores
    db = Database(config.db.url, statement_timeout_ms=config.db.statement_timeout_ms)
    try:
        result = reexport(db, folder, args.since, args.until, stores)
    finally:
        db.dispose()
    span = f"{args.since}" + (f" to {args.until}" if args.until else " onwards")
    parts = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in sorted(result.written.items()))
    print(
        f"exported {result.total} documents of {span} to {folder}" + (f": {parts}" if parts else "")
    )
    for held in result.held:
        print(f"  shift {held}: not written, some of its receipts have not arrived yet")
    for failed in result.failed:
        print(f"  failed: {failed}")
    return 1 if result.failed else 0
