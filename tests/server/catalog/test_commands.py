"""``register_local_install`` (ukm up), ``ukm import`` and ``ukm admin``."""

import re

import pytest
from sqlalchemy import select, text

from tests.nodes.helpers import write_config
from tests.server.catalog.conftest import EXAMPLES, write_xml
from ukm_actors.bridge.models import OutboxEntry, Peer
from ukm_actors.cli import main
from ukm_actors.db import Database
from ukm_actors.domain.passwords import verify_password
from ukm_actors.nodes.server.admin.tables import Employee
from ukm_actors.nodes.server.bootstrap import register_local_install
from ukm_actors.nodes.server.catalog.tables import Store
from ukm_actors.nodes.server.catalog.tables_local import Till

NODES = [
    ("marketing", "marketing", "s-m", {}),
    ("till-21-1", "till", "s-t1", {"store": "21", "number": 1}),
    ("till-21-2", "till", "s-t2", {"store": "21", "number": 2}),
    ("integration-21", "integration", "s-i", {"store": "21"}),
    ("pricechecker-21", "pricechecker", "s-p", {"store": "21", "tcp_port": 8406}),
]


@pytest.fixture
def server_toml(fresh_url, tmp_path):
    url = fresh_url("empty")
    data = tmp_path / "data"
    data.mkdir()
    path = write_config(
        tmp_path / "server.toml",
        {"node": {"role": "server", "data_dir": str(data)}, "db": {"url": url}},
    )
    return path, url, data


def state(url):
    db = Database(url)
    try:
        with db.read() as s:
            peers = {
                p.node_id: (p.kind, p.store, p.secret) for p in s.execute(select(Peer)).scalars()
            }
            tills = sorted(t.node_id for t in s.execute(select(Till)).scalars())
            docs = sorted(
                (e.channel, e.seq, e.doc_type) for e in s.execute(select(OutboxEntry)).scalars()
            )
            store = s.get(Store, "21")
            admins = [(e.login, e.role) for e in s.execute(select(Employee)).scalars()]
            return peers, tills, docs, store is not None, admins
    finally:
        db.dispose()


def test_a_local_install_is_registered_once_whatever_the_number_of_runs(server_toml):
    path, url, data = server_toml
    first = register_local_install(path, NODES)
    assert first["admin_password_file"] == str(data / "admin-password.txt")
    secret_text = (data / "admin-password.txt").read_text()
    assert re.fullmatch(r"[A-Za-z0-9_-]{16}\n", secret_text), "the file holds the password only"
    assert (data / "admin-password.txt").stat().st_mode & 0o077 == 0
    peers, tills, docs, has_store, admins = state(url)
    assert has_store and tills == ["till-21-1", "till-21-2"]
    assert peers["till-21-1"] == ("till", "21", "s-t1") and peers["marketing"][2] == "s-m"
    assert peers["pricechecker-21"] == ("pricechecker", "21", "s-p")
    assert docs == [
        ("server>till-21-1", 1, "catalog.full"),
        ("server>till-21-2", 1, "catalog.full"),
    ]
    assert admins == [("admin", "admin")]
    again = register_local_install(path, NODES)
    assert again["admin_password_file"] is None
    assert state(url) == (peers, tills, docs, has_store, admins)
    assert (data / "admin-password.txt").read_text() == secret_text
    # an older install's file (prose around the password) becomes the password alone
    password = secret_text.strip()
    (data / "admin-password.txt").write_text(
        "Cash server admin API login (POST /api/v1/login); change it after the first login.\n"
        f"login: admin\npassword: {password}\n"
    )
    register_local_install(path, NODES)
    assert (data / "admin-password.txt").read_text() == f"{password}\n"


def test_ukm_import_loads_a_file_with_a_progress_bar(server_toml, capsys):
    path, url, _ = server_toml
    for name in ("taxes_[12]_[F].xml", "classif_[12]_[F].xml", "updateItems_[12]_[F].xml"):
        assert main(["import", str(EXAMPLES / name), "--config", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "updateItems_[12]_[F].xml: loaded 8 records" in out
    assert "100.0%" in err and "8 records" in err
    db = Database(url)
    with db.read() as s:
        assert s.execute(text("SELECT count(*) FROM catalog_item")).scalar() == 8
    db.dispose()
    assert (EXAMPLES / "updateItems_[12]_[F].xml").exists()  # left where it was


def test_ukm_import_refuses_a_bad_file_with_exit_code_1(server_toml, tmp_path, capsys):
    path, url, _ = server_toml
    bad = write_xml(
        tmp_path,
        "taxes_[1]_[F].xml",
        '<taxes fullness="F"><version>1.0</version>\n<tax><id>1</id></tax></taxes>',
    )
    assert main(["import", str(bad), "--config", str(path), "--quiet"]) == 1
    _, err = capsys.readouterr()
    assert "refused, nothing was changed" in err and "line 2, field tax/rate" in err


def _catalog(url):
    db = Database(url)
    try:
        with db.read() as s:
            return dict(s.execute(text("SELECT article, name FROM catalog_item")).all())
    finally:
        db.dispose()


def test_ukm_import_does_not_roll_the_catalog_back_without_force(server_toml, tmp_path, capsys):
    """Issue 16.1: incremental file 13 applied from the folder, then ``ukm import`` of the
    older full file 12: refused, naming the number loaded; with --force, loaded."""
    import shutil

    from ukm_actors.nodes.server.catalog.folder import ImportFolder
    from ukm_actors.nodes.server.catalog.loader import LoadOptions

    path, url, _ = server_toml
    for name in ("taxes_[12]_[F].xml", "classif_[12]_[F].xml", "updateItems_[12]_[F].xml"):
        assert main(["import", str(EXAMPLES / name), "--config", str(path), "-q"]) == 0
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(EXAMPLES / "updateItems_[13]_[I].xml", inbox)
    db = Database(url)
    folder = ImportFolder(db, inbox, settle=0.0, options=LoadOptions(kind="folder"))
    folder.scan()
    assert [r.status for r in folder.scan()] == ["loaded"]
    db.dispose()
    after_13 = _catalog(url)
    assert "800210" not in after_13 and after_13["100245"].endswith("(новая упаковка)")
    capsys.readouterr()

    full_12 = str(EXAMPLES / "updateItems_[12]_[F].xml")
    assert main(["import", full_12, "--config", str(path), "-q"]) == 1
    _, err = capsys.readouterr()
    assert "refused, nothing was changed" in err
    assert "updateItems file 13 is loaded" in err and "--force" in err
    assert _catalog(url) == after_13

    assert main(["import", full_12, "--config", str(path), "-q", "--force"]) == 0
    restored = _catalog(url)
    assert "800210" in restored and not restored["100245"].endswith("(новая упаковка)")


def test_ukm_import_of_a_file_without_a_number_needs_force_once_its_type_is_loaded(
    server_toml, tmp_path, capsys
):
    import shutil

    path, url, _ = server_toml
    assert main(["import", str(EXAMPLES / "taxes_[12]_[F].xml"), "-c", str(path), "-q"]) == 0
    shutil.copy(EXAMPLES / "taxes_[12]_[F].xml", tmp_path / "taxes.xml")
    assert main(["import", str(tmp_path / "taxes.xml"), "-c", str(path), "-q"]) == 1
    _, err = capsys.readouterr()
    assert "has no number in its name" in err and "taxes file 12" in err
    assert main(["import", str(tmp_path / "taxes.xml"), "-c", str(path), "-q", "--force"]) == 0


def test_ukm_admin_creates_the_first_employee_and_registers_tills(server_toml, capsys, monkeypatch):
    path, url, _ = server_toml
    monkeypatch.setenv("UKM_ADMIN_PASSWORD", "correct horse")
    assert (
        main(
            [
                "admin",
                "create-employee",
                "--config",
                str(path),
                "--login",
                "anna",
                "--role",
                "admin",
            ]
        )
        == 0
    )
    assert main(["admin", "list-employees", "--config", str(path)]) == 0
    assert (
        main(["admin", "register-till", "--config", str(path), "--store", "17", "--number", "5"])
        == 0
    )
    out, _ = capsys.readouterr()
    assert "anna" in out and "admin" in out and "node id: till-17-5" in out
    db = Database(url)
    with db.read() as s:
        anna = s.execute(select(Employee).where(Employee.login == "anna")).scalar_one()
        assert verify_password("correct horse", anna.password_hash)
        secret = s.get(Peer, "till-17-5").secret
        actions = [r[0] for r in s.execute(text("SELECT action FROM admin_audit ORDER BY id"))]
    db.dispose()
    assert f"secret:  {secret}" in out
    assert actions == ["employee.create", "till.register"]
