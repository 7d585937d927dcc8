"""Two network namespaces joined by a veth pair, the link shaped like a store's line.

``Link.create()`` makes namespaces ``<name>s`` (the server's side, address
``10.200.<n>.1``) and ``<name>t`` (the till's, ``10.200.<n>.2``) with
unique names per run, and ``shape()`` slows both directions down:

- with ``sch_netem`` (``tc qdisc … netem rate 2mbit delay 80ms loss 2%``);
- where the kernel has no netem (a VM kernel without modules), with what it
  has: ``tbf`` for the rate and, when the ``nft`` command is there, an
  nftables rule dropping 2 % of the packets at random (no delay: only
  netem delays). ``Link.shaping`` says which was done.

``down()`` / ``up()`` cut and restore the link (``ip link set … down/up``).
``reach_till()`` gives the test process its own unshaped way into the till's
namespace (a second veth pair: ``10.201.<n>.1`` here, ``10.201.<n>.2``
there), as a cashier's screen on the till itself would reach its API.
``close()`` deletes both namespaces (and with them the veth pair) and is
always called; ``unavailable()`` says why namespaces cannot be used here
(a reason for ``pytest.skip``), or None.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field

RATE, DELAY, LOSS = "2mbit", "80ms", 2


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def unavailable() -> str | None:
    """Why this machine cannot run a test in network namespaces (None: it can)."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add); run as root, as CI does"
    for tool in ("ip", "tc"):
        if shutil.which(tool) is None:
            return f"the {tool!r} command is missing (install iproute2)"
    probe = f"ukmprobe{uuid.uuid4().hex[:6]}"
    r = _ip("netns", "add", probe, check=False)
    if r.returncode != 0:
        return f"ip netns add failed: {r.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


def _netem_available() -> bool:
    if shutil.which("modprobe") is not None:
        subprocess.run(["modprobe", "sch_netem"], capture_output=True, check=False, timeout=30)
    return True  # whether it works is known only by trying (shape() falls back)


@dataclass
class Link:
    name: str
    subnet: int
    shaping: list[str] = field(default_factory=list)
    made: list[str] = field(default_factory=list)

    @classmethod
    def create(cls) -> Link:
        tag = uuid.uuid4().hex[:6]
        link = cls(f"ukm{tag}", 1 + int(tag, 16) % 250)
        try:
            for ns in (link.server_ns, link.till_ns):
                _ip("netns", "add", ns)
                link.made.append(ns)
                _ip("-n", ns, "link", "set", "lo", "up")
            _ip("link", "add", link.server_dev, "type", "veth", "peer", "name", link.till_dev)
            for ns, dev, addr in (
                (link.server_ns, link.server_dev, link.server_addr),
                (link.till_ns, link.till_dev, link.till_addr),
            ):
                _ip("link", "set", dev, "netns", ns)
                _ip("-n", ns, "addr", "add", f"{addr}/24", "dev", dev)
                _ip("-n", ns, "link", "set", dev, "up")
        except BaseException:
            link.close()
            raise
        return link

    @property
    def server_ns(self) -> str:
        return self.name + "s"

    @property
    def till_ns(self) -> str:
        return self.name + "t"

    @property
    def server_dev(self) -> str:
        return self.name + "a"

    @property
    def till_dev(self) -> str:
        return self.name + "b"

    @property
    def host_dev(self) -> str:
        return self.name + "h"

    @property
    def host_addr(self) -> str:
        return f"10.201.{self.subnet}.1"

    @property
    def till_api_addr(self) -> str:
        """The till's address on the test process's own link (see ``reach_till``)."""
        return f"10.201.{self.subnet}.2"

    def reach_till(self) -> None:
        """A veth pair from this (the test's) namespace into the till's, unshaped and
        never cut: the test reaches the till's HTTP API at ``till_api_addr``. Deleting
        the till's namespace deletes the pair."""
        peer = self.name + "c"
        _ip("link", "add", self.host_dev, "type", "veth", "peer", "name", peer)
        _ip("link", "set", peer, "netns", self.till_ns)
        _ip("addr", "add", f"{self.host_addr}/24", "dev", self.host_dev)
        _ip("link", "set", self.host_dev, "up")
        _ip("-n", self.till_ns, "addr", "add", f"{self.till_api_addr}/24", "dev", peer)
        _ip("-n", self.till_ns, "link", "set", peer, "up")

    @property
    def server_addr(self) -> str:
        return f"10.200.{self.subnet}.1"

    @property
    def till_addr(self) -> str:
        return f"10.200.{self.subnet}.2"

    def exec_prefix(self, ns: str) -> list[str]:
        return ["ip", "netns", "exec", ns]

    def _in(self, ns: str, *cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.exec_prefix(ns), *cmd], capture_output=True, text=True, check=False, timeout=30
        )

    def shape(self) -> list[str]:
        """Slow both directions down as much as this kernel allows; returns what was done."""
        _netem_available()
        for ns, dev in ((self.server_ns, self.server_dev), (self.till_ns, self.till_dev)):
            netem = ("netem", "rate", RATE, "delay", DELAY, "loss", f"{LOSS}%")
            if self._in(ns, "tc", "qdisc", "add", "dev", dev, "root", *netem).returncode == 0:
                self.shaping.append(f"{dev}: netem rate {RATE} delay {DELAY} loss {LOSS}%")
                continue
            tbf = ("tbf", "rate", RATE, "burst", "16kb", "latency", "400ms")
            r = self._in(ns, "tc", "qdisc", "add", "dev", dev, "root", *tbf)
            if r.returncode != 0:
                raise RuntimeError(f"neither netem nor tbf shapes {dev}: {r.stderr.strip()}")
            done = f"{dev}: tbf rate {RATE} (no sch_netem in this kernel: no delay)"
            if shutil.which("nft") is not None and self._drop(ns, dev):
                done += f", nftables drops {LOSS}% at random"
            else:
                done += ", no loss (no nft command)"
            self.shaping.append(done)
        return self.shaping

    def _drop(self, ns: str, dev: str) -> bool:
        steps = [
            ("add", "table", "inet", "ukmloss"),
            (
                "add",
                "chain",
                "inet",
                "ukmloss",
                "out",
                "{ type filter hook output priority 0; policy accept; }",
            ),
            (
                "add",
                "rule",
                "inet",
                "ukmloss",
                "out",
                "oifname",
                dev,
                "numgen",
                "random",
                "mod",
                "100",
                "<",
                str(LOSS),
                "drop",
            ),
        ]
        return all(self._in(ns, "nft", *step).returncode == 0 for step in steps)

    def down(self) -> None:
        _ip("-n", self.server_ns, "link", "set", self.server_dev, "down")

    def up(self) -> None:
        _ip("-n", self.server_ns, "link", "set", self.server_dev, "up")

    def close(self) -> None:
        _ip("link", "del", self.host_dev, check=False)  # gone with the namespace, normally
        for ns in reversed(self.made):
            _ip("netns", "del", ns, check=False)
        self.made.clear()
