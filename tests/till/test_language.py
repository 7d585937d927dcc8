"""The till answers the cashier in one language: Russian by default, English when asked."""

from __future__ import annotations

from tests.till.helpers import MILK, TillClient


def test_refusals_are_russian_by_default_and_english_on_request(start_till):
    node, _client = start_till()
    ru = TillClient(node.ctx.url, language="")  # no Accept-Language: the till's setting (ru)
    status, err = ru.fail("POST", "/login", {"code": "1", "password": "nope"})
    assert status == 401 and err["code"] == "auth.failed"
    assert err["message"] == "неверный код или пароль кассира; попробуйте снова"
    en = TillClient(node.ctx.url, language="en-GB,en;q=0.9")
    assert en.fail("POST", "/login", {"code": "1", "password": "nope"})[1]["message"] == (
        "wrong cashier code or password; try again"
    )
    ru.login()
    status, err = ru.fail("POST", "/receipt/lines", {"barcode": MILK})
    assert err["code"] == "shift.closed" and err["message"].startswith("смена не открыта")
    status, err = ru.fail("POST", "/receipt/lines?lang=en", {"barcode": MILK})
    assert err["message"] == "no shift is open; open a shift first"


def test_composed_messages_read_in_one_language(start_till):
    node, client = start_till()
    client.login()
    client.post("/shift/open")
    ru = TillClient(node.ctx.url, language="ru")
    status, err = ru.fail("POST", "/receipt/lines", {"barcode": "4600000000992"})
    assert err["code"] == "barcode.invalid" or err["code"] == "sale.item_unknown"
    assert not any(word in err["message"] for word in ("barcode", "catalog", "check digit"))
    # the print queue's titles and the answer's print message
    client.scan(MILK)
    out = ru.post("/receipt/payments", {"type": "cash", "amount": 100000})
    assert out["print"]["printed"] is False
    assert out["print"]["message"].startswith("чек 1 смены 1: сохранено")
    assert ru.get("/receipt/print-queue")["jobs"][0]["title"] == "чек 1 смены 1"


def test_a_till_set_to_english_answers_in_english(start_till):
    node, _client = start_till(language="en")
    plain = TillClient(node.ctx.url, language="")
    assert plain.fail("POST", "/login", {"code": "1", "password": "x"})[1]["message"].startswith(
        "wrong cashier code"
    )
