"""till_exchange_file.texts: a refused file's reason as translatable texts (JSON)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 20:00:00

/status shows a refused file's reason in the reader's language. Rows written before
this revision have only their English ``error``, shown as it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("till_exchange_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("texts", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("till_exchange_file", schema=None) as batch_op:
        batch_op.drop_column("texts")
