"""Reading a supervision tree: is anything degraded, and why."""

from __future__ import annotations

from typing import Any

from ukm_actors.supervision.spec import TreeState

HEALTHY_STATES: frozenset[TreeState] = frozenset({"running", "stopped"})


def degraded_reasons(tree: dict[str, Any], prefix: str = "") -> list[str]:
    """``path: state (last error)`` for every node of ``tree`` not running normally."""
    path = f"{prefix}/{tree['name']}" if prefix else str(tree["name"])
    reasons: list[str] = []
    if tree.get("state") not in HEALTHY_STATES:
        err = (tree.get("last_error") or {}).get("message")
        reasons.append(f"{path}: {tree.get('state')}" + (f" ({err})" if err else ""))
    for child in tree.get("children") or []:
        reasons.extend(degraded_reasons(child, path))
    return reasons
