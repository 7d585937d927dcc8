"""Role sections: [server], [till], [marketing], [integration], [pricechecker].

Each role's owner adds the settings its actors need here, with a default
and a docstring line for every one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ukm_actors.config.loader import section
from ukm_actors.domain.money import MAX_AMOUNT
from ukm_actors.domain.units import RULES as MEASPREC_RULES


@section("server")
@dataclass
class ServerSettings:
    """The cash server."""

    import_dir: str = "exchange/import"
    """Folder the trade system drops UKM XML files into."""
    export_dir: str = "exchange/export"
    """Folder receipts and shift documents are exported to, as UKM XML."""
    export_stores: list[str] = field(default_factory=list)
    """Stores (external codes) to export; empty means every store."""
    import_poll: float = 2.0
    """Seconds between scans of the import folder."""
    import_max_bytes: int = 2 * 1024 * 1024 * 1024
    """Largest import file accepted, in bytes (a bigger one is refused before parsing)."""
    import_settle: float = 2.0
    """Seconds an import file's size and time must stay unchanged before it is read (a file
    still being copied is not taken for a broken one); names starting with "." or ending in
    .tmp/.part are never read, so write under such a name and rename: that is always safe."""
    weighed_units: list[str] = field(default_factory=lambda: ["кг", "kg"])
    """Units (<measure>, any case, a final dot ignored) whose items are weighed at the till."""
    import_measprec: str = "ignore"
    """How <measprec> (meaning undocumented) is read: ignore, step (0.001 = grams) or decimals."""
    import_lease_ttl: float = 60.0
    """Seconds the cluster-wide import lease lasts (renewed while a file loads)."""
    import_progress_interval: float = 5.0
    """Seconds between progress lines (items/s, ETA) in the log while a file loads."""
    import_child_bytes: int = 8 * 1024 * 1024
    """Import files of at least this many bytes are parsed by a helper process while the
    server writes the records (two CPUs at work); 0 parses every file in the server."""
    catalog_doc_records: int = 20_000
    """Largest number of records in one catalog document for a till (bigger ones are cut)."""
    offline_after: float = 120.0
    """A till silent for longer than this is shown offline and alerted on."""
    behind_after: float = 600.0
    """An undelivered document older than this raises a 'behind' alert."""
    session_hours: float = 12.0
    """How long an employee's login lasts."""
    login_lock_minutes: float = 15.0
    """A login locked after 10 wrong passwords in a row stays locked this long (0: until lifted)."""
    cluster_node: str = ""
    """This process's name in a cluster sharing one PostgreSQL (default: host:pid)."""
    export_scan: float = 5.0
    """Seconds between scans for documents to export (arrivals also wake the exporter)."""
    export_retry_max: float = 60.0
    """Longest wait, in seconds, between retries while the export folder cannot be written."""
    return_reservation_ttl: float = 900.0
    """Seconds a till's reservation of lines to return holds without its return receipt."""
    return_scope: str = "chain"
    """Receipts a till may look up and take back: "chain" (of every store on this server:
    a return at another store) or "store" (of its own store only)."""
    report_timezone: str = "Europe/Moscow"
    """Time zone of dates given without one in receipt searches and shift lists."""
    monitor_interval: float = 5.0
    """Seconds between the monitor's checks of tills, delivery and the host."""
    host_sample_interval: float = 60.0
    """Seconds between the host's CPU/memory/disk samples kept for the console's charts."""
    host_history_hours: float = 48.0
    """Hours of host samples kept (older ones are deleted)."""
    tombstone_keep_days: float = 30.0
    """Days the catalog's tombstones (records a change deleted, sent to the tills with the
    change) are kept after their change finished; 0: kept for ever."""
    metrics_token: str = ""
    """When set, GET /metrics requires ``Authorization: Bearer <token>``."""

    def validate(self) -> None:
        if self.import_measprec not in MEASPREC_RULES:
            raise ValueError(
                f"import_measprec {self.import_measprec!r} must be one of "
                + ", ".join(MEASPREC_RULES)
            )
        if self.import_settle < 0:
            raise ValueError("import_settle must be 0 or more")
        if self.tombstone_keep_days < 0:
            raise ValueError("tombstone_keep_days must be 0 (keep for ever) or more")


@section("till")
@dataclass
class TillSettings:
    """A till."""

    store: str = ""
    """The store's external code (as the trade system names it)."""
    number: int = 1
    """The till's number in its store (PosNum)."""
    max_shift_hours: float = 24.0
    """A shift older than this may not sell any more: close it (Z report) and open a new one."""
    weight_barcode: str = "PPCCCCCWWWWWK"
    """Layout of weight barcodes: P prefix, C item code, W grams, M kopecks, K check digit
    (the server's till setting ``weight_barcode`` overrides it)."""
    weight_prefixes: str = "20-29"
    """Prefixes of weight barcodes (the server's ``weight_prefixes`` setting overrides it)."""
    card_price_types: list[str] = field(default_factory=list)
    """Additional price types sold only with a loyalty card on the receipt, besides those
    whose name mentions a card ("карт", "card"); the server's setting overrides it."""
    marketing_url: str = ""
    """The marketing server (empty: no promotions online)."""
    devices: dict[str, Any] = field(default_factory=dict)
    """One table per device, ``[till.devices.<name>]``: ``device`` (printer | scanner | scales |
    display | bank; defaults to the table's name) and the driver's settings (docs/devices.md),
    plus ``check_interval`` (seconds between health checks, 0: none) and, for the bank
    terminal, ``pay_timeout``."""
    timezone: str = ""
    """The store's time zone (e.g. "Europe/Moscow"); empty: the store's, from the server."""
    header: list[str] = field(default_factory=list)
    """Lines printed above every receipt (the server's ``header`` setting overrides them)."""
    footer: list[str] = field(default_factory=list)
    """Lines printed below every receipt (the server's ``footer`` setting overrides them)."""
    receipt_code: str = "qr"
    """The code printed at the bottom of a receipt: "qr" or "code128" (of the receipt id)."""
    pay_timeout: float = 120.0
    """Seconds a card payment or refund may wait for the bank terminal."""
    max_change: int = 1_000_000
    """The most change a cash payment may leave, in kopecks (default 10 000.00: two of the
    largest banknotes); more is refused as a mistyped amount. 0: no limit."""
    device_timeout: float = 5.0
    """Seconds the till waits for a printer, display or scales before going on without it."""
    server_timeout: float = 5.0
    """Seconds the till waits for the server's answer (receipt lookup for a return)."""
    login_lock_minutes: float = 30.0
    """A cashier locked after 10 wrong passwords in a row stays locked this long (0: until a
    supervisor unlocks it or the server sets a new password)."""
    return_lookup_wait: float = 3.0
    """Seconds a return waits for an original receipt the cash server does not have yet (a sale
    made moments ago, still on its way from its till) before answering receipt.not_found;
    0: no wait. The selling till uses its own copy of the receipt."""
    ui_mode: str = "keyboard"
    """The cashier screen at ``/``: "keyboard" (function keys, no mouse needed) or "touch"
    (large buttons, an on-screen number pad). The server's till setting ``ui`` =
    ``{"mode": ..., "language": ...}`` overrides it."""
    catalog_source: str = "server"
    """Where the catalog comes from: "server" (the cash server's documents), "folder" (the
    trade system's files in exchange_folder: a decentralised store) or "both" (the later
    change of a record wins; a full catalog from the server replaces everything; see
    docs/integration.md)."""
    exchange_folder: str = ""
    """(folder, both) The till's queue folder: the integration module's numbered copies
    (000001_updateItems_[1]_[F].xml) or plain UKM files the trade system writes here."""
    sales_folder: str = ""
    """Folder the till writes its sales files in (receipts, returns, shifts, cash moves, in
    the UKM export format); empty: none."""
    exchange_poll: float = 1.0
    """Seconds between looks at exchange_folder."""
    exchange_settle: float = 2.0
    """Seconds a file in exchange_folder must stay unchanged before it is read (0: at once)."""
    exchange_max_bytes: int = 2 * 1024 * 1024 * 1024
    """Largest file read from exchange_folder, in bytes."""
    weighed_units: list[str] = field(default_factory=lambda: ["кг", "kg"])
    """(folder) Units whose items are weighed (as the server's [server] weighed_units)."""
    import_measprec: str = "ignore"
    """(folder) How <measprec> is read: ignore, step or decimals (as the server's)."""
    settings_refresh: float = 60.0
    """Seconds between asks to the cash server for this till's folders and catalog source
    (the store's integration settings), when this file sets neither exchange_folder nor
    sales_folder; the last answer is kept in the till's database for a start offline."""
    exchange_keep_days: float = 30.0
    """Days the rows of files loaded from exchange_folder and of sales files written are kept
    (those still needed, the last ones and a refusal in force, are kept whatever their
    age); 0: kept for ever."""

    def validate(self) -> None:
        self._validate_exchange()
        if self.ui_mode not in ("keyboard", "touch"):
            raise ValueError(f"ui_mode {self.ui_mode!r} must be 'keyboard' or 'touch'")
        if self.receipt_code not in ("qr", "code128"):
            raise ValueError(f"receipt_code {self.receipt_code!r} must be 'qr' or 'code128'")
        for name in ("max_shift_hours", "pay_timeout", "device_timeout", "server_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than zero")
        if not 0 <= self.max_change <= MAX_AMOUNT:
            raise ValueError(f"max_change {self.max_change} must be 0 (no limit) to {MAX_AMOUNT}")
        if self.return_lookup_wait < 0:
            raise ValueError("return_lookup_wait must be 0 or more")

    def _validate_exchange(self) -> None:
        """Refuse a contradictory catalog source (docs/integration.md, decentralised store)."""
        if self.catalog_source not in ("server", "folder", "both"):
            raise ValueError(
                f"catalog_source {self.catalog_source!r}: use 'server', 'folder' or 'both'"
            )
        if self.catalog_source != "server" and not self.exchange_folder:
            raise ValueError(
                f"catalog_source = {self.catalog_source!r} needs exchange_folder (the folder "
                "the trade system or the integration module writes this till's files to); "
                "or remove catalog_source, exchange_folder and sales_folder here to take "
                "them from the cash server's integration settings of the store"
            )
        if self.catalog_source == "server" and self.exchange_folder:
            raise ValueError(
                f"exchange_folder = {self.exchange_folder!r} is set but catalog_source = "
                "'server' would never read it: set catalog_source = 'folder' (files only) or "
                "'both' (server and files), or remove exchange_folder"
            )
        if self.exchange_folder and self.exchange_folder == self.sales_folder:
            raise ValueError(
                "exchange_folder and sales_folder are the same folder: the till would read "
                "its own sales files; give them different folders"
            )
        if self.import_measprec not in MEASPREC_RULES:
            raise ValueError(
                f"import_measprec {self.import_measprec!r} must be one of "
                + ", ".join(MEASPREC_RULES)
            )
        if self.exchange_poll <= 0 or self.exchange_settle < 0:
            raise ValueError("exchange_poll must be more than zero, exchange_settle 0 or more")
        if self.settings_refresh <= 0:
            raise ValueError("settings_refresh must be more than zero")
        if self.exchange_keep_days < 0:
            raise ValueError("exchange_keep_days must be 0 (keep for ever) or more")


@section("marketing")
@dataclass
class MarketingSettings:
    """The marketing server (docs/marketing.md). Tills read ``price_deadline`` and
    ``payment_deadline`` from their own [marketing] section."""

    feed_interval: float = 300.0
    """Seconds between the cash server's catalog feeds; /status flags a feed older than 3×."""
    admin_token: str = ""
    """Bearer token for the admin and reports API (empty: only server employee logins)."""
    server_auth: bool = True
    """Also accept a cash server employee's login token (checked by the ask ``auth.verify``)."""
    level_thresholds: list[int] = field(default_factory=list)
    """Accumulated purchases (kopecks, ascending) at which a card reaches level 1, 2, …"""
    bonus_delay_days: float = 14.0
    """Days before earned bonus points can be spent."""
    bonus_lifetime_days: float = 365.0
    """Days points stay spendable once they can be spent (0: they never expire)."""
    bonus_max_share_bp: int = 5000
    """At most this share of a receipt (basis points, 5000 = 50 %) may be paid with points."""
    certificate_partial: bool = True
    """A certificate may pay part of its balance and keep the rest (false: one use, the rest
    is forfeited)."""
    campaigns_refresh: float = 3600.0
    """Seconds between checks that the tills' copies of campaigns are current (ended
    campaigns leave them)."""
    price_deadline: float = 0.3
    """(till) Seconds a till waits for ``promo.price`` before pricing from its own copy."""
    payment_deadline: float = 3.0
    """(till) Seconds a till waits for a certificate or bonus answer."""

    def validate(self) -> None:
        if self.level_thresholds != sorted(self.level_thresholds):
            raise ValueError("level_thresholds must be in ascending order")
        if not 0 <= self.bonus_max_share_bp <= 10_000:
            raise ValueError("bonus_max_share_bp must be 0 to 10000")
        for name in ("price_deadline", "payment_deadline", "campaigns_refresh", "feed_interval"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than zero")


@section("integration")
@dataclass
class IntegrationSettings:
    """The integration module (decentralised stores). See docs/integration.md."""

    store: str = ""
    """The store's external code."""
    poll: float = 1.0
    """Seconds between scans of the source folder and the tills' sales folders."""
    settle: float = 2.0
    """Seconds a file must stay unchanged before it is taken (0: at once; see docs)."""
    settings_source: str = "server"
    """Where the folders come from: "server" (asked, cached) or "local" (the keys below)."""
    settings_refresh: float = 60.0
    """Seconds between asks to the cash server for changed settings."""
    source_dir: str = ""
    """(local) The trade system's outgoing folder (empty: integration/<store>/from-trade)."""
    sales_dir: str = ""
    """(local) The trade system's folder for sales (empty: integration/<store>/to-trade)."""
    tills: dict[str, Any] = field(default_factory=dict)
    """(local) [integration.tills.<number>] tables: folder, sales_folder, node_id."""
    state_dir: str = "integration-state"
    """Folder for the module's own state files (numbering, journal, ledgers, settings cache)."""
    number_width: int = 6
    """Digits of the number in queued names (000001_updateItems.xml)."""
    batch: int = 100
    """Most files one till's distributor copies before it commits and renames them."""
    retry_maximum: float = 30.0
    """Longest back-off, in seconds, between retries of a till whose folder fails."""

    def validate(self) -> None:
        if self.settings_source not in ("server", "local"):
            raise ValueError(f"settings_source {self.settings_source!r}: use 'server' or 'local'")
        if self.poll <= 0 or self.settle < 0 or self.settings_refresh <= 0:
            raise ValueError("poll and settings_refresh must be positive, settle >= 0")
        if not 1 <= self.number_width <= 12 or self.batch < 1 or self.retry_maximum < 0.5:
            raise ValueError("number_width 1..12, batch >= 1, retry_maximum >= 0.5")


@section("pricechecker")
@dataclass
class PriceCheckerSettings:
    """The price-checker module. See docs/pricechecker.md."""

    store: str = ""
    """The store's external code."""
    tcp_host: str = "127.0.0.1"
    """Address price checkers connect to (0.0.0.0: every interface)."""
    tcp_port: int = 0
    """TCP port price checkers connect to (0 picks a free one)."""
    till_deadline: float = 0.5
    """A till that does not answer a price ask within this many seconds is skipped."""
    max_line: int = 64
    """Longest request line in bytes (without CR LF); longer input is refused."""
    protocol: str = "line"
    """The devices' protocol: "line" (barcode + CR LF in, text out) or "json"."""
    encoding: str = "utf-8"
    """Encoding of the text sent to the devices ("cp866" for many Russian devices)."""
    display_width: int = 0
    """Longest item name sent, in characters (0: the whole name)."""
    idle_timeout: float = 60.0
    """A connection with no complete request for this many seconds is closed."""
    first_byte_timeout: float = 5.0
    """A new connection that sends nothing for this many seconds is closed."""
    max_connections: int = 256
    """Most connections at once; when full, the oldest silent one is closed for a new one."""
    max_per_address: int = 8
    """Most connections from one address; more are closed at once."""
    dead_for: float = 5.0
    """Seconds a till that failed to answer is skipped before it is tried again."""
    tills_refresh: float = 30.0
    """Seconds between asks to the cash server for the store's tills."""
    till_concurrency: int = 8
    """Most price asks in flight to one till (the bridge keeps 8 connections per peer)."""

    def validate(self) -> None:
        import codecs

        if not 0 <= self.tcp_port <= 65535:
            raise ValueError(f"tcp_port {self.tcp_port} is outside 0..65535")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ValueError(f"unknown encoding {self.encoding!r}") from None
        if self.max_line < 8 or self.max_connections < 1 or self.display_width < 0:
            raise ValueError("max_line >= 8, max_connections >= 1, display_width >= 0")
        if not 1 <= self.max_per_address <= self.max_connections:
            raise ValueError(
                f"max_per_address must be 1..max_connections ({self.max_connections}), "
                f"not {self.max_per_address}"
            )
        if self.till_concurrency < 1:
            raise ValueError("till_concurrency must be at least 1")
        for name in (
            "till_deadline",
            "idle_timeout",
            "first_byte_timeout",
            "dead_for",
            "tills_refresh",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be more than zero")
