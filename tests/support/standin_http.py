"""What the platform stand-ins (Telegram, Slack) share: a quiet JSON HTTP handler and a background server.

Each stand-in only decides which calls it accepts and what it answers; reading a
request's parameters (JSON, form-encoded or multipart, as the platforms' clients
send them), writing a JSON reply and running on 127.0.0.1 in a daemon thread are here.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that reads parameters and answers JSON, without logging every call."""

    def params(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        if "json" in kind:
            return dict(json.loads(body or b"{}"))
        if "multipart/form-data" in kind:
            return _multipart(body, kind)
        return {key: values[-1] for key, values in parse_qs(body.decode()).items()}

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:  # keep the test output clean
        return


def _multipart(body: bytes, kind: str) -> dict[str, Any]:
    boundary = kind.split("boundary=")[-1].strip('"').encode()
    params: dict[str, Any] = {}
    for part in body.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        if b'name="' not in head:
            continue
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        params[name] = value.rstrip(b"\r\n").decode(errors="replace")
    return params


def serve_in_background(port: int, handler: type[BaseHTTPRequestHandler], name: str) -> ThreadingHTTPServer:
    """Serve on 127.0.0.1:`port` in a daemon thread; `server.shutdown()` stops it."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return server
