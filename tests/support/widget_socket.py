"""A browser's socket.io connection to the widget channel, for tests that speak the widget's protocol.

python-socketio speaks what a browser's socket.io client speaks; the tests read what the
real Rasa server's widget channel sends back, in order, by event name.
"""

from __future__ import annotations

import queue
import time
from typing import Any

import socketio

REPLY_TIMEOUT_S = 30.0
EVENTS = ("session_confirm", "bot_uttered", "history", "widget_error", "bot_typing", "user_echo")


class WidgetSocket:
    """One browser's socket to the widget channel: what it was sent, in order, by event name."""

    def __init__(self, rasa_url: str) -> None:
        self.client = socketio.Client(reconnection=False)
        self.received: queue.Queue[tuple[str, Any]] = queue.Queue()
        for name in EVENTS:
            self.client.on(name, self._keeper(name))
        self.client.connect(rasa_url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=10)

    def _keeper(self, name: str) -> Any:
        return lambda data=None: self.received.put((name, data))

    def next(self, name: str) -> Any:
        """The next event called `name` (others before it are dropped)."""
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            got, data = self.received.get(timeout=left)
            if got == name:
                return data
        raise TimeoutError(name)

    def session(self, session_id: str | None = None) -> str:
        self.client.emit("session_request", {"session_id": session_id})
        confirmed = self.next("session_confirm")
        return str(confirmed["session_id"] if isinstance(confirmed, dict) else confirmed)

    def history(self) -> list[dict[str, Any]]:
        self.client.emit("history_request", {})
        messages: list[dict[str, Any]] = self.next("history")["messages"]
        return messages

    def say(self, text: str, session_id: str) -> str:
        """Send `text`; the texts of the bot's `bot_uttered` events until it stops typing."""
        self.client.emit("user_uttered", {"message": text, "session_id": session_id})
        self.next("bot_typing")  # typing on
        texts: list[str] = []
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            name, data = self.received.get(timeout=left)
            if name == "bot_uttered" and isinstance(data.get("text"), str):
                texts.append(data["text"])
            elif name == "bot_typing" and not data["typing"]:
                return "\n".join(texts)
        raise TimeoutError(text)

    def close(self) -> None:
        self.client.disconnect()
