"""Questions answered from the company's documents, with their sources; or an honest "I don't know".

Customers and unidentified users are answered from public documents only; an
identified employee also from internal ones (the audience is decided here, from
the identity the channel vouched for, never from what the user typed). A short
follow-up ("and for sick days?") is read together with the previous question.
The second "I don't know" in a row hands the conversation to a person.

(Named `documents`, not `knowledge`: rasa-sdk imports every module of `actions/`,
and a module named like the top-level `knowledge` package would shadow it.)
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer import channel_identity, verified_customer_id
from actions.employee import others_records_asked, own_records_only
from actions.follow_ups import (
    FALLBACK,
    POLICY_QUESTION,
    UNSURE_POLICY_CONFIDENCE,
    asks_what_follows,
    continued_request,
    earlier_turn,
    is_hypothetical,
    last_reply,
    read_in_context,
    user_messages,
    without_records,
)
from actions.handoff import FAILURES_BEFORE_HANDOFF, FAILURES_SLOT, MESSAGE_FORM, business_hours, failures_in_a_row
from actions.identity import VERIFY_FORM
from actions.leave_types import another_kind_asked
from actions.listed import listed_ones_named
from actions.order_corrections import CHANGE_FORMS, corrected_change, orders_named
from actions.refusals import decision_refused, refusal_explained
from actions.suggestion import SUGGESTED_SLOT, books_leave_days, carried_out_as, likeliest_reading, suggest_request
from actions.went_through import outcome_said_again
from assistant import catalog, formatting
from assistant.names import CHANGE_INTENTS, HANDOFF_OFFERED_SLOT, LEAVE_FORM, REQUEST_INTENTS, TRANSACTIONAL_INTENTS
from assistant.yes_no import NO_START, plain, read_yes_no
from backoffice.domain import normalise_invoice_number
from knowledge.answerability import clears
from knowledge.answers import Answer, Source
from knowledge.service import is_warm, shared_service, warm_up

logger = logging.getLogger(__name__)

KNOWLEDGE_TIMEOUT_S = 10.0
# Until the warm-up has loaded the embedding model (seconds on a busy machine: importing
# sentence-transformers alone took 17 s at load 9), a question waits for it rather than failing.
COLD_KNOWLEDGE_TIMEOUT_S = 60.0
WARM_UP_ENV = "KNOWLEDGE_WARM_UP"
if os.environ.get(WARM_UP_ENV) == "true":  # set by the stack for the action server process only
    threading.Thread(target=warm_up, name="knowledge-warm-up", daemon=True).start()
# True when the reply offered a person: a yes in the next turn accepts it (rules/handoff.yml).
OFFERED_SLOT = HANDOFF_OFFERED_SLOT
# A message the NLU did not place is answered from the documents only when their support clears a
# stricter bar: most such messages are chatter, and a cited paragraph in reply to "what's the exchange
# rate" is a false accept. Chosen on tune halves only (the dev set's and the second source's out-of-scope
# chatter against the policy questions of four document sets): `scripts/tune_documents_route.py`.
NOT_PLACED_BARS = {"nlu_fallback": 0.26, "out_of_scope": 0.68}
# A policy question the NLU is unsure of (below `UNSURE_POLICY_CONFIDENCE`, in follow_ups: the handoff's form
# reads it too) must clear a bar too, a lower one: "please add an email to my contacts" read as ask_policy at 0.34
# found a sentence about e-mail addresses. Chosen by the same script on the same tune halves: the pair that answers
# the fewest out-of-scope cases read as policy questions without losing any policy question answered today (15 ->
# 10 of 1,859 out-of-scope cases).
UNSURE_POLICY_BAR = 0.32
# A request whose policy reading has at least this share of the NLU's confidence also asks a question
# (`asks_a_question_too`). Between the highest share among the dev set's tune-half requests (0.19, "track the
# status of my purchase") and the policy questions read as requests in the read fresh conversation sets
# ("can i pay it in bits instead of all at once?" 0.29, "can i work from portugal for 2 weeks" 0.27).
POLICY_SHARE_OF_A_REQUEST = 0.25
# The offer of a person, as quick replies (titles from the reply catalog).
HANDOFF_CHOICES = (("utter_button_person_yes", "/human_handoff"), ("utter_button_person_no", "/deny"))


def is_employee(tracker: Tracker) -> bool:
    """Internal documents only for someone the channel identifies as an employee (slot set by the identity check)."""
    identity = channel_identity(tracker)
    if identity is not None:
        return identity.role == "employee"
    return bool(tracker.get_slot("employee_verified"))


async def answer_in_context(tracker: Tracker, text: str, intent: str, confidence: float) -> tuple[str, Answer, bool]:
    """The first question of `follow_ups.read_in_context` the documents answer confidently enough for the
    intent — or as the policy question the reading says it is, when that asks less — else the first one asked.
    Returns the question, the answer and whether it clears the bar."""
    previous, previous_was_request = earlier_turn(tracker)
    # While the identity check waits, the reply is its question ("What's your order number?"), which says nothing
    # about what a question asked aside is about ("which credit cards do you take" would find the check's page).
    reply = None if tracker.active_loop_name == VERIFY_FORM else last_reply(tracker)
    reading = read_in_context(text, previous, previous_was_request, reply)
    asked: tuple[str, Answer] | None = None
    confident: list[tuple[str, Answer]] = []
    for question, policy_confidence in reading.asked:
        result = await ask_documents(tracker, question)
        read_as = (intent, confidence)
        if policy_confidence is not None and lower_bar(("ask_policy", policy_confidence), read_as):
            read_as = ("ask_policy", policy_confidence)
        if result.answered and confident_enough(result, *read_as):
            if not reading.best_supported:
                return question, result, True
            confident.append((question, result))
        asked = asked or (question, result)
    if confident:
        question, result = max(confident, key=lambda found: found[1].support.score if found[1].support else 0.0)
        return question, result, True
    assert asked is not None  # a reading has at least one question
    return asked[0], asked[1], False


async def answered_if_supported(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """The documents' answer to the latest message read as a policy question of its NLU confidence, sent when
    they support it; None, with nothing sent, when they do not or cannot be searched (the caller's own reply
    follows: the documents are a bonus there)."""
    text = (tracker.latest_message.get("text") or "").strip()
    if not text or text.startswith("/"):
        return None
    try:
        question, result, confident = await answer_in_context(tracker, text, "ask_policy", confidence_of(tracker))
    except Exception:
        logger.exception("knowledge search failed (conversation %s)", tracker.sender_id)
        return None
    return answered_events(dispatcher, result, question) if confident else None


def policy_share(parse_data: dict[str, Any]) -> float:
    """The NLU's confidence that the message is a policy question, wherever it ranks."""
    ranking = parse_data.get("intent_ranking") or []
    return next((float(e.get("confidence") or 0.0) for e in ranking if e.get("name") == POLICY_QUESTION), 0.0)


def asks_a_question_too(tracker: Tracker) -> bool:
    """Whether a message carried out as a request also asks something the documents may answer: one the NLU could
    not place whose likeliest reading is a policy question ("we're moving on saturday, can you change where 10293
    gets delivered?"), or a request it was not sure of with the policy question a strong second reading ("can i
    pay it off in a few chunks instead of all at once?", invoice_pay 0.60, ask_policy 0.30) or shaped as a
    question about what would happen ("if i dont use all my vacation this year do i lose it?", leave_balance
    0.76: the rule is asked, not only the record) or what follows ("do i still have to pay the invoice for that
    one?" after a cancellation, invoice_pay). A request replayed as sure (a yes to "did you want to …?",
    confidence 1.0) asks nothing else."""
    parse_data = tracker.latest_message
    intent = intent_of(tracker)
    if intent == FALLBACK:
        return likeliest_reading(parse_data) == POLICY_QUESTION
    return (
        intent in TRANSACTIONAL_INTENTS
        and confidence_of(tracker) < 1.0
        and (
            policy_share(parse_data) >= POLICY_SHARE_OF_A_REQUEST
            or is_hypothetical(parse_data.get("text") or "")
            or asks_what_follows(parse_data.get("text") or "")
        )
    )


async def the_question_too(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The documents' answer to what a request also asks (`asks_a_question_too`), when they support it as an unsure
    policy question (`UNSURE_POLICY_BAR`); nothing otherwise — the request's own reply is the answer then."""
    if not asks_a_question_too(tracker):
        return []
    # Order and invoice numbers are the back office's business: no document names them, so they would only
    # count as words the documents do not know.
    text = without_records(tracker.latest_message.get("text") or "")
    try:
        question, result, confident = await answer_in_context(tracker, text, POLICY_QUESTION, 0.0)
    except Exception:  # the documents are a bonus here: the request is carried out all the same
        logger.exception("knowledge search failed (conversation %s)", tracker.sender_id)
        return []
    return answered_events(dispatcher, result, question) if confident else []


def own_record_named(tracker: Tracker, text: str) -> tuple[str, str, str] | None:
    """(action, slot, number) that show the one order or invoice a verified customer's message names ("got a
    reminder email about INV-50114?? thought i had 30 days to pay", a question the documents cannot answer): its
    status says what the documents cannot (overdue since 13 November). None for anyone else, or for no or
    several records."""
    if verified_customer_id(tracker) is None:
        return None
    orders, invoice = orders_named(text), normalise_invoice_number(text)
    if len(orders) == 1 and invoice is None:
        return "action_order_status", "order_number", orders[0]
    if invoice is not None and not orders:
        return "action_invoice_due", "invoice_number", invoice
    return None


async def others_records_or_none(tracker: Tracker) -> tuple[str, str] | None:
    """`others_records_asked`, or None when the HR system cannot say (the documents' reply then stands)."""
    if not is_employee(tracker):
        return None
    try:
        return await others_records_asked(tracker)
    except Exception:
        logger.exception("colleague check failed (conversation %s)", tracker.sender_id)
        return None


def for_the_leave_form(tracker: Tracker, text: str) -> bool:
    """A change of the kind of leave asked as a question at the leave form ("can it be personal days rather than
    holiday?"): the form takes it and shows the new summary; the documents have nothing to say about it."""
    if tracker.active_loop_name != LEAVE_FORM:
        return False
    return another_kind_asked(text, tracker.get_slot("leave_type")) is not None


def declines_the_form(tracker: Tracker, text: str) -> bool:
    """A message the NLU could not place, at a form, that opens with a no and is most likely a no ("Hmm, no, not yet -
    I'd better check the on-call rota first. Don't book it." at "What kind of leave?", deny 0.43): the form is left
    with nothing changed (`action_stop`), as a plain "no" there is, rather than its question asked again."""
    if not tracker.active_loop_name or likeliest_reading(tracker.latest_message) != "deny":
        return False
    return bool(NO_START.match(plain(text)))


def declines_a_person(tracker: Tracker, text: str) -> bool:
    """A no, asking nothing, to "Would you like me to put you in touch with a person?" ("no its ok ill email them"):
    the offer declined. Read as one more question the documents could not answer, it had brought in the person
    just declined (two misses in a row hand over)."""
    return bool(tracker.get_slot(OFFERED_SLOT)) and read_yes_no(text) is False and "?" not in text


def left_for_the_team(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """While a message for the team is being taken (out of hours), what the assistant cannot answer is for the
    team: say so, with when they are there, instead of "not something I can help with … or a person" (the
    person is what the message is for). True when that was the reply; the form asks for the message next."""
    if tracker.active_loop_name != MESSAGE_FORM:
        return False
    dispatcher.utter_message(response="utter_team_will_answer", hours=formatting.opening_hours(business_hours()))
    return True


def abstain_reply(related_text: str | None, related: Source | None) -> str:
    """ "I don't know", with what the documents say about the topic when they touch it (no sources: not an answer)."""
    if related_text and related is not None:
        return catalog.text(
            "utter_documents_abstain_related", title=related.title, related=related_text.strip().rstrip(".")
        )
    return catalog.text("utter_documents_abstain")


async def ask_documents(tracker: Tracker, question: str) -> Answer:
    """The documents' answer for this person's audience; raises when they cannot be searched in time."""
    return await asyncio.wait_for(
        asyncio.to_thread(shared_service().ask, question, is_employee(tracker)),
        timeout=KNOWLEDGE_TIMEOUT_S if is_warm() else COLD_KNOWLEDGE_TIMEOUT_S,
    )


def bar_for(intent: str, confidence: float) -> float | None:
    """The support an answer must reach for a message of this intent and confidence (None: the normal decision)."""
    if intent == "ask_policy":
        return UNSURE_POLICY_BAR if confidence < UNSURE_POLICY_CONFIDENCE else None
    return NOT_PLACED_BARS.get(intent)


def lower_bar(reading: tuple[str, float], other: tuple[str, float]) -> bool:
    """Whether `reading` (intent, confidence) asks less support of an answer than `other` (no bar least)."""
    bar, other_bar = bar_for(*reading), bar_for(*other)
    return other_bar is not None and (bar is None or bar < other_bar)


def confident_enough(result: Answer, intent: str, confidence: float = 1.0) -> bool:
    """An answer clears the bar of the message's intent and confidence (`bar_for`)."""
    bar = bar_for(intent, confidence)
    return bar is None or (result.support is not None and clears(result.support, bar))


def intent_of(tracker: Tracker) -> str:
    return str((tracker.latest_message.get("intent") or {}).get("name"))


def confidence_of(tracker: Tracker) -> float:
    return float((tracker.latest_message.get("intent") or {}).get("confidence") or 0.0)


def is_opener(tracker: Tracker, result: Answer) -> bool:
    """A message the NLU could not place, whose likeliest intent is a social one, that the documents say
    nothing about: an opener ("got a sec?" leans to goodbye, "anyone there" to greet), not a question left
    unanswered. It gets what the assistant can do, not "I couldn't find an answer", and it is not counted
    as a failure (two of those in a row hand over to a person). Inside a form, the form's question is
    asked again instead."""
    if tracker.active_loop_name or result.related is not None:
        return False
    likeliest = likeliest_reading(tracker.latest_message)
    return likeliest is not None and likeliest not in REQUEST_INTENTS


# Thanks in a message the NLU read as something else ("Alright, thank you, I'll email them.", a policy question).
THANKS_RE = re.compile(r"(?i)\b(?:thanks?|thank you|thx|ty|cheers)\b")


def thanks_for_the_answer(tracker: Tracker, result: Answer) -> bool:
    """A message of thanks whose reading finds only the answer just given, word for word: it thanks for that answer
    ("Alright, thank you, I'll email them." after the warranty claim), it does not ask it again."""
    text = str(tracker.latest_message.get("text") or "")
    return bool(THANKS_RE.search(text)) and bool(result.answer) and result.answer == last_reply(tracker)


def answered_events(dispatcher: CollectingDispatcher, result: Answer, question: str) -> list[EventType]:
    """Send the answer with its sources; remember the question for a follow-up."""
    contract = result.contract()
    dispatcher.utter_message(text=contract["answer"], json_message={"sources": contract["sources"]})
    return [
        SlotSet("last_question", question[:500]),
        SlotSet(FAILURES_SLOT, 0),
        SlotSet(OFFERED_SLOT, False),
        SlotSet(SUGGESTED_SLOT, False),
    ]


class ActionAnswerFromDocuments(Action):
    def name(self) -> str:
        return "action_answer_from_documents"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        if not text or text.startswith("/"):
            dispatcher.utter_message(response="utter_default")
            return []
        if refusal_explained(dispatcher, tracker, text):  # "why not?" right after a refusal
            return [SlotSet(OFFERED_SLOT, False)]
        if decision_refused(dispatcher, is_employee(tracker), text):  # "can u approve LR-00355"
            return [SlotSet(OFFERED_SLOT, False)]
        if for_the_leave_form(tracker, text):
            return []
        if declines_the_form(tracker, text):
            return [FollowupAction("action_stop")]
        if declines_a_person(tracker, text):
            dispatcher.utter_message(response="utter_deny_no_question")
            return [SlotSet(OFFERED_SLOT, False), SlotSet(FAILURES_SLOT, 0)]
        if outcome_said_again(dispatcher, tracker, text) or listed_ones_named(dispatcher, tracker, text):
            return [SlotSet(OFFERED_SLOT, False)]  # "did it go thru", "which one is overdue"
        corrected = corrected_change(tracker, orders_named(text))
        if corrected is not None:  # "oh right. what about 10216 then" right after a refused return: the return
            return [SlotSet("change_refused", None), FollowupAction(CHANGE_FORMS[corrected])]
        request = continued_request(tracker, text)
        if request is not None:
            if request not in CHANGE_INTENTS and not tracker.active_loop_name:
                # Nothing is changed by it ("send me the link for the overdue one" after the invoices):
                # asking "did you want to pay an invoice?" first would only cost the person a turn.
                return carried_out_as(tracker, user_messages(tracker)[-1], request)
            suggested = suggest_request(dispatcher, tracker)
            if suggested is not None:
                return [SlotSet("last_question", None), SlotSet(OFFERED_SLOT, False), *suggested]
        try:
            question, result, confident = await answer_in_context(
                tracker, text, intent_of(tracker), confidence_of(tracker)
            )
        except Exception:
            # Chroma down (client/server mode), a time-out, anything: a polite reply and a person offered.
            logger.exception("knowledge search failed (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response="utter_documents_unavailable", buttons=catalog.buttons(*HANDOFF_CHOICES))
            return [SlotSet(OFFERED_SLOT, True)]
        if confident and thanks_for_the_answer(tracker, result):
            dispatcher.utter_message(response="utter_you_are_welcome")
            return [SlotSet(OFFERED_SLOT, False)]
        # Someone else's records before an opener: "how much leave does Ruth Ishikawa have left", a fallback whose
        # likeliest reading is out of scope, is not "got a sec?".
        others = None if confident else await others_records_or_none(tracker)
        if others is not None:
            own_records_only(dispatcher, *others)
            return [SlotSet("last_question", None), SlotSet(OFFERED_SLOT, False)]
        if not result.answered and is_opener(tracker, result):
            dispatcher.utter_message(response="utter_help")
            return [SlotSet("last_question", None), SlotSet(OFFERED_SLOT, False)]
        if not confident:
            record = own_record_named(tracker, text)
            if is_employee(tracker) and books_leave_days(tracker):  # "ok book the 5th-7th next month"
                return carried_out_as(tracker, user_messages(tracker)[-1], "leave_request")
            suggested = suggest_request(dispatcher, tracker)
            if suggested is not None:
                return [SlotSet("last_question", None), SlotSet(OFFERED_SLOT, False), *suggested]
            if left_for_the_team(dispatcher, tracker):  # not a failure: the team will answer it
                return [SlotSet("last_question", None), SlotSet(SUGGESTED_SLOT, False)]
            failures = failures_in_a_row(tracker) + 1
            events: list[EventType] = [
                # A question the documents only touched stays the topic ("are ur candles vegan" … "how long should
                # i burn it the first time"); one they know nothing of leaves none.
                SlotSet("last_question", question[:500] if result.related is not None else None),
                SlotSet(FAILURES_SLOT, failures),
                SlotSet(SUGGESTED_SLOT, False),
            ]
            if failures >= FAILURES_BEFORE_HANDOFF:
                dispatcher.utter_message(response="utter_documents_abstain_again")
                return [*events, SlotSet(OFFERED_SLOT, False), FollowupAction("action_handoff")]
            dispatcher.utter_message(
                text=abstain_reply(result.related_text, result.related), buttons=catalog.buttons(*HANDOFF_CHOICES)
            )
            if record is not None:  # what the documents cannot say, the record named may: its status follows
                action, slot, number = record
                return [*events, SlotSet(OFFERED_SLOT, True), SlotSet(slot, number), FollowupAction(action)]
            return [*events, SlotSet(OFFERED_SLOT, True)]
        return answered_events(dispatcher, result, question)


class ActionOutOfScope(Action):
    """A message the NLU calls out of scope: answered from the documents only when they answer it confidently.

    Why: real people ask policy questions in words the NLU has never seen ("can i bank my unused
    vacay days"), and those land on `out_of_scope`. Most out-of-scope messages are chatter the
    documents say nothing useful about, though, so the bar here is much higher than the normal one
    (`NOT_PLACED_BARS`); below it, the out-of-scope reply, which offers a person (a yes in the
    next turn accepts: rules/core.yml).
    """

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        if for_the_leave_form(tracker, text):
            return []
        if decision_refused(dispatcher, is_employee(tracker), text):  # "approve julia's leave please", out of scope
            return []
        if outcome_said_again(dispatcher, tracker, text) or listed_ones_named(dispatcher, tracker, text):
            return []  # "so it worked?" right after a change, "which one is late?" right after a list
        request = continued_request(tracker, text) if text else None
        if request is not None and request not in CHANGE_INTENTS and not tracker.active_loop_name:
            # "send me the link for that one" after the balance: the next request of the same kind, which
            # changes nothing (a change is never started from a message out of scope).
            return carried_out_as(tracker, user_messages(tracker)[-1], request)
        # Someone else's records first ("And Julia Castillo's?" after one's own balance, out of scope at 0.66): read
        # as a follow-up question, the documents had answered it with the sentence nearest the question before.
        others = await others_records_or_none(tracker)
        if others is not None:  # "how many days does julia castillo have left", out of scope at 0.70
            own_records_only(dispatcher, *others)
            return []
        if text and not text.startswith("/"):
            try:
                # Its own bar whatever the NLU said (this action is the out-of-scope reply), except for a follow-up.
                question, result, confident = await answer_in_context(tracker, text, "out_of_scope", 1.0)
            except Exception:  # the documents are a bonus here: without them, the out-of-scope reply
                logger.exception("knowledge search failed (conversation %s)", tracker.sender_id)
            else:
                if confident:
                    return answered_events(dispatcher, result, question)
        if left_for_the_team(dispatcher, tracker):
            return []
        dispatcher.utter_message(response="utter_out_of_scope")
        return [SlotSet(OFFERED_SLOT, True)]
