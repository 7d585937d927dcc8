"""A real till node process that answers ``prices.lookup`` from a small price list,
for as long as the till role has no ``pricelookup`` feature of its own.

    python -m tests.pricechecker.tillproc CONFIG
"""

from ukm_actors.runtime import patch

patch()

import importlib.util  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from ukm_actors.config import load_config  # noqa: E402
from ukm_actors.logsetup import setup_logging  # noqa: E402
from ukm_actors.nodes.base import Node  # noqa: E402

PRICES = {"2000000000015": ("Хлеб", 4500)}


def lookup(message, peer):
    found = PRICES.get(str(message.get("barcode")))
    if found is None:
        return {"found": False}
    name, price = found
    return {"found": True, "article": "1", "name": name, "price": price, "measure": "шт"}


def main() -> int:
    config = load_config(Path(sys.argv[1]), role="till")
    setup_logging(config)
    node = Node(config)
    if importlib.util.find_spec("ukm_actors.nodes.till.pricelookup") is None:
        node.ctx.asks.register("prices.lookup", lookup)
    return node.run_forever()


if __name__ == "__main__":
    sys.exit(main())
