"""The knowledge action with real trackers, the real model and a real index built from Markdown files."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, UserUttered

from actions.documents import (
    NOT_PLACED_BARS,
    UNSURE_POLICY_BAR,
    UNSURE_POLICY_CONFIDENCE,
    WARM_UP_ENV,
    ActionAnswerFromDocuments,
    ActionOutOfScope,
    abstain_reply,
    lower_bar,
)
from assistant import catalog
from assistant.identity import issue_channel_token
from assistant.settings import Settings, get_settings
from demo.accounts import DemoAccount
from knowledge.answers import Source
from knowledge.service import shared_service

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[[Action, Tracker], Awaitable[Any]]


def employee(settings: Settings) -> dict[str, str]:
    return {"auth_token": issue_channel_token("employee", "1", settings.identity_secret)}


async def test_an_answer_carries_its_sources(run: Run, make_tracker: Callable[..., Tracker], indexed: Settings) -> None:
    reply = await run(ActionAnswerFromDocuments(), make_tracker(text="how many days do I have to return something?"))
    assert "30 days" in reply.text
    [custom] = [m["custom"] for m in reply.messages if m.get("custom")]
    assert custom["sources"][0]["path"] == "returns.md"
    assert set(custom["sources"][0]) == {"path", "title", "score", "snippet"}
    assert reply.slots["last_question"] == "how many days do I have to return something?"


async def test_internal_documents_only_for_employees(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    question = "how many vacation days does an employee get?"
    stranger = await run(ActionAnswerFromDocuments(), make_tracker(text=question))
    assert "20 vacation days" not in stranger.text
    staff = await run(ActionAnswerFromDocuments(), make_tracker(text=question, metadata=employee(indexed)))
    assert "20 vacation days" in staff.text


async def test_a_follow_up_uses_the_previous_question(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    tracker = make_tracker(
        text="and sick days?",
        metadata=employee(indexed),
        slots={"last_question": "how many vacation days does an employee get a year?"},
    )
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert "10 sick days" in reply.text


async def test_no_support_no_answer_and_a_person_offered(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    reply = await run(ActionAnswerFromDocuments(), make_tracker(text="can I bring my dog to the office?"))
    assert reply.text == catalog.text("utter_documents_abstain")
    assert {"title": "Yes, a person please", "payload": "/human_handoff"} in reply.buttons
    assert not [m for m in reply.messages if m.get("custom")]


async def test_a_near_miss_says_what_the_documents_do_say_without_presenting_it_as_the_answer(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """The documents speak of returns but not of a restocking fee: say so, quote them, offer a person, cite nothing."""
    reply = await run(ActionAnswerFromDocuments(), make_tracker(text="do you charge a restocking fee on returns?"))
    assert reply.text.startswith("I couldn't find an answer to that in our documents"), reply.text
    assert "The closest they come" in reply.text and "30 days" in reply.text, reply.text
    assert "doesn't answer your question" in reply.text
    assert {"title": "Yes, a person please", "payload": "/human_handoff"} in reply.buttons
    assert not [m for m in reply.messages if m.get("custom")], "no sources: it is not an answer"
    assert reply.slots["last_question"] == "do you charge a restocking fee on returns?"  # the topic, for a follow-up
    unrelated = await run(ActionAnswerFromDocuments(), make_tracker(text="can I bring my dog to the office?"))
    assert unrelated.slots["last_question"] is None


def test_the_abstention_quotes_only_what_it_was_given() -> None:
    assert abstain_reply(None, None) == catalog.text("utter_documents_abstain")
    source = Source(path="returns.md", title="Returns and refunds", score=0.4, snippet="")
    text = abstain_reply("Returns are accepted within 30 days of delivery.", source)
    assert "“Returns and refunds”" in text and "“Returns are accepted within 30 days of delivery”" in text


async def test_a_short_question_leaning_on_the_one_before_is_answered_with_it(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "how long do I have?" says nothing alone; after a question about returns it asks for the return window."""
    alone = await run(ActionAnswerFromDocuments(), make_tracker(text="how long do I have?", intent="ask_policy"))
    assert not sources_of(alone), alone.text
    after = make_tracker(
        text="how long do I have?", intent="ask_policy", slots={"last_question": "are returns accepted?"}
    )
    reply = await run(ActionAnswerFromDocuments(), after)
    assert "30 days" in reply.text and sources_of(reply)[0]["path"] == "returns.md"


async def test_a_question_pointing_back_at_a_request_is_read_with_it(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "how long do I have for that?" after a return request — right after it, or after the order number
    the request asked for — is about the return; an older answered question (here about vacation days) is
    no longer what it leans on."""
    text = "how long do I have for that?"
    latest = {"text": text, "intent": {"name": "ask_policy", "confidence": 0.9}, "entities": [], "metadata": {}}
    request = {"intent": {"name": "order_return", "confidence": 0.99}, "entities": [], "metadata": {}}
    detail = {"intent": {"name": "inform", "confidence": 0.99}, "entities": [], "metadata": {}}
    asked = [ActionExecuted("action_listen"), UserUttered("I'd like to return my order", request)]
    answered = [BotUttered("Order ORD-10187 can still be returned."), ActionExecuted("action_listen")]
    given = [BotUttered("Which order?"), ActionExecuted("action_listen"), UserUttered("ORD-10187", detail)]
    for events in ([*asked, *answered], [*asked, *given, *answered]):
        tracker = make_tracker(
            text=text,
            intent="ask_policy",
            confidence=0.9,
            events=[*events, UserUttered(text, latest)],
            slots={"last_question": "how many vacation days do we get?"},
        )
        reply = await run(ActionAnswerFromDocuments(), tracker)
        assert "30 days" in reply.text and sources_of(reply)[0]["path"] == "returns.md", reply.text


async def test_a_follow_up_the_nlu_calls_out_of_scope_continues_the_answered_question(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "what about sick days?" after an answer about vacation days is a follow-up, whatever the NLU called it;
    the same words as a first message keep the out-of-scope bar."""
    slots = {"last_question": "how many vacation days does every employee get?"}
    follow_up = make_tracker(
        text="what about sick days?", intent="out_of_scope", slots=slots, metadata=employee(indexed)
    )
    reply = await run(ActionOutOfScope(), follow_up)
    assert "10 sick days" in reply.text and sources_of(reply)
    first = make_tracker(text="what about sick days?", intent="out_of_scope", metadata=employee(indexed))
    reply = await run(ActionOutOfScope(), first)
    assert reply.text == catalog.text("utter_out_of_scope") and not sources_of(reply)


async def test_the_second_no_answer_in_a_row_brings_in_a_person(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    first = await run(ActionAnswerFromDocuments(), make_tracker(text="can I bring my dog to the office?"))
    assert first.slots["failed_attempts"] == 1 and not first.followups
    question = {"text": "is there a gym membership?", "parse_data": {"intent": {"name": "ask_policy"}}}
    history = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "can I bring my dog to the office?"},
        *first.events,
        {"event": "bot", "text": first.text},
        {"event": "action", "name": "action_listen"},
        {"event": "user", **question},
    ]
    second = await run(ActionAnswerFromDocuments(), make_tracker(text=question["text"], events=history))
    assert second.slots["failed_attempts"] == 2 and second.followups == ["action_handoff"]
    assert "person" in second.text

    answered_between = [*history[:-1], {"event": "slot", "name": "failed_attempts", "value": 0}, history[-1]]
    history_with_answer = [*history[:2], *answered_between[2:]]
    third = await run(ActionAnswerFromDocuments(), make_tracker(text=question["text"], events=history_with_answer))
    assert third.slots["failed_attempts"] == 1 and not third.followups, "a turn that went fine resets the count"


async def test_a_no_to_the_offer_of_a_person_declines_it_and_brings_in_nobody(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    first = await run(ActionAnswerFromDocuments(), make_tracker(text="can I bring my dog to the office?"))
    assert first.slots["handoff_offered"] is True

    def after_the_offer(text: str) -> Tracker:
        history = [
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": "can I bring my dog to the office?"},
            *first.events,
            {"event": "bot", "text": first.text},
            {"event": "action", "name": "action_listen"},
            {"event": "user", "text": text, "parse_data": {"intent": {"name": "ask_policy", "confidence": 0.4}}},
        ]
        return make_tracker(text=text, intent="ask_policy", events=history, slots=first.slots)

    declined = await run(ActionAnswerFromDocuments(), after_the_offer("no its ok ill email them"))
    assert declined.text == catalog.text("utter_deny_no_question") and not declined.followups, declined.text
    assert declined.slots == {"handoff_offered": False, "failed_attempts": 0}
    # a no with a new question is the question
    asked = await run(ActionAnswerFromDocuments(), after_the_offer("no, but is there a gym membership?"))
    assert asked.text != catalog.text("utter_deny_no_question")


@pytest.fixture
def documents_down(app_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The knowledge service on a Chroma server that refuses every connection (port 9)."""
    monkeypatch.setenv("CHROMA_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    shared_service.cache_clear()
    yield
    shared_service.cache_clear()
    get_settings.cache_clear()


async def test_a_chroma_server_that_is_down_gets_a_polite_reply_and_a_person_offered(
    run: Run, make_tracker: Callable[..., Tracker], documents_down: None
) -> None:
    reply = await run(ActionAnswerFromDocuments(), make_tracker(text="what is your return policy?"))
    assert reply.text == catalog.text("utter_documents_unavailable") and "right now" in reply.text
    assert {"title": "Yes, a person please", "payload": "/human_handoff"} in reply.buttons
    assert reply.slots == {"handoff_offered": True} and not [m for m in reply.messages if m.get("custom")]


def sources_of(reply: Any) -> list[dict[str, Any]]:
    return [source for m in reply.messages if m.get("custom") for source in m["custom"]["sources"]]


async def test_out_of_scope_is_answered_from_the_documents_when_they_answer_it_confidently(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """Real people ask policy questions in words the NLU has not seen; the documents answer this one almost verbatim."""
    tracker = make_tracker(text="are returns accepted within 30 days of delivery?", intent="out_of_scope")
    reply = await run(ActionOutOfScope(), tracker)
    assert "30 days" in reply.text and sources_of(reply)[0]["path"] == "returns.md"
    assert reply.slots["handoff_offered"] is False


async def test_out_of_scope_below_the_confident_bar_gets_the_out_of_scope_reply_and_a_person_offered(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "refund days" is answered as a policy question (the normal bar), but from an out-of-scope message the
    same support is not enough: the out-of-scope reply, no sources, a person offered (a yes accepts)."""
    as_policy = await run(ActionAnswerFromDocuments(), make_tracker(text="refund days", intent="ask_policy"))
    assert sources_of(as_policy), "the documents do answer it at the normal bar"
    for text in ("refund days", "what's the weather like in paris tomorrow"):
        reply = await run(ActionOutOfScope(), make_tracker(text=text, intent="out_of_scope"))
        assert reply.text == catalog.text("utter_out_of_scope") and not sources_of(reply), text
        assert reply.slots == {"handoff_offered": True}
    # Predicted after another intent (a story, TED), it keeps its own bar.
    reply = await run(ActionOutOfScope(), make_tracker(text="refund days", intent="ask_policy"))
    assert reply.text == catalog.text("utter_out_of_scope") and not sources_of(reply)


async def test_a_fallback_is_answered_only_above_its_own_bar(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """A strong sentence match with most of the question's words unknown to the documents: answered when the
    NLU recognised a policy question, not when it could not place the message at all."""
    question = "how many days do I have to return something I got as a present?"  # support 0.15
    assert NOT_PLACED_BARS["nlu_fallback"] < NOT_PLACED_BARS["out_of_scope"]
    as_policy = await run(ActionAnswerFromDocuments(), make_tracker(text=question, intent="ask_policy"))
    assert "30 days" in as_policy.text and sources_of(as_policy)
    not_placed = await run(ActionAnswerFromDocuments(), make_tracker(text=question, intent="nlu_fallback"))
    assert not_placed.text == catalog.text("utter_documents_abstain") and not sources_of(not_placed)
    assert not_placed.slots["handoff_offered"] is True


async def test_a_policy_question_the_nlu_is_unsure_of_needs_more_support(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """The weakly supported answer above is given to a policy question the NLU is sure of, not to one it
    only leans to (`UNSURE_POLICY_CONFIDENCE`): chatter the NLU reads as a policy question at 0.4 finds
    some sentence about the same words."""
    question = "how many days do I have to return something I got as a present?"  # support 0.15
    assert NOT_PLACED_BARS["out_of_scope"] > UNSURE_POLICY_BAR
    sure = make_tracker(text=question, intent="ask_policy", confidence=UNSURE_POLICY_CONFIDENCE)
    assert "30 days" in (await run(ActionAnswerFromDocuments(), sure)).text
    unsure = make_tracker(text=question, intent="ask_policy", confidence=UNSURE_POLICY_CONFIDENCE - 0.01)
    reply = await run(ActionAnswerFromDocuments(), unsure)
    assert reply.text == catalog.text("utter_documents_abstain") and not sources_of(reply)
    assert reply.slots["handoff_offered"] is True
    well_supported = "are returns accepted within 30 days of delivery?"
    reply = await run(
        ActionAnswerFromDocuments(), make_tracker(text=well_supported, intent="ask_policy", confidence=0.3)
    )
    assert "30 days" in reply.text and sources_of(reply)


async def test_out_of_scope_with_the_documents_down_gets_the_out_of_scope_reply(
    run: Run, make_tracker: Callable[..., Tracker], documents_down: None
) -> None:
    reply = await run(ActionOutOfScope(), make_tracker(text="do you ship to mars?", intent="out_of_scope"))
    assert reply.text == catalog.text("utter_out_of_scope") and reply.slots == {"handoff_offered": True}


def run_probe(code: str, warm_up: bool, **settings: str) -> subprocess.CompletedProcess[str]:
    """`code` in a fresh Python process of the action server's kind, with or without KNOWLEDGE_WARM_UP."""
    env = {key: value for key, value in os.environ.items() if key != WARM_UP_ENV} | settings
    if warm_up:
        env[WARM_UP_ENV] = "true"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180, cwd=ROOT)


def test_the_action_server_loads_the_documents_model_at_start_not_on_the_first_question(indexed: Settings) -> None:
    """With KNOWLEDGE_WARM_UP (the stack sets it for the action server), importing the actions warms the
    knowledge service in a thread: nobody has asked anything, yet both audiences' retrievers are open."""
    probe = (
        "import time, knowledge.service as service, actions.documents\n"
        "deadline = time.monotonic() + 120\n"
        "while not service.is_warm() and time.monotonic() < deadline: time.sleep(0.2)\n"
        "print(service.is_warm(), sorted(service.shared_service()._retrievers))\n"
    )
    warmed = run_probe(probe, warm_up=True)
    assert warmed.stdout.strip() == "True [False, True]", warmed.stderr[-2000:]
    cold = run_probe("import knowledge.service as service, actions.documents; print(service.is_warm())", warm_up=False)
    assert cold.stdout.strip() == "False", "without the setting nothing is loaded at import (unit tests, the API)"


def test_a_stack_started_before_its_documents_loads_the_model_before_it_counts_as_warm(
    app_settings: Settings, tmp_path: Path
) -> None:
    """An empty store (the scale profile starts its action servers before ingesting) answers the warm-up
    without embedding anything: the model must be loaded all the same before questions get the short
    time-out, or the first real question pays for it within that time-out."""
    probe = (
        "import threading, knowledge.service as service, knowledge.embeddings as embeddings, actions.documents\n"
        "[t.join(120) for t in threading.enumerate() if t.name == 'knowledge-warm-up']\n"
        "print(service.is_warm(), embeddings.is_loaded())\n"
    )
    empty = tmp_path / "empty-store"
    empty.mkdir()
    run = run_probe(probe, warm_up=True, KNOWLEDGE_DIR=str(empty))
    assert run.stdout.strip() == "True True", run.stdout + run.stderr[-2000:]


def test_questions_that_arrive_with_the_warm_up_all_get_the_documents(indexed: Settings) -> None:
    """At start the warm-up thread and the first questions open the store together; each must get an
    answer, not "documents unavailable" (two Chroma clients created at once race inside Chroma)."""
    probe = (
        "import threading, knowledge.service as service, actions.documents\n"
        "errors = []\n"
        "def ask():\n"
        "    try: service.shared_service().ask('what is your return policy', employee=False)\n"
        "    except Exception as error: errors.append(repr(error))\n"
        "threads = [threading.Thread(target=ask) for _ in range(6)]\n"
        "for t in threads: t.start()\n"
        "for t in threads: t.join()\n"
        "print(errors)\n"
    )
    run = run_probe(probe, warm_up=True)
    assert run.stdout.strip() == "[]", run.stdout + run.stderr[-2000:]


async def test_an_opener_gets_what_the_assistant_does_and_counts_as_no_failure(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """An opener ("got a sec?"): the NLU could not place it and leans to a social intent; the documents say nothing."""
    social = [("nlu_fallback", 0.5), ("goodbye", 0.32), ("stop", 0.15)]
    opener = await run(
        ActionAnswerFromDocuments(), make_tracker(text="got a sec?", intent="nlu_fallback", ranking=social)
    )
    assert [m.get("response") for m in opener.messages] == ["utter_help"] and not opener.buttons
    assert "failed_attempts" not in opener.slots and opener.slots["handoff_offered"] is False

    request = [("nlu_fallback", 0.5), ("ask_policy", 0.4), ("goodbye", 0.1)]
    question = await run(
        ActionAnswerFromDocuments(), make_tracker(text="got a sec?", intent="nlu_fallback", ranking=request)
    )
    assert question.text == catalog.text("utter_documents_abstain") and question.slots["failed_attempts"] == 1

    in_form = make_tracker(text="got a sec?", intent="nlu_fallback", ranking=social, active_loop="verify_form")
    assert (await run(ActionAnswerFromDocuments(), in_form)).text == catalog.text("utter_documents_abstain")


def test_a_message_pointing_back_is_never_held_to_a_higher_bar_than_its_own() -> None:
    """Read with the request before it, an out-of-scope message needs the unsure policy bar, not the
    out-of-scope one; a policy question keeps the normal decision (no bar)."""
    assert lower_bar(("ask_policy", 0.0), ("out_of_scope", 1.0))
    assert not lower_bar(("ask_policy", 0.0), ("ask_policy", 0.9))
    assert lower_bar(("ask_policy", 1.0), ("nlu_fallback", 0.2))


async def test_a_record_named_in_a_question_the_documents_cannot_answer_gets_its_status_after(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, alice: DemoAccount
) -> None:
    """ "got a reminder email about INV-…?? thought i had 30 days to pay" from a verified customer: the documents
    cannot say, the invoice can (its due date and balance follow); for someone unverified, only the abstention."""
    invoice = alice.overdue_invoice or alice.open_invoice
    assert invoice is not None, "the test needs an unpaid invoice"
    text = f"got a reminder email about {invoice}?? thought i had 30 days to pay"
    tracker = make_tracker(customer_id=alice.customer_id, text=text, intent="ask_policy", confidence=0.31)
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert "I couldn't find an answer" in reply.text, reply.text
    assert reply.slots["invoice_number"] == invoice
    assert reply.events[-1] == {"event": "followup", "timestamp": None, "name": "action_invoice_due"}
    anonymous = make_tracker(text=text, intent="ask_policy", confidence=0.31)
    reply = await run(ActionAnswerFromDocuments(), anonymous)
    assert not any(event["event"] == "followup" for event in reply.events), reply.events


async def test_thanks_that_would_only_get_the_answer_just_given_gets_a_youre_welcome(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "Alright, thank you, I'll email them." after the warranty answer was read with it and found that answer again:
    it was said a second time, word for word. Thanks that only find the answer just given are thanks; the same words
    with no such answer before get the answer."""
    question = "how many days do I have to return something?"
    answered = await run(ActionAnswerFromDocuments(), make_tracker(text=question, intent="ask_policy"))
    thanks = f"thanks! so {question}"
    latest = {"text": thanks, "intent": {"name": "ask_policy", "confidence": 0.9}, "entities": [], "metadata": {}}
    events = [
        ActionExecuted("action_listen"),
        UserUttered(question, {"text": question, "intent": {"name": "ask_policy", "confidence": 0.9}}),
        BotUttered(answered.text),
        ActionExecuted("action_listen"),
        UserUttered(thanks, latest),
    ]
    tracker = make_tracker(text=thanks, intent="ask_policy", confidence=0.9, events=events)
    assert (await run(ActionAnswerFromDocuments(), tracker)).text == "You're welcome! Anything else I can help with?"
    first_time = await run(ActionAnswerFromDocuments(), make_tracker(text=thanks, intent="ask_policy"))
    assert first_time.text == answered.text


async def test_a_no_the_nlu_could_not_place_at_a_form_leaves_the_form(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    """ "Hmm, no, not yet - I'd better check the on-call rota first. Don't book it." at "What kind of leave?" (a
    fallback, deny likeliest): the form is left, nothing booked, as a plain no there leaves it — not "I couldn't
    find that" and the question again. Without a form, or without the no, the documents' reply as before."""
    ranking = [("nlu_fallback", 0.2), ("deny", 0.43), ("ask_policy", 0.39)]
    declined = "Hmm, no, not yet - I'd better check the on-call rota first. Don't book it."
    at_form = make_tracker(
        text=declined, intent="nlu_fallback", confidence=0.2, ranking=ranking, active_loop="leave_form"
    )
    reply = await run(ActionAnswerFromDocuments(), at_form)
    assert reply.messages == [] and [e.get("name") for e in reply.events] == ["action_stop"]
    hedged = make_tracker(
        text="I'd better check the rota first.", intent="nlu_fallback", ranking=ranking, active_loop="leave_form"
    )
    assert "action_stop" not in [e.get("name") for e in (await run(ActionAnswerFromDocuments(), hedged)).events]
    no_form = make_tracker(text=declined, intent="nlu_fallback", confidence=0.2, ranking=ranking)
    assert "action_stop" not in [e.get("name") for e in (await run(ActionAnswerFromDocuments(), no_form)).events]


async def test_a_question_aside_at_the_identity_check_is_not_read_with_the_checks_question(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, index_page: Callable[[str, str, str], None]
) -> None:
    """ "which credit cards do you take" while the identity check asks for an order number: the check's question is
    no context for it (read with it, on the company's documents, the question found the page about the check). It is
    answered as it would be without that question. (After a reply that says what a request did, the reply is read
    with a question: `follow_ups.read_in_context`.)"""
    for page in ("chat-assistant.md", "payment-methods.md"):  # the page about the check, and the answer's
        index_page(page, (ROOT / "demo" / "company_docs" / "public" / page).read_text(), "public")
    asked = "which credit cards do you take"
    latest = {"text": asked, "intent": {"name": "out_of_scope", "confidence": 0.73}, "entities": [], "metadata": {}}

    def after(prompt: str) -> Tracker:
        events = [
            ActionExecuted("action_listen"),
            UserUttered("I need to pay an invoice", {"intent": {"name": "invoice_pay", "confidence": 0.95}}),
            BotUttered(prompt),
            ActionExecuted("action_listen"),
            UserUttered(asked, latest),
        ]
        loop = "verify_form"
        return make_tracker(text=asked, intent="out_of_scope", confidence=0.73, events=events, active_loop=loop)

    at_check = await run(
        ActionOutOfScope(),
        after(
            "To protect your account I first need to check it's you. What's your order number (for example ORD-10042)?"
        ),
    )
    alone = await run(ActionOutOfScope(), make_tracker(text=asked, intent="out_of_scope", confidence=0.73))
    assert at_check.text == alone.text
