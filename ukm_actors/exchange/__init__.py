"""The exchange-folder layer shared by every role that reads or writes UKM files.

It imports no node: the cash server's import folder
(``nodes/server/catalog``) and a till's queue folder (``nodes/till/exchange``)
both use it.

- ``names``: queue names (``000001_updateItems_[12]_[F].xml``, the integration
  module's numbered copies) and plain UKM names;
- ``watch``: which entries of a folder are ready (settled), still arriving,
  or never read (hidden and partial names, symbolic links, other names);
- ``folder``: moving a file aside (``processed/``, ``failed/``) and the
  ``.error.txt`` written beside a refused file;
- ``catalog``: UKM import records as catalog records (the form a till
  stores), the catalog kinds each import type replaces;
- ``sales``: the till's documents as UKM export documents (shared with the
  server's export).
"""
