"""``ukm status URL``: show a node's health and supervision tree."""

from __future__ import annotations

import argparse
import json
from typing import Any

import urllib3

NAME = "status"
HELP = "show a running node's health and supervision tree"
DESCRIPTION = """\
Ask a node for /status and print its supervision tree, one actor a line,
with its state, restarts and last error.

  ukm status http://127.0.0.1:8400
  ukm status http://127.0.0.1:8402 --json
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", help="the node's base URL")
    p.add_argument("--json", action="store_true", help="print the raw JSON")


def _lines(node: dict[str, Any], depth: int = 0) -> list[str]:
    err = (node.get("last_error") or {}).get("message")
    line = f"{'  ' * depth}{node['name']:<{max(1, 28 - 2 * depth)}} {node.get('state', '?'):<11}"
    if node.get("restarts"):
        line += f" restarts={node['restarts']}"
    if err:
        line += f"  last error: {err}"
    out = [line]
    for c in node.get("children") or []:
        out.extend(_lines(c, depth + 1))
    return out


def run(args: argparse.Namespace) -> int:
    http = urllib3.PoolManager(timeout=urllib3.Timeout(connect=3, read=10), retries=False)
    try:
        r = http.request("GET", args.url.rstrip("/") + "/status")
    except urllib3.exceptions.HTTPError as exc:
        print(f"ukm status: {args.url} does not answer: {exc}")
        return 1
    body = json.loads(r.data)
    if args.json:
        print(json.dumps(body, indent=2, ensure_ascii=False))
        return 0
    print(
        f"{body['node']} ({body['role']}) {body['version']}  {body['status']}"
        f"  up {body['uptime_s']} s"
    )
    for reason in body.get("degraded") or []:
        print(f"  ! {reason}")
    print("\n".join(_lines(body["tree"])))
    return 0 if body["status"] == "ok" else 1
