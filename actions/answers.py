"""Reading a yes or a no to the question the bot just asked (the validator of every confirm slot).

The confirm slots of the forms (`cancel_confirmed`, `leave_confirmed`, ...) are filled from
the `affirm`/`deny` intents by their domain mappings; the form's validation action also reads
the words themselves (`assistant/yes_no.py`: the button's own words, "yep", "👍"), and keeps the
strict rule for changes: a yes counts only when it is clearly one.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker

from assistant.yes_no import HEDGE, MAX_ANSWER_CHARS, plain, read_yes_no

# Below this NLU confidence an `affirm` that none of the words below confirms is not a yes
# (empty or garbled text can come out as `affirm` at 0.7+); the button payload always counts.
YES_CONFIDENCE = 0.9


def answer_in(tracker: Tracker) -> bool | None:
    """The yes or no in the latest message: its words first, then a confident NLU intent."""
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    found = read_yes_no(text)
    if found is not None:
        return found
    intent = message.get("intent") or {}
    confident = float(intent.get("confidence") or 0.0) >= YES_CONFIDENCE and len(text) <= MAX_ANSWER_CHARS
    if confident and re.search(r"[a-z]", text.lower()) and not HEDGE.search(plain(text)):
        if intent.get("name") == "affirm":
            return True
        if intent.get("name") == "deny":
            return False
    return None
