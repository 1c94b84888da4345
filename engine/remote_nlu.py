"""Messages parsed by the NLU process beside the Rasa server, and by the server itself when that fails.

Why: the Rasa server runs one event loop on one core. Under load about half of its time per
message was the NLU pipeline (MiniLM, DIET, the committee), while the machine's second core was
mostly idle. The stack therefore runs a second engine process with the same model that only
answers `POST /model/parse` (`operations/processes.py`, service `nlu`); the Rasa server awaits
its parse over loopback, and handles other conversations' dialogue meanwhile. On the 2-core
machine verified order-status throughput at 32 concurrent conversations went from 49-55 to
78-83 messages/s (docs/performance.md).

Rasa has this (`endpoints.yml: nlu:` and `RasaNLUHttpInterpreter`), but its interpreter sends
the API token in the JSON body, where the server never looks for it (so a server with a token
refuses every parse), and answers a failed parse with an empty intent, which the bot would take
for "I didn't get that". Here the token goes in the query as the API expects, and a parse the NLU
process cannot give (down, refusing, too slow, unreadable) is made by the Rasa server's own
pipeline — the same model, so the same result, only slower; after a failure the server parses
itself for `RETRY_AFTER_S` before it asks the NLU process again.

Installed by `python -m engine` when NLU_SERVER_URL is set (the supervisor sets it, with
NLU_SERVER_TOKEN, for the stack's Rasa server; never for the NLU process itself).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any

logger = logging.getLogger(__name__)

URL_ENV = "NLU_SERVER_URL"
TOKEN_ENV = "NLU_SERVER_TOKEN"
TIMEOUT_S = 5.0
RETRY_AFTER_S = 5.0
_QUALNAME = "MessageProcessor.parse_message"
REQUIRED_KEYS = ("text", "intent", "entities")


class RemoteParser:
    """Asks the NLU process for a parse; None when it cannot give one (then the caller parses itself)."""

    def __init__(self, url: str, token: str | None, timeout_s: float = TIMEOUT_S) -> None:
        self.url = url.rstrip("/") + "/model/parse"
        self.token = token
        self.timeout_s = timeout_s
        self.skip_until = 0.0
        self.sessions: dict[int, Any] = {}  # one aiohttp session per event loop

    def _session(self) -> Any:
        import aiohttp

        loop = asyncio.get_running_loop()
        session = self.sessions.get(id(loop))
        if session is None or session.closed:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))
            self.sessions[id(loop)] = session
        return session

    async def parse(self, text: str, message_id: str | None) -> dict[str, Any] | None:
        if time.monotonic() < self.skip_until:
            return None
        params = {"token": self.token} if self.token else {}
        try:
            async with self._session().post(
                self.url, params=params, json={"text": text, "message_id": message_id}
            ) as response:
                if response.status != 200:
                    self._failed(f"HTTP {response.status}")
                    return None
                data = await response.json()
        except Exception as error:  # down, refused, timed out, unreadable: the server parses itself
            self._failed(type(error).__name__)
            return None
        if not isinstance(data, dict) or any(key not in data for key in REQUIRED_KEYS):
            self._failed("an answer without text, intent and entities")
            return None
        return data

    def _failed(self, reason: str) -> None:
        self.skip_until = time.monotonic() + RETRY_AFTER_S
        logger.warning("NLU process at %s gave no parse (%s); parsing here for %.0f s", self.url, reason, RETRY_AFTER_S)


def install(environ: dict[str, str] | None = None) -> RemoteParser | None:
    """Parse through the NLU process named by NLU_SERVER_URL; nothing when it is unset. Idempotent."""
    from rasa.core import processor as rasa_processor
    from rasa.core.processor import MessageProcessor

    from engine.patches import still_rasas_own

    environ = dict(os.environ if environ is None else environ)
    url = environ.get(URL_ENV, "").strip()
    if not url:
        return None
    original = MessageProcessor.parse_message
    if not still_rasas_own(original, _QUALNAME, rasa_processor.__name__):
        return getattr(original, "remote", None)
    remote = RemoteParser(url, environ.get(TOKEN_ENV) or None)

    async def parse_message(
        self: MessageProcessor, message: Any, tracker: Any = None, only_output_properties: bool = True
    ) -> dict[str, Any]:
        # The NLU process returns what `/model/parse` returns: the output properties only.
        if self.http_interpreter is None and only_output_properties:
            parse_data = await remote.parse(message.text, message.sender_id)
            if parse_data is not None:
                # What Rasa's own parse_message does after the graph has parsed.
                self._update_full_retrieval_intent(parse_data)
                self._check_for_unseen_features(parse_data)
                return parse_data
        return await original(self, message, tracker, only_output_properties)

    parse_message.__engine_patch__ = True  # type: ignore[attr-defined]
    parse_message.__wrapped__ = original  # type: ignore[attr-defined]
    parse_message.remote = remote  # type: ignore[attr-defined]
    MessageProcessor.parse_message = parse_message  # type: ignore[method-assign]
    logger.info("engine patch: messages parsed by the NLU process at %s", url)
    return remote
