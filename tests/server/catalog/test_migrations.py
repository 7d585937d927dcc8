"""Server migrations applied to a database that already holds a catalog (not only to empty ones)."""

from sqlalchemy import text

from ukm_actors.db import Database
from ukm_actors.db.migrate import current_revision, pending_differences, upgrade
from ukm_actors.nodes.server.bootstrap import MIGRATIONS
from ukm_actors.nodes.server.tables import ServerBase


def test_measprec_becomes_the_text_received_and_the_step_is_kept(db_url):
    """0003: measprec (the step in thousandths) → text; step column; barcodes and prices stay
    (a move-and-copy of catalog_item on SQLite would have cascaded into them)."""
    db = Database(db_url)
    try:
        upgrade(db, MIGRATIONS, "0002")
        with db.write() as s:
            for article, measprec in (("1", 1000), ("2", 1), ("3", 500)):
                s.execute(
                    text(
                        "INSERT INTO catalog_item (article, name, name_lc, measure, measprec, "
                        "weighted, group_id, taxgroup_id, egais_type, alc_codes, sub_excise, "
                        "digest, version) VALUES (:a, 'X', 'x', 'шт', :m, :w, '5', '2', 0, '', "
                        ":f, 1, 1)"
                    ),
                    {"a": article, "m": measprec, "w": measprec < 1000, "f": False},
                )
            s.execute(
                text(
                    "INSERT INTO catalog_barcode (barcode, article, quantity) "
                    "VALUES ('46', '1', 1000)"
                )
            )
            s.execute(
                text(
                    "INSERT INTO catalog_store (code, name, timezone, active, version) "
                    "VALUES ('17', 'М', 'Europe/Moscow', :t, 1)"
                ),
                {"t": True},
            )
            s.execute(
                text(
                    "INSERT INTO catalog_price (store, article, price, version) "
                    "VALUES ('17', '2', 100, 1)"
                )
            )
        upgrade(db, MIGRATIONS)
        assert current_revision(db) is not None
        with db.read() as s:
            got = s.execute(
                text("SELECT article, measprec, step, weighted FROM catalog_item ORDER BY article")
            ).all()
            assert [tuple(r) for r in got] == [
                ("1", "1", 1000, False),
                ("2", "0.001", 1, True),
                ("3", "0.5", 500, True),
            ]
            assert s.execute(text("SELECT count(*) FROM catalog_barcode")).scalar() == 1
            assert s.execute(text("SELECT count(*) FROM catalog_price")).scalar() == 1
        assert [
            d for d in pending_differences(db, [ServerBase.metadata]) if "catalog_item" in str(d)
        ] == []
    finally:
        db.dispose()
