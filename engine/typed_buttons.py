"""A button's words typed instead of clicked count as the click.

Why: a reply's buttons ("Show mine", "Yes, a person please", "Vacation") carry a payload the
dialogue acts on exactly ("/leave_balance", "/human_handoff"). People type the words they see as
often as they click them — in a channel that shows no buttons, out of habit, or because the
buttons scrolled away — and the NLU reads the typed words on their own, without the question
they answer: "Show mine" after the own-records reply came out as out of scope. When a message's
words are the title of a button the assistant's last reply offered, it is that button's payload,
as a click would have sent it. Only an exact title counts (case, spaces, punctuation and emoji
aside): "show mine please" or "yes, but not that one" are read by the NLU as before.

A choice named by its number ("the 50180 one", "ORD-10235 please" at "Which invoice would you like to
pay?") is that choice's button: read alone, "the 50180 one" was an invoice's due date, not its payment.
Only a message that says nothing but the number and words that point at a choice ("the", "one", "that",
"please"): "where is 10235" at the same buttons asks something else.

A clear yes to a yes/no question (its buttons are `/affirm` and `/deny`) is its yes button too, in
whatever words (`assistant/yes_no.py`: "ok cool. yes, book the vacation", "right, back to the return
then - yes go ahead"): read alone, the NLU took such messages for the request they repeat, and the
question was asked again or another order's return started. Not a message naming a number ("yes
cancel 10263 please" says which order; the form reads it), and not a no: a no with more words
("no, make it friday") often corrects the question rather than declining it, and the forms read those.

A choice pointed at by the words of its title, with chat words around them ("ok whats mine then" at "Show
mine", "the bench one" at a list of orders, "sick pls" at the kinds of leave): the one button whose title holds
every other word of the message. Not at a yes/no question (its yes needs a clear yes: "cancel" at "Yes, cancel
it" may mean stop), not a message naming a number (`payload_naming` reads those) or saying no ("not mine"), and
not a question about the choice ("what is a personal day": "is" and "a" are not chat words).

Pure functions over Rasa events (dicts), used by `engine/multipart.py` before a message is
handled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from assistant.yes_no import SAYS_ONLY_YES, YES_EMOJI, read_yes_no

_NOT_WORDS = re.compile(r"[^\w€£$]+")


def _words(text: str) -> str:
    """Lower-cased words only: "Yes, a person please!" and "yes a person please" are the same title."""
    return " ".join(_NOT_WORDS.sub(" ", unicodedata.normalize("NFKC", text).lower()).split())


# The catalog's button titles are at most four words ("Yes, start the return"); a longer message is not one
# typed, so the conversation is not read for it (the check runs before every message is handled).
MAX_TITLE_WORDS = 6


def could_be_a_title(text: str) -> bool:
    """Whether the message is short enough, and not a payload already, to be a button's title typed."""
    return 0 < len(_words(text).split()) <= MAX_TITLE_WORDS and not text.lstrip().startswith("/")


def last_buttons(newest_first: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The buttons of the bot's messages since the person last wrote (the reply they are answering), from the
    conversation's events newest first (read only back to the person's last message)."""
    buttons: list[Mapping[str, Any]] = []
    for event in newest_first:
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            buttons = list((event.get("data") or {}).get("buttons") or []) + buttons
    return buttons


def payload_for(text: str, buttons: Iterable[Mapping[str, Any]]) -> str | None:
    """The payload of the one button whose title is the message's words, if there is exactly one."""
    typed = _words(text)
    if not could_be_a_title(text):
        return None
    payloads = {
        str(button.get("payload"))
        for button in buttons
        if button.get("payload") and _words(str(button.get("title") or "")) == typed
    }
    return payloads.pop() if len(payloads) == 1 else None


YES, NO = "/affirm", "/deny"
_DIGIT = re.compile(r"\d")
# Up to this many words a yes of any kind is one ("ok", "sure thing"); past it, a word that only says yes is needed.
SHORT_YES_WORDS = 2


def could_be_a_yes(text: str) -> bool:
    """A clear yes naming no number, not a payload: what `yes_payload_for` may read as the yes button. A longer
    message needs a word that only says yes: "ok then book it as sick leave, just the morning" asks for the
    booking in other words (the summary is shown again and confirmed), "ok cool. yes, book the vacation" answers."""
    if text.lstrip().startswith("/") or _DIGIT.search(text) or read_yes_no(text) is not True:
        return False
    return len(text.split()) <= SHORT_YES_WORDS or bool(SAYS_ONLY_YES.search(text) or YES_EMOJI & set(text))


def yes_payload_for(text: str, buttons: Iterable[Mapping[str, Any]]) -> str | None:
    """`/affirm` when the last reply asked a yes/no question and the message is a clear yes naming no number."""
    payloads = {str(button.get("payload")) for button in buttons}
    return YES if {YES, NO} <= payloads and could_be_a_yes(text) else None


# The words that may stand beside a choice's number in a message that only names the choice.
_POINTING_WORDS = frozenset(
    [
        "the",
        "that",
        "this",
        "one",
        "its",
        "it",
        "s",
        "is",
        "number",
        "no",
        "nr",
        "inv",
        "ord",
        "invoice",
        "order",
        "please",
        "pls",
        "plz",
        "ok",
        "okay",
        "yes",
        "yeah",
        "yep",
        "sure",
        "um",
        "uh",
        "oh",
        "i",
        "mean",
        "meant",
        # a position, with the record it names added (engine/positions.py): "the first one (INV-50114)"
        "first",
        "second",
        "third",
        "fourth",
        "1st",
        "2nd",
        "3rd",
        "4th",
        "last",
    ]
)
_NUMBER = re.compile(r"\d{4,}")


def payload_naming(text: str, buttons: Iterable[Mapping[str, Any]]) -> str | None:
    """The payload of the one button whose title has the number the message names, when the message says nothing
    else (`_POINTING_WORDS` aside)."""
    numbers = set(_NUMBER.findall(text))
    rest = set(_NOT_WORDS.sub(" ", _NUMBER.sub(" ", text.lower())).split()) - _POINTING_WORDS
    if len(numbers) != 1 or rest or text.lstrip().startswith("/"):
        return None
    number = numbers.pop()
    payloads = {
        str(button.get("payload"))
        for button in buttons
        if button.get("payload") and number in _NUMBER.findall(str(button.get("title") or ""))
    }
    return payloads.pop() if len(payloads) == 1 else None


# Words around a choice that do not change which one is meant ("ok whats mine then", "the vacation one pls").
_CHAT_WORDS = frozenset(
    {"ok", "okay", "k", "so", "well", "fine", "alright", "then", "please", "pls", "plz", "the", "one", "that", "this"}
    | {"just", "um", "uh", "oh", "and", "what", "whats", "about", "show", "me", "let", "s", "see"}
)
# A message of only these is a command to the conversation, not a choice ("cancel" at a single "Cancel LR-…").
_STOP_WORDS = frozenset({"cancel", "stop", "quit", "nevermind", "never", "mind", "exit"})


def _content(text: str) -> set[str]:
    return set(_words(text).split()) - _CHAT_WORDS


def payload_pointed_at(text: str, buttons: Iterable[Mapping[str, Any]]) -> str | None:
    """The payload of the one button whose title holds every word of the message but chat words, when the reply
    offered a choice (not a yes/no question) and the message names no number."""
    offered = [button for button in buttons if button.get("payload")]
    if {YES, NO} & {str(button.get("payload")) for button in offered}:
        return None
    if not could_be_a_title(text) or _DIGIT.search(text):
        return None
    meant = _content(text)
    if not meant or meant <= _STOP_WORDS:
        return None
    payloads = {str(button.get("payload")) for button in offered if meant <= _content(str(button.get("title") or ""))}
    return payloads.pop() if len(payloads) == 1 else None
