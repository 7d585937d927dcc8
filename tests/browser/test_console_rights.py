"""A right missing: the control is absent (the page says which role it needs) AND the API
refuses the change when the same login sends it anyway, for a viewer and a manager on the cash
server's console and a viewer on the marketing server's."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

TILL = "till-17-1"

# login, page, what must not be there, calls the API must refuse with 403
SERVER = [
    ("vera.viewer", "catalog", ["button:has-text('Новый товар')"],
     [("POST", "items", {"article": "990990", "name": "x"})]),
    ("vera.viewer", "stores", ["form:has(input[name=timezone])", "button.integration",
                                "tr[tabindex]"],
     [("POST", "stores", {"code": "99", "name": "x"}),
      ("PUT", "stores/17/integration", {"catalog_source": "server"})]),
    ("vera.viewer", "restrictions", ["form.rule-editor", "button.danger"],
     [("POST", "restrictions", {"kind": "age", "min_age": 18}),
      ("DELETE", "restrictions/1", None)]),
    ("vera.viewer", "cashiers", ["form.cashier-new", "tr[tabindex]", "button:has-text('Новая')"],
     [("POST", "stores/17/cashiers", {"id": 777, "name": "x", "role_id": 1, "password": "1"}),
      ("PUT", "cashier-roles/1", {"rights": ["sell"]})]),
    ("vera.viewer", "exchange", ["form.reexport"], [("POST", "exports", {"since": "2020-01-01"})]),
    ("vera.viewer", "tills", ["tr[tabindex]", "button.register-till"],
     [("PUT", f"tills/{TILL}/settings", {}), ("POST", "tills", {"store": "17", "number": 9})]),
    ("max.manager", "tills", ["tr[tabindex]", "button.register-till"],
     [("PUT", f"tills/{TILL}/settings", {}), ("POST", f"tills/{TILL}/resync", None)]),
]
# login, page it may not open (absent from the navigation), a call the API must refuse
HIDDEN = [
    ("vera.viewer", "audit", ("GET", "audit", None)),
    ("vera.viewer", "employees", ("GET", "employees", None)),
    ("max.manager", "employees",
     ("POST", "employees", {"login": "x.y", "password": "12345678", "role": "admin"})),
]
MARKETING = [
    ("campaigns", ["button.new-campaign"],
     [("POST", "campaigns", {"id": "X", "name": "x", "action": {"type": "gift", "article": "1"}})]),
    ("coupons", ["button:has-text('Сгенерировать')", "form:has(input[name=prefix])"],
     [("POST", "coupon-campaigns", {"id": "X", "prefix": "12"})]),
    ("certificates", ["button.issue", "form:has(input[name=face_value])"],
     [("POST", "certificate-series", {"id": "X", "face_value": 100, "article": "1"})]),
    ("loyalty", ["form:has(input[name=holder])"], [("POST", "cards", {"number": "123"})]),
]

CALL = """async ([method, path, body]) => {
  const r = await fetch('/api/v1/' + path, {method, headers: {
    'Authorization': 'Bearer ' + sessionStorage.getItem('ukm.console.token'),
    'Content-Type': 'application/json'}, body: body === null ? undefined : JSON.stringify(body)});
  return [r.status, (await r.json()).code];
}"""


def _refused(page, calls) -> None:
    """Each call, sent with the page's own login, is refused for the role."""
    for method, path, body in calls:
        status, code = page.evaluate(CALL, [method, path, body])
        assert status == 403, (method, path, status, code)


@pytest.mark.parametrize(("login", "name", "absent", "calls"), SERVER,
                         ids=[f"{c[0]}-{c[1]}" for c in SERVER])  # fmt: skip
def test_a_control_the_role_lacks_is_absent_and_the_api_refuses(console, login, name, absent,
                                                               calls):  # fmt: skip
    page = console(login, f"/#/{name}")
    expect(page.locator(f"#view[data-page={name}][data-ready='1']")).to_be_visible()
    expect(page.locator("#view [data-readonly]").first).to_be_visible()  # says which role
    for selector in absent:
        assert not page.locator(f"#view {selector}").count(), (login, name, selector)
    _refused(page, calls)


@pytest.mark.parametrize(("login", "name", "call"), HIDDEN, ids=[f"{c[0]}-{c[1]}" for c in HIDDEN])
def test_a_page_the_role_may_not_open(console, login, name, call):
    page = console(login, "/#/dashboard")
    assert not page.locator(f'#nav a[data-page="{name}"]').count()
    page.goto(page.url.split("#")[0] + f"#/{name}")
    expect(page.locator("#view .error")).to_contain_text("Вашей роли эта страница недоступна")
    _refused(page, [call])


@pytest.mark.parametrize(("name", "absent", "calls"), MARKETING, ids=[c[0] for c in MARKETING])
def test_a_marketing_viewer_changes_nothing(marketing_console, name, absent, calls):
    page = marketing_console("vera.viewer", f"/#/{name}")
    expect(page.locator(f"#view[data-page={name}][data-ready='1']")).to_be_visible()
    expect(page.locator("#view [data-readonly]").first).to_be_visible()
    for selector in absent:
        assert not page.locator(f"#view {selector}").count(), (name, selector)
    _refused(page, calls)
