"""A message delivered twice is handled once: a re-delivery is answered from the tracker.

Why: in the scale-out profile nginx re-sends a message to the next Rasa server when the one it
was sent to fails (`proxy_next_upstream ... non_idempotent`, operations/templates/nginx.conf.j2).
A server that died while handling it has saved nothing, and the next one handles it once. But a
server that died after saving the turn and before its reply left (or one too slow for nginx's
read time-out, still working) had handled it already: the next server handled it again, and the
conversation held the message and its replies twice — a cancellation asked about twice, a
message to the team stored twice. The fault test caught one such turn in a few hundred.

So every delivery carries an id (`assistant.names.METADATA_DELIVERY_KEY`: nginx's `$request_id`,
which it keeps when it re-sends, or a client's own `X-Request-ID`; engine/channels/rest.py). Under
the conversation's lock — after the first delivery finished or its server's lock ran out — the
processor looks for that id among the conversation's messages. Found, the replies stored after it
are sent again and nothing is handled; not found, the message is handled as before. A message
without an id (every other channel, a client that sends none) is handled as before.
"""

from __future__ import annotations

import logging
from typing import Any

from assistant.names import METADATA_DELIVERY_KEY

logger = logging.getLogger(__name__)

_MARK = "__engine_redelivery__"


def delivery_id(metadata: Any) -> str | None:
    """The delivery id a channel put on a message's metadata, if any."""
    value = metadata.get(METADATA_DELIVERY_KEY) if isinstance(metadata, dict) else None
    return value if isinstance(value, str) and value else None


def replies_to_delivery(events: list[Any], delivery: str) -> list[Any] | None:
    """The bot events that answered the delivery `delivery`, or None when it was never handled.

    A multi-part message is several user events with the delivery's metadata (engine/multipart.py):
    the answer runs from the first of them to the next user message of another delivery.
    """
    replies: list[Any] | None = None
    for event in events:
        kind = getattr(event, "type_name", None)
        if kind == "user":
            if delivery_id(getattr(event, "metadata", None)) == delivery:
                replies = [] if replies is None else replies
            elif replies is not None:
                break
        elif kind == "bot" and replies is not None:
            replies.append(event)
    return replies


def install() -> None:
    """Wrap `MessageProcessor.handle_message` (after engine.multipart's) so that a re-delivery is not handled."""
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor

    handle = MessageProcessor.handle_message
    if getattr(handle, _MARK, False):
        return

    async def handle_message(self: MessageProcessor, message: Any) -> list[dict[str, Any]] | None:
        delivery = delivery_id(message.metadata)
        if delivery is not None:
            tracker = await self.tracker_store.retrieve(message.sender_id)
            replies = replies_to_delivery(list(tracker.events), delivery) if tracker is not None else None
            if replies is not None:
                logger.info("Delivery %s of %s was handled already: its replies again.", delivery, message.sender_id)
                for reply in replies:
                    await message.output_channel.send_response(message.sender_id, reply.message())
                if isinstance(message.output_channel, CollectingOutputChannel):
                    return message.output_channel.messages  # type: ignore[no-any-return]
                return None
        return await handle(self, message)

    setattr(handle_message, _MARK, True)
    handle_message.__wrapped__ = handle  # type: ignore[attr-defined]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    logger.debug("engine patch: a message delivered twice is handled once")
