"""A stand-in for Telegram's Bot API on 127.0.0.1: it records what the bot sends and answers like Telegram.

The Rasa server's Telegram channel is pointed at it (TELEGRAM_API_URL), so the tests
see exactly the Bot API calls a real deployment would make: `setWebhook` at start-up,
`sendMessage` for every reply (with `reply_markup` for buttons), `answerCallbackQuery`
for button presses. Requests arrive as `/bot<token>/<method>` with form-encoded or
JSON bodies, as the aiogram client sends them.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from typing import Any

from tests.support.standin_http import JsonHandler, serve_in_background


@dataclass(frozen=True)
class ApiCall:
    """One Bot API call as received: the method, the token in the URL, the parameters."""

    method: str
    token: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> str:
        return str(self.params.get("chat_id", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Inline keyboard buttons of a sendMessage, flattened."""
        markup = self.params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]


@dataclass
class TelegramStandIn:
    """The recorded calls, and waiting for the ones a test expects."""

    bot_username: str
    calls: list[ApiCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, call: ApiCall) -> None:
        with self.lock:
            self.calls.append(call)

    def of(self, method: str, chat_id: str | int | None = None) -> list[ApiCall]:
        with self.lock:
            return [
                call
                for call in self.calls
                if call.method == method and (chat_id is None or call.chat_id == str(chat_id))
            ]

    def messages_to(self, chat_id: str | int) -> list[ApiCall]:
        return self.of("sendMessage", chat_id)

    def wait_for_messages(self, chat_id: str | int, count: int, timeout_s: float = 10.0) -> list[ApiCall]:
        """The first `count` messages sent to the chat, waiting up to `timeout_s` for them."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.messages_to(chat_id)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.messages_to(chat_id)

    def answer(self, method: str, params: dict[str, Any]) -> Any:
        """What Telegram would return for the call (the `result` field)."""
        if method == "getMe":
            return {"id": 4242, "is_bot": True, "first_name": "Northwind", "username": self.bot_username}
        if method in ("sendMessage", "sendPhoto"):
            chat_id = int(params.get("chat_id", 0))
            return {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
            }
        return True


def serve(port: int, bot_username: str) -> tuple[TelegramStandIn, ThreadingHTTPServer]:
    """Start the stand-in on 127.0.0.1:`port` in a daemon thread; `server.shutdown()` stops it."""
    standin = TelegramStandIn(bot_username)

    class Handler(JsonHandler):
        def do_POST(self) -> None:
            parts = self.path.strip("/").split("/")
            if len(parts) != 2 or not parts[0].startswith("bot"):
                self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            token, method = parts[0].removeprefix("bot"), parts[1]
            params = self.params()
            standin.record(ApiCall(method, token, params))
            self.reply(200, {"ok": True, "result": standin.answer(method, params)})

        do_GET = do_POST

    server = serve_in_background(port, Handler, "telegram-standin")
    return standin, server
