"""till_stage_*, till_cat_staging: a full catalog is built beside the live one, then switched

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-09 10:00:00

The staging tables have the columns of the catalog tables; they start empty.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "till_cat_staging",
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("kinds", sa.Text(), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("staged_seq", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_till_cat_staging")),
    )
    op.create_table(
        "till_stage_addprice",
        sa.Column("article", sa.String(length=40), nullable=False),
        sa.Column("price_type", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("article", "price_type", name=op.f("pk_till_stage_addprice")),
    )
    op.create_table(
        "till_stage_agerule",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("article", sa.String(length=40), nullable=True),
        sa.Column("group_id", sa.String(length=40), nullable=True),
        sa.Column("min_age", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_stage_agerule")),
    )
    op.create_table(
        "till_stage_barcode",
        sa.Column("barcode", sa.String(length=64), nullable=False),
        sa.Column("article", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("barcode", name=op.f("pk_till_stage_barcode")),
    )
    with op.batch_alter_table("till_stage_barcode", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_till_stage_barcode_article"), ["article"], unique=False
        )

    op.create_table(
        "till_stage_cashier",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("inn", sa.String(length=12), nullable=True),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("rights", sa.Text(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("card", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_till_stage_cashier")),
    )
    with op.batch_alter_table("till_stage_cashier", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_till_stage_cashier_card"), ["card"], unique=False)

    op.create_table(
        "till_stage_group",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_stage_group")),
    )
    op.create_table(
        "till_stage_item",
        sa.Column("article", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("measure", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("weighted", sa.Boolean(), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=True),
        sa.Column("taxgroup_id", sa.String(length=40), nullable=True),
        sa.Column("min_price", sa.BigInteger(), nullable=False),
        sa.Column("age_limit", sa.Integer(), nullable=False),
        sa.Column("egais", sa.Boolean(), nullable=False),
        sa.Column("sub_excise", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("article", name=op.f("pk_till_stage_item")),
    )
    op.create_table(
        "till_stage_price",
        sa.Column("article", sa.String(length=40), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("article", name=op.f("pk_till_stage_price")),
    )
    op.create_table(
        "till_stage_seller",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_till_stage_seller")),
    )
    op.create_table(
        "till_stage_setting",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_till_stage_setting")),
    )
    op.create_table(
        "till_stage_store",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_till_stage_store")),
    )
    op.create_table(
        "till_stage_tax",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_stage_tax")),
    )
    op.create_table(
        "till_stage_taxgroup",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_id", sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_stage_taxgroup")),
    )
    op.create_table(
        "till_stage_timerule",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("article", sa.String(length=40), nullable=True),
        sa.Column("group_id", sa.String(length=40), nullable=True),
        sa.Column("start", sa.String(length=5), nullable=False),
        sa.Column("end", sa.String(length=5), nullable=False),
        sa.Column("days", sa.String(length=40), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_till_stage_timerule")),
    )


def downgrade() -> None:
    op.drop_table("till_stage_timerule")
    op.drop_table("till_stage_taxgroup")
    op.drop_table("till_stage_tax")
    op.drop_table("till_stage_store")
    op.drop_table("till_stage_setting")
    op.drop_table("till_stage_seller")
    op.drop_table("till_stage_price")
    op.drop_table("till_stage_item")
    op.drop_table("till_stage_group")
    with op.batch_alter_table("till_stage_cashier", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_till_stage_cashier_card"))

    op.drop_table("till_stage_cashier")
    with op.batch_alter_table("till_stage_barcode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_till_stage_barcode_article"))

    op.drop_table("till_stage_barcode")
    op.drop_table("till_stage_agerule")
    op.drop_table("till_stage_addprice")
    op.drop_table("till_cat_staging")
