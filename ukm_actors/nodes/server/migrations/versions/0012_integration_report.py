"""module_integration_report: what a store's integration module last said of itself

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 20:00:00

Filled by the module's next ``integration.settings`` ask (a module of an earlier
version sends no report: the console says none has come).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "module_integration_report",
        sa.Column("store", sa.String(length=100), nullable=False),
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("store", name=op.f("pk_module_integration_report")),
    )


def downgrade() -> None:
    op.drop_table("module_integration_report")
