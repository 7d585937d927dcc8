"""module_integration.catalog_source, module_integration_till.till_folder/till_sales_folder:
what a store's tills ask for their own exchange folders (``till.exchange_settings``)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00

Stores set up before this revision keep their tills' catalog from the server
("server") and the folders as the integration module sees them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("module_integration", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "catalog_source", sa.String(length=10), nullable=False, server_default="server"
            )
        )
    with op.batch_alter_table("module_integration_till", schema=None) as batch_op:
        batch_op.add_column(sa.Column("till_folder", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("till_sales_folder", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("module_integration_till", schema=None) as batch_op:
        batch_op.drop_column("till_sales_folder")
        batch_op.drop_column("till_folder")
    with op.batch_alter_table("module_integration", schema=None) as batch_op:
        batch_op.drop_column("catalog_source")
