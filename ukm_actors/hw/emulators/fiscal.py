"""An ATOL fiscal register behind its driver's web server, on 127.0.0.1.

``FiscalRegisterEmulator`` serves the JSON-task interface of ``hw.atol``
(``POST /api/v2/requests``, ``GET /api/v2/requests/{uuid}``): requests are
queued and run one at a time by a worker, as the real server does, against
a ``RegisterMachine`` (fiscal document counter, shift, cash, OFD queue,
fiscal sign). With ``state_path`` its state, the requests and a journal of
every document survive a restart, as a real register's do.

For tests (also as ``POST /emulator/control`` with the same names, and
``GET /emulator/state``): ``paper``, ``ofd_online``, ``offline`` (every
task answers "no connection"), ``delay`` (seconds a fiscal task takes:
a real register prints for 1–3 s), ``fail_next`` (``[code, description]``
for the next fiscal tasks), ``hang`` (tasks are queued but not started),
``hold`` (tasks run and register, but their result is shown only after
``release``: the window between the register's answer and the till's
commit), ``hang_http`` (requests get no answer until ``release``),
``shift_age_hours``, ``fn_capacity``, ``fn_valid_until``, ``cash``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from ukm_actors.hw.emulators.fiscal_machine import (
    FISCAL_TASKS,
    RegisterMachine,
    RegisterState,
)

log = logging.getLogger(__name__)

KEEP_REQUESTS = 2000
_PATH = re.compile(r"^/api/v2/requests/([A-Za-z0-9_.-]{1,64})$")


class FiscalRegisterEmulator:
    """The emulated register on ``http://127.0.0.1:PORT`` (``.url``)."""

    what = "fiscal register"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_path: str | Path | None = None,
        clock: Callable[[], float] = time.time,
        delay: float = 0.0,
    ) -> None:
        self.host, self.port = host, port
        self.state_path = Path(state_path) if state_path else None
        self.delay = delay
        self.hang = False
        self.hold = False
        self.hang_http = False
        self._lock = threading.Condition()
        self._released = threading.Event()
        self._stopping = threading.Event()
        self._requests: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._queue: list[str] = []
        self.journal: list[dict[str, Any]] = []
        self.machine = RegisterMachine(self._load(), clock)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def state(self) -> RegisterState:
        return self.machine.state

    # -- life ---------------------------------------------------------------------------

    def start(self) -> Self:
        server = ThreadingHTTPServer((self.host, self.port), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        for target in (lambda: server.serve_forever(poll_interval=0.1), self._work):
            t = threading.Thread(target=target, name=f"fiscal-emulator-{self.port}", daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._released.set()
        with self._lock:
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- persistence ----------------------------------------------------------------------

    def _load(self) -> RegisterState:
        state = RegisterState(fn_valid_until=(date.today() + timedelta(days=400)).isoformat())
        if self.state_path is None or not self.state_path.exists():
            return state
        data = json.loads(self.state_path.read_text("utf-8"))
        state = RegisterState(**data["register"])
        for request_id, entry in data.get("requests", {}).items():
            self._requests[request_id] = entry
            if entry.get("held"):
                entry["results"], entry["held"] = entry["held"], None
            elif any(r["status"] in ("wait", "inProgress") for r in entry["results"]):
                self._queue.append(request_id)
        self.journal = list(data.get("journal", []))
        return state

    def _save(self) -> None:
        if self.state_path is None:
            return
        data = {
            "register": self.machine.to_json(),
            "requests": dict(self._requests),
            "journal": self.journal[-10000:],
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, default=float), "utf-8")
        os.replace(tmp, self.state_path)

    # -- requests -----------------------------------------------------------------------

    def submit(self, request_id: str, tasks: list[Any]) -> int:
        """Queue ``tasks`` under ``request_id``: 201, or 409 if that id is known."""
        with self._lock:
            if request_id in self._requests:
                return 409
            self._requests[request_id] = {
                "tasks": tasks,
                "results": [{"status": "wait", "errorCode": 0, "errorDescription": ""}]
                * len(tasks),
                "held": None,
            }
            while len(self._requests) > KEEP_REQUESTS:
                self._requests.popitem(last=False)
            self._queue.append(request_id)
            self._save()
            self._lock.notify_all()
        return 201

    def results(self, request_id: str) -> list[dict[str, Any]] | None:
        with self._lock:
            entry = self._requests.get(request_id)
            return None if entry is None else [dict(r) for r in entry["results"]]

    def forget(self, request_id: str) -> None:
        """Drop a request from the server's memory (the register keeps its documents)."""
        with self._lock:
            self._requests.pop(request_id, None)
            self._save()

    def _next(self) -> str | None:
        with self._lock:
            self._lock.wait_for(
                lambda: self._stopping.is_set() or (self._queue and not self.hang), timeout=1.0
            )
            if self._stopping.is_set() or not self._queue or self.hang:
                return None
            return self._queue.pop(0)

    def _work(self) -> None:
        while not self._stopping.is_set():
            request_id = self._next()
            if request_id is None:
                continue
            try:
                self._run(request_id)
            except Exception:
                log.exception("fiscal emulator: request %s failed", request_id)
                with self._lock:
                    entry = self._requests[request_id]
                    entry["results"] = [_result("error", 6, "Внутренняя ошибка")] * len(
                        entry["tasks"]
                    )

    def _run(self, request_id: str) -> None:
        entry = self._requests[request_id]
        results: list[dict[str, Any]] = []
        failed = False
        for i, task in enumerate(entry["tasks"]):
            kind = task.get("type") if isinstance(task, dict) else None
            if failed:
                results.append(_result("interrupted", 1, "Прервано из-за предыдущих ошибок"))
                continue
            with self._lock:
                entry["results"] = [
                    *results,
                    _result("inProgress", 0, ""),
                    *entry["results"][i + 1 :],
                ]
            if kind in FISCAL_TASKS and self.delay > 0:
                self._stopping.wait(self.delay)
            with self._lock:
                code, text, body = self.machine.execute(task)
                if code == 0 and body and "fiscalParams" in body and kind in FISCAL_TASKS:
                    params = body["fiscalParams"]
                    self.journal.append(
                        {
                            "uuid": request_id,
                            "type": kind,
                            "fd": params["fiscalDocumentNumber"],
                            "total": params.get("total", 0),
                        }
                    )
            failed = code != 0
            results.append(_result("error" if failed else "ready", code, text, body))
        with self._lock:
            if self.hold and not failed:
                entry["held"] = results
                self._save()
            else:
                entry["results"] = results
                self._save()
                return
        self._released.wait()
        with self._lock:
            if entry.get("held"):
                entry["results"], entry["held"] = entry["held"], None
                self._save()

    # -- control ------------------------------------------------------------------------

    def release(self) -> None:
        """Let held results, hung tasks and hung HTTP requests go."""
        self.hold = self.hang = self.hang_http = False
        self._released.set()
        with self._lock:
            self._lock.notify_all()
        self._released = threading.Event()

    def control(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Apply test settings (see the module doc); returns ``snapshot()``."""
        with self._lock:
            for key, value in changes.items():
                self._apply(key, value)
            self._save()
            self._lock.notify_all()
        if changes.get("release"):
            self.release()
        return self.snapshot()

    def _apply(self, key: str, value: Any) -> None:
        s, m = self.machine.state, self.machine
        if key in ("paper", "ofd_online"):
            setattr(s, key, bool(value))
            if key == "ofd_online" and value:
                m.send_to_ofd()
        elif key == "offline":
            m.offline = bool(value)
        elif key in ("delay",):
            self.delay = float(value)
        elif key in ("hang", "hold", "hang_http"):
            setattr(self, key, bool(value))
        elif key == "fail_next":
            m.fail_next.append((int(value[0]), str(value[1])))
        elif key == "shift_age_hours":
            s.shift_opened_at = m.clock() - float(value) * 3600
        elif key in ("fn_capacity", "cash"):
            setattr(s, key, int(value))
        elif key == "fn_valid_until":
            s.fn_valid_until = str(value)
        elif key == "unsent_since_hours":
            at = m.now() - timedelta(hours=float(value))
            s.ofd_online = False
            s.unsent.insert(0, [0, at.isoformat(timespec="seconds")])
        elif key != "release":
            raise ValueError(f"unknown emulator setting {key!r}")

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "register": self.machine.to_json(),
                "shift_state": self.machine.shift_state(),
                "offline": self.machine.offline,
                "delay": self.delay,
                "hang": self.hang,
                "hold": self.hold,
                "documents": len(self.journal),
            }

    def receipts(self) -> list[dict[str, Any]]:
        """The journal's sale and return receipts, in order."""
        with self._lock:
            return [d for d in self.journal if d["type"] in ("sell", "sellReturn")]

    def wait_held(self, timeout: float = 5.0) -> bool:
        """Wait until a request's result is held back (``hold``); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if any(e.get("held") for e in self._requests.values()):
                    return True
            time.sleep(0.02)
        return False


def _result(status: str, code: int, text: str, body: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"status": status, "errorCode": code, "errorDescription": text}
    if body is not None:
        out["result"] = body
    return out


def _handler(emulator: FiscalRegisterEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("fiscal emulator: " + format, *args)

        def _send(self, status: int, body: Any = None) -> None:
            data = (
                b""
                if body is None
                else json.dumps(body, ensure_ascii=False, default=float).encode()
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            size = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(size) if size else b""
            return json.loads(raw or b"null", parse_float=Decimal)

        def _hung(self) -> bool:
            if emulator.hang_http:
                emulator._released.wait()
                return emulator._stopping.is_set()
            return False

        def do_GET(self) -> None:
            if self._hung():
                return
            if self.path == "/emulator/state":
                self._send(200, emulator.snapshot())
                return
            match = _PATH.match(self.path)
            results = emulator.results(match.group(1)) if match else None
            if results is None:
                self._send(404, {"error": {"code": 404, "description": "Задание не найдено"}})
                return
            self._send(200, {"results": results})

        def do_POST(self) -> None:
            try:
                body = self._body()
            except ValueError:
                self._send(400, {"error": {"description": "Неверный JSON"}})
                return
            if self.path == "/emulator/control":
                try:
                    self._send(200, emulator.control(body or {}))
                except (ValueError, TypeError, KeyError) as exc:
                    self._send(400, {"error": {"description": str(exc)}})
                return
            if self._hung():
                return
            if self.path != "/api/v2/requests":
                self._send(404, {"error": {"description": "Не найдено"}})
                return
            ok = isinstance(body, dict) and isinstance(body.get("uuid"), str)
            if not ok or not isinstance(body.get("request"), list) or not body["request"]:
                self._send(400, {"error": {"description": "Нужны uuid и непустой request"}})
                return
            self._send(emulator.submit(body["uuid"], body["request"]))

    return Handler
