"""The handoff action with real trackers and the real ticket store: pause in hours, a message out of hours."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.documents import ActionAnswerFromDocuments, ActionOutOfScope
from actions.handoff import ActionHandoff, ActionLeaveHandoffMessage, ValidateHandoffMessageForm, business_hours
from assistant import catalog, formatting
from assistant.identity import issue_channel_token
from assistant.settings import Settings, get_settings
from demo.accounts import DemoAccount
from handoff.tickets import HandoffReason, TicketStatus
from handoff.wiring import handoff_store

Run = Callable[[Action, Tracker], Awaitable[Any]]
HISTORY = [
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "where is my order ORD-10001?", "timestamp": 1.0},
    {"event": "bot", "text": "To protect your data, I need to check it's you.", "timestamp": 2.0},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "I want to talk to a person", "timestamp": 3.0},
]


@pytest.fixture(autouse=True)
def fresh_hours(app_settings: Settings) -> None:
    """The app on its test database, open around the clock (HANDOFF_HOURS=always) unless a test says otherwise."""
    business_hours.cache_clear()


def tracker_asking(make_tracker: Callable[..., Tracker], **kwargs: Any) -> Tracker:
    return make_tracker(text="I want to talk to a person", intent="human_handoff", events=HISTORY, **kwargs)


async def test_in_business_hours_a_ticket_and_the_bot_steps_back(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    tracker = tracker_asking(make_tracker, customer_id=alice.customer_id, slots={"order_number": "ORD-10001"})
    reply = await run(ActionHandoff(), tracker)
    assert {"event": "pause"} in [{"event": e["event"]} for e in reply.events]
    number = reply.text.split("ticket ")[1].split(")")[0]
    ticket = handoff_store().get(number)
    assert ticket.status is TicketStatus.WAITING and ticket.reason is HandoffReason.REQUESTED
    assert ticket.identity.kind == "customer" and ticket.identity.id == alice.customer_id
    assert ticket.summary["order_number"] == "ORD-10001" and "customer_proof" not in ticket.summary
    assert [line.text for line in ticket.transcript] == [
        "where is my order ORD-10001?",
        "To protect your data, I need to check it's you.",
        "I want to talk to a person",
    ]
    again = await run(ActionHandoff(), tracker)
    assert number in again.text, "asking again keeps the same ticket"


async def test_an_employee_is_named_on_the_ticket(
    run: Run, make_tracker: Callable[..., Tracker], app_settings: Settings
) -> None:
    token = issue_channel_token("employee", "9", app_settings.identity_secret, name="Nora Bianchi")
    reply = await run(ActionHandoff(), tracker_asking(make_tracker, metadata={"auth_token": token}))
    ticket = handoff_store().get(reply.text.split("ticket ")[1].split(")")[0])
    assert (ticket.identity.kind, ticket.identity.id, ticket.identity.name) == ("employee", 9, "Nora Bianchi")


async def test_after_a_no_answer_the_reason_says_so(run: Run, make_tracker: Callable[..., Tracker]) -> None:
    events = [*HISTORY[:3], {"event": "slot", "name": "failed_attempts", "value": 1}, *HISTORY[3:]]
    reply = await run(ActionHandoff(), make_tracker(text="/human_handoff", intent="human_handoff", events=events))
    ticket = handoff_store().get(reply.text.split("ticket ")[1].split(")")[0])
    assert ticket.reason is HandoffReason.NO_ANSWER
    failed = [*HISTORY, {"event": "slot", "name": "failed_attempts", "value": 2}]
    reply = await run(ActionHandoff(), make_tracker(sender_id="other", text="x", events=failed))
    assert handoff_store().get(reply.text.split("ticket ")[1].split(")")[0]).reason is HandoffReason.FAILED_ATTEMPTS


async def test_out_of_hours_it_takes_a_message_instead(
    run: Run, make_tracker: Callable[..., Tracker], monkeypatch: pytest.MonkeyPatch, app_settings: Settings
) -> None:
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    get_settings.cache_clear()
    reply = await run(ActionHandoff(), tracker_asking(make_tracker))
    assert "isn't online" in reply.text and reply.followups == ["handoff_message_form"]
    assert not [e for e in reply.events if e["event"] == "pause"]
    assert handoff_store().open_tickets() == []

    left = await run(
        ActionLeaveHandoffMessage(),
        tracker_asking(make_tracker, slots={"handoff_message": "Please e-mail me at liam@example.com"}),
    )
    number = left.text.split("ticket ")[1].split(")")[0]
    ticket = handoff_store().get(number)
    assert ticket.status is TicketStatus.MESSAGE and ticket.message == "Please e-mail me at liam@example.com"
    assert left.slots["handoff_message"] is None


async def test_when_the_ticket_cannot_be_stored_the_user_still_gets_the_contacts(
    run: Run, make_tracker: Callable[..., Tracker], backoffice_down: Settings
) -> None:
    reply = await run(ActionHandoff(), tracker_asking(make_tracker))
    assert "support@northwind.example" in reply.text
    assert not [e for e in reply.events if e["event"] == "pause"]


PERSONAL_HISTORY = [
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "my name is Ravi Silva, mail me at ravi.silva@example.com", "timestamp": 1.0},
    {"event": "bot", "text": "Thanks, Ravi Silva. What is your order number?", "timestamp": 2.0},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "call me on +46 8 5855124, card 4111 1111 1111 1111", "timestamp": 3.0},
    {"event": "bot", "text": "order ORD-10001 shipped", "timestamp": 4.0},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "I want to talk to a person", "timestamp": 5.0},
]
PERSONAL_DATA = ("Ravi Silva", "ravi.silva@example.com", "+46 8 5855124", "4111 1111 1111 1111", "Mira Jansen")


def _ticket_text(number: str) -> str:
    """What the ticket stores of the conversation (the identity is the channel's, checked on its own)."""
    stored = handoff_store().get(number).to_dict()
    stored.pop("identity")
    return json.dumps(stored)


@pytest.mark.parametrize("redact", [False, True])
async def test_with_redact_tracker_the_ticket_is_masked_like_the_tracker_store(
    redact: bool, run: Run, make_tracker: Callable[..., Tracker], monkeypatch: pytest.MonkeyPatch, alice: DemoAccount
) -> None:
    monkeypatch.setenv("REDACT_TRACKER", "true" if redact else "false")
    get_settings.cache_clear()
    slots = {"order_number": "ORD-10001", "customer_name": "Mira Jansen", "verify_email": "ravi.silva@example.com"}
    tracker = make_tracker(
        text="I want to talk to a person",
        intent="human_handoff",
        events=PERSONAL_HISTORY,
        customer_id=alice.customer_id,
        slots=slots,
    )
    reply = await run(ActionHandoff(), tracker)
    number = reply.text.split("ticket ")[1].split(")")[0]
    stored = _ticket_text(number)
    if not redact:  # the control: without the setting the ticket keeps what was said
        assert all(secret in stored for secret in PERSONAL_DATA), stored
        return
    for secret in PERSONAL_DATA:
        assert secret not in stored, f"{secret!r} kept in the ticket: {stored}"
    ticket = handoff_store().get(number)
    assert [line.text for line in ticket.transcript] == [
        "my name is [name], mail me at [email]",
        "Thanks, [name]. What is your order number?",
        "call me on [phone], card [card]",
        "order ORD-10001 shipped",
        "I want to talk to a person",
    ]
    assert ticket.summary["order_number"] == "ORD-10001", "order numbers are not personal data"
    assert ticket.summary["customer_name"] == "[name]" and ticket.summary["verify_email"] == "[email]"
    assert (ticket.identity.kind, ticket.identity.id) == ("customer", alice.customer_id), "who it is, for the agent"
    assert ticket.identity.name == "Mira Jansen", "whom the agent is helping is kept (and erasure finds it)"


async def test_with_redact_tracker_a_left_message_is_masked(
    run: Run, make_tracker: Callable[..., Tracker], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDOFF_HOURS", "never")
    monkeypatch.setenv("REDACT_TRACKER", "true")
    get_settings.cache_clear()
    left = await run(
        ActionLeaveHandoffMessage(),
        tracker_asking(make_tracker, slots={"handoff_message": "Please e-mail me at liam@example.com"}),
    )
    ticket = handoff_store().get(left.text.split("ticket ")[1].split(")")[0])
    assert ticket.message == "Please e-mail me at [email]"


@pytest.mark.parametrize(
    ("text", "confidence", "taken"),
    [
        ("ugh. how long do you keep these chat messages anyway?", 0.86, False),  # answered by the form's rule
        ("ugh. how long do you keep these chat messages anyway?", 0.5, True),  # the NLU unsure: for the team
        ("how long do you keep chat messages? please delete mine and my account, I've had enough of you", 0.9, True),
    ],
)
async def test_a_question_for_the_documents_is_not_the_message_for_the_team(
    make_tracker: Callable[..., Tracker], domain: DomainDict, text: str, confidence: float, taken: bool
) -> None:
    tracker = make_tracker(
        text=text,
        intent="ask_policy",
        confidence=confidence,
        slots={"requested_slot": "handoff_message"},
        active_loop="handoff_message_form",
    )
    dispatcher = CollectingDispatcher()
    extracted = await ValidateHandoffMessageForm().extract_handoff_message(dispatcher, tracker, domain)
    assert extracted == ({"handoff_message": text} if taken else {})
    assert not dispatcher.messages  # the documents answer it (rules/handoff.yml), not the team's hours


@pytest.mark.parametrize(
    ("text", "intent", "taken"),
    [
        ("I want to talk to someone", "human_handoff", False),
        ("no, a real person please", "human_handoff", False),
        ("The fire pit I got has a crack in the bowl, can someone call me", "human_handoff", True),
        ("thanks! the lamp from my last order flickers, please ring me tomorrow morning", "thank", True),
        ("My bench from ORD-10234 is wobbly", "order_status", True),
        ("someone call me about ORD-10234", "human_handoff", True),  # short, but it names the order
        ("when are you open?", "ask_policy", False),
        ("wait when do u open again", "out_of_scope", False),  # a question by its opening word
        ("why was I charged twice for ORD-10234", "ask_policy", True),  # it names the order: for the team
        ("my parcel never came. when can someone look into it, please let me know", "out_of_scope", True),
    ],
)
async def test_the_message_for_the_team_is_what_says_more_than_the_request(
    make_tracker: Callable[..., Tracker], domain: DomainDict, text: str, intent: str, taken: bool
) -> None:
    found = re.search(r"ORD-\d{5}", text)
    entities = [{"entity": "order_number", "value": found.group(), "start": found.start()}] if found else []
    tracker = make_tracker(
        text=text,
        intent=intent,
        slots={"requested_slot": "handoff_message"},
        active_loop="handoff_message_form",
        entities=entities,
    )
    dispatcher = CollectingDispatcher()
    extracted = await ValidateHandoffMessageForm().extract_handoff_message(dispatcher, tracker, domain)
    assert extracted == ({"handoff_message": text} if taken else {})
    if not taken and intent not in ("human_handoff",):  # a question not taken: the team's hours are said again
        assert [m.get("response") for m in dispatcher.messages] == ["utter_team_offline"], dispatcher.messages


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        (ActionOutOfScope(), "will it rain in lisbon tomorrow?", "out_of_scope"),
        (ActionAnswerFromDocuments(), "does the garden bench come in purple?", "nlu_fallback"),
    ],
)
async def test_while_a_message_for_the_team_is_taken_what_the_assistant_cannot_answer_is_left_for_the_team(
    action: Action,
    text: str,
    intent: str,
    run: Run,
    make_tracker: Callable[..., Tracker],
    monkeypatch: pytest.MonkeyPatch,
    indexed: Settings,
) -> None:
    """Out of hours, at "What would you like to tell the team?": a question nobody here can answer gets "our
    team can: put it in your message", with when they are there — not the out-of-scope reply or the
    abstention, whose offer of a person is what the message already is. Outside that form, those replies."""
    monkeypatch.setenv("HANDOFF_HOURS", "Mon-Fri 08:00-18:00")
    get_settings.cache_clear()
    asking = {"requested_slot": "handoff_message"}
    reply = await run(action, make_tracker(text=text, intent=intent, active_loop="handoff_message_form", slots=asking))
    hours = formatting.opening_hours(business_hours())
    assert reply.text == catalog.text("utter_team_will_answer", hours=hours)
    assert "Mon" in hours and not reply.buttons and not reply.slots.get("handoff_offered")
    elsewhere = await run(action, make_tracker(text=text, intent=intent))
    assert "our team can" not in elsewhere.text and elsewhere.slots["handoff_offered"] is True


async def test_a_question_the_documents_answer_is_answered_while_a_message_for_the_team_is_taken(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    tracker = make_tracker(
        text="are returns accepted within 30 days of delivery?", intent="ask_policy",
        active_loop="handoff_message_form", slots={"requested_slot": "handoff_message"},
    )  # fmt: skip
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert "30 days" in reply.text and "our team can" not in reply.text
