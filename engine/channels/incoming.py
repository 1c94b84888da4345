"""What every input channel checks before a message reaches the NLU: no `rasa` import, plain data in and out.

- **Bounded input.** A message longer than `CHANNEL_MAX_MESSAGE_CHARS` (default 2,000, the
  widget's own limit) is refused before the NLU sees it: parsing cost grows faster than the
  length, so one huge message could stall the server for everyone.
- **Only proof is trusted.** Of a message's metadata the actions read two keys: the signed
  identity token (`auth_token`, which they verify) and the channel's own signed proof
  (`stamped`: which channel the message came in on, who sent it and from which client). A
  client's `connector_proof` is dropped; the browser channel keeps nothing but the token, and
  REST keeps an API client's other keys for its own bookkeeping (load-test turn ids), which
  nothing trusts. The actions never read the `input_channel` Rasa records: a REST caller can name it.

The identity secret reaches the Rasa process as `IDENTITY_SECRET` (the supervisor passes it).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from assistant import catalog, formatting
from assistant.identity import METADATA_PROOF_KEY, METADATA_TOKEN_KEY, issue_connector_proof
from assistant.names import METADATA_DELIVERY_KEY

DEFAULT_MAX_MESSAGE_CHARS = 2000
MAX_TOKEN_CHARS = 4096
MAX_SENDER_CHARS = 128
MAX_METADATA_CHARS = 8192
# Written only by our channels: a client's copy is dropped (the token is kept only if well formed).
RESERVED_METADATA_KEYS = frozenset({METADATA_PROOF_KEY, METADATA_TOKEN_KEY, METADATA_DELIVERY_KEY})
SENDER_RE = re.compile(r"[^\x00-\x1f\x7f]+")
# A delivery id as nginx's `$request_id` (32 hex digits) or a client's idempotency key (a UUID, a ULID...).
DELIVERY_ID_RE = re.compile(r"[A-Za-z0-9._:-]{8,128}")

# The reply to a message over the limit (reply catalog, domain.yml).
MESSAGE_TOO_LONG = "utter_message_too_long"


class BadRequest(ValueError):
    """A message a channel cannot take; the text says why, for the caller."""


class MissingSecret(RuntimeError):
    """The Rasa server was started without the identity secret its channels sign with."""


def identity_secret() -> str:
    """The secret the channels sign their proofs with; refuses to run without one."""
    secret = os.environ.get("IDENTITY_SECRET", "")
    if not secret:
        raise MissingSecret("IDENTITY_SECRET is not set for the Rasa server: its channels cannot sign their proofs.")
    return secret


def max_message_chars() -> int:
    """The longest message any channel takes (CHANNEL_MAX_MESSAGE_CHARS)."""
    try:
        return max(1, int(os.environ.get("CHANNEL_MAX_MESSAGE_CHARS", DEFAULT_MAX_MESSAGE_CHARS)))
    except ValueError:
        return DEFAULT_MAX_MESSAGE_CHARS


def too_long(text: str) -> str | None:
    """The reply for a message over the limit, or None when it is within it."""
    limit = max_message_chars()
    if len(text) <= limit:
        return None
    return catalog.text(MESSAGE_TOO_LONG, length=formatting.number(len(text)), limit=formatting.number(limit))


def trusted_metadata(metadata: Any) -> dict[str, str]:
    """Of what a client sent as metadata, only the signed identity token (checked later, by the actions)."""
    token = metadata.get(METADATA_TOKEN_KEY) if isinstance(metadata, dict) else None
    if isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS:
        return {METADATA_TOKEN_KEY: token}
    return {}


def client_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """What an API client may attach to a message for its own bookkeeping (kept in the tracker, trusted by
    nobody): everything but the keys only our channels write, and the token only if it is well formed."""
    if len(json.dumps(metadata, default=str)) > MAX_METADATA_CHARS:
        raise BadRequest(f"`metadata` may be at most {MAX_METADATA_CHARS:,} characters of JSON.")
    kept = {key: value for key, value in metadata.items() if key not in RESERVED_METADATA_KEYS}
    return {**kept, **trusted_metadata(metadata)}


def stamped(metadata: dict[str, Any], channel: str, sender_id: str, client: str) -> dict[str, Any]:
    """`metadata` with this channel's signed word on where the message came from."""
    proof = issue_connector_proof(channel, sender_id, client, identity_secret())
    return {**metadata, METADATA_PROOF_KEY: proof}


def with_delivery_id(metadata: dict[str, Any], header: str | None) -> dict[str, Any]:
    """`metadata` with the delivery's id from the `X-Request-ID` header, when it has a well-formed one.

    nginx gives every request an id and keeps it when it re-sends the request to the next Rasa
    server (operations/templates/nginx.conf.j2); a client may send its own, to retry safely. One
    that is not an id (too short, too long, other characters) is ignored: the message is handled as
    if it had none, like every message before delivery ids existed.
    """
    if header is None or not DELIVERY_ID_RE.fullmatch(header.strip()):
        return metadata
    return {**metadata, METADATA_DELIVERY_KEY: header.strip()}


@dataclass(frozen=True)
class RestMessage:
    """A REST channel request, checked: who sends, what, and the only metadata kept."""

    sender_id: str
    text: str
    metadata: dict[str, Any]


def rest_message(body: Any) -> RestMessage:
    """Read a REST request body as Rasa's REST channel does, refusing what it would take silently.

    Rasa answers `200 []` to metadata sent as a string, and files a message without a
    sender under the shared conversation `default`; here both are a 400 with the reason.
    `input_channel` is ignored: the REST channel speaks only for itself.
    """
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object with `sender` and `message`.")
    sender = body.get("sender")
    if isinstance(sender, int) and not isinstance(sender, bool):
        sender = str(sender)
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("`sender` is required: a string that names the conversation.")
    if len(sender) > MAX_SENDER_CHARS or not SENDER_RE.fullmatch(sender):
        raise BadRequest(f"`sender` must be at most {MAX_SENDER_CHARS} printable characters.")
    text = body.get("message")
    if not isinstance(text, str) or not text.strip():
        raise BadRequest("`message` is required: the text the user wrote.")
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadRequest('`metadata` must be a JSON object (for example {"auth_token": "..."}).')
    return RestMessage(sender_id=sender, text=text, metadata=client_metadata(metadata or {}))


def other_channel_in(events: list[Any], channel: str) -> str | None:
    """The first channel other than `channel` that a user message of this conversation came in on, if any.

    Not only the first message counts: a conversation REST started under someone's Slack or
    Telegram id is theirs, not REST's, from the moment that person writes on their channel.
    """
    for event in events:
        if getattr(event, "type_name", None) == "user":
            other = getattr(event, "input_channel", None)
            if other and other != channel:
                return str(other)
    return None
