"""Asking for leave and cancelling a pending request: leave_form and leave_cancel_form.

Both forms end with a yes/no slot (`leave_confirmed`, `leave_cancel_confirmed`) filled from
affirm/deny; the question says what will happen (type, days, balance after, approver), and
the request is made only by the action the form's rule runs after a clear yes. A new type
or new dates at any point of the form (a correction) reset the answer, so the summary is
asked about again.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backoffice_calls import call, hr_port
from actions.documents import answered_if_supported
from actions.employee import EmployeeAction, identified_employee_id
from actions.follow_ups import is_hypothetical, opens_as_a_question
from actions.hr import (
    cancel_button,
    days,
    decode_range,
    encode_range,
    leave_name,
    request_lines,
    request_summary,
    requested_number,
)
from actions.leave_types import another_kind_asked, leave_type_in
from assistant import catalog, formatting
from assistant.date_corrections import refine_range
from assistant.dates import DateRange, describe_range, parse_date_range
from assistant.names import LEAVE_FORM
from assistant.settings import get_settings
from backoffice.errors import NotAllowed, NotFound
from backoffice.hr_domain import LeaveStatus, LeaveType

# The yes/no quick replies of the two forms: (title's message id, payload).
YES_NO = (("utter_button_yes_send", "/affirm"), ("utter_button_no", "/deny"))
YES_NO_CANCEL = (("utter_button_yes_cancel", "/affirm"), ("utter_button_no", "/deny"))
# Why leave cannot be requested: `utter_leave_refused_<reason>`, else the general reply.
REFUSED = "utter_leave_refused"


def refusal_said(refusal: NotAllowed, wanted: DateRange, leave_type: LeaveType) -> dict[str, str]:
    """The employee's words for the back office's refusal of `wanted` leave of `leave_type`.

    The back office gives a reason code and its facts as values (`available`, `max_days`,
    `request`); the catalog's reply for the reason words them, the locale formats them. The
    kind of leave is named, so the employee sees what was understood ("feeling terrible" is sick leave).
    """
    specific = f"{REFUSED}_{refusal.reason}"
    facts: dict[str, Any] = {name: formatting.fact(value) for name, value in refusal.facts.items()}
    reply = specific if catalog.has(specific) else REFUSED
    return catalog.said(reply, **facts, when=describe_range(wanted), leave=leave_name(leave_type))


def confirmed_answer(
    tracker: Tracker, dispatcher: CollectingDispatcher, value: Any, buttons: tuple[tuple[str, str], ...]
) -> bool | None:
    """The strict yes: a yes the words or a confident NLU do not back is asked again."""
    answer = answers.answer_in(tracker)
    if value is True and answer is not True:
        dispatcher.utter_message(response="utter_need_clear_answer", buttons=catalog.buttons(*buttons))
        return None
    if value is False or answer is False:
        return False
    return True if answer is True else None


def is_question_at_form(tracker: Tracker) -> bool:
    """A question asked at the form ("is New Year's Day a holiday?"): the rules answer it; nothing is booked from it."""
    text = (tracker.latest_message.get("text") or "").rstrip()
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    # Not every question: "what about 1 to 19 February?" is a correction, whatever the NLU made of it. A message
    # that opens as a question is one unless the NLU read the request's details in it ("wait does jan 1 count",
    # out of scope, had moved the dates to 1 January).
    if intent in QUESTION_INTENTS or is_hypothetical(text):
        return True
    if intent in HR_QUESTION_INTENTS and text.endswith("?"):
        return True
    return opens_as_a_question(text) and intent not in LEAVE_DETAILS


QUESTION_INTENTS = frozenset({"ask_policy", "why_verify", "bot_challenge"})
HR_QUESTION_INTENTS = frozenset({"payday", "leave_balance", "leave_used", "leave_request_status", "help"})
# What the NLU reads as the request's own details (its kind, its days, the yes to its summary).
LEAVE_DETAILS = frozenset({"leave_request", "inform", "affirm", "deny"})
# The days of a request refused for want of days of its kind (the back office's reason), kept for a change of kind.
REFUSED_DATES = "leave_dates_refused"
NOT_ENOUGH_DAYS = "insufficient_balance"


def refused_days(wanted: DateRange, leave_type: LeaveType) -> str:
    """The slot's value: the days (as `encode_range` writes them) and the kind they were refused for."""
    return json.dumps({**json.loads(encode_range(wanted)), "kind": leave_type.value})


def days_for_another_kind(text: str, refused: str | None) -> DateRange | None:
    """The days refused for want of days of one kind, when the message names another ("make it vacation then").

    Read against the kind refused, not the form's slot: the form has already taken the new kind from the same
    message by the time its days are read."""
    try:
        kind = json.loads(refused or "").get("kind")
    except (ValueError, AttributeError):
        return None
    named = another_kind_asked(text, kind) or leave_type_in(text)
    return decode_range(refused) if named is not None and named.value != kind else None


# A yes given to "what kind of leave?": an answer that names no kind, refused with the kinds. (A value is not:
# "next friday" there names the days, which the form takes.)
ANSWERS_NO_CHOICE = frozenset({"affirm"})


class ValidateLeaveForm(FormValidationAction):
    """Leave type, dates and the yes to the summary, read from whatever the employee wrote."""

    def name(self) -> str:
        return f"validate_{LEAVE_FORM}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """A question about what would happen is answered from the documents when they can (no rule does: the
        NLU may read it as a leave request); the form then asks its own question again."""
        aside: list[EventType] = []
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        answered_by_rules = intent in QUESTION_INTENTS | HR_QUESTION_INTENTS | {"nlu_fallback"}
        if not answered_by_rules and is_hypothetical(tracker.latest_message.get("text") or ""):
            aside = await answered_if_supported(dispatcher, tracker) or []
        return [*aside, *await super().run(dispatcher, tracker, domain)]

    async def extract_leave_type(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        changed = another_kind_asked(text, tracker.get_slot("leave_type"))
        if changed is not None:  # "so can it be personal days rather than holiday?": a change, even as a question
            return {"leave_type": changed.value}
        if is_question_at_form(tracker):
            return {}
        found = leave_type_in(text)
        if found is None:
            intent = (tracker.latest_message.get("intent") or {}).get("name")
            if tracker.get_slot("requested_slot") == "leave_type" and intent in ANSWERS_NO_CHOICE:
                # "yes please" to "what kind of leave?": not a kind; said so, and asked again by the form
                return {"leave_type": text[:200]}
            return {}
        if found.value == tracker.get_slot("leave_type"):
            return {}
        return {"leave_type": found.value}

    async def extract_leave_dates(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if text.startswith("/"):
            return {}
        if is_question_at_form(tracker):
            return {}
        previous = decode_range(tracker.get_slot("leave_dates"))
        today = date.today()
        day_first = get_settings().day_first
        found = refine_range(text, previous, today, day_first=day_first) if previous else None
        if found is None:
            found = parse_date_range(text, today, day_first=day_first)
        if found is None and previous is None:
            # "fine make it all vacation then, same dates" after too few personal days: the days refused
            found = days_for_another_kind(text, tracker.get_slot(REFUSED_DATES))
        if found is not None:
            encoded = encode_range(found)
            return {} if encoded == tracker.get_slot("leave_dates") else {"leave_dates": encoded}
        if tracker.get_slot("requested_slot") == "leave_dates" and intent in ("inform", "leave_request"):
            return {"leave_dates": text[:200]}  # to be refused with a hint by validate_leave_dates
        return {}

    async def validate_leave_type(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        found = leave_type_in(str(value or ""))
        if found is None:
            dispatcher.utter_message(response="utter_leave_type_unclear")
            return {"leave_type": None}
        return {"leave_type": found.value, "leave_confirmed": None}

    async def validate_leave_dates(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if decode_range(str(value or "")) is None:
            dispatcher.utter_message(response="utter_leave_dates_unreadable")
            return {"leave_dates": None}
        return {"leave_dates": value, "leave_confirmed": None, REFUSED_DATES: None}

    async def extract_leave_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "leave_confirmed":
            return {}
        answer = answers.answer_in(tracker)
        return {} if answer is None else {"leave_confirmed": answer}

    async def validate_leave_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        changed = {"leave_type", "leave_dates"} & set(tracker.slots_to_validate())
        if changed or not tracker.get_slot("leave_dates") or not tracker.get_slot("leave_type"):
            return {"leave_confirmed": None}  # the summary changed: it is asked about again
        return {"leave_confirmed": confirmed_answer(tracker, dispatcher, value, YES_NO)}


class ActionAskLeaveType(Action):
    """Which kind of leave; with the days already understood, so the employee sees they were read right."""

    def name(self) -> str:
        return "action_ask_leave_type"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        wanted = decode_range(tracker.get_slot("leave_dates"))
        if wanted is None:
            dispatcher.utter_message(response="utter_ask_leave_type")
        else:
            dispatcher.utter_message(response="utter_ask_leave_type_for", when=describe_range(wanted))
        return []


class ActionAskLeaveConfirmed(EmployeeAction):
    """The form's last question: the request as HR would file it, and "shall I send it?"."""

    def name(self) -> str:
        return "action_ask_leave_confirmed"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        wanted = decode_range(tracker.get_slot("leave_dates"))
        leave_type = leave_type_in(tracker.get_slot("leave_type") or "")
        if wanted is None or leave_type is None:
            dispatcher.utter_message(response="utter_ask_leave_dates")
            return [SlotSet("leave_dates", None), SlotSet("requested_slot", "leave_dates")]
        port = hr_port()
        try:
            quote = await call(
                port.quote_leave, employee_id, leave_type, wanted.start, wanted.end, wanted.start_part, wanted.end_part
            )
        except NotAllowed as refusal:
            dispatcher.utter_message(**refusal_said(refusal, wanted, leave_type))
            dispatcher.utter_message(response="utter_ask_leave_other_dates")
            # Days refused only for want of this kind of leave are still the days wanted: a change of kind takes them.
            kept = refused_days(wanted, leave_type) if refusal.reason == NOT_ENOUGH_DAYS else None
            asked_again = [SlotSet("leave_dates", None), SlotSet("requested_slot", "leave_dates")]
            return [*asked_again, SlotSet(REFUSED_DATES, kept)]
        employee = await call(port.get_employee, employee_id)
        if employee.manager_id:
            approver = (await call(port.get_employee, employee.manager_id)).name
        else:
            approver = catalog.text("utter_hr_team")
        holidays = ""
        if quote.holidays:
            names = [
                catalog.text("utter_leave_holiday", name=name, day=formatting.day(day)) for day, name in quote.holidays
            ]
            holidays = catalog.text(
                "utter_leave_holidays_not_counted", names=catalog.text("utter_list_separator").join(names)
            )
        dispatcher.utter_message(
            response="utter_ask_leave_confirmed",
            buttons=catalog.buttons(*YES_NO),
            leave=leave_name(leave_type),
            when=describe_range(wanted),
            days=days(quote.days),
            holidays=holidays,
            left=days(quote.available_after),
            approver=approver,
        )
        return []


class ActionLeaveRequest(EmployeeAction):
    """After leave_form: file the request the employee said yes to (the port checks it all again), or nothing."""

    def name(self) -> str:
        return "action_leave_request"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        reset: list[EventType] = [
            SlotSet("leave_type", None),
            SlotSet("leave_dates", None),
            SlotSet("leave_confirmed", None),
            SlotSet(REFUSED_DATES, None),
        ]
        wanted = decode_range(tracker.get_slot("leave_dates"))
        leave_type = leave_type_in(tracker.get_slot("leave_type") or "")
        if tracker.get_slot("leave_confirmed") is not True or wanted is None or leave_type is None:
            dispatcher.utter_message(response="utter_leave_declined")
            return reset
        try:
            request = await call(
                hr_port().request_leave,
                employee_id,
                LeaveType(leave_type),
                wanted.start,
                wanted.end,
                wanted.start_part,
                wanted.end_part,
            )
        except NotAllowed as refusal:
            dispatcher.utter_message(**refusal_said(refusal, wanted, leave_type))
            return reset
        dispatcher.utter_message(response="utter_leave_requested", number=request.number, days=days(request.days))
        return reset


class ValidateLeaveCancelForm(FormValidationAction):
    """Which pending request to cancel, and the yes to cancelling it."""

    def name(self) -> str:
        return "validate_leave_cancel_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        return [] if tracker.get_slot("change_refused") else domain_slots

    async def extract_leave_request_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = requested_number(tracker)
        return {"leave_request_number": number} if number and number != tracker.get_slot("leave_request_number") else {}

    async def validate_leave_request_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        employee_id = await identified_employee_id(tracker)
        if employee_id is None:
            return {"leave_request_number": None, "change_refused": True}
        try:
            request = await call(hr_port().get_leave_request, str(value), employee_id)
        except NotFound:
            # The form ends here: a number that is not the employee's own gets no list of other requests
            # beside it (the same reply whether it does not exist or is a colleague's).
            dispatcher.utter_message(response="utter_leave_cancel_not_found", number=str(value))
            return {"leave_request_number": None, "leave_cancel_confirmed": None, "change_refused": True}
        if request.status != LeaveStatus.PENDING:
            status = formatting.status("leave", request.status)
            dispatcher.utter_message(response="utter_leave_cannot_cancel", number=request.number, status=status)
            return {"leave_request_number": request.number, "change_refused": True}
        return {"leave_request_number": request.number, "leave_cancel_confirmed": None}

    async def extract_leave_cancel_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != "leave_cancel_confirmed":
            return {}
        answer = answers.answer_in(tracker)
        return {} if answer is None else {"leave_cancel_confirmed": answer}

    async def validate_leave_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if "leave_request_number" in tracker.slots_to_validate():
            return {"leave_cancel_confirmed": None}
        return {"leave_cancel_confirmed": confirmed_answer(tracker, dispatcher, value, YES_NO_CANCEL)}


class ActionAskLeaveRequestNumber(EmployeeAction):
    """Which pending request: the only one is taken, several are offered as buttons."""

    def name(self) -> str:
        return "action_ask_leave_cancel_form_leave_request_number"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        requests = await call(hr_port().list_leave_requests, employee_id, 10)
        pending = [r for r in requests if r.status == LeaveStatus.PENDING]
        if not pending:
            dispatcher.utter_message(response="utter_no_pending_leave")
            return [SlotSet("change_refused", True)]
        dispatcher.utter_message(
            response="utter_which_leave_to_cancel",
            lines=request_lines(pending),
            buttons=[cancel_button(r, r.number) for r in pending],
        )
        return []


class ActionAskLeaveCancelConfirmed(EmployeeAction):
    def name(self) -> str:
        return "action_ask_leave_cancel_confirmed"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        request = await call(hr_port().get_leave_request, tracker.get_slot("leave_request_number"), employee_id)
        dispatcher.utter_message(
            response="utter_confirm_leave_cancel",
            request=request_summary(request),
            buttons=catalog.buttons(*YES_NO_CANCEL),
        )
        return []


class ActionLeaveCancel(EmployeeAction):
    """After leave_cancel_form: cancel the request the employee said yes to, or nothing."""

    def name(self) -> str:
        return "action_leave_cancel"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        reset: list[EventType] = [SlotSet("leave_cancel_confirmed", None), SlotSet("change_refused", None)]
        number = tracker.get_slot("leave_request_number")
        if tracker.get_slot("change_refused") or not number:
            return reset
        if tracker.get_slot("leave_cancel_confirmed") is not True:
            dispatcher.utter_message(response="utter_leave_cancel_declined", number=number)
            return reset
        try:
            request = await call(hr_port().cancel_leave_request, number, employee_id)
        except NotFound:
            dispatcher.utter_message(response="utter_leave_request_not_found", number=number)
            return reset
        except NotAllowed:
            dispatcher.utter_message(response="utter_leave_already_decided", number=number)
            return reset
        dispatcher.utter_message(response="utter_leave_cancelled", number=request.number)
        return [*reset, SlotSet("leave_request_number", None)]
