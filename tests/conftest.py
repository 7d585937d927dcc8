"""Root fixtures. gevent is patched before anything else is imported.

Databases: every test that asks for ``db_url`` gets a real, empty database:
a SQLite file in its tmp folder, or, when ``UKM_TEST_PG_URL`` is set
(``postgresql+psycopg://postgres@127.0.0.1:5432/test``), a PostgreSQL schema
of its own that is dropped afterwards.
"""

from ukm_actors.runtime import patch

patch()

import logging  # noqa: E402
import os  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import quote  # noqa: E402

import pytest  # noqa: E402

logging.getLogger("pykka").setLevel(logging.WARNING)

PG_URL = os.environ.get("UKM_TEST_PG_URL", "")


def pytest_report_header(config):
    return f"databases: {'PostgreSQL ' + PG_URL if PG_URL else 'SQLite'}"


@pytest.fixture(autouse=True)
def _no_leftover_actors():
    """Every test starts and ends with no live actors."""
    import pykka

    yield
    leftover = pykka.ActorRegistry.get_all()
    pykka.ActorRegistry.stop_all(block=True, timeout=10)
    assert not leftover, f"actors left running: {leftover}"


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote('-csearch_path=' + schema)}"


def new_db_url(tmp_path, name="node"):
    """A fresh empty database URL (SQLite file, or a new PostgreSQL schema)."""
    if not PG_URL:
        return f"sqlite:///{tmp_path / (name + '.db')}"
    import sqlalchemy as sa

    schema = f"t_{name.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    _created_schemas.append(schema)
    return _pg_schema_url(PG_URL, schema)


_created_schemas: list[str] = []


@pytest.fixture
def db_url(tmp_path):
    return new_db_url(tmp_path)


@pytest.fixture
def make_db_url(tmp_path):
    """Factory: ``make_db_url("till-17-1")`` → another fresh database."""
    return lambda name="node": new_db_url(tmp_path, name)


@pytest.fixture(autouse=True)
def _drop_pg_schemas():
    yield
    if not PG_URL or not _created_schemas:
        return
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        for schema in _created_schemas:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
    _created_schemas.clear()


@pytest.fixture
def database(db_url):
    from ukm_actors.db import Database

    db = Database(db_url)
    yield db
    db.dispose()
