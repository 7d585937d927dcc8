"""till_receipt_line.price_name: the additional price's name ("Акция") beside its code

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 10:00:00

Lines stored before this revision have no name; the screen and the printed receipt
show their price type's code, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("till_receipt_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("price_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("till_receipt_line", schema=None) as batch_op:
        batch_op.drop_column("price_name")
