"""Settings per node: one TOML file, typed sections, defaults for every role.

    config = load_config(Path("server.toml"))
    config.http.port, config.db.url, config.server.import_dir

Environment variables ``UKM_<SECTION>_<KEY>`` override the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ukm_actors.config.common import (
    ROLES,
    BridgeSettings,
    DbSettings,
    HttpSettings,
    LogSettings,
    NodeSettings,
    Role,
)
from ukm_actors.config.loader import SECTIONS, ConfigError, build_section, read_toml
from ukm_actors.config.roles import (
    IntegrationSettings,
    MarketingSettings,
    PriceCheckerSettings,
    ServerSettings,
    TillSettings,
)


@dataclass
class Config:
    """Every section of one node's configuration."""

    path: Path | None
    node: NodeSettings
    http: HttpSettings
    db: DbSettings
    bridge: BridgeSettings
    log: LogSettings
    server: ServerSettings
    till: TillSettings
    marketing: MarketingSettings
    integration: IntegrationSettings
    pricechecker: PriceCheckerSettings

    @property
    def role(self) -> Role:
        return self.node.role

    @property
    def node_id(self) -> str:
        return self.node.id

    @property
    def data_dir(self) -> Path:
        return Path(self.node.data_dir)

    def resolve(self, path: str) -> Path:
        """A path from the settings, relative to ``data_dir`` unless absolute."""
        p = Path(path)
        return p if p.is_absolute() else self.data_dir / p

    @property
    def where(self) -> str:
        return str(self.path) if self.path else "<defaults>"


def load_config(
    path: Path | None,
    *,
    role: str | None = None,
    overrides: dict[str, dict[str, Any]] | None = None,
) -> Config:
    """Read ``path`` (None: defaults only), apply ``overrides`` and the environment.

    ``role``, when given, must match ``[node] role`` (or sets it when the file
    does not say).
    """
    raw: dict[str, Any] = read_toml(path) if path is not None else {}
    for name, table in (overrides or {}).items():
        raw.setdefault(name, {}).update(table)
    where = str(path) if path else "<defaults>"
    unknown = sorted(set(raw) - set(SECTIONS))
    if unknown:
        raise ConfigError(
            where,
            f"[{unknown[0]}]",
            "unknown section",
            hint=f"sections: {', '.join(sorted(SECTIONS))}",
        )
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(where, name, "must be a [section] table")
    if role is not None:
        file_role = raw.get("node", {}).get("role")
        if file_role is not None and file_role != role:
            raise ConfigError(
                where, "[node] role", f"the file is for role {file_role!r}, not {role!r}"
            )
        raw.setdefault("node", {})["role"] = role
    built = {
        name: build_section(cls, raw.get(name, {}), where, name) for name, cls in SECTIONS.items()
    }
    from ukm_actors.nodes.role import role_spec  # each role declares what it has

    cfg = Config(path=path, **built)
    spec = role_spec(cfg.role)
    if not cfg.node.id:
        if cfg.role == "till":
            cfg.node.id = f"till-{cfg.till.store or 'store'}-{cfg.till.number}"
        else:
            cfg.node.id = spec.default_id
    if path is not None and not Path(cfg.node.data_dir).is_absolute():
        cfg.node.data_dir = str((path.parent / cfg.node.data_dir).resolve())
    if not cfg.db.url and spec.has_database:
        cfg.db.url = f"sqlite:///{cfg.resolve(cfg.node.id + '.db')}"
    return cfg


__all__ = [
    "ROLES",
    "Config",
    "ConfigError",
    "Role",
    "load_config",
]
