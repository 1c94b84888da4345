"""Asking for leave: the form reads type and dates, a quote is confirmed before anything is booked, refusals say why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.documents import ActionAnswerFromDocuments
from actions.hr import (
    decode_range,
    encode_range,
)
from actions.leave_request import (
    ActionAskLeaveConfirmed,
    ActionAskLeaveType,
    ActionLeaveRequest,
    ValidateLeaveForm,
    is_question_at_form,
    refused_days,
)
from actions.leave_types import leave_type_in
from assistant.dates import DateRange
from assistant.settings import Settings
from backoffice.hr_domain import LeaveStatus, LeaveType
from backoffice.sql.hr import SqlHR
from demo.employees import DemoEmployee
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore
from tests.support.leave import free_range, range_refused_for, token_of

Run = Callable[[Action, Tracker], Awaitable[Any]]
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SIGN_IN = "only for Northwind employees, and I can't tell who you are"


# -- asking for leave ------------------------------------------------------------------------------


async def test_the_leave_form_reads_type_and_dates_from_one_message(
    make_tracker: Callable[..., Tracker], domain: DomainDict, app_settings: Settings, emma: DemoEmployee
) -> None:
    tracker = make_tracker(
        text="I want vacation next Friday",
        intent="leave_request",
        metadata=token_of(emma, app_settings),
        active_loop="leave_form",
    )
    form = ValidateLeaveForm()
    dispatcher = CollectingDispatcher()
    assert await form.extract_leave_type(dispatcher, tracker, domain) == {"leave_type": "vacation"}
    extracted = await form.extract_leave_dates(dispatcher, tracker, domain)
    wanted = decode_range(extracted["leave_dates"])
    assert wanted is not None
    assert wanted.start == wanted.end
    assert wanted.start.weekday() == 4 and wanted.start > date.today()
    assert dispatcher.messages == []


async def test_a_yes_to_the_type_question_is_refused_with_the_kinds_not_taken_for_a_yes(
    make_tracker: Callable[..., Tracker], domain: DomainDict, app_settings: Settings, emma: DemoEmployee
) -> None:
    """ "yes pls" to "what kind of leave?" names no kind: the form says which kinds there are and asks again
    (rather than rejecting, after which the yes was answered as one to no question)."""
    form = ValidateLeaveForm()
    for text, intent in (("yes pls", "affirm"), ("yeah go ahead", "affirm")):
        tracker = make_tracker(
            text=text,
            intent=intent,
            metadata=token_of(emma, app_settings),
            active_loop="leave_form",
            slots={"requested_slot": "leave_type"},
        )
        dispatcher = CollectingDispatcher()
        extracted = await form.extract_leave_type(dispatcher, tracker, domain)
        assert extracted == {"leave_type": text}
        assert await form.validate_leave_type(text, dispatcher, tracker, domain) == {"leave_type": None}
        assert [m["response"] for m in dispatcher.messages] == ["utter_leave_type_unclear"]
    asked_dates = make_tracker(
        text="yes pls", intent="affirm", active_loop="leave_form", slots={"requested_slot": "leave_dates"}
    )
    assert await form.extract_leave_type(CollectingDispatcher(), asked_dates, domain) == {}
    days = make_tracker(
        text="next friday", intent="inform", active_loop="leave_form", slots={"requested_slot": "leave_type"}
    )
    assert await form.extract_leave_type(CollectingDispatcher(), days, domain) == {}, "days, not a wrong kind"


async def quote(
    run: Run, make_tracker: Callable[..., Tracker], metadata: dict[str, str], leave_type: str, wanted: DateRange
) -> Any:
    slots = {"leave_type": leave_type, "leave_dates": encode_range(wanted)}
    return await run(ActionAskLeaveConfirmed(), make_tracker(text="", slots=slots, metadata=metadata))


async def test_quote_asks_to_confirm_then_yes_creates_a_pending_request(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    emma: DemoEmployee,
    hr: SqlHR,
) -> None:
    metadata = token_of(emma, app_settings)
    wanted = free_range(hr, emma.employee_id)
    before = {r.number for r in hr.list_leave_requests(emma.employee_id, 1000)}
    reply = await quote(run, make_tracker, metadata, "vacation", wanted)
    assert "Here's your request: vacation" in reply.text
    assert f"Shall I send it to {emma.manager_name} for approval?" in reply.text
    assert {r.number for r in hr.list_leave_requests(emma.employee_id, 1000)} == before  # only asked

    slots = {"leave_type": "vacation", "leave_dates": encode_range(wanted), "leave_confirmed": True}
    reply = await run(ActionLeaveRequest(), make_tracker(text="yes", slots=slots, metadata=metadata))
    assert reply.text.startswith("Done — your request LR-")
    new = [r for r in hr.list_leave_requests(emma.employee_id, 1000) if r.number not in before]
    assert len(new) == 1
    made = new[0]
    assert made.number in reply.text
    assert made.status is LeaveStatus.PENDING
    assert (made.leave_type, made.start, made.end) == (LeaveType.VACATION, wanted.start, wanted.end)
    assert made.approver_id == emma.manager_id
    assert reply.slots == {
        "leave_type": None,
        "leave_dates": None,
        "leave_confirmed": None,
        "leave_dates_refused": None,
    }


async def test_an_unclear_yes_does_not_create_the_request(
    make_tracker: Callable[..., Tracker],
    domain: DomainDict,
    app_settings: Settings,
    emma: DemoEmployee,
    hr: SqlHR,
) -> None:
    metadata = token_of(emma, app_settings)
    wanted = free_range(hr, emma.employee_id)
    slots = {"leave_type": "vacation", "leave_dates": encode_range(wanted), "requested_slot": "leave_confirmed"}
    latest = {"text": "abc", "intent": {"name": "affirm", "confidence": 0.72}, "entities": [], "metadata": metadata}
    events = [ActionExecuted("action_listen"), UserUttered("abc", latest), SlotSet("leave_confirmed", True)]
    tracker = make_tracker(
        text="abc", slots=slots | {"leave_confirmed": True}, metadata=metadata, events=events, active_loop="leave_form"
    )
    tracker.latest_message = latest
    dispatcher = CollectingDispatcher()
    result = await ValidateLeaveForm().validate_leave_confirmed(True, dispatcher, tracker, domain)
    assert result == {"leave_confirmed": None}  # asked again
    assert [m.get("response") for m in dispatcher.messages] == ["utter_need_clear_answer"]


async def test_a_correction_at_the_confirmation_narrows_the_dates_already_given(
    make_tracker: Callable[..., Tracker], domain: DomainDict, app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    wanted = free_range(hr, emma.employee_id)
    slots = {"leave_type": "vacation", "leave_dates": encode_range(wanted), "requested_slot": "leave_confirmed"}
    tracker = make_tracker(
        text="oh only the morning actually",
        slots=slots,
        metadata=token_of(emma, app_settings),
        active_loop="leave_form",
    )
    extracted = await ValidateLeaveForm().extract_leave_dates(CollectingDispatcher(), tracker, domain)
    corrected = decode_range(extracted["leave_dates"])
    assert corrected is not None and corrected.start == wanted.start and corrected.start_part == "morning"


async def test_a_change_of_kind_asked_as_a_question_at_the_confirmation_is_taken_by_the_form(
    make_tracker: Callable[..., Tracker], domain: DomainDict, app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    """ "so can it be personal days rather than holiday?" (a policy question to the NLU) at the summary of a vacation
    request: the form takes the new kind and asks about the new summary; the documents say nothing. A question
    about another kind ("is personal leave paid?") changes nothing."""
    wanted = free_range(hr, emma.employee_id)
    slots = {"leave_type": "vacation", "leave_dates": encode_range(wanted), "requested_slot": "leave_confirmed"}
    change = "Oh sorry, I should have said - it's for my ceremony, so can it be personal days rather than holiday?"

    def at_summary(text: str) -> Tracker:
        return make_tracker(
            text=text, intent="ask_policy", slots=slots, metadata=token_of(emma, app_settings), active_loop="leave_form"
        )

    assert await ValidateLeaveForm().extract_leave_type(CollectingDispatcher(), at_summary(change), domain) == {
        "leave_type": "personal"
    }
    dispatcher = CollectingDispatcher()
    assert await ActionAnswerFromDocuments().run(dispatcher, at_summary(change), domain) == []
    assert dispatcher.messages == []
    question = at_summary("is personal leave paid?")
    assert await ValidateLeaveForm().extract_leave_type(CollectingDispatcher(), question, domain) == {}


async def test_until_a_day_at_the_confirmation_moves_the_last_day(
    make_tracker: Callable[..., Tracker], domain: DomainDict, app_settings: Settings, emma: DemoEmployee
) -> None:
    """ "could it run until the Friday too?" at the summary of a Thursday: Thursday to the Friday after it, not from
    today until this week's Friday."""
    thursday = date.today() + timedelta(days=(3 - date.today().weekday()) % 7 + 14)
    slots = {"leave_type": "vacation", "leave_dates": encode_range(DateRange(thursday, thursday))}
    tracker = make_tracker(
        text="ooh actually, could it run until the Friday too?",
        intent="leave_request",
        slots={**slots, "requested_slot": "leave_confirmed"},
        metadata=token_of(emma, app_settings),
        active_loop="leave_form",
    )
    extracted = await ValidateLeaveForm().extract_leave_dates(CollectingDispatcher(), tracker, domain)
    assert decode_range(extracted["leave_dates"]) == DateRange(thursday, thursday + timedelta(days=1))


async def test_quote_refuses_dates_in_the_past(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    past = date.today() - timedelta(days=10)
    reply = await quote(run, make_tracker, token_of(emma, app_settings), "vacation", DateRange(past, past))
    assert "is in the past, so I can't request it" in reply.text
    assert reply.slots["leave_dates"] is None


async def test_quote_refuses_an_overlap_with_a_pending_request(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    wanted = free_range(hr, emma.employee_id)
    existing = hr.request_leave(emma.employee_id, LeaveType.VACATION, wanted.start, wanted.end)
    assert existing.status is LeaveStatus.PENDING
    reply = await quote(run, make_tracker, token_of(emma, app_settings), "personal", wanted)
    assert reply.text.startswith(f"That overlaps with a leave request you already have ({existing.number}).")
    assert reply.slots["leave_dates"] is None


async def test_quote_refuses_more_days_than_are_left(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings, emma: DemoEmployee, hr: SqlHR
) -> None:
    wanted = range_refused_for(hr, emma.employee_id, LeaveType.PERSONAL, 41, "insufficient_balance")
    reply = await quote(run, make_tracker, token_of(emma, app_settings), "personal", wanted)
    assert reply.text.startswith("You don't have enough days left for ")
    assert "available" in reply.text
    assert reply.slots["leave_dates"] is None
    # the days are still the ones wanted, for another kind of leave (an overlap's are not: see above)
    assert decode_range(reply.slots["leave_dates_refused"]) == decode_range(encode_range(wanted))


@pytest.mark.parametrize(
    ("text", "takes_them"),
    [
        ("fine make it all vacation then, same dates", True),
        ("ok vacation then", True),
        ("personal days please", False),  # the kind refused: new days are needed
        ("what about vacation from 3 to 5 March", False),  # days of its own
    ],
)
async def test_a_change_of_kind_after_too_few_days_takes_the_days_refused(
    make_tracker: Callable[..., Tracker], domain: DomainDict, text: str, takes_them: bool
) -> None:
    wanted = DateRange(date.today() + timedelta(days=35), date.today() + timedelta(days=39))
    slots = {
        "leave_type": "personal",
        "leave_dates": None,
        "leave_dates_refused": refused_days(wanted, LeaveType.PERSONAL),
        "requested_slot": "leave_dates",
    }
    tracker = make_tracker(text=text, intent="leave_request", slots=slots, active_loop="leave_form")
    form, dispatcher = ValidateLeaveForm(), CollectingDispatcher()
    # as the form runs its extractions: the kind first, which the days then see
    tracker.slots.update(await form.extract_leave_type(dispatcher, tracker, domain))
    extracted = await form.extract_leave_dates(dispatcher, tracker, domain)
    assert (decode_range(extracted.get("leave_dates")) == wanted) is takes_them, extracted


@pytest.mark.parametrize(
    ("text", "intent", "question"),
    [
        ("is new year's day a company holiday?", "ask_policy", True),
        ("when is payday?", "payday", True),
        ("what about 1 to 19 February?", "nlu_fallback", False),  # a correction of the dates
        ("vacation on Tuesday January 26", "leave_request", False),
        ("and if im out all next week?", "leave_request", True),  # what would happen, not new dates
        ("ok what about the 3rd to the 5th instead?", "leave_request", False),
        # a question by its first word, without a question mark, unless the NLU read the request's details in it
        ("wait does jan 1 count", "out_of_scope", True),
        ("k and how many days have i got", "leave_balance", True),
        ("is the 3rd ok instead", "inform", False),
        ("can it be the 3rd instead", "out_of_scope", False),
    ],
)
def test_a_question_at_the_leave_form_books_nothing(
    make_tracker: Callable[..., Tracker], text: str, intent: str, question: bool
) -> None:
    assert is_question_at_form(make_tracker(text=text, intent=intent)) is question


async def test_the_type_question_names_the_days_already_understood(
    run: Run, make_tracker: Callable[..., Tracker], domain: DomainDict
) -> None:
    today = date.today()
    asked = await run(ActionAskLeaveType(), make_tracker(slots={"leave_dates": encode_range(DateRange(today, today))}))
    assert "What kind of leave" in asked.text and f" {today.day} " in asked.text, asked.text
    plain = await run(ActionAskLeaveType(), make_tracker())
    assert plain.text == "What kind of leave would you like to take?"
    responses = domain["responses"]
    titles = [b["title"] for b in responses["utter_ask_leave_type_for"][0]["buttons"]]
    assert titles == ["Vacation", "Sick leave", "Personal day", "Parental leave"]
    assert responses["utter_ask_leave_type_for"][0]["buttons"] == responses["utter_ask_leave_type"][0]["buttons"]


@pytest.mark.parametrize(
    "text",
    [
        "feeling terrible, off today",
        "under the weather, staying home",
        "dentist appointment friday",
        "im ill, staying home today",
        "ill today and tomorrow",
    ],
)
async def test_feeling_ill_in_the_employees_words_is_sick_leave(
    make_tracker: Callable[..., Tracker], domain: DomainDict, text: str
) -> None:
    tracker = make_tracker(text=text, intent="leave_request", active_loop="leave_form")
    assert await ValidateLeaveForm().extract_leave_type(CollectingDispatcher(), tracker, domain) == {
        "leave_type": "sick"
    }


SICK_NOTES = (
    "# Sick leave\n\n## Doctor's note\nA doctor's note is needed when you are off sick for more than 3 working days.\n"
)


async def test_a_question_about_what_would_happen_is_answered_and_the_dates_stay(
    run: Run,
    make_tracker: Callable[..., Tracker],
    app_settings: Settings,
    emma: DemoEmployee,
    hr: SqlHR,
    tmp_path: Path,
) -> None:
    """ "and if im out all next week?" at a sick-leave summary, after a question about doctor's notes, read as a
    leave request (0.46): the documents' answer, read with that question, and the summary's days kept (they had
    become next week)."""
    folder = tmp_path / "handbook"
    folder.mkdir()
    (folder / "sick-leave.md").write_text(SICK_NOTES)
    ingest(folder, "handbook", "internal", KnowledgeStore.open(app_settings.knowledge_dir))
    wanted = free_range(hr, emma.employee_id)
    slots = {
        "leave_type": "sick",
        "leave_dates": encode_range(wanted),
        "requested_slot": "leave_confirmed",
        "last_question": "ok. do i need a doctors note for that?",  # answered aside a turn before
    }
    tracker = make_tracker(
        text="and if im out all next week?",
        intent="leave_request",
        confidence=0.46,
        slots=slots,
        metadata=token_of(emma, app_settings),
        active_loop="leave_form",
    )
    reply = await run(ValidateLeaveForm(), tracker)
    assert "doctor's note" in reply.text and "sick-leave.md" in str(reply.messages), reply.messages
    assert "leave_dates" not in reply.slots and reply.slots.get("leave_confirmed") is None, reply.slots


@pytest.mark.parametrize("text", ["no its ok ill ask hr", "ill check with my manager first", "ill just email them"])
def test_ill_before_a_verb_is_i_will_not_a_kind_of_leave(text: str) -> None:
    """ "no its ok ill ask hr" at "What kind of leave?" had filed sick leave: "ill" there is "I'll"."""
    assert leave_type_in(text) is None
