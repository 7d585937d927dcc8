"""``ukm export --since``: the same names again, replaced atomically."""

import os

import pytest

from tests.nodes.helpers import write_config
from tests.server.tills import line
from ukm_actors.cli import main
from ukm_actors.supervision.testing import expect

pytestmark = pytest.mark.timeout(60)


def names(folder):
    return sorted(os.listdir(folder))


@pytest.fixture
def config(server, tmp_path, db_url):
    return write_config(
        tmp_path / "server.toml",
        {
            "node": {"role": "server", "data_dir": str(server.ctx.config.data_dir)},
            "db": {"url": db_url},
        },
    )


def test_reexport_writes_the_same_files_again_replacing_them(till, export_dir, config, capsys):
    till.open_shift()
    till.receipt((line(1, "A", 1000),))
    till.cash("in", 5000)
    till.receipt((line(1, "B", 2000),))
    till.close_shift()
    expect(lambda: len(names(export_dir)) == 5)
    original = {n: (export_dir / n).read_bytes() for n in names(export_dir)}
    receipt = export_dir / "receipt_[17]_[3]_[1]_[1]_[1].xml"
    inode = receipt.stat().st_ino
    receipt.write_bytes(b"<half")
    (export_dir / "shift_[17]_[3]_[1]_[1].xml").unlink()

    assert main(["export", "--since", "2024-03-15", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "exported 5 documents of 2024-03-15 onwards" in out
    assert {n: (export_dir / n).read_bytes() for n in names(export_dir)} == original
    assert receipt.stat().st_ino != inode, "replaced by a rename, not rewritten in place"
    assert not [n for n in names(export_dir) if n.startswith(".")], "no temporary files left"

    assert main(["export", "--since", "2024-03-16", "--config", str(config)]) == 0
    assert "exported 0 documents" in capsys.readouterr().out
    assert (
        main(
            [
                "export",
                "--since",
                "2024-03-14",
                "--until",
                "2024-03-15",
                "--store",
                "18",
                "--config",
                str(config),
            ]
        )
        == 0
    )
    assert "exported 0 documents" in capsys.readouterr().out


def test_reexport_leaves_out_a_shift_close_still_missing_receipts(till, export_dir, config, capsys):
    till.open_shift()
    till.receipt()
    till.receipt(send=False)
    till.close_shift()
    expect(lambda: len(names(export_dir)) == 2)
    assert (
        main(["export", "--since", "2024-03-15", "--until", "2024-03-15", "--config", str(config)])
        == 0
    )
    out = capsys.readouterr().out
    assert "exported 2 documents" in out
    assert "shift 17/3/1: not written, some of its receipts have not arrived yet" in out


def test_reexport_refuses_a_range_that_ends_before_it_starts(config, capsys):
    assert (
        main(["export", "--since", "2024-03-15", "--until", "2024-03-01", "--config", str(config)])
        == 2
    )
    assert "is before --since" in capsys.readouterr().err
