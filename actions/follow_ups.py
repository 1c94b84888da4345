"""Which earlier turn a short message leans on, and how to ask the documents about it.

People continue a conversation in few words: "and for sick days?", "ok what about glasses
then", "thx, and how long does that link work for?" after a payment link. Such a message
says little alone; read with the turn before it, it is a question the documents answer.

The earlier turn is the question the documents answered last (slot `last_question`), unless
the person has since asked for something the assistant did (an order, an invoice, leave):
then that request is the context, but only for a message that says it continues
("and if I'm a week late?") or points back ("how long is that link good for?") — a new
question after a request must not inherit the request's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from assistant.names import TRANSACTIONAL_INTENTS

# Words that open a reply without saying anything yet ("ok", "thx,", "lol ok."), stripped before reading.
OPENING_FILLERS_RE = re.compile(
    r"(?i)^\s*(?:(?:ok(?:ay)?|oh|ah|hmm+|right|cool|great|nice|thanks|thank you|thx|ta|lol|so|well|alright|"
    r"fine|sure|yes|yeah|yep|no|nope|got it|i see|hold on|hang on|wait|one sec|btw|by the way)\b[\s,.!;:\-–]*)+"
)
# Words that say the message continues the one before.
CONTINUATION_RE = re.compile(r"(?i)^(and|what about|how about|also|same for|what if|but what if|but if)\b")
# Words that point back at something said before.
REFERS_BACK_RE = re.compile(r"(?i)\b(it|its|that|this|those|these|they|them|she|he|her|him)\b")
# "the one", "the overdue one", "that other one": the thing just talked about, named as such.
ONE_BEFORE_RE = re.compile(r"(?i)\b(?:the|that|this)\s+(?:\w+\s+)?ones?\b")
# A noun the turn before named, taken up again with a determiner: "how long does the link work" after "send me
# the link for the overdue one".
NAMED_AGAIN_RE = re.compile(r"(?i)\b(?:the|that|this|those|these)\s+(\w{3,})")
# A message shaped as a question: a question mark, or the word a question opens with at the start of the message
# or of a clause ("hold on first, where is 10216").
ASKS_RE = re.compile(
    r"(?i)\?|(?:^|[,;:!.]\s*)"
    r"(?:how|what|when|where|which|who|why|can|could|do|does|did|is|are|will|would|should|shall|may|must)\b"
)
# A question that is only its question word ("when?", "how long tho", "why?"): after a record the assistant showed,
# it asks about what that reply said ("ORD-10235 is packed and will be handed to the carrier shortly" … "when?").
BARE_QUESTION_RE = re.compile(
    r"(?i)^(?:how long|how much|how come|how so|when|why|where|how)\b[\s?!.]*(?:tho|though|then|exactly)?[\s?!.]*$"
)
# What names a record — ORD-10235, INV-50180, LR-00361, an e-mail address, €282.00, a bare number of four digits or
# more, a tracking number (1Z0FSEGV6865624220): no document speaks of it, so in an earlier turn read with a message
# it only counts as words the documents do not know ("cancel LR-00361 pls" … "do i get those days back straight
# away?").
RECORD_RE = re.compile(
    r"(?i)\b(?:ord|inv|lr|rma|h)-?\d+\b|\S+@\S+|[€$£]\s?\d[\d.,]*|\b\d{4,}\b"
    r"|\b(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]{8,}\b"  # a code of letters and digits: a tracking number
)


def without_records(text: str) -> str:
    """The text with what names a record left out (`RECORD_RE`)."""
    return " ".join(RECORD_RE.sub(" ", text).split())


# How far down a message's readings the request it continues may be (the first two: "that's hilarious lol" after
# an order's status, out of scope with the status far below, is not the status again), and what is no request.
CONTINUING_READINGS = 2
FALLBACK = "nlu_fallback"
POLICY_QUESTION = "ask_policy"
# Below this confidence the NLU is unsure a message is a policy question: the documents must support their answer
# first (`documents.UNSURE_POLICY_BAR`); at or above it a question at the message for the team is no message
# (`handoff.is_sure_policy_question`). Chosen on tune halves: `scripts/tune_documents_route.py`.
UNSURE_POLICY_CONFIDENCE = 0.75
# Answers to a form's questions, passed over when looking for the request a message continues.
FORM_ANSWERS = frozenset({"inform", "affirm", "deny"})
# How many earlier user messages are looked at for that request: a cancellation asked before the identity check
# is followed by the number, a question aside, the e-mail address and the yes ("will i be charged anything for
# this" comes five messages after "pls cancel order 10297").
LOOK_BACK = 6
# A message of at most this many words that continues is read only with the turn before it.
FOLLOW_UP_MAX_WORDS = 6
# A message this short that the documents cannot answer alone is asked again with the turn before it.
MAY_LEAN_WORDS = 10
# How much of the assistant's reply to a request a question after it is read with (`reply_context`), and up to
# how many words such a question may have (a continuation of the request's own words: "ok. and when it comes, how
# long she has if she doesn't like it?" after an order's status).
REPLY_CONTEXT_WORDS = 40
REPLY_LEAN_WORDS = 20


@dataclass(frozen=True)
class Reading:
    """What to ask the documents, in order, each with how sure it is a policy question: None for as sure
    as the NLU said; 1.0 for an explicit follow-up ("what about columbus day?" after a holiday answer is
    not chatter, whatever the NLU called it); 0.0 for a message pointing back at a request, read with it
    (as unsure a policy question as any: `documents.bar_for`)."""

    asked: tuple[tuple[str, float | None], ...]
    # Whether the documents' best-supported answer among the questions is taken, rather than the first
    # confident one: for a message of a word or two, which may continue the turn before ("iceland?" after
    # shipping to Norway) or stand alone ("opening hours?" after the warranty), the documents tell which.
    best_supported: bool = False

    @staticmethod
    def of(*asked: tuple[str, float | None]) -> Reading:
        return Reading(asked)


def spoken_part(text: str) -> str:
    """The message without the fillers it opens with ("ok what about glasses then" -> "what about glasses then")."""
    return OPENING_FILLERS_RE.sub("", text, count=1).strip() or text.strip()


def read_in_context(
    text: str, previous: str | None, previous_was_request: bool = False, reply: str | None = None
) -> Reading:
    """How to ask the documents about `text` after `previous`.

    A short continuation is read only with the turn before; a longer one (up to `MAY_LEAN_WORDS`), or
    one pointing back at a request, with it first and alone second; any other message this short alone
    first, with it second:
    "it" in "is it free…" refers back, in "is it possible to return a gift?" it does not, and words
    alone cannot tell the two apart; the documents' answer can. After a request, only a message that
    continues or points back leans on it — or a bare question word, which leans on the assistant's `reply`
    to the request (as unsure a policy question as any)."""
    core = spoken_part(text)
    if previous_was_request and reply and BARE_QUESTION_RE.match(core):
        return Reading.of((f"{without_records(reply)} {core}", 0.0))
    words = len(core.split())
    continues = bool(CONTINUATION_RE.match(core))
    # The assistant's reply to a request says, in the documents' words, what a question after it is about ("how
    # long till i get the money" after "Once it arrives we refund … to your original payment method"): read with
    # its end as an unsure policy question, after the message alone (or after the request, when it points back).
    asks_after_reply = previous_was_request and bool(reply) and words <= REPLY_LEAN_WORDS and bool(ASKS_RE.search(core))
    with_reply = ((f"{reply_context(reply or '')} {core}", 0.0),) if asks_after_reply else ()
    if not previous or (words > MAY_LEAN_WORDS and not (previous_was_request and names_the_one_before(core))):
        return Reading.of((text, None), *with_reply)
    together = f"{without_records(previous)} {core}"
    if previous_was_request and not continues:
        if points_back(core, previous):  # "that link" is the one just sent: read with it first
            return Reading.of((together, 0.0), *with_reply, (text, None))
        return Reading.of((text, None), *with_reply)
    if continues and words <= FOLLOW_UP_MAX_WORDS:
        return Reading.of((together, 1.0))
    if words <= 2:
        return Reading(((together, 1.0), (text, None)), best_supported=True)
    if continues:
        return Reading.of((together, 1.0), (text, None))
    if ASKS_RE.search(core) and points_back(core, previous):
        # "how long does it take to get there" after shipping to Switzerland: as unsure a policy question as
        # any when read with the question before (the NLU's reading, out of scope, holds for it alone)
        return Reading.of((text, None), (together, 0.0))
    return Reading.of((text, None), (together, None))


def reply_context(reply: str) -> str:
    """The end of the assistant's reply, records left out: what it last said is what a question after it is about
    (a list of invoices or orders before it would only add words)."""
    return " ".join(without_records(reply).split()[-REPLY_CONTEXT_WORDS:])


def names_the_one_before(core: str) -> bool:
    """ "the invoice for that one", "the overdue one": a message of any length that says which thing it means by
    the one just talked about (a pronoun alone, in a longer question, as often refers to nothing: "is it
    possible to …")."""
    return bool(ONE_BEFORE_RE.search(core))


def refers_back(core: str) -> bool:
    """A pronoun, or "the one" (`names_the_one_before`)."""
    return bool(REFERS_BACK_RE.search(core)) or names_the_one_before(core)


def points_back(core: str, previous: str) -> bool:
    """Whether a message refers to something of the turn before: a pronoun, "the one", or a noun it named."""
    if refers_back(core):
        return True
    named_before = {word.lower() for word in re.findall(r"\w+", previous)}
    return any(match.group(1).lower() in named_before for match in NAMED_AGAIN_RE.finditer(core))


def earlier_turn(tracker: Tracker) -> tuple[str | None, bool]:
    """The turn a message may lean on, and whether it was a request the assistant carried out."""
    request = earlier_request(tracker)
    if request is not None:
        return request[0], True
    return tracker.get_slot("last_question"), False


def last_reply(tracker: Tracker) -> str | None:
    """What the assistant said in reply to the person's previous message (its texts joined), if anything."""
    said: list[str] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1 and event.get("text"):
            said.insert(0, str(event["text"]))
    return " ".join(said) or None


def earlier_request(tracker: Tracker) -> tuple[str, str] | None:
    """The request (text, intent) the assistant carried out last, if nothing but the details its form asked
    for came after it.

    The details a form asked for ("INV-50285", an e-mail address, "yes") are not what a message leans
    on: the request they completed is ("when do i have to pay INV-50285 by" → the identity check →
    "and if I'm a week late?"). Neither is a question asked aside while the form waited ("btw do u take
    paypal?" before the e-mail address): the form went on, and the request was carried out after it."""
    earlier = list(zip(user_messages(tracker), during_a_form(tracker), strict=True))[:-1]
    choice: tuple[str, str] | None = None  # a message that only picked a record: the request it completed is sought
    for event, aside in reversed(earlier[-LOOK_BACK:]):
        intent = intent_name(event)
        if intent in FORM_ANSWERS or (aside and intent not in TRANSACTIONAL_INTENTS):
            continue
        if intent not in TRANSACTIONAL_INTENTS or not event.get("text"):
            break
        if choice is None and only_a_choice(event):
            choice = str(event["text"]), intent
            continue
        if choice is None or intent.split("_")[0] == choice[1].split("_")[0]:
            return str(event["text"]), intent
        break
    return choice


# The words beside a record's number in a message that only picks one of the records offered ("the 50137 one").
CHOOSING_WORDS = frozenset(
    {"the", "that", "this", "one", "number", "no", "nr", "please", "pls", "ok", "okay", "yes", "i", "mean", "meant"}
)


def only_a_choice(user_event: dict[str, Any]) -> bool:
    """A message that only picks a record by its number ("the 50137 one" at "Which invoice would you like to pay?"):
    it completes the request asked before it, whose words are what a later message leans on ("how long is that
    link good for" was read with "the one" and answered with how long chats are kept)."""
    text = str(user_event.get("text") or "")
    if not RECORD_RE.search(text) or text.startswith("/"):
        return False
    return set(re.findall(r"[a-z]+", without_records(text).lower())) <= CHOOSING_WORDS


def likeliest_readings(parse_data: dict[str, Any], count: int) -> list[str]:
    """The first `count` intents of a message's ranking, the fallback itself left out."""
    ranking = parse_data.get("intent_ranking") or []
    return [str(entry.get("name")) for entry in ranking if entry.get("name") != FALLBACK][:count]


def continued_request(tracker: Tracker, text: str, readings: int = CONTINUING_READINGS) -> str | None:
    """The request a message the NLU could not place, or called out of scope, continues: the next request of
    the same kind as the one just carried out, among the message's likeliest readings, when it points back
    at it ("send me the link for the late one" after the invoices, read as out of scope at 0.26 and a payment
    at 0.25) — or of the kind of a record the reply before it showed and the message names by its number ("ok send
    me a link for 50180" after a list with INV-50180: `kinds_of_records_shown`). The request flow goes on; it is not
    a policy question. A message whose likeliest reading is a policy question ("how long does that link work
    for?") is one."""
    likeliest = likeliest_readings(tracker.latest_message, readings)
    if not likeliest or likeliest[0] == POLICY_QUESTION:
        return None
    kinds = kinds_of_records_shown(text, last_reply(tracker))
    request = earlier_request(tracker)
    if request is not None and refers_back(spoken_part(text)):
        kinds.add(request[1].split("_")[0])
    return next((name for name in likeliest if name in TRANSACTIONAL_INTENTS and name.split("_")[0] in kinds), None)


# A record as the assistant shows it, prefix and all, and the kind of request its prefix belongs to.
SHOWN_RECORD_RE = re.compile(r"\b(ORD|INV|LR)-(\d{5})\b")
KIND_OF_PREFIX = {"ORD": "order", "INV": "invoice", "LR": "leave"}


def kinds_of_records_shown(text: str, reply: str | None) -> set[str]:
    """The kinds of the records a message names by their number alone that the reply before it showed with their
    prefix ("ok send me a link for 50180" after a list with INV-50180: {"invoice"})."""
    shown = {number: KIND_OF_PREFIX[prefix] for prefix, number in SHOWN_RECORD_RE.findall(reply or "")}
    return {shown[number] for number in re.findall(r"\b(\d{5})\b", text) if number in shown}


def user_messages(tracker: Tracker) -> list[dict[str, Any]]:
    """The user events of the conversation, the latest last."""
    return [event for event in tracker.events if event.get("event") == "user"]


def during_a_form(tracker: Tracker) -> list[bool]:
    """For each user event, in order: whether a form was waiting for an answer when it came."""
    waiting: list[bool] = []
    loop: str | None = None
    for event in tracker.events:
        if event.get("event") == "active_loop":
            loop = event.get("name")
        elif event.get("event") == "user":
            waiting.append(loop is not None)
    return waiting


def earlier_user_messages(tracker: Tracker) -> list[dict[str, Any]]:
    """The user events before the latest one."""
    return user_messages(tracker)[:-1]


def intent_name(user_event: dict[str, Any]) -> str:
    """The intent the NLU gave a user event."""
    return str((user_event.get("parse_data") or {}).get("intent", {}).get("name"))


def is_hypothetical(text: str) -> bool:
    """A question about what would happen ("and if im out all next week?" at a sick-leave summary), whatever
    the NLU made of it: its dates are not a correction of the request's."""
    return "?" in text and bool(HYPOTHETICAL_RE.match(text))


# The words a question may open with before it starts ("ok so if …", "wait will i …", "k and how many …").
_LEADING_FILLERS = r"(?i)^\W*(?:(?:ok|okay|k|so|and|but|oh|hmm+|right|also|wait)\W+)*"
# A question by its first word ("wait does jan 1 count", "k and how many days have i got"), without a question
# mark. Not "what" ("what about the 3rd?" corrects) nor "can"/"could" ("can it be the 3rd?" corrects too).
QUESTION_OPENING_RE = re.compile(_LEADING_FILLERS + r"(?:does|do|did|is|are|will|would|should|how|why|when|who)\b")


def opens_as_a_question(text: str) -> bool:
    """A message that starts as a question does, whether or not it ends with a question mark."""
    return bool(QUESTION_OPENING_RE.match(text))


HYPOTHETICAL_RE = re.compile(_LEADING_FILLERS + r"(?:if|even if|what happens if|suppose|supposing)\b")


def asks_what_follows(text: str) -> bool:
    """A yes/no question about what follows for the person ("do i still have to pay the invoice for that one?",
    "will i still get a bill for it?" after a cancellation), whatever request the NLU made of its words: the rule
    is asked, not only the record. ("can i …" is left out: "can i pay my invoice?" is the request itself.)"""
    return "?" in text and bool(WHAT_FOLLOWS_RE.match(text))


WHAT_FOLLOWS_RE = re.compile(
    _LEADING_FILLERS + r"(?:(?:do|does|will|would|should)\s+(?:i|we)\s+(?:still\s+|also\s+|then\s+)?"
    r"(?:have to|need to|get|be|lose|keep|owe)"
    # the same asked as a statement with a question mark ("and I get back my money for it?", "i still have to pay?")
    r"|(?:i|we)\s+(?:still\s+|also\s+|then\s+)?(?:have to|need to|get|lose|keep|owe)\b(?=[^.!?]*\?))\b"
)
