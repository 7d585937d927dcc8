"""Loading one node's TOML file into typed settings.

Every section is a dataclass registered with ``@section("name")``; every
field has a default, so an empty file is a working configuration. Values
can be overridden from the environment as ``UKM_<SECTION>_<KEY>`` (for
example ``UKM_DB_URL`` or ``UKM_HTTP_PORT``; a table such as ``UKM_TILL_DEVICES`` is
given as a JSON object and replaces the file's table). Errors name the file, the key,
the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args, get_origin

from ukm_actors.errors import UkmError

T = TypeVar("T")

SECTIONS: dict[str, type[Any]] = {}
"""Section name → settings dataclass, filled by ``@section``."""


class ConfigError(UkmError):
    """A configuration value that cannot be used."""

    code = "config.invalid"

    def __init__(self, where: str, key: str | None, message: str, hint: str | None = None) -> None:
        self.where = where
        self.key = key
        full = f"{where}: {key}: {message}" if key else f"{where}: {message}"
        super().__init__(full, hint=hint)


def section(name: str) -> typing.Callable[[type[T]], type[T]]:
    """Register a dataclass as the settings of TOML section ``[name]``."""

    def register(cls: type[T]) -> type[T]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} must be a dataclass")
        SECTIONS[name] = cls
        return cls

    return register


def _describe_type(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in get_args(tp))
    if origin in (typing.Union, types.UnionType):
        parts = [_describe_type(a) for a in get_args(tp) if a is not type(None)]
        return " or ".join(parts) + " (or empty)"
    if origin is list:
        return f"a list of {_describe_type(get_args(tp)[0])}s"
    if origin is dict:
        return "a table"
    return {str: "text", int: "an integer", float: "a number", bool: "true or false"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def convert(value: Any, tp: Any, where: str, key: str, from_env: bool = False) -> Any:
    """Convert a TOML (or environment text) value to the field type ``tp``."""
    origin = get_origin(tp)
    bad = ConfigError(where, key, f"{value!r} is not {_describe_type(tp)}")
    if origin in (typing.Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if value is None or (from_env and value == ""):
            return None
        for a in args:
            try:
                return convert(value, a, where, key, from_env)
            except ConfigError:
                continue
        raise bad
    if origin is Literal:
        allowed = get_args(tp)
        if value not in allowed:
            raise ConfigError(
                where, key, f"{value!r} is not allowed; allowed: {', '.join(map(str, allowed))}"
            )
        return value
    if origin is list:
        (item,) = get_args(tp)
        if from_env and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise bad
        return [convert(v, item, where, f"{key}[{i}]", from_env) for i, v in enumerate(value)]
    if origin is dict:
        if from_env and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ConfigError(where, key, "is not a JSON object") from None
        if not isinstance(value, dict):
            raise bad
        return dict(value)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if from_env and isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"):
            return True
        if from_env and isinstance(value, str) and value.lower() in ("0", "false", "no", "off"):
            return False
        raise bad
    if tp is int:
        if isinstance(value, bool):
            raise bad
        if isinstance(value, int):
            return value
        if from_env and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise bad
    if tp is float:
        if isinstance(value, bool):
            raise bad
        if isinstance(value, (int, float)):
            return float(value)
        if from_env and isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise bad from None
        raise bad
    if tp is str:
        if isinstance(value, str):
            return value
        raise bad
    if tp is Path:
        if isinstance(value, str):
            return Path(value)
        raise bad
    raise ConfigError(where, key, f"unsupported setting type {tp!r}")


def build_section(cls: type[T], table: Mapping[str, Any], where: str, name: str) -> T:
    """Build section dataclass ``cls`` from a TOML table plus environment overrides."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(table) - set(fields))
    if unknown:
        raise ConfigError(
            where,
            f"[{name}] {unknown[0]}",
            "unknown setting",
            hint=f"settings of [{name}]: {', '.join(sorted(fields))}",
        )
    values: dict[str, Any] = {}
    for fname in fields:
        key = f"[{name}] {fname}"
        if fname in table:
            values[fname] = convert(table[fname], hints[fname], where, key)
        env = os.environ.get(f"UKM_{name.upper()}_{fname.upper()}")
        if env is not None:
            values[fname] = convert(
                env, hints[fname], f"environment UKM_{name.upper()}_{fname.upper()}", key, True
            )
    try:
        obj = cls(**values)
    except (ValueError, TypeError) as exc:
        raise ConfigError(where, f"[{name}]", str(exc)) from exc
    validate = getattr(obj, "validate", None)
    if callable(validate):
        try:
            validate()
        except ValueError as exc:
            raise ConfigError(where, f"[{name}]", str(exc)) from exc
    return obj


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, with errors that name the file and the line."""
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(
            str(path), None, "file not found", hint="pass --config with the node's TOML file"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"not valid TOML: {exc}") from exc
