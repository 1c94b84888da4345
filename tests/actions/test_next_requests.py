"""The next request after one the assistant carried out: carried out, asked about or answered as a question,
and whose records a colleague's name asks for (actions/documents.py, actions/follow_ups.py), with real trackers,
the real model and a real index."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, BotUttered, UserUttered

from actions.documents import ActionAnswerFromDocuments, ActionOutOfScope
from actions.follow_ups import earlier_turn
from actions.handoff import ActionHandoff
from assistant import catalog
from assistant.settings import Settings
from demo.employees import DemoEmployee
from tests.support.leave import token_of

Run = Callable[[Action, Tracker], Awaitable[Any]]


def unsure_after_request(
    make_tracker: Callable[..., Tracker],
    text: str,
    ranking: list[tuple[str, float]],
    request: tuple[str, str, str],
    intent: tuple[str, float] = ("nlu_fallback", 0.2),
) -> Tracker:
    """The tracker of a message `text` (NLU `intent` and `ranking`; a fallback unless said) right after
    `request`: (its text, its intent, the assistant's reply)."""
    latest = {
        "text": text,
        "intent": {"name": intent[0], "confidence": intent[1]},
        "entities": [],
        "metadata": {},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }
    said, requested, reply = request
    events = [
        ActionExecuted("action_listen"),
        UserUttered(said, {"intent": {"name": requested, "confidence": 0.99}, "entities": [], "metadata": {}}),
        BotUttered(reply),
        ActionExecuted("action_listen"),
        UserUttered(text, latest),
    ]
    return make_tracker(text=text, intent=intent[0], confidence=intent[1], ranking=ranking, events=events)


async def test_an_unsure_next_request_pointing_back_at_the_last_one_is_asked_about_first(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "are returns accepted for that one" after a return goes on with the requests: a change, so the
    question "did you want…?" comes before any policy answer the documents may have for its words;
    without the request before it, the documents answer first."""
    text = "are returns accepted for that one"
    ranking = [("nlu_fallback", 0.2), ("order_return", 0.33), ("ask_policy", 0.3)]
    request = ("I'd like to return my order", "order_return", "Your return is authorised.")
    reply = await run(ActionAnswerFromDocuments(), unsure_after_request(make_tracker, text, ranking, request))
    assert reply.text == catalog.text("utter_suggest_order_return"), reply.text
    alone = make_tracker(text=text, intent="nlu_fallback", confidence=0.2, ranking=ranking)
    assert "30 days" in (await run(ActionAnswerFromDocuments(), alone)).text


async def test_an_unsure_next_request_that_changes_nothing_is_carried_out(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "send me the link for the overdue one" after the invoices: a payment link changes nothing, so the
    message is said again as the payment request it most likely was (the dialogue goes on from it),
    with nothing sent in between; a return in the same place is only asked about (above)."""
    text = "send me the link for the overdue one"
    ranking = [("nlu_fallback", 0.2), ("invoice_pay", 0.33), ("out_of_scope", 0.18)]
    request = ("what do I owe", "invoice_balance", "You owe €614.00 in total on 4 open invoices, 2 of them overdue")
    reply = await run(ActionAnswerFromDocuments(), unsure_after_request(make_tracker, text, ranking, request))
    assert reply.messages == []
    kinds = [event["event"] for event in reply.events]
    assert kinds[0] == "rewind" and kinds[-1] == "user", kinds
    replayed = reply.events[-1]
    assert replayed["text"] == text
    assert replayed["parse_data"]["intent"] == {"name": "invoice_pay", "confidence": 1.0}


async def test_an_unsure_request_naming_a_record_just_listed_by_its_digits_is_carried_out(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "ok send me a link for 50180" after a list with INV-50180 points at that invoice as "that one" would: the
    payment link (it changes nothing) rather than "did you want to pay an invoice?"; digits the list did not show
    are no such pointer."""
    listed = "Here is what's due on your account:\n- INV-50081: €38.00 overdue\n- INV-50180: €42.00 due tomorrow"
    request = ("and the other one?", "invoice_due", listed)
    ranking = [("nlu_fallback", 0.2), ("invoice_pay", 0.31), ("out_of_scope", 0.2)]
    text = "ok send me a link for 50180"
    reply = await run(ActionAnswerFromDocuments(), unsure_after_request(make_tracker, text, ranking, request))
    assert replayed_as(reply) == "invoice_pay", reply.events
    other = "ok send me a link for 50999"
    reply = await run(ActionAnswerFromDocuments(), unsure_after_request(make_tracker, other, ranking, request))
    assert replayed_as(reply) is None, reply.events
    # read as out of scope, after a list that answered a message read as out of scope too
    unplaced = ("and the other one?", "out_of_scope", listed)
    out_ranking = [("out_of_scope", 0.25), ("invoice_pay", 0.18), ("link_code", 0.14)]
    tracker = unsure_after_request(make_tracker, text, out_ranking, unplaced, ("out_of_scope", 0.25))
    assert replayed_as(await run(ActionOutOfScope(), tracker)) == "invoice_pay"


BALANCE = (
    "how much do i owe u guys",
    "invoice_balance",
    "You owe €145.90 in total on 2 open invoices, 2 of them overdue",
)


def replayed_as(reply: Any) -> str | None:
    """The intent the message was said again as, if the reply was that and nothing else."""
    if reply.messages or not reply.events or reply.events[0]["event"] != "rewind":
        return None
    return str(reply.events[-1]["parse_data"]["intent"]["name"])


async def test_the_next_request_may_be_behind_an_out_of_scope_reading(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """A payment link asked for after the balance, pointing back, that the NLU put just below out of scope
    (a fallback whose likeliest reading is out of scope, or out of scope itself): still the payment."""
    text = "send me the link for the late one"
    ranking = [("nlu_fallback", 0.2), ("out_of_scope", 0.26), ("invoice_pay", 0.25)]
    reply = await run(ActionAnswerFromDocuments(), unsure_after_request(make_tracker, text, ranking, BALANCE))
    assert replayed_as(reply) == "invoice_pay", reply.events
    text = "send me the link for that one"
    ranking = [("out_of_scope", 0.44), ("invoice_pay", 0.14), ("link_telegram", 0.08)]
    tracker = unsure_after_request(make_tracker, text, ranking, BALANCE, ("out_of_scope", 0.44))
    assert replayed_as(await run(ActionOutOfScope(), tracker)) == "invoice_pay"


async def test_a_question_about_what_was_just_done_is_not_the_next_request(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "how long does that link work for" after a payment link goes to the documents, though a payment is
    among its readings; an out-of-scope message with no request of the kind among its first two readings is out
    of scope."""
    link = ("pay INV-50082", "invoice_pay", "Here is your secure payment link")
    text = "how long does that link work for"
    ranking = [("ask_policy", 0.29), ("invoice_pay", 0.25), ("out_of_scope", 0.2)]
    tracker = unsure_after_request(make_tracker, text, ranking, link, ("ask_policy", 0.29))
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert replayed_as(reply) is None and reply.text, reply.events
    text = "that's hilarious lol"
    ranking = [("out_of_scope", 0.9), ("thank", 0.05), ("invoice_pay", 0.03)]
    tracker = unsure_after_request(make_tracker, text, ranking, BALANCE, ("out_of_scope", 0.9))
    assert replayed_as(await run(ActionOutOfScope(), tracker)) is None
    text = "can you book me a table for that one"
    ranking = [("out_of_scope", 0.7), ("order_status", 0.1), ("leave_request", 0.05)]
    tracker = unsure_after_request(make_tracker, text, ranking, BALANCE, ("out_of_scope", 0.7))
    assert replayed_as(await run(ActionOutOfScope(), tracker)) is None


def test_a_question_asked_aside_in_the_identity_check_is_not_what_a_follow_up_leans_on(
    make_tracker: Callable[..., Tracker],
) -> None:
    """ "when's INV-50285 due" → the check asks for the e-mail → "btw do u take paypal?" (answered aside) →
    the e-mail → the due date: "and if i pay it a week late?" continues the due date, not PayPal. A question
    asked when no form waited is still the turn before."""

    def parsed(intent: str) -> dict[str, Any]:
        return {"intent": {"name": intent, "confidence": 0.95}, "entities": [], "metadata": {}}

    request = "when's INV-50285 due"
    follow_up = "and if i pay it a week late?"
    events = [
        ActionExecuted("action_listen"),
        UserUttered(request, parsed("invoice_due")),
        ActionExecuted("verify_form"),
        ActiveLoop("verify_form"),
        ActionExecuted("action_listen"),
        UserUttered("btw do u take paypal?", parsed("ask_policy")),
        ActionExecuted("action_answer_from_documents"),
        ActionExecuted("verify_form"),
        ActionExecuted("action_listen"),
        UserUttered("chloe.jansen@example.net", parsed("inform")),
        ActionExecuted("verify_form"),
        ActiveLoop(None),
        ActionExecuted("action_invoice_due"),
        ActionExecuted("action_listen"),
        UserUttered(follow_up, parsed("nlu_fallback")),
    ]
    tracker = make_tracker(
        text=follow_up, intent="nlu_fallback", events=events, slots={"last_question": "do u take paypal?"}
    )
    assert earlier_turn(tracker) == (request, True)
    asked_plainly = [*events[:1], UserUttered("btw do u take paypal?", parsed("ask_policy")), *events[-2:]]
    plain = make_tracker(
        text=follow_up, intent="nlu_fallback", events=asked_plainly, slots={"last_question": "do u take paypal?"}
    )
    assert earlier_turn(plain) == ("do u take paypal?", False)
    # The request before a longer check — the number, a question aside, the e-mail address, the yes — is still it.
    longer = [
        *events[:4],
        ActionExecuted("action_listen"),
        UserUttered("INV-50285", parsed("inform")),
        ActionExecuted("verify_form"),
        *events[4:-2],
        ActionExecuted("action_listen"),
        UserUttered("yeah do it", parsed("affirm")),
        *events[-2:],
    ]
    assert earlier_turn(make_tracker(text=follow_up, intent="nlu_fallback", events=longer)) == (request, True)


def test_a_record_picked_by_its_number_completes_the_request_whose_words_a_follow_up_leans_on(
    make_tracker: Callable[..., Tracker],
) -> None:
    """ "the 50137 one" at "Which invoice would you like to pay?" says nothing a later question can lean on: "how
    long is that link good for" read with "the one" was answered with how long chats are kept."""

    def parsed(intent: str) -> dict[str, Any]:
        return {"intent": {"name": intent, "confidence": 0.95}, "entities": [], "metadata": {}}

    request, follow_up = "send me the link for the overdue one", "how long is that link good for"
    events = [
        ActionExecuted("action_listen"),
        UserUttered(request, parsed("invoice_pay")),
        ActionExecuted("action_invoice_pay"),
        ActionExecuted("action_listen"),
        UserUttered("the 50137 one", parsed("invoice_pay")),
        ActionExecuted("action_invoice_pay"),
        ActionExecuted("action_listen"),
        UserUttered(follow_up, parsed("out_of_scope")),
    ]
    assert earlier_turn(make_tracker(text=follow_up, intent="out_of_scope", events=events)) == (request, True)
    # a number alone as the request itself, or after a request of another kind, is the request
    alone = [*events[:1], *events[3:]]
    assert earlier_turn(make_tracker(text=follow_up, intent="out_of_scope", events=alone)) == ("the 50137 one", True)
    other = [ActionExecuted("action_listen"), UserUttered("where is my order", parsed("order_status")), *events[3:]]
    assert earlier_turn(make_tracker(text=follow_up, intent="out_of_scope", events=other)) == ("the 50137 one", True)


@pytest.mark.parametrize(
    ("action", "asked", "nobody", "ranking", "mine"),
    [
        # read as a policy question (0.49) the documents cannot answer
        (
            ActionAnswerFromDocuments(),
            "can u pull up {}'s leave requests, need to check the holiday rota",
            "can u pull up the leave requests, need to check the holiday rota",
            [("ask_policy", 0.49), ("leave_request", 0.22), ("leave_balance", 0.10)],
            "/leave_request_status",
        ),
        # read as a request for a person the NLU was unsure of (0.44), the requests' status second
        (
            ActionHandoff(),
            "Thanks. While I'm here, can you show me {}'s requests? They're in my team.",
            "Thanks. While I'm here, can you put me through to someone? It's urgent.",
            [("human_handoff", 0.44), ("leave_request_status", 0.14), ("out_of_scope", 0.10)],
            "/leave_request_status",
        ),
        # read as a request for a person (0.45), no records among the readings: the words name them, and the
        # colleague is named as people text a possessive ("daniel harpers")
        (
            ActionHandoff(),
            "its {}s, hes on my team. can u show me his requests then",
            "its urgent, can u put me through to someone then",
            [("human_handoff", 0.45), ("order_status", 0.22), ("ask_policy", 0.05)],
            "/leave_request_status",
        ),
        # read as out of scope (0.70), the balance second
        (
            ActionOutOfScope(),
            "how many days does {} have left",
            "how many days does the moon have left",
            [("out_of_scope", 0.70), ("leave_balance", 0.23), ("ask_policy", 0.02)],
            "/leave_balance",
        ),
    ],
)
async def test_a_colleagues_records_asked_in_other_words_get_the_own_records_reply(
    run: Run,
    make_tracker: Callable[..., Tracker],
    indexed: Settings,
    emma: DemoEmployee,
    colleague: DemoEmployee,
    action: Action,
    asked: str,
    nobody: str,
    ranking: list[tuple[str, float]],
    mine: str,
) -> None:
    """A colleague's records asked in words the NLU did not read as a records request: whose records the assistant
    can show, with the button for the asker's own, not "I couldn't find that" or "not something I can help with".
    The same words naming nobody get the reply they got before."""
    intent, confidence = ranking[0]
    metadata = token_of(emma, indexed)
    text = asked.format(colleague.name.lower())
    tracker = make_tracker(text=text, intent=intent, confidence=confidence, ranking=ranking, metadata=metadata)
    reply = await run(action, tracker)
    assert "I can only show your own leave" in reply.text and colleague.name.lower() in reply.text, reply.text
    assert [b["payload"] for m in reply.messages for b in m.get("buttons") or []] == [mine]
    tracker = make_tracker(text=nobody, intent=intent, confidence=confidence, ranking=ranking, metadata=metadata)
    assert "I can only show your own leave" not in (await run(action, tracker)).text


async def test_a_continuation_naming_a_colleague_after_ones_own_requests_gets_the_own_records_reply(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, emma: DemoEmployee, colleague: DemoEmployee
) -> None:
    """ "and for peter vasquez?" right after "whats still pending" asks for the same records of a colleague: whose
    records the assistant can show, not the documents' "I couldn't find that"; the same words after a policy
    answer, or naming nobody, are left as they were."""
    text = f"and for {colleague.name.lower()}?"
    ranking = [("nlu_fallback", 0.2), ("ask_policy", 0.3), ("out_of_scope", 0.25)]
    own = ("whats still pending", "leave_request_status", "None of your leave requests is waiting for a decision.")
    tracker = unsure_after_request(make_tracker, text, ranking, own)
    tracker.latest_message["metadata"] = token_of(emma, indexed)
    tracker.events[-1]["metadata"] = token_of(emma, indexed)
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert "I can only show your own leave" in reply.text and colleague.name.lower() in reply.text, reply.text
    nobody = unsure_after_request(make_tracker, "and for the moon?", ranking, own)
    nobody.latest_message["metadata"] = token_of(emma, indexed)
    assert "I can only show your own leave" not in (await run(ActionAnswerFromDocuments(), nobody)).text


async def test_an_unsure_leave_request_that_books_dates_starts_the_leave_form(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, emma: DemoEmployee
) -> None:
    """ "ok book the 5th-7th next month" (a fallback, leave request likeliest): the leave form, which shows the days
    and asks its own yes, rather than "did you want to request leave?"; without a booking word ("can i work from
    spain for 2 weeks in march") or without dates it stays a suggestion at most, and a customer's never starts."""
    ranking = [("nlu_fallback", 0.2), ("leave_request", 0.35), ("ask_policy", 0.2)]
    metadata = token_of(emma, indexed)

    def unsure(text: str, signed_in: dict[str, str] | None) -> Tracker:
        return make_tracker(text=text, intent="nlu_fallback", confidence=0.2, ranking=ranking, metadata=signed_in)

    booked = await run(ActionAnswerFromDocuments(), unsure("ok book the 5th-7th next month", metadata))
    assert replayed_as(booked) == "leave_request", booked.events
    for text in ("can i work from spain for 2 weeks in march", "book it please"):
        assert replayed_as(await run(ActionAnswerFromDocuments(), unsure(text, metadata))) is None, text
    customer = await run(ActionAnswerFromDocuments(), unsure("ok book the 5th-7th next month", None))
    assert replayed_as(customer) is None
