"""ukm_lease.since_ms: when the current holder took the lease (shown in /status)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 10:00:00

Leases taken before this revision show no time until their holder changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ukm_lease", schema=None) as batch_op:
        batch_op.add_column(sa.Column("since_ms", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ukm_lease", schema=None) as batch_op:
        batch_op.drop_column("since_ms")
