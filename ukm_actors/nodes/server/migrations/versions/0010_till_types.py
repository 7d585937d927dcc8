"""catalog_till_type and catalog_till.type_id: settings shared by the tills of a type

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 18:00:00

Tills set up before this revision have no type: their own settings, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_till_type",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_till_type")),
    )
    with op.batch_alter_table("catalog_till", schema=None) as batch_op:
        batch_op.add_column(sa.Column("type_id", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_catalog_till_type_id"), ["type_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("catalog_till", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_catalog_till_type_id"))
        batch_op.drop_column("type_id")
    op.drop_table("catalog_till_type")
