"""Where a till builds the next catalog before switching to it (``stage``).

``till_stage_<kind>`` has the columns of ``till_cat_<kind>`` (the same mixins);
``till_cat_staging`` says which catalog is being built, one row per source:
the server's channel (a ``catalog.full`` and the parts that follow it) or the
exchange folder (a full file, or a big incremental one applied to a copy of the
live tables).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.till.catalog.tables import (
    AddPriceColumns,
    AgeRuleColumns,
    BarcodeColumns,
    CashierColumns,
    GroupColumns,
    ItemColumns,
    PriceColumns,
    SellerColumns,
    SettingColumns,
    StoreColumns,
    TaxColumns,
    TaxGroupColumns,
    TimeRuleColumns,
)
from ukm_actors.nodes.till.tables import TillBase


class StageStore(StoreColumns, TillBase):
    __tablename__ = "till_stage_store"


class StageTax(TaxColumns, TillBase):
    __tablename__ = "till_stage_tax"


class StageTaxGroup(TaxGroupColumns, TillBase):
    __tablename__ = "till_stage_taxgroup"


class StageGroup(GroupColumns, TillBase):
    __tablename__ = "till_stage_group"


class StageItem(ItemColumns, TillBase):
    __tablename__ = "till_stage_item"


class StageBarcode(BarcodeColumns, TillBase):
    __tablename__ = "till_stage_barcode"


class StagePrice(PriceColumns, TillBase):
    __tablename__ = "till_stage_price"


class StageAddPrice(AddPriceColumns, TillBase):
    __tablename__ = "till_stage_addprice"


class StageCashier(CashierColumns, TillBase):
    __tablename__ = "till_stage_cashier"


class StageSeller(SellerColumns, TillBase):
    __tablename__ = "till_stage_seller"


class StageTimeRule(TimeRuleColumns, TillBase):
    __tablename__ = "till_stage_timerule"


class StageAgeRule(AgeRuleColumns, TillBase):
    __tablename__ = "till_stage_agerule"


class StageSetting(SettingColumns, TillBase):
    __tablename__ = "till_stage_setting"


class CatStaging(TillBase):
    """A catalog being built in the staging tables, one row per ``source``."""

    __tablename__ = "till_cat_staging"

    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    """``server`` (documents of ``ref``, a channel) or ``folder`` (the file ``ref``)."""
    ref: Mapped[str] = mapped_column(String(300))
    kinds: Mapped[str] = mapped_column(Text)
    """JSON list of the record kinds the switch replaces."""
    first_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    """The ``catalog.full`` that began it (server)."""
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    """Its last part: the switch happens when this one is applied."""
    staged_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    """The last part written into the staging tables."""
    records: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[str] = mapped_column(String(40), default="")


def _core(model: Any) -> Table:
    table: Table = model.__table__
    return table


STAGE_OF: dict[str, Table] = {
    "store": _core(StageStore),
    "tax": _core(StageTax),
    "taxgroup": _core(StageTaxGroup),
    "group": _core(StageGroup),
    "item": _core(StageItem),
    "barcode": _core(StageBarcode),
    "price": _core(StagePrice),
    "addprice": _core(StageAddPrice),
    "cashier": _core(StageCashier),
    "seller": _core(StageSeller),
    "timerule": _core(StageTimeRule),
    "agerule": _core(StageAgeRule),
    "settings": _core(StageSetting),
}
"""Record kind → its staging table."""
