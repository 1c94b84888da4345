"""A conversation of one exchange and the message after it, as the actions' tests need it: what the person said,
the assistant's reply (a `BotUttered`, with the response Rasa notes on it where it matters), then the message the
action answers."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import ActionExecuted, BotUttered, UserUttered


def parsed(intent: str, confidence: float = 0.9) -> dict[str, Any]:
    """The NLU's reading of a message, as Rasa puts it on the user event."""
    return {"intent": {"name": intent, "confidence": confidence}, "entities": [], "metadata": {}}


def after_reply(
    said: tuple[str, str], reply: BotUttered, asked: str, read_as: str, confidence: float = 0.9
) -> list[dict[str, Any]]:
    """The events of `said` (text, intent) answered by `reply`, then `asked` read as `read_as`."""
    return [
        ActionExecuted("action_listen"),
        UserUttered(said[0], parsed(said[1])),
        reply,
        ActionExecuted("action_listen"),
        UserUttered(asked, parsed(read_as, confidence)),
    ]
