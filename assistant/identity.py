"""Signed identity tokens (HS256).

Three kinds share one secret and are kept apart by their audience, so a token
issued for one purpose can never be replayed for another:

- `channel` tokens: a trusted channel (the website, once the person logged in)
  vouches for a customer or an employee; passed in the message metadata.
- `session` proofs: issued by the action server when a customer passed the
  identity check, bound to one conversation (sender id). Kept in a slot, so the
  proof travels with the conversation but cannot be forged or moved to another.
- `payment` links: open the payment page of one invoice.
- `connector` proofs: the Rasa server's own input channel (REST, socket.io, Slack,
  Telegram) vouches for which channel a message came in on, who sent it there and
  from which client (IP or platform account). The channel name Rasa records can be
  chosen by a REST caller; this proof cannot, so identity by channel (a Slack or
  Telegram account linked to an employee) and the guessing caps rely on it alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import jwt

# Re-exported: the channels and the actions have always read the metadata keys from here.
from assistant.names import METADATA_PROOF_KEY as METADATA_PROOF_KEY
from assistant.names import METADATA_TOKEN_KEY as METADATA_TOKEN_KEY

ALGORITHM = "HS256"
Role = Literal["customer", "employee"]

AUD_CHANNEL = "assistant:channel"
AUD_SESSION = "assistant:session"
AUD_PAYMENT = "assistant:payment"
AUD_CONNECTOR = "assistant:connector"
CONNECTOR_PROOF_TTL_S = 600


@dataclass(frozen=True)
class Identity:
    """Who is speaking, as established by a verified token."""

    role: Role
    subject: str
    name: str | None = None


@dataclass(frozen=True)
class ConnectorProof:
    """What a connector verified about one message: its channel, its sender and the client that sent it."""

    channel: str
    sender_id: str
    client: str


def _encode(claims: dict[str, Any], secret: str, ttl_s: int) -> str:
    now = int(time.time())
    return jwt.encode({**claims, "iat": now, "exp": now + ttl_s}, secret, algorithm=ALGORITHM)


def _decode(token: str, secret: str, audience: str) -> dict[str, Any] | None:
    if not token or not isinstance(token, str) or len(token) > 4096:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=[ALGORITHM], audience=audience, options={"require": ["exp", "sub"]}
        )
    except jwt.PyJWTError:
        return None
    return claims


def issue_channel_token(role: Role, subject: str, secret: str, name: str | None = None, ttl_s: int = 3600) -> str:
    """A token a trusted channel puts in the message metadata under `auth_token`."""
    claims: dict[str, Any] = {"sub": subject, "role": role, "aud": AUD_CHANNEL}
    if name:
        claims["name"] = name
    return _encode(claims, secret, ttl_s)


def read_channel_token(token: str | None, secret: str) -> Identity | None:
    """The identity a valid channel token vouches for; None for a missing, bad or expired one."""
    claims = _decode(token or "", secret, AUD_CHANNEL)
    if claims is None or claims.get("role") not in ("customer", "employee"):
        return None
    return Identity(role=claims["role"], subject=str(claims["sub"]), name=claims.get("name"))


def issue_session_proof(customer_id: int, sender_id: str, secret: str, ttl_s: int = 8 * 3600) -> str:
    """Proof that this conversation passed the identity check for `customer_id`."""
    return _encode({"sub": str(customer_id), "sid": sender_id, "aud": AUD_SESSION}, secret, ttl_s)


def read_session_proof(proof: str | None, sender_id: str, secret: str) -> int | None:
    """The verified customer id, if `proof` is valid *for this conversation*."""
    claims = _decode(proof or "", secret, AUD_SESSION)
    if claims is None or claims.get("sid") != sender_id:
        return None
    try:
        return int(claims["sub"])
    except (TypeError, ValueError):
        return None


def issue_payment_token(invoice_number: str, secret: str, ttl_s: int = 7 * 24 * 3600) -> str:
    """The signed part of a payment link for one invoice."""
    return _encode({"sub": invoice_number, "aud": AUD_PAYMENT}, secret, ttl_s)


def read_payment_token(token: str | None, secret: str) -> str | None:
    """The invoice number a valid payment token opens."""
    claims = _decode(token or "", secret, AUD_PAYMENT)
    return str(claims["sub"]) if claims else None


def issue_connector_proof(
    channel: str, sender_id: str, client: str, secret: str, ttl_s: int = CONNECTOR_PROOF_TTL_S
) -> str:
    """Signed by an input channel after it checked where a message came from (the connector's own check)."""
    return _encode({"sub": sender_id, "ch": channel, "cl": client, "aud": AUD_CONNECTOR}, secret, ttl_s)


def read_connector_proof(token: Any, sender_id: str, secret: str) -> ConnectorProof | None:
    """The connector's word on a message, if the proof is valid *for this conversation*; else None."""
    claims = _decode(token if isinstance(token, str) else "", secret, AUD_CONNECTOR)
    if claims is None or claims.get("sub") != sender_id:
        return None
    channel, client = claims.get("ch"), claims.get("cl")
    if not isinstance(channel, str) or not isinstance(client, str):
        return None
    return ConnectorProof(channel=channel, sender_id=sender_id, client=client)
