"""The HR helpdesk: leave balance and usage, leave requests, payday, Telegram linking."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice_calls import call, hr_port
from actions.customer import proven_channel, replying_on_failure
from actions.employee import HR_UNAVAILABLE_REPLY, EmployeeAction
from assistant import formatting
from assistant.dates import DateRange, describe_range
from assistant.settings import get_settings
from backoffice.errors import NotAllowed, NotFound
from backoffice.hr_domain import DayPart, LeaveBalance, LeaveRequest, LeaveStatus, LeaveType

LEAVE_WORDS: dict[LeaveType, tuple[str, ...]] = {
    LeaveType.PARENTAL: ("parental", "maternity", "paternity", "adoption", "baby"),
    LeaveType.SICK: (
        *("sick", "ill", "unwell", "doctor", "flu", "migraine", "fever", "covid", "throwing up"),
        *("feeling awful", "feel awful", "feeling terrible", "feeling rough", "not feeling well", "not well"),
    ),
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
        if PAYDAY_ASKED_RE.search(tracker.latest_message.get("text") or ""):
            await answer_payday(dispatcher)  # "... and when do we get paid next": the other part too
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


class ActionPayday(EmployeeAction):
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
    when = "today" if payday == today else formatting.day(payday, today)
    dispatcher.utter_message(
        text=f"Your next payday is {when}. We pay twice a month: on the 15th and on the last working day of "
        "the month (if the 15th isn't a working day, on the working day before)."
    )


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
