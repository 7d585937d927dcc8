"""catalog_load.texts: an import's refusal and notes as translatable texts (JSON)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 20:00:00

Each reader (the console, the admin API) gets a refused file's reason in their own
language. Rows written before this revision have only their English ``error`` and
``warnings``, shown as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_load", schema=None) as batch_op:
        batch_op.add_column(sa.Column("texts", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_load", schema=None) as batch_op:
        batch_op.drop_column("texts")
