"""Yes/no questions the bot asks before it changes something ("cancel ORD-10042?").

The question is kept in the `pending_confirmation` slot as `kind:target`. A yes
or no only counts as its answer in the very next user turn; after any other
message the question is stale and a later "yes" does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

SLOT = "pending_confirmation"


@dataclass(frozen=True)
class Confirmation:
    kind: str
    target: str

    def encode(self) -> str:
        return f"{self.kind}:{self.target}"


def ask(kind: str, target: str) -> SlotSet:
    """The event that records a question the next yes/no answers."""
    return SlotSet(SLOT, Confirmation(kind, target).encode())


def clear() -> SlotSet:
    return SlotSet(SLOT, None)


def pending(tracker: Tracker) -> Confirmation | None:
    """The question asked in the bot's previous turn, if the latest message answers it."""
    users_seen = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users_seen += 1
            if users_seen > 1:
                return None
        elif event.get("event") == "slot" and event.get("name") == SLOT:
            value = event.get("value")
            if users_seen != 1 or not isinstance(value, str) or ":" not in value:
                return None
            kind, target = value.split(":", 1)
            return Confirmation(kind, target)
    return None
