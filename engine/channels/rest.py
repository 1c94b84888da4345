"""The REST channel, done safely: Rasa's `RestInput`, speaking only for itself and only for its own conversations.

Rasa 3.6's REST channel takes `input_channel` from the request body, so any caller could
say a message came from Slack or Telegram — and identity by channel (a Slack user id, a
linked Telegram account) was identity by claim. It also files a message without a sender
under a shared conversation `default`, answers `200 []` to metadata sent as a string, takes
messages of any length and passes every metadata key on. Here (`incoming.rest_message`):

- the channel is always `rest`; the message carries the channel's signed proof (channel,
  sender, client IP), the only word on its origin the actions accept;
- of the metadata, a client's `connector_proof` is dropped (only the channel writes it) and the
  rest is kept for the client's bookkeeping; the actions read only the verified `auth_token`;
- a missing sender, a non-object body or metadata: 400 with the reason; a message over
  the length limit gets the polite reply of every channel, before the NLU sees it;
- a delivery's id (`X-Request-ID`, which nginx sets) goes with the message, so that one nginx
  re-sends after its server died is answered from the tracker, not handled twice (`engine/redelivery.py`);
- a conversation another channel has spoken in (a widget session, a Slack or Telegram user)
  cannot be written to or read through REST: 403 — also one REST started under someone's
  Slack id, once that person writes on Slack. Channels keep their conversation ids apart.

Same URL and reply shape as Rasa's (`POST /webhooks/rest/webhook` -> list of messages).
"""

from __future__ import annotations

import json
import logging
from asyncio import CancelledError
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from engine.channels import incoming

logger = logging.getLogger(__name__)

OWNERS_CACHED = 10_000
DELIVERY_HEADER = "X-Request-ID"  # one id per delivery, kept by nginx when it re-sends (engine/redelivery.py)
OTHER_CHANNEL_REASON = "This conversation belongs to another channel; choose another `sender`."


class RestChannel(RestInput):
    """`POST /webhooks/rest/webhook`: Rasa's REST channel with the checks above (named `rest`, as Rasa's)."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        super().__init__()
        self._others: OrderedDict[str, str] = OrderedDict()  # sender -> the other channel that spoke in it

    async def _other_channel(self, request: Request, sender_id: str) -> str | None:
        """Another channel this conversation belongs to, or None while only REST has spoken in it."""
        known = self._others.get(sender_id)
        if known is not None:
            return known
        agent = getattr(request.app.ctx, "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return None
        tracker = await store.retrieve(sender_id)
        other = incoming.other_channel_in(list(tracker.events), self.name()) if tracker is not None else None
        if other is not None:  # for good: a conversation never goes back to being REST's alone
            self._others[sender_id] = other
            if len(self._others) > OWNERS_CACHED:
                self._others.popitem(last=False)
        return other

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("custom_webhook_RestChannel", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            try:
                body = json.loads(request.body or b"null")
                message = incoming.rest_message(body)
            except (ValueError, UnicodeDecodeError) as error:
                reason = str(error) if isinstance(error, incoming.BadRequest) else "The body is not valid JSON."
                return response.json({"error": "bad_request", "reason": reason}, status=400)
            if await self._other_channel(request, message.sender_id) is not None:
                return response.json({"error": "forbidden", "reason": OTHER_CHANNEL_REASON}, status=403)
            refusal = incoming.too_long(message.text)
            if refusal is not None:
                return response.json([{"recipient_id": message.sender_id, "text": refusal}])
            client = request.remote_addr or request.ip or "unknown"
            metadata = incoming.stamped(message.metadata, self.name(), message.sender_id, client)
            metadata = incoming.with_delivery_id(metadata, request.headers.get(DELIVERY_HEADER))
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(  # type: ignore[attr-defined]  # Sanic 21 (the Rasa environment's) has it
                    self.stream_response(on_new_message, message.text, message.sender_id, self.name(), metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        message.text, collector, message.sender_id, input_channel=self.name(), metadata=metadata
                    )
                )
            except CancelledError:
                logger.error("REST message of %s timed out.", message.sender_id)
            except Exception:
                logger.exception("REST message of %s failed.", message.sender_id)
            return response.json(collector.messages)

        return webhook
