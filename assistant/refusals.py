"""A refusal's follow-up question: "why not?", "ok so what can I do then".

Why: when the assistant refuses a change (an order that has shipped cannot be cancelled, a return past
its window, leave that overlaps a request), people ask why, or what they can do instead. Read alone the
words are nothing the NLU can place: "why not?" was a `deny` ("Okay. Is there anything else I can help
you with?") and "what can I do then" a question about the assistant's skills. Right after a refusal they
are about the refusal, and the catalog says its reason and the way forward (`actions/refusals.py`).

Shared by the engine, which reads such a message as a question (`engine/context_words.py`), and the
actions, which answer it. Standard library only, and nothing newer than Python 3.10: the engine imports it.
"""

from __future__ import annotations

import re

# The catalog's refusals (their response names, as Rasa notes them on the bot's event) and the reason each
# gives: `utter_refusal_why_<reason>` and `utter_refusal_instead_<reason>` say more about it.
REFUSAL_REASONS: dict[str, str] = {
    "utter_cancel_refused_shipped": "shipped",
    "utter_cancel_refused_delivered": "delivered",
    "utter_cancel_refused_return_instead": "delivered",
    "utter_cancel_refused_cancelled": "cancelled",
    "utter_cancel_refused_returned": "returned",
    "utter_return_refused_not_delivered": "not_delivered",
    "utter_return_refused_window_expired": "window_expired",
    "utter_return_refused_already_cancelled": "cancelled",
    "utter_return_refused_already_returned": "returned",
    "utter_return_refused_return_exists": "return_exists",
    "utter_leave_refused_overlaps": "overlaps",
    "utter_leave_refused_insufficient_balance": "insufficient_balance",
    "utter_leave_refused_no_working_days": "no_working_days",
    "utter_leave_refused_in_the_past": "in_the_past",
    "utter_leave_refused_too_long": "too_long",
    "utter_leave_cannot_cancel": "decided",
    "utter_hr_own_records_only": "own_records_only",
    "utter_hr_leave_decided_by_managers": "decided_by_managers",
}
WHY, INSTEAD = "why", "instead"

_LEAD = r"^\W*(?:(?:ok(?:ay)?|k|so|but|and|hm+|huh|wait|really|um+|uh+|oh|ugh|what)\W+)*"
# "why not?", "why not? i barely used it", "how come", "what do you mean", "whats the reason"
ASKS_WHY_RE = re.compile(
    _LEAD + r"(?:why\b|how\s+come\b|what\s+do\s+(?:you|u)\s+mean\b|what(?:'?s|\s+is)\s+the\s+reason\b)", re.I
)
# "what can i do then", "so what are my options", "is there really nothing", "what now", "any other way?",
# "so where's my money then"
ASKS_INSTEAD_RE = re.compile(
    r"\bwhat\s+(?:can|could|should|do|shall)\s+i\s+do\b|\bwhat\s+(?:are|r)\s+(?:my|the)\s+options\b"
    r"|^\W*(?:(?:ok(?:ay)?|so|and|well)\W+)*what\s+now\b|\bany\s+other\s+(?:way|option|choice)s?\b"
    r"|\b(?:is\s+there|there'?s)\s+(?:really\s+)?(?:nothing|no\s+(?:other\s+)?(?:way|option))\b"
    r"|\bis\s+there\s+(?:anything|something)\s+(?:else\s+)?(?:i|we|you)\s+can\s+do\b"
    r"|\bwhere(?:'?s|\s+is)\s+my\s+(?:money|refund)\b",  # after "already returned": where the money is
    re.I,
)
# An objection that the refusal should not apply to the person ("im her manager tho", "but i'm his boss", "i manage
# them"): answered with what they can do instead (where a manager does it).
OBJECTS_RE = re.compile(
    r"\b(?:i'?m|i\s+am)\s+(?:(?:her|his|their|the|a|your|its|this\s+person'?s)\s+)?"
    r"(?:manager|boss|supervisor|line\s+manager|team\s+lead|lead)\b|\bi\s+(?:manage|supervise|lead)\s+(?:her|him|them)\b",
    re.I,
)
MAX_WORDS = 14


def question_about_refusal(text: str) -> str | None:
    """`WHY` or `INSTEAD` when a short message asks why, or what can be done instead (or objects that the refusal
    should not apply: `OBJECTS_RE`); None otherwise."""
    if not text or text.lstrip().startswith("/") or len(text.split()) > MAX_WORDS:
        return None
    if ASKS_INSTEAD_RE.search(text) or OBJECTS_RE.search(text):
        return INSTEAD
    if ASKS_WHY_RE.search(text):
        return WHY
    return None


EXPLANATION_RE = re.compile(rf"^utter_refusal_(?:{WHY}|{INSTEAD})_(\w+)$")


def refusal_reason(responses: list[str | None]) -> str | None:
    """The reason of the last refusal among the responses of one reply, if it gave one. A reply that explained a
    refusal keeps it the subject: "why not?" and then "ok so what can I do then" both ask about it."""
    reasons = []
    for name in filter(None, responses):
        explained = EXPLANATION_RE.match(name)
        if name in REFUSAL_REASONS:
            reasons.append(REFUSAL_REASONS[name])
        elif explained:
            reasons.append(explained.group(1))
    return reasons[-1] if reasons else None


# Asking the assistant to decide a leave request ("can u approve LR-00355", "approve julia's leave please", "how do i
# reject my team's requests"): the assistant cannot, managers decide in the intranet. Not a question about a
# decision ("is LR-00355 approved?", "did my manager approve my vacation"): "approve" there is not asked of anyone.
_DECIDE = r"(?:approve|reject|decline|deny|accept|authori[sz]e|sign\s+off(?:\s+on)?|green\s?light)"
_ASKED_TO_DECIDE_RE = re.compile(
    _LEAD + r"(?:(?:pls|please|plz)\s+)?" + _DECIDE + r"\b"
    r"|\b(?:can|could|would|will|pls|please|plz)\s+(?:(?:you|u)\s+)?(?:(?:please|pls|plz|just)\s+)?" + _DECIDE + r"\b"
    r"|\bi\s+(?:want|need|would\s+like|'?d\s+like)\s+(?:(?:you|u)\s+)?to\s+" + _DECIDE + r"\b"
    r"|\bhow\s+(?:do|can|should)\s+i\s+" + _DECIDE + r"\b",
    re.I,
)
_A_REQUEST_RE = re.compile(
    r"\bLR[-\s]?\d+|\b(?:requests?|leave|time\s+off|holidays?|vacation|days?\s+off|absences?|pto)\b"
    r"|\b\w+'s\b|\b(?:his|her|their|team'?s?)\b",
    re.I,
)


def asks_to_decide_leave(text: str) -> bool:
    """Whether the message asks the assistant (or how) to approve or reject a leave request (`_ASKED_TO_DECIDE_RE`)."""
    if not text or text.lstrip().startswith("/") or len(text.split()) > MAX_WORDS + 6:
        return False
    return bool(_ASKED_TO_DECIDE_RE.search(text) and _A_REQUEST_RE.search(text))
