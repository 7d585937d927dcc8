"""bridge: stored bodies compressed once (zstd) for the receivers that accept it

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bridge_blob_variant",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("length", sa.BigInteger(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["bridge_blob.sha256"],
            name=op.f("fk_bridge_blob_variant_sha256_bridge_blob"),
        ),
        sa.PrimaryKeyConstraint("sha256", "encoding", name=op.f("pk_bridge_blob_variant")),
    )


def downgrade() -> None:
    op.drop_table("bridge_blob_variant")
