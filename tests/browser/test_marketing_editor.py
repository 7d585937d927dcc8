"""The marketing console's campaign editor for every mechanic and condition (each saved
campaign read back through the API), the loyalty programs, and the reports in Russian with
their charts, totals and CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.console_helpers import till as console_till
from tests.browser.world import Api, wait

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

# no till of the test world is there: these campaigns price nothing of the other tests
OTHER_STORE = "18"
MECHANICS = [
    ("T-AMT", "amount", {"value": "50.00", "scope": "receipt"},
     {"type": "amount", "value": 5000, "scope": "receipt"}),
    ("T-FIX", "fixed_price", {"price": "79.90"}, {"type": "fixed_price", "price": 7990}),
    ("T-NM", "n_for_m", {"n": "3", "m": "2"}, {"type": "n_for_m", "n": 3, "m": 2}),
    ("T-SET", "cheapest_free", {"set": "100311, 200017"},
     {"type": "cheapest_free", "articles": ["100311", "200017"]}),
    ("T-GIFT", "gift", {"gift": "200017", "gift_quantity": "2"},
     {"type": "gift", "article": "200017", "quantity": 2000}),
    ("T-BON", "bonus", {"value": "5"}, {"type": "bonus", "value": 500}),
]
HIDDEN_FOR = {"n_for_m": ["value", "scope", "price", "set", "gift"], "gift": ["value", "n", "set"]}


def _new(page, cid: str, mechanic: str, fields: dict[str, str]):
    page.click("button.new-campaign")
    form = page.locator("form.campaign-editor")
    form.locator("input[name=id]").fill(cid)
    form.locator("input[name=name]").fill(f"Тест {cid}")
    form.locator("select[name=type]").select_option(mechanic)
    for name in HIDDEN_FOR.get(mechanic, []):  # the mechanic's own fields only
        expect(form.locator(f"[name={name}]")).to_be_hidden()
    for name, value in fields.items():
        box = form.locator(f"[name={name}]")
        if box.evaluate("n => n.tagName") == "SELECT":
            box.select_option(value)
        else:
            box.fill(value)
    form.locator(f"[data-name=stores] input[value='{OTHER_STORE}']").check()
    return form


def test_every_mechanic_and_condition_is_edited_and_saved(marketing_console, world):
    api = Api(world.marketing.url, "max.manager")
    status, _ = api.call("POST", "/api/v1/coupon-campaigns", {"id": "T-COUPONS", "prefix": "55"})
    assert status in (201, 409)
    page = marketing_console("max.manager", "/#/campaigns?show=all")
    for cid, mechanic, fields, action in MECHANICS:
        form = _new(page, cid, mechanic, fields)
        if cid == "T-AMT":  # every condition on one campaign
            form.locator("input[name=articles]").fill("100311")
            form.locator("input[name=groups]").fill("7")
            form.locator("input[name=min_quantity]").fill("2")
            form.locator("input[name=min_amount]").fill("100.00")
            form.locator("input[name=min_receipt]").fill("300.00")
            form.locator("input[name=coupon]").fill("T-COUPONS")
            form.locator("input[name=starts]").fill("2027-01-01T00:00")
            form.locator("input[name=ends]").fill("2027-02-01T00:00")
            for day in ("1", "5"):
                form.locator(f"[data-name=days] input[value='{day}']").check()
            form.locator("input[name=from]").fill("09:00")
            form.locator("input[name=to]").fill("18:00")
            form.locator("select[name=customer]").select_option("level")
            form.locator("input[name=min_level]").fill("2")
            form.locator("select[name=stacking]").select_option("exclusive")
            form.locator("input[name=priority]").fill("5")
            screenshot(page, "marketing-campaign-conditions")
        form.locator("button[type=submit]").click()
        expect(page.locator("tr.campaign", has_text=cid)).to_be_visible()
        saved = api.ok("GET", f"/api/v1/campaigns/{cid}")
        assert {k: v for k, v in saved["action"].items() if v is not None} == action, saved
        assert saved["stores"] == [OTHER_STORE], saved

    saved = api.ok("GET", "/api/v1/campaigns/T-AMT")
    conditions = {"articles": ["100311"], "groups": ["7"], "min_quantity": 2000,
                  "min_amount": 10000, "min_receipt": 30000, "coupon": "T-COUPONS"}
    assert saved["conditions"] == conditions, saved
    assert (saved["starts"], saved["ends"]) == ("2027-01-01T00:00:00", "2027-02-01T00:00:00")
    assert (saved["days"], saved["hours"]) == ([1, 5], ["09:00", "18:00"])
    assert (saved["customer"], saved["min_level"]) == ("level", 2)
    assert (saved["stacking"], saved["priority"]) == ("exclusive", 5)
    row = page.locator("tr.campaign", has_text="T-AMT")
    expect(row).to_contain_text("пн, пт")  # the weekdays and hours in the list
    expect(row).to_contain_text("09:00–18:00")

    page.locator("tr.campaign", has_text="T-GIFT").click()  # opened again: as saved
    form = page.locator("form.campaign-editor")
    expect(form.locator("input[name=gift_quantity]")).to_have_value("2")
    expect(form.locator("input[name=gift]")).to_have_value("200017")
    page.keyboard.press("Escape")
    for cid, *_ in MECHANICS:
        api.ok("POST", f"/api/v1/campaigns/{cid}/disable")


def test_a_campaign_running_in_the_stores_local_time_is_shown_running(marketing_console, world):
    """A campaign's times are store-local: one that began a minute ago in Vladivostok (ten
    hours ahead of UTC) is running there, not "planned" until UTC catches up."""
    local = datetime.now(ZoneInfo("Asia/Vladivostok")).replace(tzinfo=None)
    starts = (local - timedelta(minutes=1)).isoformat(timespec="minutes")
    ends = (local + timedelta(hours=1)).isoformat(timespec="minutes")
    api = Api(world.marketing.url, "max.manager")
    api.ok("POST", "/api/v1/campaigns", {
        "id": "T-VLADIVOSTOK", "name": "Утро во Владивостоке", "starts": starts, "ends": ends,
        "action": {"type": "percent", "value": 500, "scope": "line"},
        "conditions": {"articles": ["990778"]}})
    try:
        page = marketing_console("vera.viewer", "/#/campaigns", timezone="Asia/Vladivostok")
        expect(page.locator("tr.campaign", has_text="T-VLADIVOSTOK")).to_contain_text("действует")
    finally:
        api.ok("POST", "/api/v1/campaigns/T-VLADIVOSTOK/disable")


def test_the_loyalty_programs_are_shown(marketing_console):
    page = marketing_console("vera.viewer", "/#/loyalty")
    programs = page.locator(".programs")
    expect(programs.locator(".accumulative tbody tr").first).to_be_visible()
    expect(programs.locator(".bonus")).to_contain_text("Баллами можно оплатить не больше")
    expect(programs.locator(".bonus")).to_contain_text("50% чека")
    assert not page.locator("form button:has-text('Добавить')").count()  # a viewer adds no card
    screenshot(page, "marketing-loyalty")


def _a_discounted_sale(world) -> None:
    """A campaign of its own on an item of its own, sold at the till: the report has a row."""
    assert world.admin is not None
    world.admin.call("POST", "/api/v1/items", {
        "article": "990777", "name": "Печенье к отчёту", "barcodes": [],
        "prices": [{"store": "17", "price": 10000}]})  # fmt: skip
    api = Api(world.marketing.url, "max.manager")
    api.call("POST", "/api/v1/campaigns", {
        "id": "T-REPORT", "name": "Печенье −20%", "stores": ["17"],
        "conditions": {"articles": ["990777"]},
        "action": {"type": "percent", "value": 2000}})  # fmt: skip
    till = console_till(world)

    def discounted():
        status, body = till.call("POST", "/receipt/lines", {"article": "990777"})
        if status >= 300:
            return None
        if body["line"].get("discount"):
            return body
        till.call("DELETE", f"/receipt/lines/{body['line']['position']}")
        return None

    wait(discounted, 60, "the till prices the item with the campaign")
    till.pay("cash", till.receipt()["totals"]["total"])
    report = "/api/v1/reports/campaigns?campaign=T-REPORT&from=2020-01-01"
    wait(lambda: api.ok("GET", report)["rows"], 60, "the sale reached the campaign report")


def test_reports_read_in_russian_with_charts_totals_and_csv(marketing_console, world):
    _a_discounted_sale(world)
    page = marketing_console("vera.viewer", "/#/reports?report=certificates&from=2020-01-01")
    expect(page.locator("#view[data-ready='1'] table.report")).to_be_visible()
    heads = page.locator("table.report th").all_inner_texts()
    assert heads[:3] == ["Серия", "Наименование", "Номинал"], heads
    assert not [h for h in heads if "_" in h or h.isascii()], heads  # no API column names
    for report, tab in (("campaigns", "Акции"), ("coupons", "Купоны"), ("bonus", "Бонусы")):
        page.click(f".report-tabs button:has-text('{tab}')")
        expect(page).to_have_url(re.compile(f"report={report}"))
        shown = f"#view[data-ready='1'] .report-tabs .primary:has-text('{tab}')"
        expect(page.locator(shown)).to_be_visible()
        heads = page.locator("table.report th").all_inner_texts()
        assert not [h for h in heads if "_" in h or h.isascii()], (report, heads)
        expect(page.locator(".charts figure")).to_have_count(2)
    page.goto(page.url.split("#")[0] + "#/reports?report=campaigns&from=2020-01-01")
    expect(page.locator("#view[data-ready='1'] input[name=from]")).to_have_value("2020-01-01")
    expect(page.locator("table.report tr.totals")).to_be_visible()
    expect(page.locator(".charts svg.bars").first).to_be_visible()
    screenshot(page, "marketing-reports")
    with page.expect_download() as info:
        page.click("button.csv")
    rows = list(csv.reader(io.StringIO(open(info.value.path(), encoding="utf-8-sig").read())))
    assert rows[0][:2] == ["Акция", "Наименование"], rows[0]
    mine = [r for r in rows if r[0] == "T-REPORT"]
    assert mine and mine[0][5] == "20.00", rows  # 20 % of 100.00, written as an amount


def test_a_campaign_the_engine_refuses_is_said_in_the_readers_language(marketing_console):
    page = marketing_console("max.manager", "/#/campaigns?show=all")
    form = _new(page, "T-BAD", "n_for_m", {"n": "2", "m": "2"})
    form.locator("button[type=submit]").click()
    refusal = form.locator(".error:not([hidden])")
    expect(refusal).to_contain_text("акция 'T-BAD'")
    expect(refusal).to_contain_text("2 по цене 2: нужно 0 < m < n")
    expect(page.locator("tr.campaign", has_text="T-BAD")).to_have_count(0)  # nothing saved
