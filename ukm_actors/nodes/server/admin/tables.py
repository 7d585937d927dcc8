"""Server employees, their login sessions, and the audit log of every write.

Sessions live in the database so that any server of a cluster accepts a
token another one issued; only a SHA-256 of the token is stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ukm_actors.nodes.server.tables import ServerBase

ADMIN = "admin"
MANAGER = "manager"
VIEWER = "viewer"
EMPLOYEE_ROLES = (ADMIN, MANAGER, VIEWER)
"""From most to least powerful: admin > manager > viewer."""


class Employee(ServerBase):
    """A person who logs into the cash server (not a cashier: cashiers log into tills)."""

    __tablename__ = "admin_employee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(ServerBase):
    __tablename__ = "admin_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    employee_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("admin_employee.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_ms: Mapped[int] = mapped_column(BigInteger, index=True)
    """Unix time in milliseconds after which the token no longer works."""


class AuditEntry(ServerBase):
    """Who changed what, when: ``before`` and ``after`` are short JSON summaries."""

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    who: Mapped[str] = mapped_column(String(80), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class LoginThrottle(ServerBase):
    """Failed employee logins of one key (``login:<name>`` or ``address:<ip>``): the
    back-off and lockout of ``ukm_actors.domain.throttle``, shared by a cluster."""

    __tablename__ = "admin_login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    until_ms: Mapped[int | None] = mapped_column(BigInteger)
    """No login before this unix time in ms; NULL with ``locked``: until lifted."""
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
