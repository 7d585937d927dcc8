"""sales_line: the VAT rate of the line's tax group when the receipt arrived

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 16:00:00

Lines already on the server keep no rate (NULL): their export carries no VAT
elements, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sales_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vat_rate_bp", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sales_line", schema=None) as batch_op:
        batch_op.drop_column("vat_rate_bp")
