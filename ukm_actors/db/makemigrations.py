"""Developer tool: write an alembic revision from the models.

    python -m ukm_actors.db.makemigrations server -m "add receipts"
    python -m ukm_actors.db.makemigrations server --initial   # rewrite 0001 (before 1.0 only)

It migrates a scratch SQLite database to the newest revision and lets
alembic autogenerate the difference to the models.
"""

from __future__ import annotations

import argparse
import sys
import tempfile

from alembic import command

from ukm_actors.db.engine import Database
from ukm_actors.db.migrate import alembic_config, upgrade
from ukm_actors.nodes.role import database_roles, role_spec


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("role", choices=database_roles())
    p.add_argument("-m", "--message", default="initial")
    p.add_argument("--initial", action="store_true", help="replace revision 0001 with a fresh one")
    args = p.parse_args(argv)
    script = role_spec(args.role).migrations
    assert script is not None  # a database role
    versions = script / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    if args.initial:
        for f in versions.glob("*.py"):
            f.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/scratch.db")
        if any(versions.glob("*.py")):
            upgrade(db, script)
        cfg = alembic_config(script, db)
        existing = sorted(versions.glob("*.py"))
        rev_id = f"{len(existing) + 1:04d}"
        command.revision(cfg, message=args.message, autogenerate=True, rev_id=rev_id)
        db.dispose()
    print(f"wrote revision {rev_id} in {versions}")
    return 0


if __name__ == "__main__":
    from ukm_actors.runtime import patch

    patch()
    sys.exit(main())
