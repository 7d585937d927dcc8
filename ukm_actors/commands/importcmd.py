"""``ukm import FILE --config F``: load one import file into the cash server's database, now."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TextIO

from ukm_actors.config import load_config

NAME = "import"
HELP = "load one UKM XML import file into the cash server's database"
DESCRIPTION = """\
Load one file from the trade system (updateItems, classif, taxes, stores,
storeCashiers, storePrices, ...; docs/exchange.md) into the cash server's
database, exactly as the server's import folder would, in one transaction,
and queue the changes for the tills. A progress bar goes to standard error.

The file stays where it is (the import folder moves its files; this
command does not). Exit code 0 when the file was loaded, 1 when it was
refused: the message says which line and field, and nothing was changed.

The folder's ordering rule applies: a file numbered below the newest file
of its type (and store) already loaded would roll the catalog back, so it
is refused, naming the number that is loaded; so is a file whose name has
no number, once a file of its type is loaded. --force loads it anyway (a
deliberate reload of an older catalog).

Examples:
  ukm import updateItems_[12]_[F].xml --config data/nodes/server.toml
  ukm import storePrices_[17]_[5]_[F].xml -c /etc/ukm/server.toml --quiet
  ukm import updateItems_[12]_[F].xml -c server.toml --force
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, help="the import file")
    p.add_argument("--config", "-c", type=Path, required=True, help="the cash server's TOML file")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument(
        "--force",
        action="store_true",
        help="load even a file older than the newest of its type already loaded",
    )


class ProgressBar:
    """A one-line progress bar on a terminal stream: percent, records, rate, ETA."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.shown = False

    def update(self, snap: object) -> None:
        from ukm_actors.nodes.server.catalog.progress import Snapshot

        assert isinstance(snap, Snapshot)
        frac = snap.position / snap.total if snap.total else 1.0
        done = int(frac * self.width)
        eta = "" if snap.eta_s is None else f" ETA {snap.eta_s:.0f} s"
        self.stream.write(
            f"\r{snap.file} [{'#' * done}{'-' * (self.width - done)}] {100 * frac:5.1f}% "
            f"{snap.records} records {snap.rate:.0f}/s{eta}   "
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from ukm_actors.domain.units import WeighRule
    from ukm_actors.nodes.server.bootstrap import open_server_db
    from ukm_actors.nodes.server.catalog.loader import LoadOptions, load_file
    from ukm_actors.nodes.server.catalog.progress import Progress
    from ukm_actors.nodes.server.catalog.tables_changes import LOADED

    config = load_config(args.config, role="server")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
    path: Path = args.file
    if not path.is_file():
        print(f"ukm import: {path} is not a file", file=sys.stderr)
        return 1
    bar = ProgressBar(sys.stderr)
    progress = Progress(interval=0.5, on_update=None if args.quiet else bar.update)
    db = open_server_db(config)
    try:
        result = load_file(
            db,
            path,
            LoadOptions(
                kind="cli",
                node="cli",
                max_bytes=config.server.import_max_bytes,
                max_records=config.server.catalog_doc_records,
                progress=progress,
                child_bytes=config.server.import_child_bytes,
                force=args.force,
                weighing=WeighRule.of(config.server.weighed_units, config.server.import_measprec),
            ),
        )
    finally:
        bar.close()
        db.dispose()
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if result.status == LOADED:
        print(
            f"{path.name}: loaded {result.records} records ({result.changes} changes), "
            f"{len(result.channels)} till(s) will receive them"
        )
        return 0
    if result.error:
        print(f"ukm import: refused, nothing was changed: {result.error}", file=sys.stderr)
    else:
        print(f"ukm import: {path.name} not loaded ({result.status})", file=sys.stderr)
    return 1
