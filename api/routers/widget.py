"""The chat widget's files (`/widget/...`), served with the headers a page embedding them needs.

Only the files listed here are served (no directory walking); each is read once and kept
with its gzip form, since the widget is loaded by every page of the site. The pages of
the demo website use `page_headers` for their Content-Security-Policy.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Header, HTTPException, status
from fastapi.responses import Response

from assistant.settings import Settings

router = APIRouter(prefix="/widget", tags=["widget"])

STATIC = Path(__file__).resolve().parents[1] / "static"
FILES = {
    "widget.js": "widget/widget.js",
    "widget.css": "widget/widget.css",
    "vendor/socket.io.min.js": "widget/vendor/socket.io.min.js",
    "vendor/LICENSE-socket.io-client": "widget/vendor/LICENSE-socket.io-client",
}
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes
    media_type: str


@lru_cache(maxsize=16)
def load(relative: str) -> StaticFile:
    """A file under api/static/, read once, with its gzip form."""
    path = STATIC / relative
    body = path.read_bytes()
    return StaticFile(body, gzip.compress(body, 9, mtime=0), MEDIA_TYPES.get(path.suffix, "text/plain; charset=utf-8"))


def static_response(relative: str, accept_encoding: str | None) -> Response:
    """The file, gzipped when the client accepts it, never sniffed as another type."""
    file = load(relative)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    # The widget is embedded on other sites' pages: its files may be loaded cross-origin.
    headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    if "gzip" in (accept_encoding or "").lower():
        return Response(file.gzipped, media_type=file.media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(file.body, media_type=file.media_type, headers=headers)


def socket_origins(settings: Settings) -> list[str]:
    """Where the widget's socket.io connection goes: the Rasa server, over HTTP polling and WebSocket."""
    parts = urlsplit(settings.rasa_url)
    ws = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{ws}://{parts.netloc}"]


def content_security_policy(settings: Settings) -> str:
    """No inline script, no other site's code; the socket may reach only the Rasa server."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {' '.join(socket_origins(settings))}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def page_headers(settings: Settings) -> dict[str, str]:
    """Security headers of an HTML page that embeds the widget."""
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


AcceptEncoding = Annotated[str | None, Header()]


@router.get(
    "/{name:path}",
    summary="A file of the chat widget (widget.js, widget.css, the vendored socket.io client)",
    response_class=Response,
    responses={404: {"description": "Not a file of the widget"}},
)
def widget_file(name: str, accept_encoding: AcceptEncoding = None) -> Response:
    relative = FILES.get(name)
    if relative is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no widget file {name!r}; the widget is /widget/widget.js")
    return static_response(relative, accept_encoding)
