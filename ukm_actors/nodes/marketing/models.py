"""Imports every module of the marketing role that defines tables (``tables.py``, ``tables_*.py``,
and ``tables*.py`` in subpackages), so migrations see them all."""

import importlib
import pkgutil

import ukm_actors.nodes.marketing as _pkg

for _mod in pkgutil.walk_packages(_pkg.__path__, _pkg.__name__ + "."):
    if _mod.name.rsplit(".", 1)[-1].startswith("tables") and ".migrations" not in _mod.name:
        importlib.import_module(_mod.name)
