"""A feature uses another's public module only: the cash server's catalog, the till's catalog."""

import ast
from pathlib import Path

import pytest

import ukm_actors

NODES = Path(ukm_actors.__file__).parent / "nodes"

# (the provider's package, its public module, the modules that must use only that)
SEAMS = [
    ("ukm_actors.nodes.server.catalog", "public", NODES / "server"),
    ("ukm_actors.nodes.till.catalog", "public", NODES / "till" / "sale"),
]


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports (``from x import y`` counts ``x`` and ``x.y``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize(("provider", "public", "users"), SEAMS)
def test_other_features_import_only_the_public_module(provider, public, users):
    own = NODES.joinpath(*provider.split(".")[2:])
    depth = len(provider.split("."))
    wrong = []
    for path in sorted(users.rglob("*.py")):
        if own in path.parents:
            continue
        for name in sorted(imported(path)):
            if name.startswith(provider + ".") and name.split(".")[depth] != public:
                wrong.append(f"{path.relative_to(NODES)}: {name}")
    assert wrong == []


def test_the_cash_server_checks_till_devices_without_the_tills_code():
    """The server refuses a till's ``devices`` through ``ukm_actors.hw.devconfig``, shared with
    the till, never through the till's internals (one node does not import another)."""
    wrong = [
        f"{path.relative_to(NODES)}: {name}"
        for path in sorted((NODES / "server").rglob("*.py"))
        for name in sorted(imported(path))
        if name.startswith("ukm_actors.nodes.till")
    ]
    assert wrong == []
