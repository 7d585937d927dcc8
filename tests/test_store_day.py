"""A whole store day, every node its own OS process (``ukm demo``), checked against the
UKM XML the cash server exported for the trade system, receipt by receipt."""

import json
import subprocess
import sys

import pytest

from tests.test_cli import free_base_port
from ukm_actors.codecs.ukm_export import (
    ExportCashBox,
    ExportReceipt,
    ExportShiftClose,
    ExportShiftOpen,
    parse_export_file,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]


def pos(till_id: str) -> int:
    return int(till_id.rsplit("-", 1)[1])


@pytest.fixture(scope="module")
def day_folder(tmp_path_factory):
    """The data folder of one ``ukm demo`` run and its output."""
    data = tmp_path_factory.mktemp("store-day")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "ukm_actors",
            "demo",
            "--data",
            str(data),
            "--base-port",
            str(free_base_port()),
        ],
        capture_output=True,
        text=True,
        timeout=360,
    )
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return data, r.stdout


@pytest.fixture(scope="module")
def day(day_folder):
    data, stdout = day_folder
    record = json.loads((data / "run" / "demo-day.json").read_text())
    exports = {f.name: parse_export_file(f) for f in (data / "exchange" / "export").glob("*.xml")}
    return record, exports, stdout


def test_the_day_did_everything_the_script_says(day):
    record, _, out = day
    kinds = [r["kind"] for r in record["receipts"]]
    assert kinds.count("sale") >= 3 and kinds.count("return") == 1
    payments = {p["type"] for r in record["receipts"] for p in r["payments"]}
    assert payments == {"cash", "card"}
    assert any(len({p["type"] for p in r["payments"]}) == 2 for r in record["receipts"]), "split"
    assert any(line["measure"] == "кг" for r in record["receipts"] for line in r["lines"])
    assert "card declined" in out
    # Alcohol: the age question by day; from 23:00 to 8:00 in the store (Moscow) the
    # example's time rule refuses it first, so a run in the evening sees that instead.
    assert "check the buyer's age" in out or "Продажа алкоголя с 23:00 до 8:00" in out
    assert len(record["shifts"]) == 2 and len(record["cash"]) == 2


def test_every_receipt_sold_is_exported_exactly_as_sold(day):
    record, exports, _ = day
    receipt_files = {n for n, doc in exports.items() if isinstance(doc, ExportReceipt)}
    expected = set()
    for sold in record["receipts"]:
        name = (
            f"receipt_[17]_[{pos(sold['till'])}]_[{sold['shift_num']}]_[{sold['number']}]_[1].xml"
        )
        expected.add(name)
        doc = exports[name]
        assert doc.kind == sold["kind"]
        assert doc.total == sold["totals"]["total"]
        assert doc.change == (sold.get("change") or 0)
        lines = [ln for ln in sold["lines"] if not ln["voided"]]
        assert [(i.article, i.quantity, i.price, i.total) for i in doc.items] == [
            (ln["article"], ln["quantity"], ln["price"], ln["total"]) for ln in lines
        ]
        approved = [(p["type"], p["amount"]) for p in sold["payments"] if p["state"] == "approved"]
        assert sorted((p.type, p.amount) for p in doc.payments) == sorted(approved)
        if sold["kind"] == "return":
            original = next(
                r for r in record["receipts"] if r["receipt_id"] == sold["original"]["receipt_id"]
            )
            assert (doc.original.pos_num, doc.original.receipt_num) == (
                pos(original["till"]),
                original["number"],
            )
            assert pos(original["till"]) != pos(sold["till"]), "returned at the other till"
    assert receipt_files == expected, "no receipt is missing, none is extra"


def test_shift_opens_cash_moves_and_shift_closes_are_exported(day):
    record, exports, _ = day
    for move in record["cash"]:
        box = next(
            d
            for d in exports.values()
            if isinstance(d, ExportCashBox)
            and d.pos_num == pos(move["till"])
            and d.doc_num == move["number"]
        )
        assert (box.direction, box.amount) == (move["direction"], move["amount"])
    for shift in record["shifts"]:
        till = pos(shift["till"])
        assert any(isinstance(d, ExportShiftOpen) and d.pos_num == till for d in exports.values())
        close = exports[f"shift_[17]_[{till}]_[{shift['shift_num']}]_[1].xml"]
        assert isinstance(close, ExportShiftClose)
        mine = [r for r in record["receipts"] if r["till"] == shift["till"]]
        assert sorted(r.receipt_num for r in close.receipts) == sorted(r["number"] for r in mine)
        assert close.sale_amount == sum(r["totals"]["total"] for r in mine if r["kind"] == "sale")
        assert close.return_amount == sum(
            r["totals"]["total"] for r in mine if r["kind"] == "return"
        )


def test_every_receipt_is_registered_once_and_exported_with_its_fiscal_data(day, day_folder):
    """The emulated registers of ``ukm demo`` registered each receipt exactly once; the
    export carries what the register answered (issue #17)."""
    record, exports, out = day
    data, _ = day_folder
    assert "emulated fiscal http://127.0.0.1:" in out
    for till in {r["till"] for r in record["receipts"]}:
        mine = [r for r in record["receipts"] if r["till"] == till]
        # the register's own journal of fiscal documents (its fiscal storage, kept by ukm up)
        journal = json.loads((data / "run" / f"{till}-fiscal.json").read_text())["journal"]
        sells = [j for j in journal if j["type"] in ("sell", "sellReturn")]
        assert sorted(j["fd"] for j in sells) == sorted(r["fiscal"]["fd"] for r in mine)
        assert len({j["uuid"] for j in sells}) == len(sells) == len(mine), "registered once"
        for sold in mine:
            fiscal = sold["fiscal"]
            name = f"receipt_[17]_[{pos(till)}]_[{sold['shift_num']}]_[{sold['number']}]_[1].xml"
            doc = exports[name]
            assert doc.fiscal is not None, name
            assert (doc.fiscal.fn, doc.fiscal.fd, doc.fiscal.fp) == (
                fiscal["fn"],
                fiscal["fd"],
                fiscal["fp"],
            )
            assert (doc.fiscal.shift, doc.fiscal.number) == (fiscal["shift"], fiscal["number"])
            assert doc.kkm_receipt_number == fiscal["number"]
            kind = "sellReturn" if sold["kind"] == "return" else "sell"
            assert next(j for j in sells if j["fd"] == fiscal["fd"])["type"] == kind
            assert f"&fp={fiscal['fp']}&n={1 if kind == 'sell' else 2}" in fiscal["qr"]
        types = [j["type"] for j in journal]
        assert types[0] == "openShift" and types[-1] == "closeShift", "shift opened and closed"
