#!/usr/bin/env python3
"""Catalog import figures: our loader against a bare lxml + executemany (or COPY) baseline.

  python bench/catalog.py --items 100000
  python bench/catalog.py --items 1000000 --pg postgresql+psycopg://postgres@127.0.0.1:5432/test

Generates a consistent UKM catalog (``taxes``, ``classif``, ``updateItems``
with 1-2 barcodes an item) in a temporary folder, then measures, each in a
fresh child process (so peak memory is the measurement's own):

  baseline   lxml iterparse of the same updateItems file, items and barcodes
             into two plain tables with executemany (sqlite3) or COPY (psycopg,
             with --pg; the loader copies there too), one transaction: the cost
             floor of reading and writing
  ours       ``load_file`` of the cash server (validation of every field, the
             reference checks, change detection, ``catalog_load`` history,
             one transaction), into a freshly migrated database
  unchanged  the same file loaded again: every item compared, none written
  10 changed a full file with 10 items changed: only they are written (and
             published)

Prints items/s, peak RSS of each child, and ours / baseline (target ≥ 0.6).
"""

from __future__ import annotations

from ukm_actors.runtime import patch

patch()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import quote  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_s() -> float:
    """CPU seconds used by this process and its finished children (the parsing helper)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def peak_mb() -> float:
    """Peak RSS of this process, or of its largest finished child (the parsing helper)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


# -- children ------------------------------------------------------------------------


def child_baseline(path: Path, url: str) -> dict[str, float]:
    from lxml import etree

    batch = 5000
    t0 = time.perf_counter()
    c0 = cpu_s()
    if url.startswith("sqlite"):
        import sqlite3

        conn = sqlite3.connect(url.split("///", 1)[1])
        ph = "?"
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))  # type: ignore[assignment]
        ph = "%s"
    cur = conn.cursor()
    cur.execute(
        "CREATE TABLE b_item (article VARCHAR(40) PRIMARY KEY, name TEXT, measure VARCHAR(40), "
        "measprec VARCHAR(20), group_id VARCHAR(40), taxgroup_id VARCHAR(40))"
    )
    cur.execute(
        "CREATE TABLE b_barcode (barcode VARCHAR(40) PRIMARY KEY, article VARCHAR(40), "
        "quantity VARCHAR(20))"
    )
    items: list[tuple[object, ...]] = []
    codes: list[tuple[object, ...]] = []
    n = 0
    ins_i = f"INSERT INTO b_item VALUES ({', '.join([ph] * 6)})"
    ins_b = f"INSERT INTO b_barcode VALUES ({ph}, {ph}, {ph})"

    def write(insert: str, rows: list[tuple[object, ...]]) -> None:
        """executemany on SQLite; COPY on PostgreSQL (the loader's way there too)."""
        if ph == "?" or not rows:
            cur.executemany(insert, rows)
            return
        table = insert.split()[2]
        with cur.copy(f"COPY {table} FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)

    for _ev, el in etree.iterparse(str(path), tag="item", resolve_entities=False, no_network=True):
        g = el.findtext
        article = g("article")
        items.append(
            (article, g("name"), g("measure"), g("measprec"), g("groupId"), g("taxgroupId"))
        )
        for b in el.iterfind("barcode"):
            codes.append((b.findtext("id"), article, b.findtext("quantity")))
        el.clear()
        parent = el.getparent()
        while el.getprevious() is not None:
            del parent[0]
        n += 1
        if len(items) >= batch:
            write(ins_i, items)
            write(ins_b, codes)
            items, codes = [], []
    write(ins_i, items)
    write(ins_b, codes)
    conn.commit()
    conn.close()
    dt = time.perf_counter() - t0
    cpu = cpu_s() - c0
    return {"items": n, "seconds": dt, "rate": n / dt, "cpu_rate": n / cpu, "peak_mb": peak_mb()}


def child_ours(folder: Path, url: str, mode: str, child_bytes: int) -> dict[str, float]:
    import ukm_actors.nodes.server as srv
    from ukm_actors.db import Database
    from ukm_actors.db.migrate import upgrade
    from ukm_actors.nodes.server.catalog.loader import LoadOptions, load_file
    from ukm_actors.nodes.server.catalog.seed import ensure_seeded

    db = Database(url)
    upgrade(db, Path(srv.__file__).parent / "migrations")
    ensure_seeded(db)
    opts = LoadOptions(kind="cli", child_bytes=child_bytes)
    for prefix in ("taxes", "classif"):
        load_file(db, next(folder.glob(prefix + "_*")), opts)
    items = next(folder.glob("updateItems_*"))
    if mode != "fresh":
        load_file(db, items, opts)
    target = items if mode in ("fresh", "unchanged") else next(folder.glob("changed/updateItems_*"))
    base = peak_mb()
    t0 = time.perf_counter()
    c0 = cpu_s()
    r = load_file(db, target, opts)
    dt = time.perf_counter() - t0
    cpu = cpu_s() - c0
    db.dispose()
    if r.status != "loaded":
        raise SystemExit(f"{target.name}: {r.status} {r.error}")
    return {
        "items": r.records,
        "changes": r.changes,
        "seconds": dt,
        "rate": r.records / dt,
        "cpu_rate": r.records / cpu,
        "peak_mb": peak_mb(),
        "before_mb": base,
    }


# -- driver ------------------------------------------------------------------------------


def _fresh_url(pg: str | None, tmp: Path, name: str) -> str:
    if not pg:
        return f"sqlite:///{tmp / (name + '.db')}"
    import sqlalchemy as sa

    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    engine = sa.create_engine(pg)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in pg else "?"
    return f"{pg}{sep}options={quote('-csearch_path=' + schema)}"


def _drop_schemas(pg: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(pg)
    with engine.begin() as conn:
        rows = conn.execute(
            sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench_%'")
        ).all()
        for (schema,) in rows:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _run_child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _changed_copy(folder: Path, n_items: int) -> None:
    from ukm_actors.codecs.ukm_import import ItemRecord
    from ukm_actors.codecs.ukm_samples import catalog_items, write_import_file

    sub = folder / "changed"
    sub.mkdir(exist_ok=True)
    step = max(1, n_items // 10)

    def items() -> Iterator[ItemRecord]:
        for k, item in enumerate(catalog_items(n_items), 1):
            yield replace(item, name=item.name + " (new)") if k % step == 0 else item

    write_import_file(sub, "updateItems", items(), "F", number=2)


def main() -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument(
        "--pg", default="", help="also run on this PostgreSQL (postgresql+psycopg://...)"
    )
    p.add_argument(
        "--in-process", action="store_true", help="parse in the loader's process (no helper)"
    )
    p.add_argument(
        "--no-reload", action="store_true", help="skip the 'same file again' and '10 changed' runs"
    )
    p.add_argument("--runs", type=int, default=2, help="baseline/ours pairs; best of each")
    p.add_argument("--keep", action="store_true", help="keep the generated files")
    p.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child is not None:
        kind, *rest = args.child
        if kind == "baseline":
            res = child_baseline(Path(rest[0]), rest[1])
        else:
            res = child_ours(Path(rest[0]), rest[1], rest[2], int(rest[3]))
        print(json.dumps(res))
        return 0

    from ukm_actors.codecs.ukm_samples import write_catalog_set

    tmp = Path(tempfile.mkdtemp(prefix="ukm-bench-"))
    try:
        t0 = time.perf_counter()
        files = write_catalog_set(tmp, args.items)
        if not args.no_reload:
            _changed_copy(tmp, args.items)
        items_file = next(f for f in files if f.name.startswith("updateItems"))
        size = items_file.stat().st_size
        print(
            f"catalog: {args.items} items, {size / 1e6:.1f} MB, generated in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        from ukm_actors.config.roles import ServerSettings

        child = str(0 if args.in_process else ServerSettings().import_child_bytes)
        dbs = [("SQLite", "")] + ([("PostgreSQL", args.pg)] if args.pg else [])
        for label, pg in dbs:
            runs: dict[str, list[dict[str, float]]] = {}
            for k in range(args.runs):
                # interleaved, best of N: other load on the machine hits both alike
                runs.setdefault("base", []).append(
                    _run_child(["baseline", str(items_file), _fresh_url(pg, tmp, f"b{k}")])
                )
                runs.setdefault("ours", []).append(
                    _run_child(["ours", str(tmp), _fresh_url(pg, tmp, f"o{k}"), "fresh", child])
                )
                if pg:
                    _drop_schemas(pg)
            base = max(runs["base"], key=lambda r: r["rate"])
            ours = max(runs["ours"], key=lambda r: r["rate"])
            same = ten = None
            if not args.no_reload:
                same = _run_child(
                    ["ours", str(tmp), _fresh_url(pg, tmp, "same"), "unchanged", child]
                )
                ten = _run_child(["ours", str(tmp), _fresh_url(pg, tmp, "ten"), "changed", child])
            if pg:
                _drop_schemas(pg)
            print(f"\n{label}, {args.items} items:")
            print(
                f"  {'run':<30}{'items/s':>10}{'seconds':>9}{'items/CPU-s':>13}{'peak RSS MB':>13}"
            )
            rows = [("baseline (lxml+executemany/COPY)", base), ("ours, new catalog", ours)]
            if same is not None and ten is not None:
                rows += [
                    ("ours, same file again", same),
                    (f"ours, {int(ten.get('changes', 0))} items changed", ten),
                ]
            for name, r in rows:
                print(
                    f"  {name:<30}{r['rate']:>10.0f}{r['seconds']:>9.2f}"
                    f"{r['cpu_rate']:>13.0f}{r['peak_mb']:>13.0f}"
                )
            print(
                f"  ratio ours/baseline: {ours['rate'] / base['rate']:.2f} in items/s "
                f"(target >= 0.6), {ours['cpu_rate'] / base['cpu_rate']:.2f} per CPU second"
            )
            print(
                "  runs (items/s): baseline "
                + ", ".join(f"{r['rate']:.0f}" for r in runs["base"])
                + "; ours "
                + ", ".join(f"{r['rate']:.0f}" for r in runs["ours"])
            )
    finally:
        if args.keep:
            print(f"files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
