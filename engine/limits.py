"""Rate and size limits of the Rasa server: per client IP on every route, per sender on every chat channel.

Why here: the channels (REST, Telegram, Slack, the widget's socket.io) and Rasa's HTTP API
all live in the Rasa server's Sanic app, so one request middleware covers them, installed
by wrapping `rasa.core.run.configure_app` (the function that builds that app) before
Rasa starts. The sender is read from the body the way each channel reads it; the
widget's messages come over a socket, not requests, so its channel asks `sender_allowed`
itself. A refused request gets 429 with `Retry-After`; a body over the limit 413; both
with a JSON body. The health route (`/`) and `/version` are exempt: the supervisor polls them.

Limits come from the environment the supervisor passes (from the app settings):
CHANNEL_RATE_LIMIT_PER_SENDER, CHANNEL_RATE_LIMIT_PER_IP (per minute, 0 = off),
CHANNEL_MAX_REQUEST_BYTES and RATE_LIMIT_STORAGE_URL (where the counts live: memory, or
the scale profile's Redis, so several Rasa servers enforce one limit together).
"""

from __future__ import annotations

import functools
import json
import logging
import os
from typing import Any
from urllib.parse import parse_qs

from assistant.ratelimit import RateLimiter, too_large_body, too_many_requests_body

logger = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/", "/version"})
DEFAULT_PER_SENDER = 60
DEFAULT_PER_IP = 600
DEFAULT_MAX_BYTES = 1024 * 1024


def _env_int(name: str, default: int) -> int:
    try:
        return max(0, int(os.environ.get(name, default)))
    except ValueError:
        return default


@functools.lru_cache(maxsize=1)
def sender_limiter() -> RateLimiter:
    return RateLimiter(_env_int("CHANNEL_RATE_LIMIT_PER_SENDER", DEFAULT_PER_SENDER), _storage(), "channel-sender")


@functools.lru_cache(maxsize=1)
def ip_limiter() -> RateLimiter:
    return RateLimiter(_env_int("CHANNEL_RATE_LIMIT_PER_IP", DEFAULT_PER_IP), _storage(), "channel-ip")


def _storage() -> str | None:
    """Where the counts live: RATE_LIMIT_STORAGE_URL (the scale profile's Redis, shared by every server)."""
    return os.environ.get("RATE_LIMIT_STORAGE_URL") or None


def max_request_bytes() -> int:
    return max(1024, _env_int("CHANNEL_MAX_REQUEST_BYTES", DEFAULT_MAX_BYTES))


def sender_allowed(channel: str, sender_id: str) -> int | None:
    """None when this sender may send another message now, else the seconds to wait."""
    return sender_limiter().check(f"{channel}:{sender_id}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


def sender_of(path: str, body: bytes, content_type: str) -> tuple[str, str] | None:
    """(channel, sender id) of a chat channel's request, read as that channel reads it; None if none."""
    if not path.startswith("/webhooks/"):
        return None
    channel = path.split("/")[2] if path.count("/") >= 3 else ""
    # Slack's buttons come form-encoded (payload=<json>); every other channel reads the body as JSON
    # whatever its content type says, so a REST message sent "form-encoded" is still counted.
    if channel == "slack" and content_type.startswith("application/x-www-form-urlencoded"):
        payload = parse_qs(body.decode("utf-8", "replace")).get("payload", [""])[0]
        data = _json(payload.encode())
    else:
        data = _json(body)
    if not isinstance(data, dict):
        return None
    sender: Any = None
    if channel == "rest":
        sender = data.get("sender")
    elif channel == "telegram":
        for key in ("message", "edited_message", "callback_query"):
            part = data.get(key)
            if isinstance(part, dict) and isinstance(part.get("from"), dict):
                sender = part["from"].get("id")
                break
    elif channel == "slack":
        event = data.get("event")
        if isinstance(event, dict):
            sender = event.get("user")
        elif isinstance(data.get("user"), dict):
            sender = data["user"].get("id")
    if sender is None or isinstance(sender, dict | list):
        return None
    return channel, str(sender)[:255]


def install() -> None:
    """Wrap Rasa's `configure_app` so that the server it builds enforces the limits; idempotent."""
    import rasa.core.run as rasa_run

    if getattr(rasa_run.configure_app, "__engine_patch__", False):
        return
    original = rasa_run.configure_app

    @functools.wraps(original)
    def configure_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        add_limits(app)
        return app

    configure_app.__engine_patch__ = True  # type: ignore[attr-defined]
    rasa_run.configure_app = configure_app


def add_limits(app: Any) -> None:
    """The size limit, the JSON error for it, and the rate-limit middleware, on a Sanic app."""
    from sanic import response
    from sanic.exceptions import PayloadTooLarge

    limit = max_request_bytes()
    app.config.REQUEST_MAX_SIZE = limit

    def too_large(request: Any, exception: Exception) -> Any:
        return response.json(too_large_body(limit), status=413)

    app.error_handler.add(PayloadTooLarge, too_large)

    async def limit_requests(request: Any) -> Any:
        if request.path in EXEMPT_PATHS:
            return None
        # Behind nginx (the scale-out profile) the peer is the proxy: Sanic reads the client's address
        # from X-Forwarded-For into remote_addr when SANIC_PROXIES_COUNT is set; else it stays empty.
        retry_after = ip_limiter().check(request.remote_addr or request.ip or "unknown")
        if retry_after is None and request.method == "POST":
            found = sender_of(request.path, request.body or b"", request.headers.get("content-type", ""))
            if found is not None:
                retry_after = sender_allowed(*found)
        if retry_after is not None:
            logger.warning("Rate limit: %s %s refused for %d s", request.method, request.path, retry_after)
            return response.json(
                too_many_requests_body(retry_after), status=429, headers={"Retry-After": str(retry_after)}
            )
        return None

    app.register_middleware(limit_requests, "request")
