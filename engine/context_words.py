"""Short messages whose meaning where the conversation stands decides, not their words alone.

Why: the NLU reads a message without knowing who writes or what is waiting. Two short messages
people type often meant something else than the NLU made of them:

- "cancel" while a form waits (the kind of leave, a return's yes, the message for a person) stops it:
  the person is calling off what is being asked, not asking to cancel an order. The NLU's
  `order_cancel` started a customer's identity check in the middle of an employee's leave request.
  Not at the forms that cancel something (an order, a leave request), where "cancel" is their yes, nor
  at the identity check, which often comes before the cancellation asked for ("i need help with my
  order" … "cancel"): their own reading of it stands there.
- "whats my balance" from a signed-in employee asks for their leave: the HR helpdesk shows no invoices,
  and the NLU's `invoice_balance` asked an employee for an order number. Not when the message speaks
  of money ("how much do I owe", "invoice balance").
- A topic word alone from anyone else, as typed on a phone ("status?", "invoice"), is the request's plain
  form: the order's status, the invoices. The NLU read "status?" as a leave request's status (refused:
  HR is for employees) and "invoice" as nothing it could place.
- "delete all my data" (a request about one's personal data, outside a form) is a question for the documents: the
  privacy page says how deletion works. The NLU read it as out of scope (0.60) beside two dozen examples of it.
- "wen will it get here tho" right after an order's status asks when that order comes: its status again, with
  the expected delivery (and the documents' answer beside it, as for any request that also asks a question). The
  NLU read it as out of scope, typed correctly or not: alone, "it" could be anything.
- "wait whats gonna happen with the money i already paid on it?" while the assistant waits for a yes to a change
  (a cancellation, a return, a leave request) asks what the change does: the documents' answer, then the question
  again. The NLU read it as the invoices' balance, which was listed instead.
- "can u approve LR-00355" from a signed-in employee asks for what managers do in the intranet: the documents'
  action says so (`actions/refusals.py`). The NLU read it as a request's status, or could not place it and the
  documents answered with the nearest sentence about leave requests.
- "why not?" or "ok so what can I do then" right after the assistant refused a change is a question about
  the refusal (`assistant/refusals.py`), which the documents' action answers from the catalog: the NLU read
  "why not?" as a no and "what can I do" as a question about the assistant's skills.

Pure functions, used by `engine/multipart.py` before a message is handled: each returns the payload
the message stands for (read as that click, with the words kept as typed), or None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from assistant.names import LEAVE_FORM, ORDER_STATUS_ACTION
from assistant.refusals import asks_to_decide_leave, question_about_refusal, refusal_reason

STOP = "/stop"
ORDER_STATUS = "/order_status"
POLICY_QUESTION = "/ask_policy"
LEAVE_BALANCE = "/leave_balance"
# The forms where a "cancel" may be the request itself: their change is a cancellation, or they come before one.
CANCEL_MAY_BE_ASKED_AT = frozenset({"cancel_form", "leave_cancel_form", "verify_form"})
CANCEL_ONLY_RE = re.compile(r"(?i)^\s*(?:pls\s+|please\s+)?cancel(?:\s+(?:it|that|this|pls|please))?\s*[.!]*\s*$")
BALANCE_RE = re.compile(r"(?i)\bbalance\b")
MONEY_RE = re.compile(r"(?i)\b(?:invoices?|bills?|owe|owing|pay|paid|payment|money|amount|account|euros?|eur)\b|[€$£]")
MAX_BALANCE_WORDS = 8
# A customer's request named by its topic alone, and what it stands for.
TOPIC_ONLY = (
    (re.compile(r"(?i)^\W*(?:(?:the|my|order)\s+)?status(?:\s+(?:pls|please|update))?\W*$"), "/order_status"),
    (re.compile(r"(?i)^\W*(?:(?:the|my)\s+)?(?:invoices?|bills?)(?:\s+(?:pls|please))?\W*$"), "/invoice_balance"),
)


# A request about the person's own data ("delete all my data", "can you erase my personal info", "remove everything
# you have on me"): the company's privacy page answers how. Not "delete my alarm", "remove the data from my list".
DATA_RIGHTS_RE = re.compile(
    r"(?i)\b(?:delete|erase|remove|wipe|forget|get rid of)\b[^.?!]{0,20}\b(?:(?:all\s+(?:of\s+)?)?my\s+(?:personal\s+)?"
    r"(?:data|details|information|info)|everything\s+(?:you|u)\s+(?:have|hold|keep|store)\s+(?:on|about)\s+me)\b"
)


DATA_RIGHTS_MAX_WORDS = 25


def may_mean_something_here(text: str) -> bool:
    """Whether the words alone could be one of the readings below that depend on where the conversation stands: the
    engine reads the conversation only for such a message (it runs before every message is handled)."""
    return bool(
        question_about_refusal(text)
        or asks_when_it_arrives(text)
        or asks_to_decide_leave(text)
        or asks_what_follows_a_change(text)
        or DATA_RIGHTS_RE.search(text)
        or _WORKS_ELSEWHERE.search(text)
    )


# "can i work from spain for 2 weeks in march": working from somewhere else is no leave, though the NLU hears the
# weeks and dates of a leave request in it (leave_request 0.47 against ask_policy 0.42): a question for the documents
# (the remote-work policy), from an employee, unless it also names time off.
_WORKS_ELSEWHERE = re.compile(r"(?i)\bwork(?:ing)?\s+(?:from|remotely|remote|abroad|overseas|outside)\b")
_TIME_OFF = re.compile(r"(?i)\b(?:off|leave|vacation|holidays?|sick|pto|ill)\b")


def work_elsewhere_asked(text: str, is_employee: bool, active_form: str | None) -> str | None:
    """`/ask_policy` for an employee's message about working from somewhere else, naming no time off, when no form
    waits or the leave form does (at another, the message answers that form)."""
    if not is_employee or active_form not in (None, LEAVE_FORM) or _TIME_OFF.search(text):
        return None
    return POLICY_QUESTION if _WORKS_ELSEWHERE.search(text) else None


def data_rights_request(text: str, active_form: str | None) -> str | None:
    """`/ask_policy` for a request about one's personal data when no form waits (at one, it is the form's answer:
    the message for the team, say)."""
    if active_form is not None or re.search(r"\d{4,}", text) or len(text.split()) > DATA_RIGHTS_MAX_WORDS:
        return None  # a record named, or a long message: more than the one request, for the parts to read
    return POLICY_QUESTION if DATA_RIGHTS_RE.search(text) else None


def stop_for_cancel(text: str, active_form: str | None) -> str | None:
    """`/stop` for a bare "cancel" while a form waits that neither cancels something nor comes before it."""
    if active_form and active_form not in CANCEL_MAY_BE_ASKED_AT and CANCEL_ONLY_RE.match(text):
        return STOP
    return None


def leave_balance_for_employee(text: str, is_employee: bool) -> str | None:
    """`/leave_balance` for a short question about one's balance from a signed-in employee, money not named."""
    if is_employee and BALANCE_RE.search(text) and not MONEY_RE.search(text) and len(text.split()) <= MAX_BALANCE_WORDS:
        return LEAVE_BALANCE
    return None


def request_for_topic(text: str, is_employee: bool) -> str | None:
    """The plain request a customer's topic word alone stands for ("status?" → `/order_status`), if any."""
    if is_employee:
        return None
    return next((payload for pattern, payload in TOPIC_ONLY if pattern.match(text)), None)


# A short question about when the thing just shown comes ("wen will it get here tho", "so when does it arrive",
# "how long till its here"), pointing at it, not at money (a refund) nor at another record (a number).
ARRIVAL_QUESTION_MAX_WORDS = 9
_ASKS_WHEN = re.compile(r"(?i)\b(?:when|wen|whens|when's|how long|how many days|what day|which day|eta)\b")
_ARRIVES = re.compile(
    r"(?i)\b(?:get (?:here|to me|delivered)|gets? here|arriv\w*|come|comes|coming|be here|(?:it|its|it's) here"
    r"|deliver\w*|reach\w* me|show up|turn up|eta)\b"
)
_POINTS_AT_IT = re.compile(
    r"(?i)\b(?:it|its|it's|itll|it'll|that|this|they|them|theyll|they'll|my (?:order|parcel|package|stuff|things))\b"
    r"|\beta\b|\bthe \w{3,}"  # "wen will the cushion get here": a thing of the order, by name
)
_NOT_THE_ORDER = re.compile(r"(?i)\d|\b(?:refund\w*|money|back|pay\w*|invoice\w*|leave|holiday|vacation)\b")


def asks_when_it_arrives(text: str) -> bool:
    """A short question about when the thing just talked about arrives (`_ASKS_WHEN`, `_ARRIVES`), naming no record."""
    return (
        len(text.split()) <= ARRIVAL_QUESTION_MAX_WORDS
        and bool(_ASKS_WHEN.search(text) and _ARRIVES.search(text) and _POINTS_AT_IT.search(text))
        and not _NOT_THE_ORDER.search(text)
    )


def arrival_of_the_order_shown(text: str, last_action: str | None, order_in_focus: bool) -> str | None:
    """`/order_status` for a question about when it arrives right after an order's status was shown, or while the
    conversation is about an order (its number in `ORDER_NUMBER_SLOT`): "wen will it get here tho" after a refused
    cancellation of a shipped order and the documents' answer to "so what can i do then", or after an invoice asked
    about aside, is that order's arrival, not out of scope."""
    shown = last_action == ORDER_STATUS_ACTION or order_in_focus
    return ORDER_STATUS if shown and asks_when_it_arrives(text) else None


# The slots that hold the yes to a change; a question about what follows, asked while one is awaited.
CONFIRMATION_SLOTS = frozenset({"cancel_confirmed", "return_confirmed", "leave_confirmed", "leave_cancel_confirmed"})
_WHAT_FOLLOWS_RE = re.compile(
    r"(?i)\bwhat(?:'?s|\s+is|\s+will|\s+would|\s+does)?\s+(?:gonna\s+|going\s+to\s+)?happens?\b"
    r"|\b(?:do|will|would|can)\s+i\s+(?:still\s+)?get\s+(?:my\s+|the\s+|a\s+)?(?:money|refund|payment|days?)\b"
    r"|\bwhat\s+about\s+(?:my|the)\s+(?:money|refund|payment|days?)\b"
    r"|\b(?:do|will|would)\s+i\s+(?:still\s+)?(?:have\s+to\s+pay|need\s+to\s+pay|owe)\b"
    r"|\b(?:will|does|would)\s+(?:the|my|an?)\s+(?:invoice|bill|charge)\s+(?:still\s+)?(?:come|arrive|be\s+sent|stand)\b"
)
QUESTION_AT_CONFIRMATION_MAX_WORDS = 20


def question_at_a_confirmation(text: str, requested_slot: str | None) -> str | None:
    """`/ask_policy` for a question about what follows ("what happens to my money?") while a yes to a change waits."""
    if requested_slot not in CONFIRMATION_SLOTS or len(text.split()) > QUESTION_AT_CONFIRMATION_MAX_WORDS:
        return None
    return POLICY_QUESTION if asks_what_follows_a_change(text) else None


def asks_what_follows_a_change(text: str) -> bool:
    """A question about what a change does to the person's money or days (`_WHAT_FOLLOWS_RE`), naming no record."""
    return bool(_WHAT_FOLLOWS_RE.search(text)) and not re.search(r"\d", text)


def decision_asked(text: str, is_employee: bool) -> str | None:
    """`/ask_policy` for an employee's request that the assistant approve or reject a leave request."""
    return POLICY_QUESTION if is_employee and asks_to_decide_leave(text) else None


def question_about_a_refusal(text: str, newest_first: Iterable[Mapping[str, Any]]) -> str | None:
    """`/ask_policy` for "why not?" or "what can I do then" when the reply it answers refused a change."""
    if question_about_refusal(text) is None:
        return None
    responses: list[str | None] = []
    for event in newest_first:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            responses.append((event.get("metadata") or {}).get("utter_action"))
    return POLICY_QUESTION if refusal_reason(responses[::-1]) else None
