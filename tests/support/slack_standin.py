"""A stand-in for Slack's Web API on 127.0.0.1: it records what the bot sends and answers like Slack.

The Rasa server's Slack channel is pointed at it (SLACK_API_URL), so the tests see exactly
the Web API calls a real deployment would make: `chat.postMessage` for every reply (with
`blocks` for buttons and sources), `chat.postEphemeral` for answers to an @mention in a
shared channel. Requests arrive as `/api/<method>` with the bot token
as `Authorization: Bearer …` and a JSON (or form-encoded) body, as slack_sdk sends them;
the answer is Slack's envelope, `{"ok": true, ...}`, or `{"ok": false, "error": ...}`.

Like Slack, a message addressed to a user id (`U…`) lands in that user's DM with the
app: the stand-in records the DM channel it was delivered to (`D` + the rest of the id).
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


def dm_channel(user_id: str) -> str:
    """The stand-in's DM channel between the app and `user_id` (Slack gives each pair one)."""
    return "D" + user_id[1:]


@dataclass(frozen=True)
class ApiCall:
    """One Web API call as received: the method, the bearer token, the parameters, where it landed."""

    method: str
    token: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")

    @property
    def channel(self) -> str:
        """Where Slack would post it: a user id means that user's DM with the app."""
        channel = str(self.params.get("channel") or "")
        return dm_channel(channel) if channel[:1] in ("U", "W") else channel

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or []
        return list(json.loads(blocks) if isinstance(blocks, str) else blocks)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The buttons of the message's `actions` blocks, flattened."""
        return [e for b in self.blocks if b.get("type") == "actions" for e in b.get("elements") or []]

    @property
    def context(self) -> str:
        """The text of the message's `context` blocks (an answer's sources)."""
        return " ".join(e.get("text", "") for b in self.blocks if b.get("type") == "context" for e in b["elements"])


@dataclass
class SlackStandIn:
    """The recorded calls, and waiting for the ones a test expects."""

    token: str
    calls: list[ApiCall] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stamps: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def record(self, call: ApiCall) -> None:
        with self.lock:
            self.calls.append(call)

    def messages_to(self, channel: str) -> list[ApiCall]:
        """`chat.postMessage` calls that landed in `channel` (a user id: their DM)."""
        where = dm_channel(channel) if channel[:1] in ("U", "W") else channel
        with self.lock:
            return [call for call in self.calls if call.method == "chat.postMessage" and call.channel == where]

    def ephemeral_to(self, user_id: str, channel: str) -> list[ApiCall]:
        """`chat.postEphemeral` calls shown to `user_id` in `channel` (and to nobody else)."""
        with self.lock:
            return [
                call
                for call in self.calls
                if call.method == "chat.postEphemeral"
                and call.channel == channel
                and call.params.get("user") == user_id
            ]

    def wait_for_messages(self, channel: str, count: int, timeout_s: float = 15.0) -> list[ApiCall]:
        """The first `count` messages to the channel, waiting up to `timeout_s` for them."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.messages_to(channel)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.messages_to(channel)

    def answer(self, call: ApiCall) -> dict[str, Any]:
        """What Slack would answer (its whole JSON envelope)."""
        if call.token != self.token:
            return {"ok": False, "error": "invalid_auth"}
        if call.method == "chat.postMessage":
            if not call.params.get("channel"):
                return {"ok": False, "error": "channel_not_found"}
            if not (call.text or call.blocks or call.params.get("attachments")):
                return {"ok": False, "error": "no_text"}
            ts = f"{int(time.time())}.{next(self.stamps):06d}"
            message = {"type": "message", "text": call.text, "ts": ts, "bot_id": "B0STANDIN"}
            return {"ok": True, "channel": call.channel, "ts": ts, "message": message}
        if call.method == "chat.postEphemeral":
            if not call.params.get("channel") or not call.params.get("user"):
                return {
                    "ok": False,
                    "error": "channel_not_found" if not call.params.get("channel") else "user_not_found",
                }
            if not (call.text or call.blocks):
                return {"ok": False, "error": "no_text"}
            return {"ok": True, "message_ts": f"{int(time.time())}.{next(self.stamps):06d}"}
        if call.method == "auth.test":
            return {"ok": True, "user_id": "U0BOTUSER", "bot_id": "B0STANDIN", "team_id": "T0NORTHWD"}
        return {"ok": True}


def serve(port: int, token: str) -> tuple[SlackStandIn, ThreadingHTTPServer]:
    """Start the stand-in on 127.0.0.1:`port` in a daemon thread; `server.shutdown()` stops it."""
    standin = SlackStandIn(token)

    class Handler(JsonHandler):
        def do_POST(self) -> None:
            if not self.path.startswith("/api/"):
                self.reply(404, {"ok": False, "error": "unknown_method"})
                return
            method = self.path.removeprefix("/api/").split("?")[0]
            bearer = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            params = self.params()
            call = ApiCall(method, bearer or str(params.get("token", "")), params)
            standin.record(call)
            self.reply(200, standin.answer(call))

        do_GET = do_POST

    server = serve_in_background(port, Handler, "slack-standin")
    return standin, server
