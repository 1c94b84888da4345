"""Slack, done safely: Rasa's Slack connector with forged requests refused and retries answered once.

Rasa 3.6's `SlackInput` checks the signing secret but answers a bad signature 400, drops
a retry only for some retry reasons (and then a first delivery it never handled is lost
too), answers any message in a configured channel, treats an edit or a file upload as
"not a user message" (silence), and talks only to slack.com. This subclass keeps its
signature check (`is_request_from_slack_authentic`: HMAC-SHA256 over `v0:<ts>:<body>`,
5-minute timestamp window), its mention clean-up and interactive-payload parsing, and
its reply side (`SlackBot`: text, buttons as blocks), and replaces the webhook:

- a missing or wrong signature, or a stale timestamp: 401 and nothing is processed;
- each `event_id` (and each button press: its `action_ts`) is processed once; a retry
  (`X-Slack-Retry-Num`) of one already seen is answered 200 with `X-Slack-No-Retry: 1`;
- direct messages and @mentions only; the bot's own messages, edits, deletions and
  joins are ignored; a message without text (a file upload) gets a polite text reply;
- the sender is always the Slack *user* id: the HR actions identify an employee by it
  (`actions/employee.py`), so a conversation is per person, never per channel or thread;
- replies go to the DM the message came from, or, for an @mention in a shared channel,
  ephemerally into that channel (only the asker sees them: answers can be personal);
  without a channel (an agent's reply through Rasa's HTTP API) to the user's DM;
- the Web API base URL is configurable, so tests run against a local stand-in.

Slack wants an answer within 3 seconds, so a message is handled in the background
after the webhook has answered (as Rasa does).

credentials (see bot/channels/slack.yml): slack_token, slack_signing_secret, api_url.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import parse_qs

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from assistant import catalog
from engine.channels import incoming
from engine.channels.dedupe import SeenUpdates
from engine.channels.payloads import agent_name, source_titles

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
RETRY_NUM_HEADER = "X-Slack-Retry-Num"
RETRY_REASON_HEADER = "X-Slack-Retry-Reason"
NO_RETRY = {"X-Slack-No-Retry": "1"}
# Message subtypes a person sends; every other one (edits, deletions, joins, bot posts) is not for us.
PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})
# What the channel replies itself to a file without text (reply catalog, domain.yml).
UNSUPPORTED_MESSAGE = "utter_text_only"


def mrkdwn_escape(text: str) -> str:
    """Slack reads `<...>` as links and mentions (`<!channel>` pings everyone): send text as text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackApiOutput(SlackBot):
    """Rasa's Slack replies (text, buttons as blocks), sent to a configurable Web API base URL.

    With `only_for` set (a question asked by @mention in a shared channel), every reply is
    ephemeral: shown in that channel to the person who asked and to nobody else. The bot
    answers personal questions (a leave balance, an order), and a channel is not the place
    to post them.
    """

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        only_for: str | None = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id)
        self.client = AsyncWebClient(token, base_url=api_url)
        self.only_for = only_for

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        if self.only_for is None:
            await super()._post_message(channel, **kwargs)
            return
        kwargs.pop("as_user", None)
        await self.client.chat_postEphemeral(channel=channel, user=self.only_for, **kwargs)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """A person's reply (`{"custom": {"agent": name}}`) is one message signed with their name,
        so the user can tell it from the bot's; everything else goes out as Rasa sends it."""
        agent = agent_name(message)
        if agent and message.get("text"):
            text = f"*{mrkdwn_escape(str(agent))}* (Northwind team): {mrkdwn_escape(message['text'])}"
            await self._post_message(channel=self.slack_channel or recipient_id, as_user=True, text=text)
            return
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await super().send_text_message(recipient_id, mrkdwn_escape(text), **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Sources of an answer (`{"sources": [...]}`) as a compact context block; other payloads as Rasa does."""
        sources = json_message.get("sources")
        if isinstance(sources, list):
            titles = source_titles(sources)
            if titles:
                line = "Source: " + "; ".join(mrkdwn_escape(title) for title in titles)
                block = {"type": "context", "elements": [{"type": "mrkdwn", "text": line}]}
                await self._post_message(channel=self.slack_channel or recipient_id, text=line, blocks=[block])
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class SlackChannel(SlackInput):
    """The `slack` channel (same name, same webhook path as Rasa's), with the checks above."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None  # raise_missing_credentials_exception never returns
        for required in ("slack_token", "slack_signing_secret"):
            if not str(credentials.get(required) or "").strip():
                raise RasaException(f"The Slack channel needs `{required}` in its credentials.")
        return cls(
            slack_token=str(credentials["slack_token"]),
            slack_signing_secret=str(credentials["slack_signing_secret"]),
            api_url=str(credentials.get("api_url") or DEFAULT_API_URL),
        )

    def __init__(self, slack_token: str, slack_signing_secret: str, api_url: str = DEFAULT_API_URL) -> None:
        # Granularity "sender": the conversation id is the Slack user id (employee identity).
        super().__init__(
            slack_token, slack_signing_secret=slack_signing_secret, conversation_granularity="sender", use_threads=False
        )
        self.api_url = api_url
        self.seen = SeenUpdates()

    def get_output_channel(
        self, channel: str | None = None, thread_id: str | None = None, only_for: str | None = None
    ) -> SlackApiOutput:
        """Replies into `channel` (ephemeral, for `only_for`, in a shared channel); with no channel
        (an agent's reply through Rasa's API), the user's DM: Slack posts a message addressed to a
        user id into that user's DM with the app."""
        return SlackApiOutput(self.slack_token, self.api_url, channel, thread_id, only_for)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @slack_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.is_request_from_slack_authentic(request):
                logger.warning("Slack: request with a missing or wrong signature (or a stale timestamp) refused")
                return response.json({"error": "invalid signature"}, status=401)
            retry = request.headers.get(RETRY_NUM_HEADER)
            headers = NO_RETRY if retry else {}
            payload = self._payload(request)
            if payload is None or not isinstance(payload.get("type"), str):
                return response.json({"error": "not a Slack event or interaction"}, status=400)
            if payload["type"] == "url_verification":
                return response.json({"challenge": payload.get("challenge")})
            if payload["type"] == "event_callback" and not (
                isinstance(payload.get("event"), dict) and payload.get("event_id")
            ):
                return response.json({"error": "an event_callback needs its event and event_id"}, status=400)
            key = self._delivery_key(payload)
            if key is None:  # app_rate_limited, view submissions, shortcuts...: nothing to answer
                return response.text("", headers=headers)
            if not self.seen.first_time(key):
                logger.info(
                    "Slack: %s delivered again (retry %s, %s); already handled",
                    key,
                    retry,
                    request.headers.get(RETRY_REASON_HEADER),
                )
                return response.text("", headers=headers)
            self._start(self._handle(payload, on_new_message))
            return response.text("", headers=headers)

        return slack_webhook

    @staticmethod
    def _payload(request: Request) -> dict[str, Any] | None:
        """The Events API JSON body, or an interaction's form-encoded `payload`; None if unreadable."""
        try:
            if (request.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded"):
                payload = json.loads(parse_qs(request.body.decode())["payload"][-1])
            else:
                payload = json.loads(request.body or b"")
        except (ValueError, KeyError, UnicodeDecodeError):
            return None
        return payload if isinstance(payload, dict) else None

    @staticmethod
    def _delivery_key(payload: dict[str, Any]) -> str | None:
        """What makes a delivery the same one again: the event id, or the button press's `action_ts`
        (a press has no id of its own). None for payloads this channel does not handle."""
        if payload.get("type") == "event_callback":
            return f"event:{payload['event_id']}"
        actions = payload.get("actions")
        if isinstance(actions, list) and actions and isinstance(actions[0], dict):
            stamp = actions[0].get("action_ts") or payload.get("trigger_id")
            user = (payload.get("user") or {}).get("id")
            return f"action:{user}:{stamp}" if stamp and user else None
        return None

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the webhook has answered (Slack wants an answer within 3 s); keep a
        reference so that the task is not collected before it is done."""
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._background_tasks.add(task)
        task.add_done_callback(self._background_tasks.discard)

    async def _handle(self, payload: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        try:
            if payload.get("type") == "event_callback":
                await self._handle_event(payload, on_new_message)
            else:
                await self._handle_interaction(payload, on_new_message)
        except Exception:
            logger.exception("Slack: handling %s failed", self._delivery_key(payload))

    async def _handle_event(
        self, payload: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        event: dict[str, Any] = payload["event"]
        bot_user = self._bot_user(payload)
        if event.get("type") not in ("message", "app_mention"):
            return
        if event.get("bot_id") or event.get("subtype") not in PERSON_SUBTYPES:
            return  # the bot's own posts, edits (message_changed), deletions, joins...
        user, channel = event.get("user"), event.get("channel")
        if not user or not channel or user == bot_user:
            return
        if not (self._is_direct_message(payload) or self._is_app_mention(payload)):
            return  # a channel message that does not mention the bot: not for us
        text = self._sanitize_user_message(str(event.get("text") or ""), [bot_user] if bot_user else [])
        only_for = None if self._is_direct_message(payload) else str(user)
        if not text:
            await self.get_output_channel(channel, only_for=only_for).send_text_message(
                user, catalog.text(UNSUPPORTED_MESSAGE)
            )
            return
        metadata = {
            "out_channel": channel,
            "thread_id": event.get("thread_ts", event.get("ts")),
            "users": [bot_user] if bot_user else [],
            "slack_event_id": payload.get("event_id"),
        }
        await self._deliver(text, str(user), channel, metadata, on_new_message, only_for)

    async def _handle_interaction(
        self, payload: dict[str, Any], on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        if not self._is_interactive_message(payload):
            return
        text = self._get_interactive_response(payload["actions"][0])
        user = (payload.get("user") or {}).get("id")
        channel = (payload.get("channel") or {}).get("id")
        if text is None or not user:
            return  # a link button has no value: nothing to tell the bot
        message = payload.get("message") or {}
        metadata = {"out_channel": channel, "thread_id": message.get("thread_ts", message.get("ts")), "users": [user]}
        only_for = None if str(channel or "").startswith("D") else str(user)  # DM channel ids start with D
        await self._deliver(str(text), str(user), channel, metadata, on_new_message, only_for)

    async def _deliver(
        self,
        text: str,
        user: str,
        channel: str | None,
        metadata: dict[str, Any],
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        only_for: str | None = None,
    ) -> None:
        output = self.get_output_channel(channel, only_for=only_for)
        refusal = incoming.too_long(text)
        if refusal is not None:
            await output.send_text_message(user, refusal)
            return
        # The signature proved Slack sent this request: the channel vouches for the Slack user.
        metadata = incoming.stamped(metadata, self.name(), user, client=f"slack:{user}")
        await on_new_message(UserMessage(text, output, user, input_channel=self.name(), metadata=metadata))

    @staticmethod
    def _bot_user(payload: dict[str, Any]) -> str | None:
        """The app's own user id in this workspace (to drop its messages and strip its mention)."""
        authorizations = payload.get("authorizations") or []
        if authorizations and isinstance(authorizations[0], dict) and authorizations[0].get("is_bot"):
            return authorizations[0].get("user_id")
        authed = payload.get("authed_users") or []
        return str(authed[0]) if authed else None
