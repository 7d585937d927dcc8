"""Attacks on (and accidents in) the trade system's import folder, against a running server.

- A symbolic link named like an import file, pointing at ``/etc/passwd`` (here: a secret file
  of our own), was followed: its first bytes appeared in the error report and in
  ``GET /api/v1/imports``. Defence: links, folders, pipes and devices are never opened; they
  are logged once and listed as ``ignored``, without a byte of what they point at.
- A file copied in with a pause was read half-written and then blocked its type until a new
  full file. Defence: a file is read only once it has been stable for ``import_settle``
  seconds; names starting with ``.`` or ending in ``.tmp``/``.part`` are never read; and a
  file refused as cut short no longer blocks its type when the complete file arrives under
  the same name.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.nodes.helpers import start_node
from tests.server.admin.conftest import Api
from tests.server.catalog.conftest import EXAMPLES, fresh_url, templates  # noqa: F401 - fixtures
from ukm_actors.codecs.ukm_import import ItemRecord
from ukm_actors.codecs.ukm_samples import write_import_file

pytestmark = pytest.mark.timeout(90)

SECRET = "root:x:0:0:SECRET-BYTES-never-shown:/root:/bin/bash\n"
SETTLE = 0.4


@pytest.fixture
def server(request, fresh_url, tmp_path):  # noqa: F811
    """A cash server on the example catalog, scanning its import folder every 0.1 s; a file
    is read once unchanged for ``SETTLE`` s (or the test's param)."""
    node = start_node(
        "server",
        tmp_path,
        fresh_url("staff"),
        server={"import_poll": 0.1, "import_settle": getattr(request, "param", SETTLE)},
    )
    yield node
    node.stop()


@pytest.fixture
def inbox(server) -> Path:
    return server.ctx.config.resolve(server.ctx.config.server.import_dir)


@pytest.fixture
def api(server) -> Api:
    return Api(server.ctx.url).login("viewer")


def imports(api: Api) -> list[dict[str, Any]]:
    code, body = api.get("/api/v1/imports?per_page=100")
    assert code == 200, body
    rows: list[dict[str, Any]] = body["imports"]
    return rows


def wait_for(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {check}")
        time.sleep(0.05)


def row_of(api: Api, file: str, status: str | None = None) -> dict[str, Any] | None:
    for row in imports(api):
        if row["file"] == file and (status is None or row["status"] == status):
            return row
    return None


def article_names(server) -> dict[str, str]:
    with server.ctx.db.read() as s:
        return dict(s.execute(text("SELECT article, name FROM catalog_item")).all())


def test_a_symlink_is_never_followed_and_its_target_never_shown(server, inbox, api, tmp_path):
    """The link is named like a real import file; the target holds a secret."""
    secret = tmp_path / "passwd"
    secret.write_text(SECRET, encoding="utf-8")
    link = inbox / "updateItems_[20]_[F].xml"
    link.symlink_to(secret)
    (inbox / "classif_[30]_[F].xml").symlink_to(tmp_path)  # a link to a folder
    os.mkfifo(inbox / "taxes_[30]_[F].xml")  # opening a pipe would hang the loader
    before = article_names(server)

    for name in (link.name, "classif_[30]_[F].xml", "taxes_[30]_[F].xml"):
        row = wait_for(lambda name=name: row_of(api, name, "ignored"))
        assert row["error"] is None
    assert "symbolic link" in row_of(api, link.name)["warnings"][0]
    assert "not a regular file" in row_of(api, "taxes_[30]_[F].xml")["warnings"][0]

    # and it stays that way: nothing read, nothing moved, nothing shown, the server healthy
    time.sleep(5 * 0.1 + SETTLE)
    assert link.is_symlink() and (inbox / "taxes_[30]_[F].xml").exists()
    listing = json.dumps(imports(api), ensure_ascii=False)
    assert "SECRET-BYTES" not in listing and "root:x" not in listing
    reports = list((inbox / "failed").glob("*")) + list((inbox / "processed").glob("*"))
    assert reports == []
    assert article_names(server) == before
    assert [r["file"] for r in imports(api)].count(link.name) == 1  # listed once
    assert api.get("/health")[0] == 200


def test_the_loader_itself_never_opens_a_link_even_if_one_slips_in(server, inbox, tmp_path):
    """A file swapped for a link between the look and the read is refused unread."""
    from ukm_actors.nodes.server.catalog.loader import LoadOptions, load_file

    secret = tmp_path / "passwd"
    secret.write_text(SECRET, encoding="utf-8")
    link = tmp_path / "updateItems_[20]_[F].xml"
    link.symlink_to(secret)
    result = load_file(server.ctx.db, link, LoadOptions(kind="folder"))
    assert result.status == "ignored" and "SECRET" not in (result.error or "")

    from ukm_actors.codecs.ukm_import import ImportFormatError, open_import

    with pytest.raises(ImportFormatError) as err:
        open_import(link, regular_only=True)
    assert "not a regular file" in str(err.value) and "SECRET" not in str(err.value)


def test_a_non_xml_file_under_an_exchange_name_never_shows_its_bytes(server, inbox, api):
    """A regular file is read (it is the trade system's), but the error never quotes it."""
    (inbox / "updateItems_[20]_[I].xml").write_text(SECRET, encoding="utf-8")
    row = wait_for(lambda: row_of(api, "updateItems_[20]_[I].xml", "failed"))
    assert "does not look like XML" in row["error"]
    assert "root" not in row["error"] and "SECRET" not in row["error"]
    report = inbox / "failed" / "updateItems_[20]_[I].xml.error.txt"
    assert "SECRET" not in report.read_text(encoding="utf-8")


def items_xml(folder: Path, number: int, fullness: str, *articles: str) -> bytes:
    """The bytes of an ``updateItems`` file (written aside, in ``folder``)."""
    folder.mkdir(exist_ok=True)
    records = [ItemRecord(a, f"Товар {a}", "шт", "1", "5", "2") for a in articles]
    return write_import_file(folder, "updateItems", records, fullness, number=number).read_bytes()


def test_a_file_cut_short_does_not_block_its_type_once_the_whole_file_arrives(
    server, inbox, api, tmp_path
):
    """Copy half, wait past the stability time: refused. The whole file under the same
    name: loaded, and the next incremental file of the type loads too."""
    name = "updateItems_[20]_[I].xml"
    whole = items_xml(tmp_path / "aside", 20, "I", "777001", "777002", "777003")
    (inbox / name).write_bytes(whole[: len(whole) // 2])
    row = wait_for(lambda: row_of(api, name, "failed"))
    assert "malformed" in row["error"] or "no root" in row["error"]
    assert "777001" not in article_names(server)

    (inbox / name).write_bytes(whole)
    wait_for(lambda: row_of(api, name, "loaded"))
    assert {"777001", "777002", "777003"} <= set(article_names(server))
    (inbox / "updateItems_[21]_[I].xml").write_bytes(
        items_xml(tmp_path / "aside", 21, "I", "777004")
    )
    wait_for(lambda: row_of(api, "updateItems_[21]_[I].xml", "loaded"))


@pytest.mark.parametrize("server", [5.0], indirect=True)  # pauses of 0.2 s stay far below it
def test_a_file_still_growing_is_read_only_once_it_has_been_stable(server, inbox, api, tmp_path):
    name = "updateItems_[20]_[I].xml"
    whole = items_xml(tmp_path / "aside", 20, "I", "777011")
    path = inbox / name
    cut = len(whole) // 3
    path.write_bytes(whole[:cut])
    # keep it growing for several polls, each pause shorter than the stability time
    for end in (2 * cut, len(whole)):
        time.sleep(0.2)  # on a loaded machine a pause may last longer: the settle time allows it
        assert row_of(api, name) is None
        with path.open("ab") as out:
            out.write(whole[cut:end])
        cut = end
    wait_for(lambda: row_of(api, name, "loaded"))


def test_dot_tmp_and_part_names_are_never_read_and_a_rename_is_safe(server, inbox, api, tmp_path):
    data = items_xml(tmp_path / "aside", 20, "I", "777021")
    before = imports_files(api)
    hidden = [".updateItems_[20]_[I].xml", "updateItems_[20]_[I].xml.tmp", "x.PART"]
    for n in hidden:
        (inbox / n).write_bytes(data[:40])  # half-written, and nobody may notice
    time.sleep(10 * 0.1 + SETTLE)
    assert imports_files(api) == before
    with (inbox / "updateItems_[20]_[I].xml.tmp").open("ab") as out:
        out.write(data[40:])  # the copy under the temporary name completes
    os.replace(inbox / "updateItems_[20]_[I].xml.tmp", inbox / "updateItems_[20]_[I].xml")
    wait_for(lambda: row_of(api, "updateItems_[20]_[I].xml", "loaded"))
    assert (inbox / ".updateItems_[20]_[I].xml").exists() and (inbox / "x.PART").exists()
    assert imports_files(api) == before | {"updateItems_[20]_[I].xml"}


def imports_files(api: Api) -> set[str]:
    return {r["file"] for r in imports(api)}


def test_an_atomic_rename_into_the_folder_loads_at_once(server, inbox, api, tmp_path):
    staging = tmp_path / "staging.xml"
    shutil.copy(EXAMPLES / "taxes_[12]_[F].xml", staging)
    os.replace(staging, inbox / "taxes_[40]_[F].xml")
    wait_for(lambda: row_of(api, "taxes_[40]_[F].xml", "loaded"))


def test_files_that_are_not_exchange_files_are_listed_never_silent(inbox, api):
    """Issue 16.3: notes.txt and prices.xml were ignored without a word."""
    (inbox / "notes.txt").write_text("call the office", encoding="utf-8")
    (inbox / "prices.xml").write_text("<prices/>", encoding="utf-8")
    for name in ("notes.txt", "prices.xml"):
        row = wait_for(lambda name=name: row_of(api, name, "ignored"))
        assert row["type"] is None and row["error"] is None
        assert row["warnings"][0].startswith("not an exchange file name; expected ")
        assert "storePrices_[17]_[5]_[F].xml" in row["warnings"][0]
    assert (inbox / "notes.txt").exists() and (inbox / "prices.xml").exists()
