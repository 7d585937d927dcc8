"""catalog_item: measprec kept as received (text), the quantity step in its own column

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 14:00:00

``measprec`` used to hold the quantity step in thousandths (its meaning read
from the spec's provisional note). Its meaning is not documented, so it is
now kept as the trade system sent it, and the step the server decided goes
into ``step``. Existing rows: ``step`` = the old value, ``measprec`` = that
value written back as text (1000 → "1", 1 → "0.001").

Plain ALTER TABLE statements (SQLite 3.35 or newer, PostgreSQL): a batch
"move and copy" of ``catalog_item`` on SQLite would drop the table, and with
foreign keys on, its barcodes and prices with it. Item digests change, so
the next full ``updateItems`` rewrites (and sends the tills) every item once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _quantity_text(value: int) -> str:
    whole, frac = divmod(value, 1000)
    return f"{whole}.{frac:03d}".rstrip("0").rstrip(".")


def _require_sqlite_alter() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    import sqlite3

    if sqlite3.sqlite_version_info < (3, 35, 0):
        raise RuntimeError(
            f"SQLite {sqlite3.sqlite_version} cannot drop a column; "
            "this migration needs SQLite 3.35 or newer (a newer Python brings one)"
        )


def upgrade() -> None:
    _require_sqlite_alter()
    op.execute("ALTER TABLE catalog_item ADD COLUMN step INTEGER NOT NULL DEFAULT 1000")
    op.execute("ALTER TABLE catalog_item ADD COLUMN measprec_text VARCHAR(40)")
    bind = op.get_bind()
    values = [
        int(v) for (v,) in bind.execute(sa.text("SELECT DISTINCT measprec FROM catalog_item"))
    ]
    for v in values:
        bind.execute(
            sa.text(
                "UPDATE catalog_item SET step = :step, measprec_text = :text WHERE measprec = :v"
            ),
            {"step": v if v > 0 else 1000, "text": _quantity_text(v), "v": v},
        )
    op.execute("ALTER TABLE catalog_item DROP COLUMN measprec")
    op.execute("ALTER TABLE catalog_item RENAME COLUMN measprec_text TO measprec")


def downgrade() -> None:
    _require_sqlite_alter()
    op.execute("ALTER TABLE catalog_item ADD COLUMN measprec_step INTEGER NOT NULL DEFAULT 1000")
    op.execute("UPDATE catalog_item SET measprec_step = step")
    op.execute("ALTER TABLE catalog_item DROP COLUMN measprec")
    op.execute("ALTER TABLE catalog_item DROP COLUMN step")
    op.execute("ALTER TABLE catalog_item RENAME COLUMN measprec_step TO measprec")
