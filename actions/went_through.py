""" "Did it go through?" right after a change: the change's outcome, said again.

Why: after "Done — your request LR-00388 (1 day) is waiting for approval" people check ("did it go thru",
"is it booked?", "so it worked?"). Read alone the words are nothing the NLU knows (a fallback) and the
documents answered them with whatever sentence came nearest ("dispatch can take up to 2 extra working
days"). When the assistant's reply to the person's previous message carried out a change (a leave
request filed, an order cancelled, a return authorised, a leave request cancelled), the question is
about that change, and the reply that said what happened is the answer.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_corrections import previous_reply

# The replies that say a change was made in the back office.
DONE_RESPONSES = frozenset(
    {"utter_leave_requested", "utter_cancelled", "utter_return_authorised", "utter_leave_cancelled"}
)
_THROUGH = r"(?:go(?:ne)?|went)\s+thr(?:ough|u)"
_DONE = r"(?:been\s+)?(?:done|booked|sent|submitted|processed|filed|cancell?ed|confirmed|approved|through)"
ASKS_IF_DONE_RE = re.compile(
    r"(?i)^\W*(?:(?:ok(?:ay)?|k|so|and|wait|hm+|sorry|just to check|to be sure)\W+)*"
    rf"(?:(?:did|has|is|was)\s+(?:it|that|this|my\s+\w+(?:\s+\w+)?)\s+(?:{_THROUGH}|work(?:ed)?|{_DONE})\b"
    rf"|(?:it|that)['’]?s\s+(?:{_DONE}|{_THROUGH})\s*\?"
    rf"|(?:it|that)\s+(?:{_THROUGH}|worked)\s*\?)"
)
MAX_WORDS = 8


def asks_if_done(text: str) -> bool:
    """A short question whether something went through ("did it go thru", "is my request sent?", "so it worked?")."""
    return len(text.split()) <= MAX_WORDS and bool(ASKS_IF_DONE_RE.search(text))


def change_just_made(tracker: Tracker) -> str | None:
    """What the assistant said a change it made was, in its reply to the person's previous message, if anything."""
    said = [str(event.get("text") or "") for event in previous_reply(tracker) if response_of(event) in DONE_RESPONSES]
    return said[-1] if said else None


def response_of(event: dict[str, Any]) -> str | None:
    """The catalog response a bot event said, as Rasa notes it (`utter_action`)."""
    return (event.get("metadata") or {}).get("utter_action")


def outcome_said_again(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> bool:
    """When `text` asks whether the change just made went through, say so with what it was; else nothing."""
    done = change_just_made(tracker) if asks_if_done(text) else None
    if done is None:
        return False
    dispatcher.utter_message(response="utter_it_went_through", outcome=done)
    return True
