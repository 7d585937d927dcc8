"""A refused import file's reason in the reader's language (GET /api/v1/imports): Russian by
default, English when asked; a row recorded before the texts were kept shows its English."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.nodes.helpers import http
from ukm_actors.nodes.server.catalog.loader import LoadOptions, load_file
from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad

BAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<storePrices fullness="I" storeId="17">\n'
    "<version>1</version>\n"
    "<price><article>100245</article><value>89,90</value></price>\n"
    "</storePrices>\n"
)
NAME = "storePrices_[17]_[40]_[I].xml"


def refused(node, tmp_path):
    path = tmp_path / NAME
    path.write_text(BAD, encoding="utf-8")
    result = load_file(node.ctx.db, path, LoadOptions(kind="cli"))
    assert result.status == "failed", result


def row(body, name=NAME):
    return next(r for r in body["imports"] if r["file"] == name)


def test_the_import_history_answers_in_the_readers_language(node, api, tmp_path):
    refused(node, tmp_path)
    admin = api("admin")
    # no language asked: the node's, Russian by default
    r = http.request(
        "GET", node.ctx.url + "/api/v1/imports", headers={"Authorization": f"Bearer {admin.token}"}
    )
    ru = row(json.loads(r.data))
    assert ru["error"].startswith(
        f"{NAME}, строка 4, поле «price/value»: '89,90' записано с запятой"
    )
    assert ru["report"] == {
        "line": 4,
        "field": "price/value",
        "reason": "'89,90' записано с запятой; пишите десятичную точку, например '89.90'",
        "hint": None,
    }
    code, body = admin.get("/api/v1/imports")  # Accept-Language: en
    assert code == 200, body
    en = row(body)
    assert en["error"] == (
        f"{NAME} line 4, field price/value: '89,90' uses a comma; "
        "write a decimal point, e.g. '89.90'"
    )
    assert en["report"]["reason"] == "'89,90' uses a comma; write a decimal point, e.g. '89.90'"
    code, body = admin.get("/api/v1/imports?lang=ru")
    assert row(body) == ru


def test_a_row_recorded_before_the_texts_were_kept_shows_its_english(node, api):
    old = "storePrices_[17]_[39]_[I].xml line 2, field price/value: '1,5' uses a comma"
    with node.ctx.db.write() as s:
        s.add(
            CatalogLoad(
                kind="folder",
                type="storePrices",
                store="17",
                number=39,
                fullness="I",
                file="storePrices_[17]_[39]_[I].xml",
                status="failed",
                warnings="item/x: a note",
                error=old,
                node="old",
                started_at=datetime.now(UTC),
                finished_at=datetime.now(UTC),
            )
        )
    code, body = api("admin").get("/api/v1/imports?lang=ru")
    assert code == 200, body
    got = row(body, "storePrices_[17]_[39]_[I].xml")
    assert got["error"] == old and got["report"] is None and got["warnings"] == ["item/x: a note"]


def test_what_was_assumed_reads_in_the_readers_language(node, api, tmp_path):
    """Notes of the reader (a missing unit) and of the loader (an unknown group)."""
    name = "updateItems_[41]_[I].xml"
    (tmp_path / name).write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<updateItems fullness="I"><version>1</version>\n'
        "<item><article>900001</article><name>Чай</name><groupId>NOPE</groupId></item>\n"
        "</updateItems>\n",
        encoding="utf-8",
    )
    assert load_file(node.ctx.db, tmp_path / name, LoadOptions(kind="cli")).status == "loaded"
    admin = api("admin")
    ru = row(admin.get("/api/v1/imports?lang=ru")[1], name)["warnings"]
    en = row(admin.get("/api/v1/imports")[1], name)["warnings"]
    assert (
        "item/measure: отсутствует; товар продаётся поштучно (шт) (записей: 1, первая в строке 3)"
        in ru
    )
    assert any(w.startswith("item/groupId: группы нет в иерархии товаров") for w in ru), ru
    assert (
        "item/measure: missing; the item is sold in pieces (шт) (1 record(s), first at line 3)"
        in en
    )
    assert any(w.startswith("item/groupId: group not in the item hierarchy") for w in en), en
