"""till_exchange_settings: the cash server's last answer about the till's folders

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 10:00:00

A till upgraded to this revision has no saved answer: until the cash server
first answers, it uses its own file's settings as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "till_exchange_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_exchange_settings")),
    )


def downgrade() -> None:
    op.drop_table("till_exchange_settings")
