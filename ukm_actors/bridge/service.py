"""``BridgeService``: what a node's features use to talk to other nodes.

Set up by every role's ``transport`` feature as ``ctx.services.bridge``::

    bridge = ctx.services.bridge
    with db.write() as session:                   # the change and its document, together
        ...; outbox.put(session, channel_name(me, "server"), "receipt", body)
    bridge.notify(channel_name(me, "server"))     # after the commit: deliver now
    bridge.ask(bridge.server_url, "receipts.lookup", {"receipt_id": rid}, timeout=3)
    bridge.add_push("marketing", url)             # deliver my channel me>marketing there
    bridge.add_pull("marketing", url)             # (tills) fetch marketing>me from there

Its actors (``children()``), under the role's supervisor:

- ``bridge_links`` (supervisor): one ``push.<receiver>`` (``PushSender``) or
  ``pull.<sender>`` (``PullFetcher``) per link, restarted with back-off;
- ``bridge_inbox.<n>`` (nodes that receive pushes): ``InboxApplier``;
- ``bridge_queues`` (cash server): one ``queue.<till>`` (``TillQueue``) per till;
- ``bridge_maintenance`` (nodes with a database), ``bridge_keys`` (nodes
  other than the server), ``bridge_signals`` (PostgreSQL: cluster wake-ups).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import gevent
import pykka

from ukm_actors.bridge import cluster, monitoring
from ukm_actors.bridge.asks import AskHandlers
from ukm_actors.bridge.auth import KeySource, Verifier, nonce_store
from ukm_actors.bridge.client import BridgeClient, RemoteRef, Response, normalize_url
from ukm_actors.bridge.documents import DocumentError, split_channel
from ukm_actors.bridge.fetcher import PullFetcher
from ukm_actors.bridge.inbox import Appliers
from ukm_actors.bridge.inboxactor import InboxApplier, shard
from ukm_actors.bridge.keys import SERVER_ID, CachedKeys, ServerKeys, parse_keys
from ukm_actors.bridge.live import ChannelSignals, LiveStats
from ukm_actors.bridge.peers import own_secret
from ukm_actors.bridge.policy import Policy
from ukm_actors.bridge.pusher import PushSender
from ukm_actors.bridge.servers import ServerSet, ask_any, request_any, server_health
from ukm_actors.bridge.upkeep import QUEUES, KeyRefresher, Maintenance
from ukm_actors.bridge.worker import Wake
from ukm_actors.config import Config
from ukm_actors.config.common import BridgeSettings, Role
from ukm_actors.db import Database, leases
from ukm_actors.errors import UkmError
from ukm_actors.supervision import Backoff, ChildSpec, Names, Supervisor, supervisor_spec

log = logging.getLogger(__name__)

LINKS = "bridge_links"


class NodeLike(Protocol):
    """What the bridge needs from a node's context (``nodes.base.NodeContext``)."""

    config: Config
    db: Database | None
    names: Names
    appliers: Appliers
    asks: AskHandlers
    url: str


class BridgeService:
    """The HTTP mailbox bridge of one node (see the module docstring)."""

    def __init__(
        self,
        *,
        node_id: str,
        role: Role,
        settings: BridgeSettings,
        db: Database | None,
        appliers: Appliers,
        asks: AskHandlers,
        names: Names,
        spool_dir: Path,
        own_url: Callable[[], str] = lambda: "",
        cluster_name: str = "",
        serves_pull: bool = False,
        accepts_push: bool = False,
    ) -> None:
        self.node_id = node_id
        self.role = role
        self.settings = settings
        self.db = db
        self.appliers = appliers
        self.asks = asks
        self.names = names
        self.spool_dir = spool_dir
        self.is_server = role == "server"
        self.serves_pull = serves_pull
        self.accepts_push = accepts_push
        self.clustered = db is not None and db.dialect == "postgresql"
        self.holder = leases.process_holder(cluster_name)
        self.servers = ServerSet(
            [] if self.is_server else settings.servers(),
            node_id,
            failback=settings.failback,
            check=lambda url: server_health(self.client, url),
        )
        """The cash servers this node may use, preferred first (empty on the server)."""
        self._secret_cache = settings.secret
        self.client = BridgeClient(
            node_id,
            self.secret,
            own_url=own_url,
            connect_timeout=settings.connect_timeout,
            transfer_timeout=settings.transfer_timeout,
        )
        for url in self.servers.urls:
            self.client.know(url, SERVER_ID)
        self.signals = ChannelSignals()
        self.live = LiveStats()
        self.cached_keys: CachedKeys | None = None
        keys: KeySource
        if self.is_server:
            keys = ServerKeys(self.require_db(), node_id)
        else:
            self.cached_keys = CachedKeys(db, self._fetch_keys)
            keys = self.cached_keys
        self.nonces = nonce_store(db, settings.clock_skew)
        self.verifier = Verifier(node_id, keys, self.nonces, settings.clock_skew)
        self.inbox_shards = 4 if self.clustered else 1
        self.closing = False
        self.policy = Policy(role)
        """Who may send this node which document or ask (``bridge/policy.py``)."""
        self._links: dict[str, tuple[str, str, str]] = {}
        """Child name → (push|pull, peer id, url)."""
        self.pull_kinds: dict[str, str] = {}
        """Sender id → its peer kind, for the documents pulled from it."""

    @classmethod
    def for_node(
        cls, ctx: NodeLike, *, serves_pull: bool = False, accepts_push: bool = False
    ) -> BridgeService:
        """The bridge of the node behind ``ctx``."""
        cfg = ctx.config
        return cls(
            node_id=cfg.node_id,
            role=cfg.role,
            settings=cfg.bridge,
            db=ctx.db,
            appliers=ctx.appliers,
            asks=ctx.asks,
            names=ctx.names,
            spool_dir=cfg.resolve("spool"),
            own_url=lambda: ctx.url,
            cluster_name=cfg.server.cluster_node if cfg.role == "server" else "",
            serves_pull=serves_pull,
            accepts_push=accepts_push,
        )

    # -- what features call (docs/bridge.md) ------------------------------------------

    @property
    def server_url(self) -> str:
        """The cash server to use now ("" on the server itself): the preferred one of
        ``[bridge] server_urls``, or the next while it fails. An ``ask`` to any
        server of the set goes to the one in use and moves on when it fails."""
        return self.servers.current()

    def notify(self, channel: str) -> None:
        """New documents on ``channel`` are committed: wake whoever delivers them.
        Never blocks."""
        self.wake_local(channel)
        if self.clustered:
            gevent.spawn(self._cluster_send, channel)

    def ask(
        self,
        url: str,
        name: str,
        message: dict[str, Any],
        timeout: float | None = None,
        *,
        peer: str | None = None,
    ) -> Any:
        """Ask ``name`` on the node at ``url``; its reply, or ``PeerUnreachable``,
        ``AskTimeout`` or ``RemoteError``. ``peer`` is that node's id when known
        (else it is learned once from the node's ``/mailbox/v1/hello``).

        An ask to a cash server (any URL of ``server_urls``) goes to the server
        in use; when that one cannot be reached or answers 502/503/504 (nothing
        was done) the ask goes to the next; a timeout moves later asks on but is
        raised (the deadline is spent, and the first server may have acted)."""
        deadline = timeout or self.settings.ask_timeout
        if url not in self.servers or len(self.servers) < 2:
            return self.client.ask(url, name, message, deadline, peer=peer)
        return ask_any(self.client, self.servers, name, message, deadline)

    def server_request(self, method: str, path: str, **kwargs: Any) -> Response:
        """A signed request to the cash server in use, moving on to the next one on a
        connection error, a timeout or a 5xx (only for requests safe to repeat)."""
        return request_any(self.client, self.servers, method, path, **kwargs)

    def ref(self, url: str, name: str, peer: str | None = None) -> RemoteRef:
        """A ``RemoteRef`` to ``name`` at ``url`` through this bridge."""
        return RemoteRef(url, name, self, peer=peer)

    def add_push(self, receiver_id: str, url: str) -> None:
        """Deliver this node's channel ``me>receiver_id`` to the node at ``url``."""
        self._add_link(f"push.{receiver_id}", "push", receiver_id, url)

    def add_pull(self, sender_id: str, url: str, kind: str = "server") -> None:
        """Fetch channel ``sender_id>me`` from the node at ``url`` (tills); ``kind``:
        the sender's peer kind, which the authorisation table checks its documents by."""
        self.pull_kinds[sender_id] = kind
        self._add_link(f"pull.{sender_id}", "pull", sender_id, url)

    # -- internals used by the bridge's actors and routes --------------------------------

    def require_db(self) -> Database:
        if self.db is None:
            raise UkmError(f"the bridge of {self.node_id} has no database")
        return self.db

    def secret(self) -> str:
        """This node's signing secret (the server keeps a generated one if none is set)."""
        if not self._secret_cache and self.is_server and self.db is not None:
            with self.db.write() as session:
                self._secret_cache = own_secret(session, self.node_id)
        return self._secret_cache

    def wake_local(self, channel: str) -> None:
        """Wake this process's long-polls and push sender for ``channel``."""
        self.signals.notify(channel)
        try:
            sender, receiver = split_channel(channel)
        except DocumentError:
            return
        if sender == self.node_id:
            ref = self.names.find(f"push.{receiver}")
            if ref is not None:
                try:
                    ref.tell(Wake())
                except pykka.ActorDeadError:
                    pass

    def _cluster_send(self, channel: str) -> None:
        try:
            cluster.send(self.require_db(), channel)
        except Exception as exc:  # noqa: BLE001 - a hint only; pollers re-check anyway
            log.warning("cluster notification for %s not sent: %s", channel, exc)

    def close(self) -> None:
        """The node is stopping: answer every waiting long-poll now, release
        connections (using the bridge later reopens them)."""
        self.closing = True
        self.signals.notify_all()
        self.client.close()
        self.nonces.dispose()

    def inbox_applier(self, channel: str) -> pykka.ActorRef[Any]:
        return self.names.get(f"bridge_inbox.{shard(channel, self.inbox_shards)}")

    def peers_changed(self) -> None:
        """A peer was registered or changed: start its queue now, not in 2 s (server)."""
        ref = self.names.find("bridge_maintenance")
        if ref is not None:
            ref.tell("sync")

    def _fetch_keys(self) -> list[dict[str, Any]]:
        r = self.server_request("GET", "/mailbox/v1/peers/keys", timeout=10.0)
        if r.status != 200:
            from ukm_actors.bridge.fetcher import _json, _refused

            raise _refused(SERVER_ID, "the peer keys", r.status, _json(r.data))
        return parse_keys(r.data)

    def _add_link(self, name: str, kind: str, peer: str, url: str) -> None:
        url = normalize_url(url)
        if not url:
            raise UkmError(f"no URL for the bridge link {name}")
        if peer != SERVER_ID or url not in self.servers:
            self.client.know(url, peer)
        if self._links.get(name) == (kind, peer, url):
            return
        replacing = name in self._links
        self._links[name] = (kind, peer, url)
        sup = self.names.find(LINKS)
        if sup is None:
            return  # not started yet: children() starts it
        proxy = sup.proxy()
        if replacing:
            proxy.stop_child(name).get(timeout=30)
        proxy.start_child(self._link_spec(name)).get(timeout=30)

    def link_targets(self, peer: str, url: str) -> ServerSet:
        """Where a link to ``peer`` at ``url`` goes: the cluster's servers (shared by
        every link and ask, so all move together), or that one URL."""
        if peer == SERVER_ID and url in self.servers:
            return self.servers
        return ServerSet([url], self.node_id)

    def _link_spec(self, name: str) -> ChildSpec:
        kind, peer, url = self._links[name]
        targets = self.link_targets(peer, url)
        backoff = Backoff(initial=self.settings.retry_initial, maximum=self.settings.retry_maximum)
        if kind == "push":
            return ChildSpec(
                name, lambda: PushSender.start(self, peer, targets), backoff=backoff, shutdown=10.0
            )
        return ChildSpec(
            name, lambda: PullFetcher.start(self, peer, targets), backoff=backoff, shutdown=10.0
        )

    def children(self) -> list[ChildSpec]:
        """The bridge's actors for this node (see the module docstring)."""
        specs: list[ChildSpec] = []
        db = self.db
        slow = Backoff(initial=1.0, maximum=30.0)
        if db is not None and self.accepts_push:
            for i in range(self.inbox_shards):
                specs.append(
                    ChildSpec(
                        f"bridge_inbox.{i}",
                        lambda: InboxApplier.start(db, self.appliers),
                        shutdown=30.0,
                    )
                )
        if db is not None:
            specs.append(
                ChildSpec("bridge_maintenance", lambda: Maintenance.start(self), backoff=slow)
            )
        if self.clustered:
            from ukm_actors.bridge.cluster import PgListener

            specs.append(ChildSpec("bridge_signals", lambda: PgListener.start(self), backoff=slow))
        if self.is_server:
            specs.append(supervisor_spec(QUEUES, [], max_restarts=10, period=60.0))
        elif self.servers:
            specs.append(ChildSpec("bridge_keys", lambda: KeyRefresher.start(self), backoff=slow))
        specs.append(
            ChildSpec(
                LINKS,
                lambda: Supervisor.start(
                    children=[self._link_spec(n) for n in sorted(self._links)],
                    strategy="one_for_one",
                    max_restarts=10,
                    period=60.0,
                ),
                shutdown=30.0,
            )
        )
        return specs

    # -- /status ------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The ``bridge`` section of ``/status``."""
        out: dict[str, Any] = {
            "links": [
                {
                    "name": n,
                    "kind": k,
                    "peer": p,
                    "url": self.link_targets(p, u).current() if p == SERVER_ID else u,
                    **self.live.channel(self._link_channel(k, p)).to_json(),
                }
                for n, (k, p, u) in sorted(self._links.items())
            ],
        }
        if self.db is not None:
            with self.db.read() as session:
                views = monitoring.channels(session)
                out["dead_letters"] = monitoring.dead_letters(session)
                if self.is_server:
                    out["peers"] = self._with_live_contacts(monitoring.peer_list(session))
            for v in views:
                live = self.live.channels.get(v["channel"])
                if live is not None:
                    v["live"] = live.to_json()
            out["channels"] = views
        if self.cached_keys is not None:
            out["keys"] = self.cached_keys.status()
        if len(self.servers) > 1:
            out["servers"] = self.servers.status()
        return out

    def transfers(self) -> dict[str, Any]:
        """Receiver → the document this node is serving it now (or served last):
        ``Transfer.to_json()`` of every pulled channel (the server's till monitoring)."""
        return {
            live.channel.split(">", 1)[1]: live.transfer.to_json()
            for live in list(self.live.channels.values())
            if live.role == "serve" and live.transfer is not None
        }

    def _with_live_contacts(self, peers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for p in peers:
            c = self.live.contacts.get(str(p["node_id"]))
            if c is not None and not c.flushed:
                p["last_seen"] = c.when.isoformat(timespec="seconds")
                p["version"] = c.version or p["version"]
                p["url"] = c.url or p["url"]
        return peers

    def _link_channel(self, kind: str, peer: str) -> str:
        return f"{self.node_id}>{peer}" if kind == "push" else f"{peer}>{self.node_id}"
