"""`REDACT_TRACKER=true`: conversations are stored in the tracker store with personal data masked.

Order of operations, and why: Rasa handles a message on the tracker in memory (NLU, the
identity check with the e-mail the user just typed, the actions) and only then saves the
new events. The mask is applied there, in `SQLTrackerStore.save`, to the events as they
are written: the current turn works on the real text, nothing personal is stored, and the
next turn reads the masked history. What that costs: a value needed across turns is
gone by the next message. The one such value is an e-mail given *before* the order number
in the identity check; the form then asks for it again (`actions/identity.py` treats a
masked slot as not given). A session proof, order numbers and dates are not personal data
and are kept, so a verified conversation stays verified.

What is masked (with `assistant.pii.redact`, rules and, if installed, a NER model — in the
engine environment the rules): the text of user and bot events (an agent's reply is a bot
event), the parsed text and entity values, string slot values (`customer_name`, a person's
name by definition, becomes `[name]`), and the text of a left message. Event types, intents,
actions, timestamps and metadata (the signed channel token, which the erase endpoint uses to
find a person's conversations) are kept.

Installed by `python -m engine` when the environment says so; like `engine.patches`, it
checks that it replaces Rasa's own `save`.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from assistant.names import NAME_SLOTS
from assistant.pii import NAME_MASK, redact, redact_value

logger = logging.getLogger(__name__)

_SAVE_QUALNAME = "SQLTrackerStore.save"
TRUE = frozenset({"1", "true", "yes", "on"})


def redaction_enabled() -> bool:
    return os.environ.get("REDACT_TRACKER", "").strip().lower() in TRUE


def redact_event(data: dict[str, Any]) -> dict[str, Any]:
    """One serialised Rasa event with personal data masked (a new dict; the input is not changed)."""
    event = dict(data)
    kind = event.get("event")
    if isinstance(event.get("text"), str):
        event["text"] = redact(event["text"])
    if kind == "user" and isinstance(event.get("parse_data"), dict):
        parse = dict(event["parse_data"])
        if isinstance(parse.get("text"), str):
            parse["text"] = redact(parse["text"])
        if isinstance(parse.get("entities"), list):
            parse["entities"] = [
                {**entity, "value": redact_value(entity.get("value"))} if isinstance(entity, dict) else entity
                for entity in parse["entities"]
            ]
        event["parse_data"] = parse
    if kind == "slot":
        name, value = event.get("name"), event.get("value")
        if name in NAME_SLOTS and isinstance(value, str) and value:
            event["value"] = NAME_MASK
        else:
            event["value"] = redact_value(value)
    if kind == "bot" and isinstance(event.get("data"), dict):
        # Rich payloads (buttons, custom) keep their shape; only their strings are masked.
        event["data"] = redact_value(event["data"])
    return event


def install() -> bool:
    """Replace `SQLTrackerStore.save` by one that stores masked events, when REDACT_TRACKER is on."""
    if not redaction_enabled():
        return False
    from rasa.core import tracker_store as rasa_tracker_store
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.nlu.constants import INTENT_NAME_KEY

    current = SQLTrackerStore.save
    if getattr(current, "__engine_patch__", False):
        return True
    if current.__qualname__ != _SAVE_QUALNAME or current.__module__ != rasa_tracker_store.__name__:
        from engine.patches import PatchTargetChanged

        raise PatchTargetChanged(f"{_SAVE_QUALNAME} is not Rasa's original; review engine/redaction.py")

    async def save(self: SQLTrackerStore, tracker: Any) -> None:
        """Rasa's `save`, with each new event masked before it is written."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    save.__engine_patch__ = True  # type: ignore[attr-defined]
    SQLTrackerStore.save = save  # type: ignore[method-assign]
    logger.info("Tracker store: personal data is masked before it is stored (REDACT_TRACKER)")
    return True
