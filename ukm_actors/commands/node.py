"""``ukm node ROLE --config FILE``: run one node until stopped."""

from __future__ import annotations

import argparse
from pathlib import Path

from ukm_actors.config import ROLES, load_config
from ukm_actors.config.private import warn_if_exposed
from ukm_actors.logsetup import setup_logging

NAME = "node"
HELP = "run one node (server, till, marketing, integration or pricechecker)"
DESCRIPTION = """\
Run one node of the system in the foreground until SIGTERM or Ctrl-C.

The exit code is 0 after a requested stop and 1 when the node's root
supervisor gave up (too many restarts): let the OS service manager
(systemd Restart=on-failure) start it again.

Examples:
  ukm node server --config /etc/ukm/server.toml
  UKM_HTTP_PORT=8500 ukm node till --config till-1.toml
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("role", choices=ROLES, help="which role this node plays")
    p.add_argument("--config", "-c", type=Path, required=True, help="the node's TOML file")


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config, role=args.role)
    setup_logging(config)
    warn_if_exposed(args.config)
    from ukm_actors import launched
    from ukm_actors.nodes.base import Node

    node = Node(config)
    if launched.status_section() is not None:
        node.ctx.status_providers["launcher"] = launched.status_section
        launched.watch_launcher(node.request_stop)
    return node.run_forever()
