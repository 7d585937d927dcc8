"""``ukm config ROLE``: print a node's configuration file with every default."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

from ukm_actors.config import ROLES, load_config
from ukm_actors.config.loader import SECTIONS
from ukm_actors.config.private import SECRET_KEYS, write_private

NAME = "config"
HELP = "print a commented configuration file for a role (every setting, with defaults)"
DESCRIPTION = """\
Print a TOML configuration file for ROLE with every setting at its default
and a line saying what it is for. With --check FILE, read FILE and report
the first problem (or print the settings it results in).

  ukm config till -o /etc/ukm/till.toml
  ukm config server --check /etc/ukm/server.toml

With -o the file is written readable by its owner only (0600; a new folder
0700), as it will hold the node's bridge secret. A shell redirect (>) would
create it readable by every user; `ukm node` warns about such a file.
"""

ROLE_SECTIONS = {
    "server": ["node", "http", "db", "bridge", "log", "server"],
    "till": ["node", "http", "db", "bridge", "log", "till"],
    "marketing": ["node", "http", "db", "bridge", "log", "marketing"],
    "integration": ["node", "http", "bridge", "log", "integration"],
    "pricechecker": ["node", "http", "bridge", "log", "pricechecker"],
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("role", choices=ROLES)
    p.add_argument("--check", type=Path, metavar="FILE", help="validate FILE instead")
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="FILE",
        help="write FILE (mode 0600) instead of printing",
    )


def _field_docs(cls: type[Any]) -> dict[str, str]:
    """Attribute docstrings (the string literal after a field) of a dataclass."""
    docs: dict[str, str] = {}
    try:
        src = inspect.getsource(cls).splitlines()
    except OSError:
        return docs
    last: str | None = None
    for line in src:
        s = line.strip()
        if ":" in s and not s.startswith(('"', "#", "def", "class", "@")):
            last = s.split(":", 1)[0].strip()
        elif s.startswith('"""') and last:
            docs[last] = s.strip('"').strip()
            last = None
    return docs


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def run(args: argparse.Namespace) -> int:
    if args.check:
        cfg = load_config(args.check, role=args.role)
        print(f"{args.check}: OK (node {cfg.node_id}, role {cfg.role})")
        for name in ROLE_SECTIONS[args.role]:
            values = dataclasses.asdict(getattr(cfg, name))
            for key in SECRET_KEYS.get(name, ()):
                if values.get(key):
                    values[key] = "***"
            print(f"[{name}] {values}")
        return 0
    text = render(args.role)
    if args.output:
        write_private(args.output, text)
        print(f"wrote {args.output} (readable by its owner only)")
    else:
        print(text, end="")
    return 0


def render(role: str) -> str:
    """The commented TOML file of ``role`` with every default."""
    cfg = load_config(None, role=role)
    out = [
        f"# ukm {role} node configuration. Every value shown is the default.",
        "# Environment variables UKM_<SECTION>_<KEY> override this file.\n",
    ]
    for name in ROLE_SECTIONS[role]:
        cls = SECTIONS[name]
        docs = _field_docs(cls)
        out.append(f"[{name}]")
        obj = getattr(cfg, name)
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if name == "node" and f.name == "role":
                v = role
            if isinstance(v, dict):
                continue
            if f.name in docs:
                out.append(f"# {docs[f.name]}")
            out.append(f"{f.name} = {_value(v)}")
        out.append("")
    return "\n".join(out) + "\n"
