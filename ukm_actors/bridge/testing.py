"""Test and benchmark support: a node made of the transport feature plus dummy
document types, asks and a table, so the bridge can be exercised without any
other feature.

- Document types ``test.row`` (writes one row; a body starting with ``bad``
  raises ``PermanentApplyError``, one starting with ``huge`` writes a number no
  database column holds), ``test.slow`` (the same, 2 ms slower) and
  ``test.lines`` (streams the body with ``doc.lines()`` and stores the line
  count: the way a catalog applier reads a 50 MB body).
- Asks ``test.echo`` (the message and the caller's id), ``test.refuse``
  (a ``UkmError`` with code ``test.refused``), ``test.sleep`` ({"s": seconds}).
- ``test_rules(role)``: rows of the authorisation table letting any peer send them.
- ``BridgeNode(config)``: a ``Node`` with only ``transport`` and this module.
- ``python -m ukm_actors.bridge.testnode --config FILE``: such a node as a
  real process (for the SIGKILL test and the benchmark).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gevent
from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
)
from sqlalchemy.orm import Session

from ukm_actors.bridge.documents import Document
from ukm_actors.bridge.inbox import PermanentApplyError
from ukm_actors.bridge.policy import ASK, DOCUMENT, Rule, Scope
from ukm_actors.config.common import ROLES, Role
from ukm_actors.db import Database
from ukm_actors.errors import UkmError

if TYPE_CHECKING:
    from ukm_actors.nodes.base import NodeContext

METADATA = MetaData()
ROWS = Table(
    "bridge_test_row",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel", String(120), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("doc_type", String(60), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("lines", BigInteger, nullable=False),
)


_INSERT_ROW = insert(ROWS).values(
    channel=bindparam("c"),
    seq=bindparam("s"),
    doc_type=bindparam("t"),
    size=bindparam("n"),
    lines=bindparam("lines"),
)


def row_applier(session: Session, doc: Document) -> None:
    """Apply a test document: one row per document."""
    if doc.type == "test.slow":
        gevent.sleep(0.002)
    lines = 0
    if doc.type == "test.lines":
        lines = sum(1 for _ in doc.lines())
    elif doc.body.startswith(b"bad"):
        raise PermanentApplyError(f"test document {doc.seq} is bad by design")
    elif doc.body.startswith(b"huge"):
        lines = 2**70  # the database refuses it (SQLite: OverflowError; PostgreSQL: DataError)
    session.connection().execute(
        _INSERT_ROW,
        {"c": doc.channel, "s": doc.seq, "t": doc.type, "n": doc.size, "lines": lines},
    )


def rows(db: Database, channel: str | None = None) -> list[tuple[str, int, str, int, int]]:
    """The rows written so far, in the order they were applied."""
    q = select(ROWS.c.channel, ROWS.c.seq, ROWS.c.doc_type, ROWS.c.size, ROWS.c.lines).order_by(
        ROWS.c.id
    )
    if channel is not None:
        q = q.where(ROWS.c.channel == channel)
    with db.read() as session:
        return [tuple(r) for r in session.execute(q).all()]  # type: ignore[misc]


def _echo(message: dict[str, Any], peer: str) -> Any:
    return {"message": message, "peer": peer}


def _refuse(message: dict[str, Any], peer: str) -> Any:
    raise UkmError(f"refused {peer}'s test ask", code="test.refused", hint="by design")


def _sleep(message: dict[str, Any], peer: str) -> Any:
    gevent.sleep(float(message.get("s", 0)))
    return {"slept": message.get("s", 0)}


# -- the feature-module interface ----------------------------------------------------------


ANYONE = ROLES


def test_rules(role: Role) -> list[Rule]:
    """Rows of the authorisation table for the test documents and asks: anyone may."""
    docs = ("test.row", "test.slow", "test.lines")
    asks = ("test.echo", "test.refuse", "test.sleep")
    return [Rule(DOCUMENT, role, n, ANYONE, Scope.ANY, "tests") for n in docs] + [
        Rule(ASK, role, n, ANYONE, Scope.ANY, "tests") for n in asks
    ]


def setup(ctx: NodeContext) -> None:
    ctx.services.bridge.policy.add(test_rules(ctx.role))
    if ctx.db is not None:
        METADATA.create_all(ctx.db.engine)
        for t in ("test.row", "test.slow", "test.lines"):
            ctx.appliers.register(t, row_applier)
    ctx.asks.register("test.echo", _echo)
    ctx.asks.register("test.refuse", _refuse)
    ctx.asks.register("test.sleep", _sleep)


def node_class() -> Any:
    """``BridgeNode``: a Node made of its role's transport and this module's ``setup`` only."""
    from ukm_actors.nodes.base import Node
    from ukm_actors.nodes.feature import Feature, load_feature

    class BridgeNode(Node):
        def features(self) -> list[Feature[Any]]:
            transport = f"ukm_actors.nodes.{self.config.role}.transport"
            return [
                load_feature(self.spec, transport),
                Feature(__name__, setup=setup, needs=("bridge",)),
            ]

    return BridgeNode


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="a node with only the bridge and test documents")
    p.add_argument("--config", type=Path, required=True)
    args = p.parse_args(argv)
    from ukm_actors.config import load_config
    from ukm_actors.logsetup import setup_logging

    config = load_config(args.config)
    setup_logging(config)
    return int(node_class()(config).run_forever())
