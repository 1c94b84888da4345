"""Where one message holds several requests: its clauses, and whether they ask different things.

Why: people put two requests in one message ("cancel 10280 and tell me my balance", "where is
ORD-10229? and what's your return policy"), and the NLU gives one message one intent, so the
second half was dropped. `engine/multipart.py` handles such a message as its clauses, one
after another; this module is its pure half (no Rasa import, tested in the app environment):

- `split_clauses` cuts a message at clause connectors — "and", "&" or "then" (with "also" or
  "then" after them), a comma before "also", "then" or "plus", a semicolon, and the end of a
  sentence (".", "!", "?") followed by more words — and keeps only pieces that can stand as a
  request: at least `MIN_WORDS` words, or `MIN_WORDS_WITH_NUMBER` when the piece holds a number
  ("cancel 10280"). A piece is joined back to the one before it when it is shorter, when it
  opens with an article or determiner after "and" (a list of things: "the parasol and the fire
  pit"), or when it refers back with "it" or "they" (more about the same thing: "do you deliver
  to Ireland and how much is it"). So coordinated nouns stay whole ("black and white", "terms
  and conditions", "return and refund policy", "ORD-10282 and ORD-10294"); order and invoice
  numbers, e-mails, dates and links hold no spaces, so they are never cut.
- `distinct_requests` says whether the clauses' parses are all confident requests (an intent of
  `REQUEST_INTENTS`, at least the threshold chosen on tune data) that ask different things:
  different intents, or the same intent about different things of one kind (two order
  numbers) — not the same intent with a detail added ("where is ORD-10261? my email is ..."),
  and not a cancellation or return that names no order ("I want to cancel and get a refund"
  is one wish). Anything else (a greeting and a request, a request and its own rephrasing, a
  fragment the NLU is unsure of) is handled whole, as before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assistant.names import REQUEST_INTENTS

# A change to an order is a request of its own only when it names the order: "I want to cancel
# and get a refund" is one wish (a cancellation is refunded), "cancel 10280 and ..." is two.
ORDER_CHANGE_INTENTS = frozenset({"order_cancel", "order_return"})
ORDER_ENTITIES = frozenset({"order_number"})
MIN_WORDS = 3
MIN_WORDS_WITH_NUMBER = 2
# More pieces than this is a rambling message, not a list of requests: it is handled whole
# (and the cost of parsing each piece stays bounded, whatever the message).
MAX_CLAUSES = 4
# Chosen on tune data only with `scripts/tune_multipart.py` (see docs/language-understanding.md): the
# middle of the range (0.5-0.7) where the intent committee splits the most several-request messages and
# no one-request message or training example.
DEFAULT_THRESHOLD = 0.6
# After a bare "and", a piece that opens with one of these continues a list of things ("the parasol
# and the fire pit", "my bill and the late fee"); it does not start a request of its own.
_NOUN_PHRASE_OPENERS = frozenset(
    {"the", "a", "an", "this", "that", "these", "those", "both", "each", "every", "some", "any", "another", "other"}
)

# A piece that refers back to something ("do you deliver to Ireland and how much is it") asks
# more about the same thing: it stays with the piece before it.
_REFERRING_WORDS = frozenset({"it", "its", "it's", "they", "them", "their", "they're"})
_AND = re.compile(r",?\s+(?:and|&)\s+$", re.IGNORECASE)
_BOUNDARY = re.compile(
    r"""
      (?<=[?!.;])\s+(?:(?:and|also|then|plus)\s+)*     # a sentence ends; more words follow
    | ,?\s+(?:and|&|then)\s+(?:(?:also|then)\s+)?     # and, &, then (and also, and then)
    | ,\s*(?:also|then|plus)\s+                       # , also  , then  , plus
    """,
    re.IGNORECASE | re.VERBOSE,
)
_WORD = re.compile(r"[^\W_]+(?:[-.'@/][^\W_]+)*")
_DIGIT = re.compile(r"\d")
# An order, invoice or request number as people type it: ORD-10294, INV-50149, LR-1001, 10294.
_REFERENCE = re.compile(r"(?:[A-Za-z]{1,5}-?)?\d{3,}")
_TRIM = " \t\r\n,;:-"


@dataclass(frozen=True)
class Clause:
    """One piece of a message: its text (as typed, or an elliptic piece said in full) and where it
    starts and ends in the message."""

    text: str
    start: int
    end: int


def _size(piece: str) -> tuple[int, bool]:
    """How many words a piece has, and whether it holds a number."""
    return len(_WORD.findall(piece)), bool(_DIGIT.search(piece))


def _refers_back(piece: str) -> bool:
    return any(word.casefold() in _REFERRING_WORDS for word in _WORD.findall(piece))


def _long_enough(words: int, number: bool) -> bool:
    return words >= (MIN_WORDS_WITH_NUMBER if number else MIN_WORDS)


def _continues_a_list(connector: str, piece: str) -> bool:
    """A bare "and" followed by a noun phrase: "the chair and the table" is one thing asked about."""
    words = _WORD.findall(piece)
    return bool(_AND.fullmatch(connector)) and bool(words) and words[0].casefold() in _NOUN_PHRASE_OPENERS


def _pieces(text: str) -> list[tuple[int, int]]:
    """The spans between connectors (the connectors themselves left out)."""
    spans: list[tuple[int, int]] = []
    start = 0
    matches = list(_BOUNDARY.finditer(text))
    for index, match in enumerate(matches):
        following = text[match.end() : matches[index + 1].start() if index + 1 < len(matches) else len(text)]
        if _continues_a_list(match.group(), following):
            continue
        if match.start() > start:
            spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _clause(text: str, start: int, end: int) -> Clause:
    """The span trimmed of spaces and stray separators, with its offsets."""
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip(_TRIM))
    right = len(piece.rstrip(_TRIM))
    return Clause(piece[left:right], start + left, start + right)


@dataclass
class _Piece:
    start: int
    end: int
    words: int
    number: bool
    said: str | None = None  # an elliptic piece said in full ("and ORD-10294" -> "cancel ORD-10294")

    def stands_alone(self) -> bool:
        return _long_enough(self.words, self.number)


def _elliptic(text: str, previous: _Piece, start: int, end: int) -> str | None:
    """The previous request said again about this piece's reference, when the piece is only one.

    "please cancel ORD-10282 and ORD-10294": the second piece is an order number alone, and the
    request before it names exactly one reference, so it means "please cancel ORD-10294".
    """
    piece = text[start:end].strip(_TRIM + "?!.")
    if not _REFERENCE.fullmatch(piece):
        return None
    before = previous.said if previous.said is not None else text[previous.start : previous.end]
    found = [match for match in _WORD.finditer(before) if _REFERENCE.fullmatch(match.group())]
    if len(found) != 1:
        return None
    return before[: found[0].start()] + piece + before[found[0].end() :]


def split_clauses(text: str) -> list[Clause]:
    """The message's clauses, in order; one clause (the whole message) when it does not split.

    A piece too short to be a request on its own is joined to the one before it (the first
    piece to the one after), connector included, so what is joined reads as typed — except a
    reference alone after a request about one ("cancel ORD-10282 and ORD-10294"), which is that
    request again about it (its `text` is said in full; `start`/`end` are the reference's).
    """
    whole = [_clause(text, 0, len(text))]
    spans = _pieces(text)
    if len(spans) < 2:
        return whole
    merged: list[_Piece] = []  # words counted once per piece: linear in the message
    for start, end in spans:
        piece = _Piece(start, end, *_size(text[start:end]))
        said = _elliptic(text, merged[-1], start, end) if merged and merged[-1].stands_alone() else None
        if said is not None:
            piece.said, piece.words, piece.number = said, merged[-1].words, True
            merged.append(piece)
        elif merged and not (merged[-1].stands_alone() and piece.stands_alone() and not _refers_back(text[start:end])):
            last = merged[-1]  # too short to stand alone, or about the same thing: joined
            if last.said is not None:
                return whole  # more words after a reference said in full: not a plain list
            last.end, last.words, last.number = end, last.words + piece.words, last.number or piece.number
        else:
            merged.append(piece)
    if not 2 <= len(merged) <= MAX_CLAUSES:
        return whole
    clauses = [
        _clause(text, piece.start, piece.end) if piece.said is None else Clause(piece.said, piece.start, piece.end)
        for piece in merged
    ]
    return clauses if all(clause.text for clause in clauses) else whole


def _request_key(parse: Mapping[str, Any]) -> tuple[str, frozenset[tuple[str, str]]]:
    intent = (parse.get("intent") or {}).get("name") or ""
    entities = frozenset(
        (str(entity.get("entity")), str(entity.get("value")).casefold())
        for entity in parse.get("entities") or []
        if isinstance(entity, Mapping)
    )
    return intent, entities


def confident_request(parse: Mapping[str, Any], threshold: float) -> bool:
    """The parse is a request intent, at least `threshold` confident."""
    intent = parse.get("intent") or {}
    confidence = intent.get("confidence")
    return intent.get("name") in REQUEST_INTENTS and isinstance(confidence, int | float) and confidence >= threshold


def distinct_requests(parses: Sequence[Mapping[str, Any]], threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Two or more parses, each a confident request, no two asking the same thing.

    The same thing: the same intent about the same entities (or none), as in "where is my order
    and when will it arrive": answering each half would say the same twice. The same intent
    twice counts only when each part names its own thing of the same kind (two order numbers);
    an e-mail beside an order number is a detail of one request, not a second one.
    """
    if len(parses) < 2 or not all(confident_request(parse, threshold) for parse in parses):
        return False
    keys = [_request_key(parse) for parse in parses]
    if any(
        intent in ORDER_CHANGE_INTENTS and not {kind for kind, _ in entities} & ORDER_ENTITIES
        for intent, entities in keys
    ):
        return False
    if len(set(keys)) < len(keys):
        return False
    by_intent: dict[str, list[frozenset[tuple[str, str]]]] = {}
    for intent, entities in keys:
        by_intent.setdefault(intent, []).append(entities)
    return all(len(group) == 1 or _same_kind_each_its_own(group) for group in by_intent.values())


def _same_kind_each_its_own(group: list[frozenset[tuple[str, str]]]) -> bool:
    kinds = {frozenset(kind for kind, _ in entities) for entities in group}
    return all(group) and len(kinds) == 1
