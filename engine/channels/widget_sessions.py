"""The widget's session ids: issued by the socket.io channel, signed, and only those are ever resumed.

A conversation id is a secret the browser was given. Were any well-formed id accepted,
anyone who knew or guessed one (a REST sender id, a seeded demo conversation) could read
that conversation's history through the widget channel and speak in it as the customer it
had verified. So an id is `<32 random hex>_<HMAC-SHA256 of it, 128 bits, base64url>`, signed
with `IDENTITY_SECRET`: the channel resumes an id only when its signature verifies, and a
REST sender id — which it never signed — can never be joined. The shape still fits what the
widget's feedback route accepts (`[A-Za-z0-9_-]{16,64}`, 55 characters).

No `rasa` import: plain functions, tested in the app environment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets

SECRET_ENV = "IDENTITY_SECRET"
NONCE_HEX = 32
TAG_BYTES = 16  # a truncated HMAC-SHA256: 2^128 guesses to forge one
# Only this purpose is signed here with the identity secret (it also signs JWTs): never the same input.
DOMAIN = b"northwind-widget-session:"
SESSION_RE = re.compile(rf"([0-9a-f]{{{NONCE_HEX}}})_([A-Za-z0-9_-]{{22}})")


class MissingSecret(RuntimeError):
    """The Rasa server was started without the secret the widget's session ids are signed with."""


def secret_from_env() -> str:
    """The signing secret, read where the engine runs; a clear error at start when it is missing."""
    secret = os.environ.get(SECRET_ENV, "")
    if not secret.strip():
        raise MissingSecret(
            f"{SECRET_ENV} is not set in the Rasa server's environment: the widget channel signs its "
            "session ids with it. Start the stack with `make run` (it passes the setting on) or export it."
        )
    return secret


def _tag(nonce: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), DOMAIN + nonce.encode(), hashlib.sha256).digest()[:TAG_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def issue(secret: str) -> str:
    """A new session id: random, and signed so that only this channel could have issued it."""
    nonce = secrets.token_hex(NONCE_HEX // 2)
    return f"{nonce}_{_tag(nonce, secret)}"


def verify(session_id: object, secret: str) -> bool:
    """True only for an id this channel issued (with this secret); constant-time on the signature."""
    if not isinstance(session_id, str):
        return False
    match = SESSION_RE.fullmatch(session_id)
    return match is not None and hmac.compare_digest(match.group(2), _tag(match.group(1), secret))
