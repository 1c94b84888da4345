""" "Why not?" and "what can I do then" right after a refusal: its reason, or the way forward.

Why: a refusal says what cannot be done ("Order ORD-10229 has already shipped, so it can't be cancelled
any more"); the person's next message is often why, or what they can do instead. The engine reads such a
message as a question (`engine/context_words.py`) and the documents' action comes here first: the
catalog's `utter_refusal_why_<reason>` and `utter_refusal_instead_<reason>` (`assistant/refusals.py`
names the reasons) say it in the company's words — a shipped parcel can be returned after delivery or
refused at the door, a return past its window may still be a warranty claim, an overlapping request can
be cancelled while it waits.

Asked to approve or reject a leave request ("can u approve LR-00355"), the assistant refuses the same way: managers
decide in the intranet, under Approvals (`decision_refused`); "why not?" after it is answered as after any refusal.
"""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.order_corrections import previous_reply
from actions.went_through import response_of
from assistant.refusals import asks_to_decide_leave, question_about_refusal, refusal_reason
from assistant.settings import get_settings

LEAVE_REQUEST_RE = re.compile(r"\bLR-\d+\b")


def refusal_just_given(tracker: Tracker) -> tuple[str, str] | None:
    """(reason, what was said) of the refusal in the assistant's reply to the person's previous message."""
    said = previous_reply(tracker)
    reason = refusal_reason([response_of(event) for event in said])
    if reason is None:
        return None
    return reason, " ".join(str(event.get("text") or "") for event in said)


def refusal_explained(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> bool:
    """When `text` asks why the refusal just given, or what to do instead, say so; else nothing."""
    asked = question_about_refusal(text)
    refused = refusal_just_given(tracker) if asked else None
    if asked is None or refused is None:
        return False
    reason, said = refused
    request = LEAVE_REQUEST_RE.search(said)
    dispatcher.utter_message(
        response=f"utter_refusal_{asked}_{reason}",
        window=get_settings().return_window_days,
        request=request.group(0) if request else "",
    )
    return True


def decision_refused(dispatcher: CollectingDispatcher, employee: bool, text: str) -> bool:
    """When an employee asks the assistant to approve or reject a leave request, say who decides and where."""
    if not employee or not asks_to_decide_leave(text):
        return False
    dispatcher.utter_message(response="utter_hr_leave_decided_by_managers")
    return True
