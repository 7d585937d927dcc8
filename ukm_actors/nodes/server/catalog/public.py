"""What the cash server's other features may use of the catalog: this module, nothing deeper.

The admin API, the sales records, the marketing feeds, the modules' settings
and ``ukm up``'s bootstrap read and change the directories through these
names; the rest of the package (parsers, loaders' internals, the publisher,
the change log) may change without them noticing. A feature that needs
something else adds it here, with a line saying what it is for.

- errors: ``CatalogError`` (and its ``Conflict``, ``NotFound``), with the
  admin API's status codes;
- tables: the directories (``Store``, ``Item``, ``Barcode``, ``Group``,
  ``Tax``, ``TaxGroup``), the per-store ones (``Price``, ``AdditionalPrice``,
  ``Till``, ``Cashier``, ``CashierRole``, ``Restriction`` with ``ADMIN`` and
  ``CHAIN``), the import log (``CatalogLoad``);
- a change made by hand: ``begin_change`` (in the caller's write
  transaction), ``ItemLoader``/``PriceLoader`` to write records as an import
  file would, ``commit_change`` (the tills' catalog documents), then
  ``notify_channels`` after the commit; ``now`` is the change log's clock;
- tills: ``register_till``, ``register_peer_of``, ``till_node_id``,
  ``get_till``, ``new_secret``, ``update_settings``, ``resync``;
  ``till_types``: the till types (``list_types``, ``get_type``, ``put_type``,
  ``delete_type``, ``set_type``, ``type_json``);
- ``rights_text``: a cashier role's rights as the admin API shows them;
- ``seed``: the directories of an empty server (``ukm up``);
- ``Progress``: the import file being loaded (``ctx.services.import_progress``).
"""

from __future__ import annotations

from ukm_actors.nodes.server.catalog import till_types
from ukm_actors.nodes.server.catalog.actor import notify_channels
from ukm_actors.nodes.server.catalog.change import begin_change, now
from ukm_actors.nodes.server.catalog.errors import CatalogError, Conflict, NotFound
from ukm_actors.nodes.server.catalog.load_items import ItemLoader
from ukm_actors.nodes.server.catalog.load_store import PriceLoader
from ukm_actors.nodes.server.catalog.progress import Progress
from ukm_actors.nodes.server.catalog.seed import rights_text, seed
from ukm_actors.nodes.server.catalog.tables import Barcode, Group, Item, Store, Tax, TaxGroup
from ukm_actors.nodes.server.catalog.tables_changes import CatalogLoad
from ukm_actors.nodes.server.catalog.tables_local import (
    ADMIN,
    CHAIN,
    AdditionalPrice,
    Cashier,
    CashierRole,
    Price,
    Restriction,
    Till,
)
from ukm_actors.nodes.server.catalog.texts import read_texts
from ukm_actors.nodes.server.catalog.tills import (
    commit_change,
    get_till,
    new_secret,
    register_peer_of,
    register_till,
    resync,
    till_node_id,
    update_settings,
)

__all__ = [
    "ADMIN",
    "CHAIN",
    "AdditionalPrice",
    "Barcode",
    "Cashier",
    "CashierRole",
    "CatalogError",
    "CatalogLoad",
    "Conflict",
    "Group",
    "Item",
    "ItemLoader",
    "NotFound",
    "Price",
    "PriceLoader",
    "Progress",
    "Restriction",
    "Store",
    "Tax",
    "TaxGroup",
    "Till",
    "begin_change",
    "commit_change",
    "get_till",
    "new_secret",
    "notify_channels",
    "now",
    "read_texts",
    "register_peer_of",
    "register_till",
    "resync",
    "rights_text",
    "seed",
    "till_node_id",
    "till_types",
    "update_settings",
]
