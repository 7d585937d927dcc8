"""Bodies of the feed documents the cash server sends the marketing server.

``feed.catalog`` (the item hierarchy and the items, a full replacement) is
JSON lines, so a large catalog streams::

    {"kind": "meta", "groups": 2, "items": 1}
    {"kind": "group", "id": "1", "parent_id": null, "name": "Food"}
    {"kind": "group", "id": "12", "parent_id": "1", "name": "Dairy"}
    {"kind": "item", "article": "1001", "name": "Milk", "weighted": false,
     "group_id": "12", "min_price": 0}

``min_price`` (kopecks per unit, 0 for none) is the item's price floor.

``feed.stores`` (every store and its tills, a full replacement) is one JSON
object::

    {"stores": [{"code": "17", "name": "Store 17",
                 "tills": [{"node_id": "till-17-1", "number": 1}]}]}

``feed.heartbeat`` says the feeds are alive when nothing changed: the cash
server queues one when it has queued nothing else for ``feed_interval``
seconds (so "stale" on the marketing server means "no contact", never "no
change")::

    {"at": "2026-12-01T08:00:00Z", "catalog": "<sha256 of the last feed.catalog>",
     "stores": "<sha256 of the last feed.stores>"}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ukm_actors.errors import UkmError

CATALOG = "feed.catalog"
STORES = "feed.stores"
HEARTBEAT = "feed.heartbeat"


class FeedError(UkmError):
    """A feed document whose content cannot be applied."""

    code = "feed.invalid"


@dataclass(frozen=True)
class FeedGroup:
    id: str
    parent_id: str | None
    name: str


@dataclass(frozen=True)
class FeedItem:
    article: str
    name: str
    weighted: bool
    group_id: str | None
    min_price: int = 0


@dataclass(frozen=True)
class FeedTill:
    node_id: str
    number: int


@dataclass(frozen=True)
class FeedStore:
    code: str
    name: str
    tills: tuple[FeedTill, ...] = ()


def _line(data: dict[str, object]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"


def encode_catalog(groups: Iterable[FeedGroup], items: Iterable[FeedItem]) -> bytes:
    """A ``feed.catalog`` body (groups first, then items, as given)."""
    gs = list(groups)
    body = [
        _line({"kind": "group", "id": g.id, "parent_id": g.parent_id, "name": g.name}) for g in gs
    ]
    n = 0
    for it in items:
        n += 1
        body.append(
            _line(
                {
                    "kind": "item",
                    "article": it.article,
                    "name": it.name,
                    "weighted": it.weighted,
                    "group_id": it.group_id,
                    "min_price": it.min_price,
                }
            )
        )
    return _line({"kind": "meta", "groups": len(gs), "items": n}) + b"".join(body)


def decode_catalog(body: bytes) -> Iterator[FeedGroup | FeedItem]:
    """The records of a ``feed.catalog`` body, checked; ``FeedError`` names the line."""
    lines = body.split(b"\n")
    counts = {"group": 0, "item": 0}
    expected: dict[str, object] | None = None
    for no, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except ValueError as exc:
            raise FeedError(f"feed.catalog line {no}: not JSON ({exc})") from exc
        kind = rec.get("kind") if isinstance(rec, dict) else None
        try:
            if kind == "meta":
                expected = rec
            elif kind == "group":
                counts["group"] += 1
                yield FeedGroup(str(rec["id"]), rec.get("parent_id"), str(rec["name"]))
            elif kind == "item":
                counts["item"] += 1
                yield FeedItem(
                    str(rec["article"]),
                    str(rec["name"]),
                    bool(rec.get("weighted", False)),
                    rec.get("group_id"),
                    int(rec.get("min_price") or 0),
                )
            else:
                raise FeedError(f"feed.catalog line {no}: unknown record kind {kind!r}")
        except KeyError as exc:
            raise FeedError(f"feed.catalog line {no}: {kind} lacks {exc}") from exc
    if expected is None:
        raise FeedError("feed.catalog has no meta line")
    if expected.get("groups") != counts["group"] or expected.get("items") != counts["item"]:
        raise FeedError(
            f"feed.catalog is incomplete: meta says {expected.get('groups')} groups and "
            f"{expected.get('items')} items, the body has {counts['group']} and {counts['item']}"
        )


def encode_stores(stores: Iterable[FeedStore]) -> bytes:
    """A ``feed.stores`` body, stores and tills sorted (equal lists give equal bodies)."""
    data = {
        "stores": [
            {
                "code": s.code,
                "name": s.name,
                "tills": [
                    {"node_id": t.node_id, "number": t.number}
                    for t in sorted(s.tills, key=lambda t: (t.number, t.node_id))
                ],
            }
            for s in sorted(stores, key=lambda s: s.code)
        ]
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")


def decode_stores(body: bytes) -> list[FeedStore]:
    try:
        data = json.loads(body.decode("utf-8"))
        return [
            FeedStore(
                str(s["code"]),
                str(s.get("name") or s["code"]),
                tuple(FeedTill(str(t["node_id"]), int(t["number"])) for t in s.get("tills") or []),
            )
            for s in data["stores"]
        ]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise FeedError(f"feed.stores document is malformed: {exc!r}") from exc


def encode_heartbeat(at: str, catalog: str | None, stores: str | None) -> bytes:
    return json.dumps({"at": at, "catalog": catalog, "stores": stores}).encode()


def decode_heartbeat(body: bytes) -> dict[str, str | None]:
    """The heartbeat's fields; ``FeedError`` when it is not one."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise FeedError("feed.heartbeat is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("at"), str):
        raise FeedError('feed.heartbeat must be an object with "at"')
    return {
        k: (str(data[k]) if data.get(k) is not None else None) for k in ("at", "catalog", "stores")
    }
