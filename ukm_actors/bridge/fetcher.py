"""``PullFetcher``: downloads and applies channel ``sender>me`` (server → till).

Loop: long-poll the listing (``GET /mailbox/v1/tills/{me}/docs?after=&wait=``);
for each document in order, skip it if superseded, else download it into a
spool file, verify its length and SHA-256, apply it and record the channel's
last applied seq in ONE write transaction, delete the spool file; then
acknowledge (cumulative). Downloads resume: a partial spool file keeps the
ETag it came with, and the next attempt (after a broken connection, or
after a restart of the till) asks for ``Range: bytes=<size>-`` with
``If-Range: <etag>``. A file that fails its checks is deleted and fetched
again from the start, after a back-off; it is never applied.

Compressed transfer: every download asks ``Accept-Encoding: zstd``. A
server that has the body's zstd variant sends it (``Content-Encoding:
zstd``); the spool file then holds the compressed bytes, ranges and
resumes count those, and once complete the file is decoded (bounded by
the listed length: never more than the document can be) into
``<seq>.doc``, which is verified and applied. An older server ignores the
header and sends the document as it is.

Spool files: ``<data_dir>/spool/<sender>__<me>/<seq>.part``, ``.etag``
(``{"etag", "coding", "total"}``: what the partial file is) and ``.doc``
(the decoded document of a compressed download).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from urllib3.exceptions import HTTPError

from ukm_actors.bridge import encoding, inbox, outbox
from ukm_actors.bridge.auth import Caller
from ukm_actors.bridge.documents import (
    MAX_HEADER,
    Document,
    DocumentError,
    channel_name,
    parse_header,
    read_document_file,
)
from ukm_actors.bridge.errors import BridgeError, Forbidden, PeerUnreachable, RemoteError
from ukm_actors.bridge.live import Transfer
from ukm_actors.bridge.policy import DOCUMENT
from ukm_actors.bridge.servers import ServerSet, is_server_failure
from ukm_actors.bridge.worker import Worker
from ukm_actors.config.private import private_dir
from ukm_actors.runtime import Cooperator
from ukm_actors.supervision import Backoff

if TYPE_CHECKING:
    from ukm_actors.bridge.service import BridgeService

log = logging.getLogger(__name__)

READ_CHUNK = 256 * 1024
ACK_EVERY = 50
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


class PullFetcher(Worker):
    """Fetches and applies one incoming channel."""

    def __init__(self, service: BridgeService, sender: str, targets: ServerSet) -> None:
        super().__init__()
        self.service = service
        self.sender = sender
        self.targets = targets
        """Where to fetch from: one URL, or the cluster's servers (the same documents,
        ETags and acknowledgements on each: a download resumes on the next one)."""
        self.url = targets.current()
        me = service.node_id
        self.channel = channel_name(sender, me)
        self.list_path = f"/mailbox/v1/tills/{me}/docs"
        self.spool = service.spool_dir / f"{sender}__{me}"
        cfg = service.settings
        self.backoff = Backoff(initial=cfg.retry_initial, maximum=cfg.retry_maximum, jitter=1.0)
        self.attempt = 0
        self.acked_sent = 0
        self.live = service.live.channel(self.channel, "pull")
        self.live.peer_url = self.url

    # -- the loop ----------------------------------------------------------------

    def run(self) -> None:
        # Catalog documents carry cashier password hashes: the spool is the owner's only.
        private_dir(self.spool.parent, narrow=True)
        private_dir(self.spool)
        applied = self._applied()
        self._clean_spool(applied)
        while not self.stopping:
            self.url = self.live.peer_url = self.targets.current()
            try:
                applied = self._round(self._applied())
                self.attempt = 0
            except (BridgeError, DocumentError) as exc:
                self._error(str(exc))
                moved = is_server_failure(exc) and self.targets.failed(self.url, str(exc))
                if not (moved and self.attempt < len(self.targets)):
                    self.pause(self.backoff.delay(self.attempt))
                self.attempt += 1

    def _applied(self) -> int:
        db = self.service.require_db()
        with db.read() as session:
            return inbox.last_applied(session, self.channel)

    def _round(self, applied: int) -> int:
        """One listing and the documents it names; returns the new last applied seq."""
        wait = self.service.settings.poll_wait if applied <= self.acked_sent else 0
        listing = self._list(applied, wait)
        base = int(listing.get("base", 0))
        if base > applied:
            raise RemoteError(
                "bridge.pruned",
                f"{self.sender} already deleted documents {applied + 1}..{base} of "
                f"{self.channel}, which this node never applied: its database is older than "
                "what it acknowledged (restored or reinstalled?); reset the channel on "
                f"{self.sender} (re-register this node) or restore this node's database",
            )
        if self.live.ok():
            self._persist_error(None)
        since_ack = 0
        for entry in listing.get("docs", []):
            seq = int(entry["seq"])
            if seq <= applied:
                continue
            if self.stopping:
                break
            if seq != applied + 1:
                raise RemoteError(
                    "bridge.gap",
                    f"{self.sender} lists document {seq} of {self.channel} after {applied}",
                )
            if entry.get("superseded"):
                self._skip(seq)
            else:
                self._fetch_and_apply(entry)
            applied = seq
            since_ack += 1
            if since_ack >= ACK_EVERY or int(entry.get("length", 0)) > 1024 * 1024:
                self._ack(applied)
                since_ack = 0
        self._ack(applied)
        return applied

    def _list(self, after: int, wait: float) -> dict[str, Any]:
        path = f"{self.list_path}?after={after}&wait={wait:g}"
        with self.waiting():
            r = self.service.client.request(
                "GET",
                self.url,
                path,
                peer=self.sender,
                timeout=wait + self.service.settings.transfer_timeout,
            )
        body = _json(r.data)
        if r.status != 200:
            raise _refused(self.sender, f"the document list of {self.channel}", r.status, body)
        return body

    def _skip(self, seq: int) -> None:
        db = self.service.require_db()
        with db.write() as session:
            inbox.skip(session, self.channel, seq)

    def _ack(self, applied: int) -> None:
        if applied <= self.acked_sent:
            return
        r = self.service.client.request(
            "POST",
            self.url,
            f"/mailbox/v1/tills/{self.service.node_id}/ack",
            peer=self.sender,
            body=json.dumps({"seq": applied}).encode(),
            headers={"Content-Type": "application/json"},
        )
        if r.status != 200:
            raise _refused(
                self.sender, f"the acknowledgement of {applied}", r.status, _json(r.data)
            )
        self.acked_sent = applied

    # -- one document ---------------------------------------------------------------

    def _fetch_and_apply(self, entry: dict[str, Any]) -> None:
        seq = int(entry["seq"])
        part = self.spool / f"{seq}.part"
        coding = self._download(seq, part)
        try:
            doc = read_document_file(self._decoded(part, coding, entry), Cooperator().tick)
            self._check(doc, entry)
        except DocumentError:
            self.live.corrupt += 1
            _remove(part)
            raise
        db = self.service.require_db()
        refused = self._refusal(doc)
        if refused is None:
            self.service.appliers.prepare(db, doc)
        with db.write() as session:
            if refused is not None:
                result = inbox.park_refused(session, doc, refused)
            else:
                result = inbox.apply(session, doc, self.service.appliers, park=True)
        if result.parked:
            log.error(
                "%s: document %d (%s) refused by its applier and parked",
                self.channel,
                seq,
                doc.type,
            )
        _remove(part)
        self.live.docs += 1
        self.live.bytes += doc.size

    def _decoded(self, part: Path, coding: str, entry: dict[str, Any]) -> Path:
        """The document file of a complete download: ``part`` itself, or decoded from it
        (at most the listed length plus a header: a bomb is refused, not unpacked)."""
        if coding == encoding.IDENTITY:
            return part
        target = part.with_suffix(".doc")
        limit = MAX_HEADER + int(entry.get("length") or 0)
        what = f"document {entry['seq']} of {self.channel}"
        encoding.decompress_file(part, target, limit, what, Cooperator().tick)
        return target

    def _refusal(self, doc: Document) -> str | None:
        """Why the authorisation table refuses this sender's document (None: it may)."""
        appliers = self.service.appliers
        if not appliers.knows(doc.type):
            return None  # not parked: a newer version of this node may know it
        kind = self.service.pull_kinds.get(self.sender, self.sender)
        try:
            self.service.policy.check(
                Caller(self.sender, kind, None),
                DOCUMENT,
                doc.type,
                doc,
                appliers.subject_of(doc.type),
                self.url,
            )
        except Forbidden as exc:
            return exc.message
        return None

    def _check(self, doc: Document, entry: dict[str, Any]) -> None:
        h = doc.header
        if (h.channel, h.seq, h.sha256, h.length) != (
            self.channel,
            int(entry["seq"]),
            entry.get("sha256"),
            entry.get("length"),
        ):
            raise DocumentError(
                f"downloaded document {h.channel}#{h.seq} is not the one listed as "
                f"{self.channel}#{entry['seq']} (sha256 {str(entry.get('sha256'))[:12]}…)"
            )

    def _download(self, seq: int, part: Path) -> str:
        """Bring ``part`` to the whole file as sent, resuming what is there; returns its
        coding (``identity`` or ``zstd``)."""
        have = part.stat().st_size if part.exists() else 0
        meta = _Partial.read(part) if have else None
        if have and meta is None:
            _remove(part)
            have = 0
        if meta is not None and _complete(part, have, meta):
            return meta.coding
        if meta is not None and not part.exists():
            meta, have = None, 0
        # a resume asks for the same coding as the part it continues
        headers = {"Accept-Encoding": encoding.ZSTD}
        if meta is not None:
            headers = {"Range": f"bytes={have}-", "If-Range": meta.etag}
            if meta.coding != encoding.IDENTITY:
                headers["Accept-Encoding"] = meta.coding
        r = self.service.client.request(
            "GET",
            self.url,
            f"{self.list_path}/{seq}",
            peer=self.sender,
            headers=headers,
            stream=True,
        )
        try:
            meta, mode = self._answer(r, seq, part, have, meta)
            if mode == "wb":
                have = 0
            transfer = self.live.transfer_of(seq, meta.total, meta.coding, have)
            if have:
                log.info(
                    "%s: document %d resumes at byte %d of %d (%s)",
                    self.channel,
                    seq,
                    have,
                    meta.total,
                    meta.coding,
                )
            got = self._write(r, part, mode, transfer)
        except Exception:
            r.close()
            raise
        r.release_conn()
        transfer.finished = True
        log.info(
            "%s: document %d complete, %d bytes (%s) written from offset %d",
            self.channel,
            seq,
            got,
            meta.coding,
            have,
        )
        return meta.coding

    def _answer(
        self, r: Any, seq: int, part: Path, have: int, meta: _Partial | None
    ) -> tuple[_Partial, str]:
        """What the server's answer to a download is: the partial file's description
        and the file mode to write it in (``wb`` from the start, ``ab`` to continue)."""
        coding = (r.headers.get("Content-Encoding") or encoding.IDENTITY).strip().lower()
        if r.status in (200, 206) and coding not in (encoding.IDENTITY, encoding.ZSTD):
            raise DocumentError(f"document {seq}: the server sent it in {coding!r}")
        if r.status == 200:
            fresh = _Partial(
                r.headers.get("ETag", ""), coding, int(r.headers.get("Content-Length") or 0)
            )
            fresh.write(part)
            return fresh, "wb"
        if r.status == 206:
            m = _CONTENT_RANGE.match(r.headers.get("Content-Range", ""))
            if m is None or int(m.group(1)) != have or meta is None or coding != meta.coding:
                _remove(part)
                raise DocumentError(f"bad Content-Range {r.headers.get('Content-Range')!r}")
            self.live.resumed += 1
            return _Partial(meta.etag, coding, int(m.group(3))), "ab"
        if r.status == 416:
            _remove(part)
            raise DocumentError(f"document {seq}: the partial download is longer than it")
        raise _refused(self.sender, f"document {seq} of {self.channel}", r.status, _json(r.read()))

    def _write(self, r: Any, part: Path, mode: str, transfer: Transfer) -> int:
        tick = Cooperator().tick
        got = 0
        with part.open(mode) as f:
            try:
                # read1: every byte that arrived is kept, even when the connection
                # breaks in the middle of a chunk (read() would drop that chunk);
                # decode_content=False: the file keeps the bytes as sent.
                while chunk := r.read1(READ_CHUNK, decode_content=False):
                    f.write(chunk)
                    got += len(chunk)
                    transfer.done += len(chunk)
                    self.live.wire_bytes += len(chunk)
                    tick()
            except (HTTPError, OSError) as exc:  # cut or silent: keep what we have
                log.info(
                    "%s: document %d broke at byte %d of %d (%s)",
                    self.channel,
                    transfer.seq,
                    transfer.done,
                    transfer.total,
                    type(exc).__name__,
                )
                raise PeerUnreachable(
                    self.url,
                    f"the transfer broke after {got} bytes ({type(exc).__name__}); "
                    "it resumes from there",
                ) from None
        return got

    # -- bookkeeping --------------------------------------------------------------------

    def _clean_spool(self, applied: int) -> None:
        for f in self.spool.glob("*.*"):
            try:
                if int(f.stem) <= applied:
                    _remove(f)
            except ValueError:
                continue

    def _error(self, message: str) -> None:
        if self.live.error(message):
            log.warning("%s: %s", self.channel, message)
            self._persist_error(message)

    def _persist_error(self, message: str | None) -> None:
        with self.service.require_db().write() as session:
            outbox.set_channel_error(session, self.channel, message, "in")

    def stats(self) -> dict[str, Any]:
        return {"channel": self.channel, "url": self.url, **self.live.to_json()}


@dataclass(frozen=True)
class _Partial:
    """What a spool file is: the ETag and coding it came with and the size it will have
    (0: unknown; written by a version that kept only the ETag)."""

    etag: str
    coding: str
    total: int

    @staticmethod
    def path(part: Path) -> Path:
        return part.with_suffix(".etag")

    @classmethod
    def read(cls, part: Path) -> _Partial | None:
        try:
            text = cls.path(part).read_text().strip()
        except FileNotFoundError:
            return None
        if not text:
            return None
        try:
            data = json.loads(text)
            return cls(str(data["etag"]), str(data["coding"]), int(data["total"]))
        except (ValueError, KeyError, TypeError):
            return cls(text, encoding.IDENTITY, 0)  # an ETag alone: an older version's

    def write(self, part: Path) -> None:
        self.path(part).write_text(json.dumps(asdict(self)))


def _complete(part: Path, have: int, meta: _Partial) -> bool:
    """True when ``part`` already holds the whole file as sent (removed if longer)."""
    total = meta.total
    if not total and meta.coding == encoding.IDENTITY:
        with part.open("rb") as f:
            head = f.read(MAX_HEADER)
        try:
            header, offset = parse_header(head)
        except DocumentError:
            return False
        total = offset + header.length
    if total and have > total:
        _remove(part)
        return False
    return have == total


def _remove(path: Path) -> None:
    for p in (path, path.with_suffix(".etag"), path.with_suffix(".doc")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _json(data: bytes) -> dict[str, Any]:
    try:
        body = json.loads(data) if data else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _refused(peer: str, what: str, status: int, body: dict[str, Any]) -> RemoteError:
    code = str(body.get("code") or f"http.{status}")
    message = str(body.get("message") or f"HTTP {status}")
    return RemoteError(code, f"{peer} refused {what}: {message}", body.get("hint"), status=status)
