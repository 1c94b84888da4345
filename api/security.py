"""The API's protections that apply to every route, as ASGI middleware: rate limit per client IP,
request size limit, security headers on every page; and the access log kept free of the ids
an erasure request names.

Why middleware and not per-route dependencies: a limit that a new route can forget is not a
limit. Health checks are exempt from the rate limit (the supervisor and a load balancer poll
them). The client IP is the connection's peer: behind a proxy, run uvicorn with
`--proxy-headers --forwarded-allow-ips` so that it is the real client's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import MutableHeaders

from assistant.ratelimit import RateLimiter, too_large_body, too_many_requests_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

EXEMPT_FROM_RATE_LIMIT = ("/health",)
# Document uploads may be 10 MB (api/routers/knowledge.py), plus the multipart envelope.
UPLOAD_PATH = re.compile(r"^/api/knowledge/collections/[^/]+/documents$")
UPLOAD_MAX_BYTES = 10 * 1024 * 1024 + 64 * 1024
# OpenAPI's own pages load Swagger UI / ReDoc with inline script: they keep FastAPI's headers.
DOCS_PATHS = ("/docs", "/redoc", "/docs/oauth2-redirect")


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
    raw = json.dumps(body).encode()
    header_list = [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())]
    header_list += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": header_list})
    await send({"type": "http.response.body", "body": raw})


class RateLimitMiddleware:
    """429 with `Retry-After` when one client IP makes more than `per_minute` requests a minute."""

    def __init__(self, app: ASGIApp, per_minute: int, storage_url: str | None = None) -> None:
        self.app = app
        self.limiter = RateLimiter(per_minute, storage_url, namespace="api-ip")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limiter.enabled or scope["path"].startswith(EXEMPT_FROM_RATE_LIMIT):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        retry_after = self.limiter.check(client[0] if client else "unknown")
        if retry_after is not None:
            await _send_json(send, 429, too_many_requests_body(retry_after), {"Retry-After": str(retry_after)})
            return
        await self.app(scope, receive, send)


class BodySizeLimitMiddleware:
    """413 with a JSON error for a body over the limit, by its Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def limit_for(self, path: str) -> int:
        return max(self.max_bytes, UPLOAD_MAX_BYTES) if UPLOAD_PATH.match(path) else self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _send_json(send, 413, too_large_body(limit))
            return
        received = 0
        exceeded = False
        answered = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Stop reading; whatever the app makes of the cut body, the client gets the 413.
                    exceeded = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        async def replacing_send(message: Message) -> None:
            nonlocal answered
            if not exceeded:
                await send(message)
            elif not answered and message["type"] == "http.response.start":
                answered = True
                await _send_json(send, 413, too_large_body(limit))

        await self.app(scope, counting_receive, replacing_send)


def _inline_style_hash() -> str:
    """The CSP hash of the one inline <style> of the plain pages (api/templates/page.html): no 'unsafe-inline'."""
    from api.pages import plain_page_stylesheet

    digest = hashlib.sha256(plain_page_stylesheet().encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def default_content_security_policy() -> str:
    """For HTML pages that do not set their own: nothing inline but the pages' own stylesheet, no framing."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' {_inline_style_hash()}",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """Every response: nosniff. Every HTML page: a CSP (its own, or the default), no framing, a referrer policy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.csp = default_content_security_policy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"] in DOCS_PATHS

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", "same-origin")
                    if not docs:
                        headers.setdefault("Content-Security-Policy", self.csp)
            await send(message)

        await self.app(scope, receive, with_headers)


ERASURE_PATH = re.compile(r"(/api/privacy/conversations/)[^\s?\"]+")


class ErasurePathFilter(logging.Filter):
    """The access log line of an erasure must not name whom it erased: the sender id becomes `[erased]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                ERASURE_PATH.sub(r"\1[erased]", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        if isinstance(record.msg, str):
            record.msg = ERASURE_PATH.sub(r"\1[erased]", record.msg)
        return True


def install_access_log_filter() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(existing, ErasurePathFilter) for existing in access.filters):
        access.addFilter(ErasurePathFilter())
