"""``ukm config ROLE``: print a node's configuration file with every default."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import inspect
import itertools
import json
import textwrap
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
    """Attribute docstrings (the string literal after a field) of a dataclass, whole."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, SyntaxError):
        return {}
    docs: dict[str, str] = {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for field, doc in itertools.pairwise(body):
        if (
            isinstance(field, ast.AnnAssign)
            and isinstance(field.target, ast.Name)
            and isinstance(doc, ast.Expr)
            and isinstance(doc.value, ast.Constant)
            and isinstance(doc.value.value, str)
        ):
            docs[field.target.id] = inspect.cleandoc(doc.value.value)
    return docs


def _comment(text: str) -> list[str]:
    """``text`` as comment lines, each at most 80 characters where words allow."""
    out: list[str] = []
    for para in text.split("\n\n"):
        words = " ".join(para.split())
        out.extend("# " + line for line in textwrap.wrap(words, 78, break_on_hyphens=False))
    return out


TABLE_EXAMPLES: dict[tuple[str, str], str] = {
    ("till", "devices"): """\
[till.devices.printer]
kind = "network"            # dummy | network | serial | usb | file
host = "192.168.0.50"
[till.devices.scanner]
url = "/dev/ttyACM0"
[till.devices.scales]
url = "/dev/ttyS0"          # or socket://host:port
[till.devices.display]
url = "/dev/ttyUSB1"
[till.devices.bank]
url = "socket://127.0.0.1:7001"
pay_timeout = 120""",
    ("integration", "tills"): """\
[integration.tills.1]
folder = "/srv/ukm/till-1/in"
sales_folder = "/srv/ukm/till-1/out"
node_id = "till-17-1"
""",
}
"""Commented examples of the settings that are tables (printed after the section's keys)."""


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
        out.extend(_section_lines(role, name, getattr(cfg, name)))
        out.append("")
    return "\n".join(out) + "\n"


def _section_lines(role: str, name: str, obj: Any) -> list[str]:
    """One ``[section]`` of the file: each key with its whole description, then the tables."""
    docs = _field_docs(SECTIONS[name])
    lines = [f"[{name}]"]
    tables: list[str] = []
    for f in dataclasses.fields(obj):
        v = role if name == "node" and f.name == "role" else getattr(obj, f.name)
        if isinstance(v, dict):
            tables.append("")
            tables.extend(_comment(docs.get(f.name, f"[{name}.{f.name}.<name>] tables")))
            example = TABLE_EXAMPLES.get((name, f.name))
            if example:
                tables.append("# For example:")
                tables.extend("# " + line for line in example.splitlines())
            continue
        lines.extend(_comment(docs.get(f.name, "")))
        lines.append(f"{f.name} = {_value(v)}")
    return lines + tables
