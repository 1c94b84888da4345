"""The kind of leave a message names, and a change of kind asked as a question.

Why a module of its own: the leave form reads the kind from what the employee writes, and the
documents' actions must know when a question at that form is really a change of kind ("so can it
be personal days rather than holiday?" is no policy question for the documents: the form takes it).
"""

from __future__ import annotations

import re

from backoffice.hr_domain import LeaveType

LEAVE_WORDS: dict[LeaveType, tuple[str, ...]] = {
    LeaveType.PARENTAL: ("parental", "maternity", "paternity", "adoption", "baby"),
    LeaveType.SICK: (
        *("sick", "ill", "unwell", "doctor", "dentist", "hospital", "flu", "migraine", "fever", "covid"),
        *("headache", "stomach bug", "food poisoning", "throwing up", "vomiting", "injured", "under the weather"),
        *("not feeling well", "not well", "feeling terrible", "feel terrible", "feeling rough"),
    ),
    LeaveType.PERSONAL: ("personal",),
    LeaveType.VACATION: ("vacation", "holiday", "pto", "annual leave", "annual", "time off", "vacay", "vaction"),
}
# Words that ask for the request to be of another kind, whatever else the message asks: "instead", "rather than",
# "can it be …", "make it …", "change it to …", "book it as …".
CHANGE_OF_KIND_RE = re.compile(
    r"(?i)\b(?:instead|rather|(?:can|could|should|would) (?:it|that|this|they) be|make (?:it|that|them)|"
    r"change (?:it |that )?to|switch (?:it |that )?to|(?:book|put|file|log|take) (?:it|that|them) (?:down )?as)\b"
)


# "ill" followed by a verb is "I'll" typed without its apostrophe ("no its ok ill ask hr", "ill check with my
# manager"): no word about being sick.
I_WILL_RE = re.compile(
    r"\bill (?:just |probably |maybe |then |also |first |rather )?"
    r"(?:ask|email|e-mail|mail|message|text|call|ring|phone|contact|reach|tell|talk|speak|write|check|look|see|"
    r"think|try|wait|do|go|get|come|send|take|book|need|have|let|leave|use|make|keep|find|put|pay|read|stay|"
    r"work|give|pick|deal|handle|follow|sort|figure|be)\b"
)


def _names(lowered: str, leave_type: LeaveType) -> bool:
    if leave_type is LeaveType.VACATION and "public holiday" in lowered:
        return False
    if leave_type is LeaveType.SICK:
        lowered = I_WILL_RE.sub(" ", lowered)
    return any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in LEAVE_WORDS[leave_type])


def leave_type_in(text: str) -> LeaveType | None:
    """The leave type a message names ("I'm sick", "PTO", "maternity leave"), if any."""
    lowered = (text or "").lower()[:500]
    return next((leave_type for leave_type in LEAVE_WORDS if _names(lowered, leave_type)), None)


def another_kind_asked(text: str, current: str | None) -> LeaveType | None:
    """The kind of leave a message asks the request to be instead of `current` (a `LeaveType` value): it names one
    other kind and says it is a change ("so can it be personal days rather than holiday?" for a vacation request),
    even as a question. None for a question about another kind ("is personal leave paid?") or no change."""
    lowered = (text or "").lower()[:500]
    if current is None or not CHANGE_OF_KIND_RE.search(lowered):
        return None
    others = [leave_type for leave_type in LEAVE_WORDS if leave_type.value != current and _names(lowered, leave_type)]
    return others[0] if len(others) == 1 else None
