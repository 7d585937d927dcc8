"""Fixtures for catalog tests: fresh server databases, files, dumps of every directory."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import PG_URL
from tests.server.catalog.dbtemplate import TemplateDbs
from ukm_actors.codecs.ukm_import import parse_import_name, plan_imports
from ukm_actors.db import Database
from ukm_actors.nodes.server.catalog.loader import LoadOptions, LoadResult, load_file

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples" / "import"

DIRECTORY_TABLES = (
    "catalog_store",
    "catalog_region",
    "catalog_store_type",
    "catalog_tax",
    "catalog_tax_group",
    "catalog_group",
    "catalog_item",
    "catalog_barcode",
    "catalog_price",
    "catalog_addprice",
    "catalog_cashier_role",
    "catalog_cashier",
    "catalog_seller",
    "catalog_restriction",
    "catalog_till",
    "catalog_tombstone",
    "bridge_outbox",
    "bridge_blob",
    "bridge_channel",
    "bridge_peer",
)


def dump(db: Database) -> dict[str, list[tuple]]:
    """Every row of every directory table (and the tills' outbox), sorted: compare before/after."""
    out = {}
    with db.read() as session:
        for table in DIRECTORY_TABLES:
            rows = session.execute(text(f"SELECT * FROM {table}")).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


def load(db: Database, path: Path, **kw) -> LoadResult:
    return load_file(db, path, LoadOptions(kind=kw.pop("kind", "cli"), **kw))


def write_xml(folder: Path, name: str, body: str) -> Path:
    """Write a dedented XML text as ``folder/name``."""
    path = folder / name
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


def load_examples(db: Database, folder: Path = EXAMPLES) -> list[LoadResult]:
    """Load every example file in the documented order; all must load."""
    plan = plan_imports(parse_import_name(p.name) for p in folder.glob("*.xml"))
    results = [load(db, folder / n.filename) for n in plan.load]
    assert [r.status for r in results] == ["loaded"] * len(results), [
        (r.file, r.error) for r in results
    ]
    return results


STAFF_PASSWORD = "s3cret-pass"


def with_staff(db: Database) -> None:
    """The examples, and one employee per role: logins admin, manager, viewer."""
    from ukm_actors.nodes.server.admin.auth import create_employee

    load_examples(db)
    with db.write() as s:
        for login in ("admin", "manager", "viewer"):
            create_employee(s, login, STAFF_PASSWORD, login, login.title())


def copy_examples(dest: Path, *prefixes: str) -> None:
    for p in EXAMPLES.glob("*.xml"):
        if not prefixes or p.name.startswith(prefixes):
            shutil.copy(p, dest / p.name)


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    """Server databases built once per session (see ``dbtemplate``)."""
    t = TemplateDbs(
        tmp_path_factory.mktemp("server-templates"),
        PG_URL,
        {"empty": lambda db: None, "examples": load_examples, "staff": with_staff},
    )
    yield t
    t.close()


@pytest.fixture
def fresh_url(templates):
    """``fresh_url(kind)``: the URL of a new copy of template ``kind`` ("empty", "examples")."""
    taken = []

    def make(kind="empty"):
        url = templates.acquire(kind)
        taken.append(url)
        return url

    yield make
    for url in taken:
        templates.release(url)


@pytest.fixture
def sdb(fresh_url):
    """A migrated, seeded server database with store 17 and nothing else."""
    db = Database(fresh_url("empty"))
    yield db
    db.dispose()


@pytest.fixture
def examples_db(fresh_url):
    """A server database with store 17 and every example file of docs/examples/import loaded."""
    db = Database(fresh_url("examples"))
    yield db
    db.dispose()


@pytest.fixture
def inbox(tmp_path):
    """An empty import folder."""
    folder = tmp_path / "import"
    folder.mkdir()
    return folder
