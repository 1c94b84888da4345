"""The website widget's channel: Rasa's socket.io channel, with Rasa's message shapes, history and only a token trusted.

Rasa 3.6's `SocketIOInput`/`SocketIOOutput` do not fit a web widget as they are:

- `send_custom_json` does `sio.emit(evt, **payload)`, which breaks on our custom payloads
  (`{"sources": [...]}` becomes keyword arguments of `emit`); here a bot message is sent in
  the shapes Rasa's channel sends — a text (with `quick_replies`), then the custom payload
  alone — so stock clients such as rasa-webchat render all of it, and our additions ride in
  `metadata` (see `widget_messages.bot_events`);
- with `python-socketio` 5.18 `enter_room` is a coroutine that Rasa never awaits, so with
  session persistence the socket never joins its session's room and no reply arrives;
- `session_request` resumes any id the browser names; here only an id this channel issued
  and signed (`widget_sessions`), so that no one joins a conversation by knowing or guessing
  its id (a REST sender id, a seeded demo conversation); any other id gets a new session;
- a socket can send any `session_id` with any message; here a socket speaks only for the
  session it was confirmed (`session_request` -> `session_confirm`) and reads only its history;
- the whole `metadata` object of a message is passed to Rasa; here only the signed identity
  token (`metadata.auth_token`, or `customData.auth_token` from rasa-webchat) is kept:
  nothing else a browser says is trusted.

Added events: `history_request` -> `history` (the conversation so far, from the tracker store,
after a reload or in a new tab), `bot_typing` (`{"typing": bool}` while a message is being
processed, so the widget's indicator also stops when the bot stays silent), `user_echo` (a
message typed in another tab of the same session) and `widget_error` (`{"error": str}`, a
message the channel refused and why). Stock clients ignore events they do not know.

Messages a person writes (the handoff's agent console) reach the widget through Rasa's
`POST /conversations/{id}/tracker/events?output_channel=socketio&execute_side_effects=true`:
`get_output_channel()` emits them to the room of the session id, like the bot's own replies.

credentials (bot/credentials.yml): user_message_evt, bot_message_evt, session_persistence,
socketio_path, namespace (Rasa's; `jwt_key` is not supported: identity travels in the token).
The Rasa server needs `IDENTITY_SECRET` in its environment (the session ids are signed with it).
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from assistant import catalog, formatting
from engine.channels import incoming, widget_messages, widget_sessions
from engine.channels.widget_messages import BadMessage
from engine.limits import sender_allowed

logger = logging.getLogger(__name__)

HISTORY_EVT = "history"
HISTORY_REQUEST_EVT = "history_request"
TYPING_EVT = "bot_typing"
ECHO_EVT = "user_echo"
ERROR_EVT = "widget_error"


class WidgetOutput(SocketIOOutput):
    """Each bot message in Rasa's shapes (a text, then its custom payload), to the room of the conversation."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        message_id = uuid.uuid4().hex[:16]  # joins a text and its sources in our widget
        for event in widget_messages.bot_events(message, message_id):
            await self._send_message(recipient_id, event)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"custom": json_message})


def client_address(environ: dict[str, Any]) -> str:
    """The browser's address: behind nginx Sanic reads it from X-Forwarded-For (SANIC_PROXIES_COUNT)."""
    request = environ.get("sanic.request")
    address = (getattr(request, "remote_addr", "") or getattr(request, "ip", "")) if request is not None else ""
    return str(address or environ.get("REMOTE_ADDR") or "unknown")


async def _enter_room(sio: AsyncServer, sid: str, room: str) -> None:
    """`enter_room` is a coroutine in python-socketio 5.x releases since 5.10 and a plain call before."""
    entered = sio.enter_room(sid, room)
    if inspect.isawaitable(entered):
        await entered


class WidgetInput(SocketIOInput):
    """The socket.io input channel of the website widget (named `socketio`, as Rasa's)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sessions: dict[str, str] = {}  # socket id -> the session id it was confirmed
        self.clients: dict[str, str] = {}  # socket id -> the browser's address (for the guessing caps)
        self.app: Sanic | None = None
        self.secret = widget_sessions.secret_from_env()  # fails the start when missing, not the first chat

    def get_output_channel(self) -> OutputChannel | None:
        """Used by Rasa's HTTP API (`output_channel=socketio`) to reach a conversation's widgets."""
        return WidgetOutput(self.sio, self.bot_message_evt) if self.sio is not None else None

    def _sender(self, sid: str) -> str | None:
        return self.sessions.get(sid) if self.session_persistence else sid

    async def _history(self, session_id: str) -> list[dict[str, Any]]:
        agent = getattr(self.app.ctx, "agent", None) if self.app is not None else None
        if agent is None or agent.tracker_store is None:
            return []
        tracker = await agent.tracker_store.retrieve(session_id)
        if tracker is None:
            return []
        return widget_messages.history([event.as_dict() for event in tracker.events])

    async def _emit(self, event: str, data: Any, **where: Any) -> None:
        """An event to a socket or a session's room, in the channel's namespace."""
        if self.sio is None:  # blueprint() sets it before the server takes any connection
            raise RuntimeError("the widget channel's socket.io server is not set up")
        await self.sio.emit(event, data, namespace=self.namespace, **where)

    async def _refuse(self, sid: str, error: str) -> None:
        """Tell the widget why its message or request was not taken (`widget_error`)."""
        await self._emit(ERROR_EVT, {"error": error}, room=sid)

    async def _send_history(self, sid: str) -> None:
        """`history_request`: the confirmed session's conversation so far, or why it cannot be had."""
        session_id = self.sessions.get(sid)
        if session_id is None:
            await self._refuse(sid, "Start a session (session_request) before asking for its history.")
            return
        try:
            messages = await self._history(session_id)
        except Exception:  # the tracker store is down: the chat still works, without its past
            logger.exception("Could not read the history of a widget session.")
            await self._refuse(sid, catalog.text("utter_history_unavailable"))
            return
        await self._emit(HISTORY_EVT, {"session_id": session_id, "messages": messages}, room=sid)

    async def _receive(
        self,
        sid: str,
        data: Any,
        output: WidgetOutput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        """A user message from a socket: for its confirmed session only, rate-limited, echoed to the session's
        other tabs, with the typing indicator on while Rasa handles it."""
        sender_id = self._sender(sid)
        if sender_id is None:
            await self._refuse(sid, "Start a session (session_request) before sending messages.")
            return
        try:
            text = widget_messages.user_text(data)
        except BadMessage as error:
            await self._refuse(sid, str(error))
            return
        retry_after = sender_allowed(self.name(), sender_id)  # messages come over the socket, not requests
        if retry_after is not None:
            await self._refuse(sid, catalog.text("utter_too_fast", seconds=formatting.number(retry_after)))
            return
        await self._emit(ECHO_EVT, {"text": text}, room=sender_id, skip_sid=sid)
        await self._emit(TYPING_EVT, {"typing": True}, room=sender_id)
        try:
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    sender_id,
                    input_channel=self.name(),
                    # The channel's own signed word: this session, from this browser's address.
                    metadata=incoming.stamped(
                        widget_messages.user_metadata(data),
                        self.name(),
                        sender_id,
                        self.clients.get(sid, "unknown"),
                    ),
                )
            )
        finally:
            await self._emit(TYPING_EVT, {"typing": False}, room=sender_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        # As Rasa's: socket.io leaves cross-origin checks to the server's CORS settings (`--cors`).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        output = WidgetOutput(sio, self.bot_message_evt)
        namespace = self.namespace

        @webhook.listener("before_server_start")
        async def keep_app(app: Sanic, _loop: Any) -> None:
            self.app = app

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=namespace)
        async def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any] | None = None) -> bool:
            logger.debug("Widget %s connected.", sid)
            self.clients[sid] = client_address(environ)
            return True

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str, *_: Any) -> None:
            self.sessions.pop(sid, None)
            self.clients.pop(sid, None)

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any = None) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            # Only an id this channel issued is resumed; anything else starts a new conversation.
            resumed = widget_sessions.verify(wanted, self.secret)
            session_id = str(wanted) if resumed else widget_sessions.issue(self.secret)
            self.sessions[sid] = session_id
            if self.session_persistence:
                await _enter_room(sio, sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(HISTORY_REQUEST_EVT, namespace=namespace)
        async def history_request(sid: str, _data: Any = None) -> None:
            await self._send_history(sid)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            await self._receive(sid, data, output, on_new_message)

        return webhook
