"""Telegram, done safely: Rasa's Telegram connector with the webhook secret checked and updates handled once.

Rasa 3.6's `TelegramInput` trusts any POST to its webhook (it only compares the bot's
own username, fetched from Telegram on every update), handles a re-delivered update
twice, uses the chat id as the sender (in a group that is everyone at once), and sets
the webhook from a blocking call while the server is being built. This subclass keeps
its reply side (`TelegramOutput`: text, inline keyboards) and replaces the webhook:

- `X-Telegram-Bot-Api-Secret-Token` must equal the secret registered with `setWebhook`
  (compared in constant time); otherwise 401 and nothing is processed;
- each `update_id` is processed once (a bounded memory of recent ids per process);
- the sender is the Telegram *user* id, in private chats only: our employee identity
  (a Telegram account linked to an employee) is per person, never per group;
- stickers, photos, voice and other non-text messages get a polite text reply;
- the Bot API base URL is configurable, so tests run against a local stand-in;
- the webhook is registered (with its secret) once the server's event loop runs.

credentials (see bot/channels/telegram.yml): access_token, verify (the bot's username),
webhook_url, secret_token, api_base_url.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant import catalog
from engine.channels import incoming
from engine.channels.dedupe import SeenUpdates
from engine.channels.payloads import agent_name, source_titles

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_API_BASE_URL = "https://api.telegram.org"
# What the channel replies itself (reply catalog, domain.yml): a photo or sticker; a group chat.
UNSUPPORTED_MESSAGE = "utter_text_only"
PRIVATE_CHAT_ONLY = "utter_private_chat_only"


class TelegramApiOutput(TelegramOutput):
    """Rasa's Telegram replies (text, inline keyboards), sent to a configurable Bot API server."""

    def __init__(self, access_token: str, api_base_url: str = DEFAULT_API_BASE_URL) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_base_url))

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """A person's reply (`{"custom": {"agent": name}}`) is signed with their name, so the user
        can tell it from the bot's; everything else goes out as Rasa sends it."""
        agent = agent_name(message)
        if agent and message.get("text"):
            await self.send_message(recipient_id, f"{agent} (Northwind team): {message['text']}")
            return
        await super().send_response(recipient_id, message)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Sources of an answer (`{"sources": [...]}`) as one compact line; other payloads as Rasa does."""
        sources = json_message.get("sources")
        if isinstance(sources, list):
            titles = source_titles(sources)
            if titles:
                await self.send_message(recipient_id, "Source: " + "; ".join(titles))
            return
        await super().send_custom_json(recipient_id, json_message, **kwargs)


class TelegramChannel(TelegramInput):
    """The `telegram` channel (same name, same webhook path as Rasa's), with the checks above."""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        assert credentials is not None  # raise_missing_credentials_exception never returns
        for required in ("access_token", "secret_token"):
            if not str(credentials.get(required) or "").strip():
                raise RasaException(f"The Telegram channel needs `{required}` in its credentials.")
        return cls(
            access_token=str(credentials["access_token"]),
            verify=credentials.get("verify"),
            webhook_url=credentials.get("webhook_url"),
            secret_token=str(credentials["secret_token"]),
            api_base_url=str(credentials.get("api_base_url") or DEFAULT_API_BASE_URL),
        )

    def __init__(
        self,
        access_token: str,
        verify: str | None,
        webhook_url: str | None,
        secret_token: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.secret_token = secret_token
        self.api_base_url = api_base_url
        self.seen_updates = SeenUpdates()
        self._output: TelegramApiOutput | None = None

    def get_output_channel(self) -> TelegramApiOutput:
        """One Bot API client for this channel (also used for agent replies through Rasa's API)."""
        if self._output is None:
            self._output = TelegramApiOutput(str(self.access_token), self.api_base_url)
        return self._output

    def secret_matches(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    async def register_webhook(self) -> None:
        """Tell Telegram where to post updates, and the secret to send with them."""
        if not self.webhook_url:
            logger.warning("Telegram: no webhook_url; register the webhook yourself.")
            return
        bot = self.get_output_channel()
        try:
            await bot.request("setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token})
            logger.info("Telegram webhook registered: %s", self.webhook_url)
        except Exception as error:  # the channel still answers updates if the webhook was set before
            logger.error("Telegram: could not register the webhook %s: %s", self.webhook_url, error)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def register(_app: Any, _loop: Any) -> None:
            await self.register_webhook()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.secret_matches(request):
                logger.warning("Telegram: update with a missing or wrong secret token refused")
                return response.json({"error": "invalid secret token"}, status=401)
            try:
                update = Update(**(request.json or {}))
            except Exception:
                return response.json({"error": "not a Telegram update"}, status=400)
            if update.update_id is None:
                return response.json({"error": "not a Telegram update"}, status=400)
            if not self.seen_updates.first_time(update.update_id):
                logger.info("Telegram: update %s re-delivered; already handled", update.update_id)
                return response.text("success")
            await self.handle_update(update, on_new_message)
            return response.text("success")  # always 200 once accepted, so Telegram does not re-deliver

        return telegram_webhook

    async def handle_update(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        bot = self.get_output_channel()
        if update.callback_query is not None:  # a button
            query = update.callback_query
            message, text, user = query.message, query.data, query.from_user
            try:
                await bot.answer_callback_query(query.id)
            except Exception as error:  # only stops the client's spinner
                logger.debug("Telegram: answerCallbackQuery failed: %s", error)
        elif update.message is not None:
            message, user = update.message, update.message.from_user
            text = message.text
        else:
            return  # edits, channel posts, member updates...: nothing to answer
        if message is None or user is None:
            return
        chat_id = message.chat.id
        if message.chat.type != "private":
            await self._say(chat_id, catalog.text(PRIVATE_CHAT_ONLY))
            return
        if not text:
            await self._say(chat_id, catalog.text(UNSUPPORTED_MESSAGE))
            return
        refusal = incoming.too_long(text)
        if refusal is not None:
            await self._say(chat_id, refusal)
            return
        sender_id = str(user.id)
        # The secret token proved Telegram sent this update: the channel vouches for the Telegram user.
        metadata = incoming.stamped(
            {"telegram_chat_id": chat_id, "telegram_message_id": getattr(message, "message_id", None)},
            self.name(),
            sender_id,
            client=f"telegram:{sender_id}",
        )
        try:
            await on_new_message(UserMessage(text, bot, sender_id, input_channel=self.name(), metadata=metadata))
        except Exception:
            logger.exception("Telegram: handling update %s failed", update.update_id)

    async def _say(self, chat_id: int, text: str) -> None:
        try:
            await self.get_output_channel().send_message(chat_id, text)
        except Exception as error:
            logger.error("Telegram: could not reply to chat %s: %s", chat_id, error)
