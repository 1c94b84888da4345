"""The HR helpdesk: leave balance and usage, leave requests, payday, Telegram linking."""

from __future__ import annotations

import json
import re
from abc import ABC
from datetime import date
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice_calls import call, hr_port
from actions.customer import proven_channel, replying_on_failure
from actions.documents import the_question_too
from actions.employee import HR_UNAVAILABLE, EmployeeAction
from actions.follow_ups import last_reply, refers_back, spoken_part
from actions.leave_types import leave_type_in
from assistant import catalog, formatting
from assistant.dates import DateRange, describe_range
from assistant.settings import get_settings
from backoffice.errors import NotAllowed, NotFound
from backoffice.hr_domain import DayPart, LeaveBalance, LeaveRequest, LeaveStatus, LeaveType

STATUS_REPLIES = {
    LeaveStatus.PENDING: "utter_leave_status_pending",
    LeaveStatus.APPROVED: "utter_leave_status_approved",
    LeaveStatus.REJECTED: "utter_leave_status_rejected",
    LeaveStatus.CANCELLED: "utter_leave_status_cancelled",
}
LEAVE_REQUEST_RE = re.compile(r"(?i)\bLR[-\s]?(\d{5})\b")
# A year a balance or usage question names: "in 2027", "next year('s)", "last year".
YEAR_RE = re.compile(r"\b(20\d\d)\b")
RELATIVE_YEAR_RE = re.compile(r"(?i)\b(next|coming|last|previous|this)\s+year")
YEAR_OFFSETS = {"next": 1, "coming": 1, "last": -1, "previous": -1, "this": 0}


def leave_name(leave_type: LeaveType) -> str:
    """`vacation`, `sick leave`: a kind of leave in the customer's words (the catalog's)."""
    return catalog.text(f"utter_leave_name_{leave_type.value}")


def days(value: Decimal) -> str:
    """`1 day`, `2.5 days`, `3 days`."""
    return formatting.day_count(value)


def listed(lines: list[str]) -> str:
    """Lines as a list, one item each."""
    return "\n".join(catalog.text("utter_list_item", item=line) for line in lines)


def encode_range(r: DateRange) -> str:
    return json.dumps({"start": r.start.isoformat(), "end": r.end.isoformat(), "sp": r.start_part, "ep": r.end_part})


def decode_range(value: str | None) -> DateRange | None:
    try:
        raw = json.loads(value or "")
        return DateRange(
            date.fromisoformat(raw["start"]), date.fromisoformat(raw["end"]), DayPart(raw["sp"]), DayPart(raw["ep"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def balance_line(balance: LeaveBalance) -> str:
    """`Vacation: 12 days left of 25 (3 days taken, ...)`."""
    extra = []
    if balance.carried_over:
        extra.append(catalog.text("utter_leave_carried_over", days=days(balance.carried_over)))
    extra.append(catalog.text("utter_leave_taken", days=days(balance.used)))
    if balance.pending:
        extra.append(catalog.text("utter_leave_pending", days=days(balance.pending)))
    return catalog.text(
        "utter_leave_balance_line",
        name=leave_name(balance.leave_type).capitalize(),
        available=days(balance.available),
        allowance=days(balance.entitlement + balance.carried_over),
        details=catalog.text("utter_list_separator").join(extra),
    )


def year_named(text: str, today: date) -> int | None:
    """The year a message names, by number or as next/last/this year; None when it names none (or one more than a
    year away, whose leave nobody keeps)."""
    relative = RELATIVE_YEAR_RE.search(text)
    if relative:
        return today.year + YEAR_OFFSETS[relative.group(1).lower()]
    named = YEAR_RE.search(text)
    if named and abs(int(named.group(1)) - today.year) <= 1:
        return int(named.group(1))
    return None


async def year_asked(tracker: Tracker, employee_id: int) -> int:
    """The year whose leave a balance or usage question is about: the one it names; else, for a question pointing
    back at a request the assistant just filed or showed ("is that half a day off my balance?" after a January
    request was sent), that request's year; else this year."""
    today = date.today()
    text = tracker.latest_message.get("text") or ""
    named = year_named(text, today)
    if named is not None:
        return named
    shown = LEAVE_REQUEST_RE.search(last_reply(tracker) or "")
    if shown and refers_back(spoken_part(text)):
        try:
            request = await call(hr_port().get_leave_request, f"LR-{shown.group(1)}", employee_id)
        except NotFound:
            return today.year
        return request.start.year
    return today.year


class RecordAction(EmployeeAction, ABC):
    """An action showing the employee's own records, that first answers from the documents what the message also
    asks (`documents.the_question_too`: "if i dont use all my vacation this year do i lose it?" is about the
    carry-over rule as much as the balance)."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        aside = await the_question_too(dispatcher, tracker)
        return [*aside, *await super().run(dispatcher, tracker, domain)]


class ActionLeaveBalance(RecordAction):
    shows_records = True

    def name(self) -> str:
        return "action_leave_balance"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        year = await year_asked(tracker, employee_id)
        balances = await call(hr_port().leave_balances, employee_id, year)
        # This message's type only ("how many sick days…"); an earlier question's must not narrow this one.
        wanted = leave_type_in(tracker.latest_message.get("text") or "") or leave_type_in(
            next(tracker.get_latest_entity_values("leave_type"), None) or ""
        )
        shown = [b for b in balances if b.leave_type == wanted] or balances
        dispatcher.utter_message(
            response="utter_leave_balance", year=str(year), lines=listed([balance_line(b) for b in shown])
        )
        if PAYDAY_ASKED_RE.search(tracker.latest_message.get("text") or ""):
            await answer_payday(dispatcher)  # "... and when do we get paid next": the other part too
        return []


class ActionLeaveUsed(RecordAction):
    shows_records = True

    def name(self) -> str:
        return "action_leave_used"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        year = await year_asked(tracker, employee_id)
        balances = await call(hr_port().leave_balances, employee_id, year)
        taken = [b for b in balances if b.used]
        if not taken:
            dispatcher.utter_message(response="utter_no_leave_taken", year=str(year))
            return []
        lines = listed(
            [
                catalog.text("utter_leave_used_line", name=leave_name(b.leave_type).capitalize(), days=days(b.used))
                for b in taken
            ]
        )
        total = sum((b.used for b in taken), Decimal(0))
        dispatcher.utter_message(response="utter_leave_used", year=str(year), total=days(total), lines=lines)
        return []


def request_summary(request: LeaveRequest) -> str:
    """`LR-00042: vacation, 3 to 7 March (5 days) — approved`."""
    note = catalog.text("utter_leave_decision_note", note=request.decision_note) if request.decision_note else ""
    return catalog.text(
        "utter_leave_request_line",
        number=request.number,
        leave=leave_name(request.leave_type),
        when=describe_range(DateRange(request.start, request.end, request.start_part, request.end_part)),
        days=days(request.days),
        status=catalog.text(STATUS_REPLIES[request.status]),
        note=note,
    )


def request_lines(requests: list[LeaveRequest]) -> str:
    """The requests as a list."""
    return listed([request_summary(r) for r in requests])


class ActionLeaveRequestStatus(RecordAction):
    shows_records = True

    def name(self) -> str:
        return "action_leave_request_status"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        number = requested_number(tracker)
        if number:
            try:
                requests = [await call(hr_port().get_leave_request, number, employee_id)]
            except NotFound:
                dispatcher.utter_message(response="utter_leave_request_not_found", number=number)
                return [SlotSet("leave_request_number", None)]
        elif PENDING_ASKED_RE.search(tracker.latest_message.get("text") or ""):
            # "whats still pending?": the requests waiting for a decision, not the latest five whatever their state
            requests = waiting(await call(hr_port().list_leave_requests, employee_id, PENDING_LOOK_BACK))
            if not requests:
                dispatcher.utter_message(response="utter_no_pending_leave_requests")
                return []
        else:
            requests = await call(hr_port().list_leave_requests, employee_id, 5)
        if not requests:
            dispatcher.utter_message(response="utter_no_leave_requests")
            return []
        pending = waiting(requests)
        buttons = [cancel_button(r, catalog.text("utter_button_cancel_request", number=r.number)) for r in pending]
        dispatcher.utter_message(
            response="utter_leave_requests", lines=request_lines(requests), buttons=buttons or None
        )
        return []


# A question about the requests still waiting ("whats still pending?", "anything not approved yet"), and how far back
# they are looked for (a request waits days, not years: this many of the latest are more than anyone has open).
PENDING_ASKED_RE = re.compile(
    r"(?i)\b(?:pending|waiting|outstanding|undecided|open|not\s+(?:yet\s+)?(?:approved|decided)(?:\s+yet)?)\b"
)
PENDING_LOOK_BACK = 50


def waiting(requests: list[LeaveRequest]) -> list[LeaveRequest]:
    """The requests among these still waiting for a decision."""
    return [r for r in requests if r.status == LeaveStatus.PENDING]


def cancel_button(request: LeaveRequest, title: str) -> dict[str, str]:
    """A quick reply that asks to cancel one request."""
    return {"title": title, "payload": f"/leave_cancel{json.dumps({'leave_request_number': request.number})}"}


def requested_number(tracker: Tracker) -> str | None:
    """The leave request number named in this message or the conversation (`LR-00042`)."""
    for text in (tracker.latest_message.get("text") or "", tracker.get_slot("leave_request_number") or ""):
        match = LEAVE_REQUEST_RE.search(text)
        if match:
            return f"LR-{match.group(1)}"
    return None


class ActionPayday(RecordAction):
    def name(self) -> str:
        return "action_payday"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        await answer_payday(dispatcher)
        if BALANCE_ASKED_RE.search(tracker.latest_message.get("text") or ""):
            # "when is payday and how many days off have I got left": the other part too
            return await ActionLeaveBalance().answer(dispatcher, tracker, employee_id)
        return []


# The other half of a two-part HR question, answered with the first (issue 21: every part answered).
PAYDAY_ASKED_RE = re.compile(r"(?i)\b(pay ?day|get(ting)? paid|paid next|salary|pay ?check|wages)\b")
BALANCE_ASKED_RE = re.compile(r"(?i)\b(days?|vacation|holiday|leave)\b.{0,30}\b(left|remaining|balance)\b")


async def answer_payday(dispatcher: CollectingDispatcher) -> None:
    today = date.today()
    payday = await call(hr_port().next_payday, today)
    if payday == today:
        dispatcher.utter_message(response="utter_payday_today")
    else:
        dispatcher.utter_message(response="utter_payday", when=formatting.day(payday, today))


LINK_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class ActionLinkTelegram(Action):
    """How to link a Telegram account to the employee record (the code comes through the intranet)."""

    def name(self) -> str:
        return "action_link_telegram"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        profile = f"{get_settings().public_url.rstrip('/')}/employee/profile"
        if proven_channel(tracker) != "telegram":
            dispatcher.utter_message(response="utter_link_telegram_elsewhere", profile=profile)
            return []
        dispatcher.utter_message(response="utter_link_telegram_here", profile=profile)
        return []


class ActionLinkCode(Action):
    """A one-time code typed on Telegram: link this Telegram user to the code's employee."""

    def name(self) -> str:
        return "action_link_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if proven_channel(tracker) != "telegram":
            dispatcher.utter_message(response="utter_link_code_not_telegram")
            return []
        match = LINK_CODE_RE.search(tracker.latest_message.get("text") or "")
        if match is None:
            dispatcher.utter_message(response="utter_link_code_missing")
            return []

        async def work() -> list[EventType]:
            try:
                employee = await call(hr_port().redeem_telegram_link_code, match.group(1), tracker.sender_id)
            except NotAllowed as refusal:
                # One reply for a wrong, expired or used code: a guesser learns nothing about which codes exist.
                too_many = refusal.reason == "too_many_attempts"
                dispatcher.utter_message(response="utter_link_code_too_many" if too_many else "utter_link_code_invalid")
                return []
            first = employee.name.split()[0]
            dispatcher.utter_message(response="utter_linked", name=first)
            return [SlotSet("employee_verified", True)]

        return await replying_on_failure(self.name(), dispatcher, tracker, work(), HR_UNAVAILABLE)
