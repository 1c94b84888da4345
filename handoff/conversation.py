"""The agent's side of a conversation, through the Rasa server's HTTP API.

An agent's reply is appended to the conversation as a bot event marked
`{"custom": {"agent": name}}`, with Rasa's side effects on: Rasa sends it to the
user on the channel they came from (live in the widget, on Telegram) and it stays
in the tracker, so the history and the analytics see it. Handing back appends
`ConversationResumed` and runs `utter_handoff_back`, so the user hears the bot again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from assistant.names import HANDOFF_BACK_RESPONSE, LISTEN_ACTION
from handoff.tickets import Ticket, TranscriptLine
from handoff.transcript import transcript_from_events

TIMEOUT_S = 10.0
# Channels that can take a message the user did not ask for; REST answers only the request it got.
PUSH_CHANNELS = frozenset({"socketio", "telegram", "slack"})
BACK_RESPONSE = HANDOFF_BACK_RESPONSE


class ConversationUnavailable(Exception):
    """The Rasa server did not accept the request: down (`status` None), or refused it (its HTTP status)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RasaConversations:
    def __init__(self, rasa_url: str, token: str | None = None) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.token = token

    def _url(self, sender_id: str, tail: str, **params: str) -> tuple[str, dict[str, str]]:
        query = dict(params)
        if self.token:
            query["token"] = self.token
        return f"{self.rasa_url}/conversations/{quote(sender_id, safe='')}/{tail}", query

    async def _request(self, method: str, sender_id: str, tail: str, body: Any = None, **params: str) -> Any:
        url, query = self._url(sender_id, tail, **params)
        try:
            async with httpx.AsyncClient() as client:
                response = await client.request(method, url, params=query, json=body, timeout=TIMEOUT_S)
        except httpx.HTTPError as error:
            raise ConversationUnavailable(f"the Rasa server is not answering: {type(error).__name__}") from error
        if response.status_code >= 400:
            raise ConversationUnavailable(
                f"the Rasa server refused {tail}: HTTP {response.status_code}", response.status_code
            )
        return response.json() if response.content else None

    @staticmethod
    def _channel(ticket: Ticket) -> dict[str, str]:
        return {"output_channel": ticket.channel} if ticket.channel in PUSH_CHANNELS else {}

    async def transcript(self, ticket: Ticket) -> list[TranscriptLine]:
        """The conversation as it is now, including what the user wrote while waiting."""
        tracker = await self._request("GET", ticket.sender_id, "tracker", include_events="ALL")
        return transcript_from_events((tracker or {}).get("events") or [])

    async def append_events(self, sender_id: str, events: list[dict[str, Any]], **params: str) -> None:
        """Add events to a conversation through Rasa (which saves them with its lock on the conversation)."""
        await self._request("POST", sender_id, "tracker/events", events, **params)

    async def send_agent_message(self, ticket: Ticket, agent: str, text: str) -> None:
        event = {"event": "bot", "text": text, "data": {"custom": {"agent": agent}}, "metadata": {"agent": agent}}
        await self.append_events(ticket.sender_id, [event], execute_side_effects="true", **self._channel(ticket))

    async def hand_back(self, ticket: Ticket) -> None:
        """Resume the bot, let it say it is back, and listen: the next message is the bot's again.

        The closing `action_listen` matters: without it the next user turn would follow a
        bot utterance, a state no rule or story knows, and the bot would stay silent.
        """
        await self._request("POST", ticket.sender_id, "tracker/events", [{"event": "resume"}])
        await self._request("POST", ticket.sender_id, "execute", {"name": BACK_RESPONSE}, **self._channel(ticket))
        await self._request("POST", ticket.sender_id, "tracker/events", [{"event": "action", "name": LISTEN_ACTION}])
