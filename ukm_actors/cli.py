"""``ukm``: the command line of the whole system.

Each command is a module in ``ukm_actors.commands`` with ``NAME``, ``HELP``,
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import Any

from ukm_actors import __version__
from ukm_actors.errors import UkmError

COMMANDS = [
    "ukm_actors.commands.up",
    "ukm_actors.commands.node",
    "ukm_actors.commands.configcmd",
    "ukm_actors.commands.statuscmd",
]
OPTIONAL_COMMANDS = [
    "ukm_actors.commands.importcmd",
    "ukm_actors.commands.exportcmd",
    "ukm_actors.commands.demo",
    "ukm_actors.commands.admin",
]

DESCRIPTION = """\
UKM actors: a retail cash system for store chains (cash server, tills,
marketing server, integration module, price-checker module).

Try everything on one machine:      ukm up --data ./data
Run one node of a real install:     ukm node server --config /etc/ukm/server.toml
Write a node's configuration file:  ukm config till > till.toml
"""


def _modules() -> list[Any]:
    mods = [importlib.import_module(m) for m in COMMANDS]
    for name in OPTIONAL_COMMANDS:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return mods


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ukm", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"ukm-actors {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in _modules():
        p = sub.add_parser(
            mod.NAME,
            help=mod.HELP,
            description=getattr(mod, "DESCRIPTION", mod.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        mod.add_arguments(p)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        code: int = args._run(args)
        return code
    except UkmError as exc:
        print(f"ukm {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`ukm config till | head`): not an error worth a traceback.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a command the pipe closed
