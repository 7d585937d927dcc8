"""Each role declares what it has once (``tree.ROLE``); the rest of the code reads that."""

import importlib
import pkgutil

import pytest

from ukm_actors.config import ROLES, load_config
from ukm_actors.db import Database
from ukm_actors.db.migrate import pending_differences, upgrade
from ukm_actors.nodes.role import (
    RoleSpec,
    RoleSpecError,
    _tables_of,
    database_roles,
    role_metadata,
    role_spec,
)

DB_ROLES = ("server", "till", "marketing")


def test_the_roles_with_a_database_are_the_ones_with_tables(tmp_path):
    assert database_roles() == DB_ROLES
    for role in ROLES:
        config = load_config(None, role=role, overrides={"node": {"data_dir": str(tmp_path)}})
        assert bool(config.db.url) == (role in DB_ROLES)
        assert (role_spec(role).migrations is not None) == (role in DB_ROLES)


@pytest.mark.parametrize("role", DB_ROLES)
def test_the_migrations_build_exactly_the_listed_tables(role, db_url):
    spec = role_spec(role)
    db = Database(db_url)
    try:
        upgrade(db, spec.migrations)
        assert pending_differences(db, role_metadata(spec)) == []
    finally:
        db.dispose()


@pytest.mark.parametrize("role", DB_ROLES)
def test_every_module_of_the_role_that_defines_tables_is_listed(role):
    spec = role_spec(role)
    pkg = importlib.import_module(spec.package)
    defining = set()
    for mod in pkgutil.walk_packages(pkg.__path__, spec.package + "."):
        if ".migrations" in mod.name or mod.name.endswith("__main__"):
            continue
        if _tables_of(importlib.import_module(mod.name)):
            defining.add(mod.name)
    assert defining == set(spec.tables)


def test_a_listed_module_without_tables_is_refused_with_its_name():
    spec = RoleSpec(name="till", features=(), tables=("ukm_actors.nodes.till.tables",))
    with pytest.raises(RoleSpecError, match=r"ukm_actors\.nodes\.till\.tables .* defines none"):
        role_metadata(spec)


def test_an_unknown_role_is_refused():
    with pytest.raises(RoleSpecError, match="unknown role 'shop'"):
        role_spec("shop")
