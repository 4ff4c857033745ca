"""A tiny threaded stdlib HTTP server with fault injection shared by every fake provider.

Faults match a request path prefix and fire ``times`` times (None = until cleared):
  status     answer ``status`` with a JSON error body (and ``Retry-After`` when ``retry_after`` is set)
  forbid     the provider's own "no permission for this method" answer
  delay      sleep ``seconds`` before answering normally (timeouts)
  malformed  200 with a body that is not JSON
Faults can be set in-process (``server.add_fault``) or over HTTP: ``POST /_fake/faults`` with the
fault as JSON, ``DELETE /_fake/faults``; ``GET /_fake/calls`` lists the requests seen.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Fault:
    path: str
    kind: str = "status"  # status | forbid | delay | malformed | limit (a provider's in-body rate-limit error)
    status: int = 500
    times: int | None = 1
    retry_after: float | None = None
    seconds: float = 0.0


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    json: Any
    headers: dict[str, str]
    # multipart/form-data uploads: field -> {"filename", "content_type", "content" (bytes)}
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    raw: bytes = b""  # the body as sent (S3 PutObject)


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] | None = None
    raw: bytes | None = None


class FakeCloudServer:
    """Hosts one or more fake providers (objects with ``handle(request, fault) -> Reply | None``)."""

    def __init__(self, *providers: Any, host: str = "127.0.0.1", port: int = 0):
        self.providers = list(providers)
        self.faults: list[Fault] = []
        self.calls: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add_fault(self, path: str, kind: str = "status", **options: Any) -> Fault:
        fault = Fault(path=path, kind=kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self.calls.clear()

    def count(self, path: str) -> int:
        return sum(1 for _method, p in self.calls if p.startswith(path))

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def start(self) -> FakeCloudServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="fakecloud", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeCloudServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.calls.append((request.method, request.path))
        if request.path.startswith("/_fake/"):
            return self._control(request)
        fault = self._take_fault(request.path)
        if fault is not None:
            if fault.kind == "delay":
                time.sleep(fault.seconds)
                fault = None
            elif fault.kind == "malformed":
                return Reply(200, raw=b'{"status": "success", "answer": {"status": "succ')
            elif fault.kind == "status":
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
                return Reply(fault.status, {"error": "injected", "status": fault.status}, headers)
        for provider in self.providers:
            reply = provider.handle(request, fault)
            if reply is not None:
                return reply
        return Reply(404, {"error": "not found"})

    def _control(self, request: Request) -> Reply:
        if request.path == "/_fake/faults" and request.method == "POST":
            return Reply(201, asdict(self.add_fault(**(request.json or {}))))
        if request.path == "/_fake/faults" and request.method == "DELETE":
            self.clear()
            return Reply(204)
        if request.path == "/_fake/calls":
            return Reply(200, [{"method": m, "path": p} for m, p in self.calls])
        return Reply(404, {"error": "not found"})

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY each keep-alive answer waits
            # for the client's delayed ACK (~40 ms).
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet: tests read server.calls instead
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                form: dict[str, str] = {}
                body: Any = None
                files: dict[str, dict[str, Any]] = {}
                if "application/x-www-form-urlencoded" in content_type:
                    form = dict(parse_qsl(raw.decode()))
                elif "multipart/form-data" in content_type:
                    form, files = _multipart(content_type, raw)
                elif raw:
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        body = None
                request = Request(self.command, parts.path, dict(parse_qsl(parts.query)), form, body,
                                  {k.lower(): v for k, v in self.headers.items()}, files, raw)
                reply = server.dispatch(request)
                payload = reply.raw if reply.raw is not None else (
                    b"" if reply.body is None and reply.status == 204 else json.dumps(reply.body).encode())
                try:
                    self.send_response(reply.status)
                    if "Content-Type" not in (reply.headers or {}):
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(payload)))
                    for key, value in (reply.headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        return Handler


def _multipart(content_type: str, raw: bytes) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """The fields (text) and files of a multipart/form-data body."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + raw)
    form: dict[str, str] = {}
    files: dict[str, dict[str, Any]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = {"filename": filename, "content_type": part.get_content_type(), "content": payload}
        else:
            form[name] = payload.decode(part.get_content_charset() or "utf-8")
    return form, files
