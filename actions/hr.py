"""The HR helpdesk: leave balance and usage, leave requests, payday, Telegram linking."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirmation
from actions.backoffice_calls import call, hr_port
from actions.customer import proven_channel, replying_on_failure
from actions.employee import HR_UNAVAILABLE_REPLY, EmployeeAction, identified_employee_id, sign_in_explanation
from assistant import formatting
from assistant.dates import DateRange, describe_range, parse_date_range
from assistant.settings import get_settings
from backoffice.errors import NotAllowed, NotFound
from backoffice.hr_domain import DayPart, LeaveBalance, LeaveRequest, LeaveStatus, LeaveType

LEAVE_WORDS: dict[LeaveType, tuple[str, ...]] = {
    LeaveType.PARENTAL: ("parental", "maternity", "paternity", "adoption", "baby"),
    LeaveType.SICK: ("sick", "ill", "unwell", "doctor", "flu", "migraine"),
    LeaveType.PERSONAL: ("personal",),
    LeaveType.VACATION: ("vacation", "holiday", "pto", "annual leave", "annual", "time off", "vacay", "vaction"),
}
LEAVE_NAMES = {
    LeaveType.VACATION: "vacation",
    LeaveType.SICK: "sick leave",
    LeaveType.PERSONAL: "personal days",
    LeaveType.PARENTAL: "parental leave",
}
LEAVE_REQUEST_RE = re.compile(r"(?i)\bLR[-\s]?(\d{5})\b")


def leave_type_in(text: str) -> LeaveType | None:
    """The leave type a message names ("I'm sick", "PTO", "maternity leave"), if any."""
    lowered = (text or "").lower()[:500]
    for leave_type, words in LEAVE_WORDS.items():
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words):
            if leave_type is LeaveType.VACATION and "public holiday" in lowered:
                continue
            return leave_type
    return None


def days(value: Decimal) -> str:
    """`1 day`, `2.5 days`, `3 days`."""
    text = f"{value.normalize():f}" if value % 1 else f"{int(value)}"
    return f"{text} day" if value == 1 else f"{text} days"


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
    extra = []
    if balance.carried_over:
        extra.append(f"incl. {days(balance.carried_over)} carried over")
    extra.append(f"{days(balance.used)} taken")
    if balance.pending:
        extra.append(f"{days(balance.pending)} pending approval")
    name = LEAVE_NAMES[balance.leave_type].capitalize()
    allowance = days(balance.entitlement + balance.carried_over)
    return f"- {name}: {days(balance.available)} left of {allowance} ({', '.join(extra)})"


class ActionLeaveBalance(EmployeeAction):
    def name(self) -> str:
        return "action_leave_balance"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        year = date.today().year
        balances = await call(hr_port().leave_balances, employee_id, year)
        # This message's type only ("how many sick days…"); an earlier question's must not narrow this one.
        wanted = leave_type_in(tracker.latest_message.get("text") or "") or leave_type_in(
            next(tracker.get_latest_entity_values("leave_type"), None) or ""
        )
        shown = [b for b in balances if b.leave_type == wanted] or balances
        dispatcher.utter_message(text=f"Your leave for {year}:\n" + "\n".join(balance_line(b) for b in shown))
        return []


class ActionLeaveUsed(EmployeeAction):
    def name(self) -> str:
        return "action_leave_used"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        year = date.today().year
        balances = await call(hr_port().leave_balances, employee_id, year)
        taken = [b for b in balances if b.used]
        if not taken:
            dispatcher.utter_message(text=f"You haven't taken any leave yet in {year}.")
            return []
        lines = "\n".join(f"- {LEAVE_NAMES[b.leave_type].capitalize()}: {days(b.used)}" for b in taken)
        total = sum((b.used for b in taken), Decimal(0))
        dispatcher.utter_message(text=f"So far in {year} you've taken {days(total)} of leave:\n{lines}")
        return []


def request_line(request: LeaveRequest) -> str:
    when = describe_range(DateRange(request.start, request.end, request.start_part, request.end_part))
    what = f"{request.number}: {LEAVE_NAMES[request.leave_type]}, {when} ({days(request.days)})"
    status = {
        LeaveStatus.PENDING: "waiting for your manager's decision",
        LeaveStatus.APPROVED: "approved",
        LeaveStatus.REJECTED: "not approved",
        LeaveStatus.CANCELLED: "cancelled",
    }[request.status]
    note = f' — "{request.decision_note}"' if request.decision_note else ""
    return f"- {what} — {status}{note}"


class ActionLeaveRequestStatus(EmployeeAction):
    def name(self) -> str:
        return "action_leave_request_status"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        number = requested_number(tracker)
        if number:
            try:
                requests = [await call(hr_port().get_leave_request, number, employee_id)]
            except NotFound:
                dispatcher.utter_message(text=f"I couldn't find a leave request {number} of yours.")
                return [SlotSet("leave_request_number", None)]
        else:
            requests = await call(hr_port().list_leave_requests, employee_id, 5)
        if not requests:
            dispatcher.utter_message(
                text='You have no leave requests yet. Say "I\'d like to take time off" to make one.'
            )
            return []
        pending = [r for r in requests if r.status == LeaveStatus.PENDING]
        buttons = [cancel_button(r, f"Cancel {r.number}") for r in pending]
        dispatcher.utter_message(
            text="Your leave requests:\n" + "\n".join(request_line(r) for r in requests), buttons=buttons or None
        )
        return []


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


class ActionLeaveCancel(EmployeeAction):
    def name(self) -> str:
        return "action_leave_cancel"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        number = requested_number(tracker)
        if number is None:
            requests = await call(hr_port().list_leave_requests, employee_id, 10)
            pending = [r for r in requests if r.status == LeaveStatus.PENDING]
            if not pending:
                dispatcher.utter_message(text="You have no pending leave requests to cancel.")
                return []
            if len(pending) > 1:
                dispatcher.utter_message(
                    text="Which request would you like to cancel?\n" + "\n".join(request_line(r) for r in pending),
                    buttons=[cancel_button(r, r.number) for r in pending],
                )
                return []
            number = pending[0].number
        try:
            request = await call(hr_port().get_leave_request, number, employee_id)
        except NotFound:
            dispatcher.utter_message(text=f"I couldn't find a leave request {number} of yours.")
            return [SlotSet("leave_request_number", None)]
        if request.status != LeaveStatus.PENDING:
            dispatcher.utter_message(
                text=f"{request.number} is {request.status.value}, so it can't be cancelled here. "
                "Please talk to your manager or HR."
            )
            return []
        dispatcher.utter_message(
            text=f"Cancel {request_line(request)[2:]}?",
            buttons=[{"title": "Yes, cancel it", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
        )
        return [SlotSet("leave_request_number", request.number), confirmation.ask("leave_cancel", request.number)]


class ActionPayday(EmployeeAction):
    def name(self) -> str:
        return "action_payday"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        today = date.today()
        payday = await call(hr_port().next_payday, today)
        when = "today" if payday == today else formatting.day(payday, today)
        dispatcher.utter_message(
            text=f"Your next payday is {when}. We pay twice a month: on the 15th and on the last working day of "
            "the month (if the 15th isn't a working day, on the working day before)."
        )
        return []


class ValidateLeaveForm(FormValidationAction):
    """Leave type and dates, read from whatever the employee wrote."""

    def name(self) -> str:
        return "validate_leave_form"

    async def extract_leave_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = leave_type_in(tracker.latest_message.get("text") or "")
        return {"leave_type": found.value} if found else {}

    async def extract_leave_dates(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        found = parse_date_range(text, date.today())
        if found is not None:
            return {"leave_dates": encode_range(found)}
        if tracker.get_slot("requested_slot") == "leave_dates" and text and not text.startswith("/"):
            return {"leave_dates": text[:200]}  # to be refused with a hint by validate_leave_dates
        return {}

    async def validate_leave_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = leave_type_in(str(value or ""))
        if found is None:
            dispatcher.utter_message(
                text="Sorry, I didn't catch the kind of leave: vacation, sick, personal or parental?"
            )
            return {"leave_type": None}
        return {"leave_type": found.value}

    async def validate_leave_dates(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if decode_range(str(value or "")) is None:
            dispatcher.utter_message(
                text='Sorry, I couldn\'t read those dates. Try for example "next Friday", "from 3 to 7 March" '
                'or "tomorrow afternoon".'
            )
            return {"leave_dates": None}
        return {"leave_dates": value}


class ActionLeaveQuote(EmployeeAction):
    """After the form: check the request with HR and ask the employee to confirm the summary."""

    def name(self) -> str:
        return "action_leave_quote"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        reset = [SlotSet("leave_type", None), SlotSet("leave_dates", None)]
        wanted = decode_range(tracker.get_slot("leave_dates"))
        leave_type = leave_type_in(tracker.get_slot("leave_type") or "")
        if wanted is None or leave_type is None:
            dispatcher.utter_message(text="Sorry, I lost track of that request. Could you tell me again?")
            return reset
        port = hr_port()
        try:
            quote = await call(
                port.quote_leave, employee_id, leave_type, wanted.start, wanted.end, wanted.start_part, wanted.end_part
            )
        except NotAllowed as refusal:
            dispatcher.utter_message(text=refusal_text(refusal, wanted))
            return reset
        employee = await call(port.get_employee, employee_id)
        approver = (await call(port.get_employee, employee.manager_id)).name if employee.manager_id else "HR"
        holidays = ""
        if quote.holidays:
            names = ", ".join(f"{name} ({formatting.day(day)})" for day, name in quote.holidays)
            holidays = f" Public holidays in that period aren't counted: {names}."
        dispatcher.utter_message(
            text=f"Here's your request: {LEAVE_NAMES[leave_type]}, {describe_range(wanted)} — "
            f"{days(quote.days)}.{holidays} You'd have {days(quote.available_after)} of {LEAVE_NAMES[leave_type]} "
            f"left. Shall I send it to {approver} for approval?",
            buttons=[{"title": "Yes, send it", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
        )
        return [
            *reset,
            confirmation.ask("leave", json.dumps({"type": leave_type.value, "dates": encode_range(wanted)})),
        ]


REFUSALS = {
    "end_before_start": "The end date is before the start date ({when}). Could you give me the dates again?",
    "in_the_past": "{when} is in the past, so I can't request it. For leave you've already taken, please talk to HR.",
    "no_working_days": "{when} has no working days (weekends and public holidays aren't counted), "
    "so there's nothing to request.",
    "overlaps": "That overlaps with a leave request you already have ({detail}). "
    'Say "status of my leave" to see your requests.',
    "insufficient_balance": "You don't have enough days left for {when}: you have {detail} available.",
    "too_long": "That's more than 60 working days. For long leave, please talk to HR directly.",
}


def refusal_text(refusal: NotAllowed, wanted: DateRange) -> str:
    template = REFUSALS.get(refusal.reason, "I can't request that leave ({detail}).")
    return template.format(when=describe_range(wanted), detail=refusal.detail or refusal.reason.replace("_", " "))


async def _as_employee(
    dispatcher: CollectingDispatcher, tracker: Tracker, change: Callable[[int], Awaitable[list[EventType]]]
) -> list[EventType]:
    """A confirmed change: the identity is checked again, failures become a polite reply."""

    async def work() -> list[EventType]:
        employee_id = await identified_employee_id(tracker)
        if employee_id is None:
            dispatcher.utter_message(text=sign_in_explanation(tracker))
            return []
        return await change(employee_id)

    return await replying_on_failure("action_affirm", dispatcher, tracker, work(), HR_UNAVAILABLE_REPLY)


async def confirm_leave_request(dispatcher: CollectingDispatcher, tracker: Tracker, target: str) -> list[EventType]:
    """The employee said yes to the summary: make the request (the port checks everything again)."""

    async def change(employee_id: int) -> list[EventType]:
        raw = json.loads(target)
        wanted, leave_type = decode_range(raw["dates"]), LeaveType(raw["type"])
        if wanted is None:
            return []
        try:
            request = await call(
                hr_port().request_leave,
                employee_id,
                leave_type,
                wanted.start,
                wanted.end,
                wanted.start_part,
                wanted.end_part,
            )
        except NotAllowed as refusal:
            dispatcher.utter_message(text=refusal_text(refusal, wanted))
            return []
        dispatcher.utter_message(
            text=f"Done — your request {request.number} ({days(request.days)}) is waiting for approval. "
            'I\'ll tell you the decision when you ask "is my leave approved?".'
        )
        return []

    return await _as_employee(dispatcher, tracker, change)


async def confirm_leave_cancel(dispatcher: CollectingDispatcher, tracker: Tracker, target: str) -> list[EventType]:
    """The employee said yes to cancelling a pending request."""

    async def change(employee_id: int) -> list[EventType]:
        try:
            request = await call(hr_port().cancel_leave_request, target, employee_id)
        except NotFound:
            dispatcher.utter_message(text=f"I couldn't find a leave request {target} of yours.")
            return []
        except NotAllowed:
            dispatcher.utter_message(text=f"{target} has already been decided, so it can't be cancelled here.")
            return []
        dispatcher.utter_message(text=f"Done — {request.number} is cancelled and the days are back in your balance.")
        return [SlotSet("leave_request_number", None)]

    return await _as_employee(dispatcher, tracker, change)


LINK_CODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class ActionLinkTelegram(Action):
    """How to link a Telegram account to the employee record (the code comes through the intranet)."""

    def name(self) -> str:
        return "action_link_telegram"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        profile = f"{get_settings().public_url.rstrip('/')}/employee/profile"
        if proven_channel(tracker) != "telegram":
            dispatcher.utter_message(
                text="Linking is for using me on Telegram. Open your intranet profile "
                f'({profile}), choose "Link Telegram", then send the 6-digit code to me on Telegram.'
            )
            return []
        dispatcher.utter_message(
            text=f"To link this Telegram account: sign in to your intranet profile ({profile}), choose "
            '"Link Telegram" and type the 6-digit code here. Codes are valid for 10 minutes and work once.'
        )
        return []


class ActionLinkCode(Action):
    """A one-time code typed on Telegram: link this Telegram user to the code's employee."""

    def name(self) -> str:
        return "action_link_code"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if proven_channel(tracker) != "telegram":
            dispatcher.utter_message(text="Link codes are only for linking a Telegram account — type it on Telegram.")
            return []
        match = LINK_CODE_RE.search(tracker.latest_message.get("text") or "")
        if match is None:
            dispatcher.utter_message(text="Please type the 6-digit code from your intranet profile.")
            return []

        async def work() -> list[EventType]:
            try:
                employee = await call(hr_port().redeem_telegram_link_code, match.group(1), tracker.sender_id)
            except NotAllowed as refusal:
                # One reply for a wrong, expired or used code: a guesser learns nothing about which codes exist.
                reason = (
                    "Too many wrong codes from this Telegram account. Please wait an hour "
                    'and get a new code from your intranet profile, or say "talk to a person".'
                    if refusal.reason == "too_many_attempts"
                    else "That code isn't valid — codes work once, for 10 minutes. Please check it, "
                    "or get a new one from your intranet profile."
                )
                dispatcher.utter_message(text=reason)
                return []
            first = employee.name.split()[0]
            dispatcher.utter_message(
                text=f"Linked! Hi {first} — you can now ask me about your leave and pay here on Telegram."
            )
            return [SlotSet("employee_verified", True)]

        return await replying_on_failure(self.name(), dispatcher, tracker, work(), HR_UNAVAILABLE_REPLY)
