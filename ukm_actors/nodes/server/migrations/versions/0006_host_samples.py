"""monitoring_host_sample: the host's CPU, memory and disk over the last hours (console charts)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_host_sample",
        sa.Column("taken_ms", sa.BigInteger(), nullable=False),
        sa.Column("cpu_permille", sa.Integer(), nullable=False),
        sa.Column("memory_permille", sa.Integer(), nullable=False),
        sa.Column("disk_permille", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("taken_ms", name=op.f("pk_monitoring_host_sample")),
    )


def downgrade() -> None:
    op.drop_table("monitoring_host_sample")
