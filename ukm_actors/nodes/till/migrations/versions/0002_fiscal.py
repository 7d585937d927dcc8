"""fiscal register: requests and the receipt's fiscal data

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "till_fiscal",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("ref", sa.String(length=36), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("fd_before", sa.BigInteger(), nullable=False),
        sa.Column("fd", sa.BigInteger(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_till_fiscal")),
    )
    op.create_index("ix_till_fiscal_ref_state", "till_fiscal", ["ref", "state"])
    op.create_index(op.f("ix_till_fiscal_state"), "till_fiscal", ["state"])
    with op.batch_alter_table("till_receipt") as batch:
        batch.add_column(sa.Column("fiscal", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("till_receipt") as batch:
        batch.drop_column("fiscal")
    op.drop_index(op.f("ix_till_fiscal_state"), table_name="till_fiscal")
    op.drop_index("ix_till_fiscal_ref_state", table_name="till_fiscal")
    op.drop_table("till_fiscal")
