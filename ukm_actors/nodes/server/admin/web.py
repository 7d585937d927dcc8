"""What every admin route shares: JSON bodies, query parameters, paging, audited writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import bottle
from sqlalchemy.orm import Session

from ukm_actors.codecs import jsonsafe
from ukm_actors.nodes.base import NodeContext
from ukm_actors.nodes.server.admin.audit import audit
from ukm_actors.nodes.server.admin.auth import EmployeeInfo
from ukm_actors.nodes.server.catalog.public import CatalogError, notify_channels

T = TypeVar("T")
API = "/api/v1"
MAX_PER_PAGE = 500


def body() -> dict[str, Any]:
    """The request's JSON object (``CatalogError`` 400 when it is not one)."""
    raw = bottle.request.body.read() or b"{}"
    try:
        data = jsonsafe.loads(raw)
    except ValueError:
        raise CatalogError("the request body is not JSON") from None
    if not isinstance(data, dict):
        raise CatalogError("the request body must be a JSON object")
    return data


def field(
    data: dict[str, Any], name: str, kind: type | tuple[type, ...], *, required: bool = True
) -> Any:
    """``data[name]`` checked to be of ``kind``; 400 naming the field otherwise."""
    if name not in data or data[name] is None:
        if required:
            raise CatalogError(f'"{name}" is required')
        return None
    value = data[name]
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise CatalogError(f'"{name}" has the wrong type')
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise CatalogError(
            f'"{name}" must be a {names.replace("str", "string").replace("int", "number")}'
        )
    return value


def text_field(
    data: dict[str, Any], name: str, *, required: bool = True, max_len: int = 1000
) -> str | None:
    value = field(data, name, str, required=required)
    if value is None:
        return None
    value = value.strip()
    if required and not value:
        raise CatalogError(f'"{name}" is empty')
    if len(value) > max_len:
        raise CatalogError(f'"{name}" is longer than {max_len} characters')
    return str(value)


def query(name: str) -> str | None:
    value = bottle.request.query.getunicode(name)
    return value.strip() if value is not None and value.strip() else None


def int_query(name: str, default: int, lo: int, hi: int) -> int:
    raw = query(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise CatalogError(f"?{name}= must be a whole number, not {raw!r}")
    return max(lo, min(hi, int(raw)))


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def wrap(self, total: int, key: str, rows: list[Any]) -> dict[str, Any]:
        return {"total": total, "page": self.page, "per_page": self.per_page, key: rows}


def paging(default: int = 50) -> Paging:
    """``?page=`` (from 1) and ``?per_page=`` (at most 500)."""
    return Paging(int_query("page", 1, 1, 10**9), int_query("per_page", default, 1, MAX_PER_PAGE))


@dataclass
class Outcome:
    """What a write did: the answer, the audit summaries, the channels to wake."""

    result: Any
    before: Any = None
    after: Any = None
    channels: frozenset[str] = frozenset()


def write(
    ctx: NodeContext,
    who: EmployeeInfo,
    action: str,
    target: str,
    fn: Callable[[Session], Outcome],
) -> Any:
    """Run ``fn`` in one write transaction with its audit row; wake tills after the commit."""
    with ctx.require_db().write() as session:
        out = fn(session)
        audit(session, who.login, action, target, out.before, out.after)
    notify_channels(ctx, out.channels)
    return out.result
