"""Compose: the answer from the best-scored sentences, to the point, in reading order.

Step 4 of the pipeline (`answers.py`). The best sentence and those scoring nearly as well, at
most `MAX_SENTENCES` and `MAX_ANSWER_CHARS`, from the top passages only: a few sentences,
never a whole chunk, and no neighbouring rows or paragraphs that merely matched words.
"""

from __future__ import annotations

import re

from knowledge.answer_types import Kind, expected_kind, states
from knowledge.passages import PASSAGES_FOR_ANSWER, Candidate, cells, row_values
from knowledge.retrieval import Hit
from knowledge.text import plain, tokens

MAX_SENTENCES = 4
MAX_ANSWER_CHARS = 700
SNIPPET_CHARS = 240
SECOND_SENTENCE_RATIO = 0.7


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = plain(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


# A sentence that starts like this leans on the one before it ("This is…", "They…"): show both.
ANAPHORA_RE = re.compile(r"^(this|that|these|those|it|its|they|their|such|however|but|also|so|then|otherwise)\b", re.I)
# "The fee is charged once per invoice." after "A reminder fee of EUR 5.00 is added…": a sentence that
# opens on a thing the one before it introduced ("the" and one of its next two words, also said just
# before) leans on it as much as "It is charged…" would.
DEFINITE_RE = re.compile(r"^the\s+(\w+)(?:\s+(\w+))?", re.I)
# A sentence that announces what follows ("We pay twice a month:", "…follow these steps."): show
# the next few sentences too, into the next passage if need be.
ANNOUNCES_RE = re.compile(r"(?i)(:|\b(the following|as follows|these(\s+\w+)?\s+(steps|guidelines|rules|options))\.)$")
LIST_ITEMS = 3
# A sentence naming another section of its document by a heading of this many words or more: `referred_section`.
SECTION_NAME_WORDS = 2
# A short capitalised line without sentence punctuation, inside the text, is a heading the loader did not
# mark as one (plain text, PDF, a bold line: "Get approval from your manager"): it heads the items, it is
# not one of them, so it does not use up the list's `LIST_ITEMS`.
TITLE_LINE_RE = re.compile(r"^[A-Z][^.!?:;]{0,59}$")
TITLE_LINE_WORDS = 8
# Table rows are alternatives ("Month: June; Payday: Mon 15 Jun."): an answer quotes a couple, not the
# table, and a row whose values the question does not mention only matched its column names.
MAX_TABLE_ROWS = 2
# "What payment options do you have", "which delivery methods are there": a question about the alternatives.
LIST_QUESTION_RE = re.compile(r"(?i)^\s*(?:what|which)\b(?!\s+(?:is|was|does|did)\b)")


def _distinct(ranked: list[Candidate]) -> list[Candidate]:
    """Each sentence once, at its best score: overlapping passages repeat sentences."""
    seen: set[str] = set()
    distinct = []
    for candidate in ranked:
        if candidate.text not in seen:
            seen.add(candidate.text)
            distinct.append(candidate)
    return distinct


def leans_on(sentence: str, before: str) -> bool:
    """Whether `sentence` needs `before` to be understood: it refers back ("This…", "They…") or names
    with "the" a thing `before` introduced."""
    if ANAPHORA_RE.match(sentence):
        return True
    definite = DEFINITE_RE.match(sentence)
    named = set(tokens(" ".join(word for word in definite.groups() if word))) if definite else set()
    return bool(named & set(tokens(before)))


def referred_section(
    candidate: Candidate, by_place: dict[tuple[int, int, int], Candidate], kind: Kind | None
) -> Candidate | None:
    """The sentence of another section of the same document that `candidate` names by its heading and that
    states the kind of fact the question asks for, when `candidate` does not state it itself.

    "Call us during opening hours." answers "when can I call" only together with the section "Opening
    hours". Only then: a sentence that mentions "annual leave" does not need the section of that name when
    it states what was asked. Headings of one word ("Phone", "Vacation") are everyday words, not names of
    sections, and are not taken as references.
    """
    if kind is None or states(candidate.text, kind):
        return None
    document, _, _ = candidate.place
    own = candidate.hit.chunk.headings[-1:]
    text = f" {' '.join(tokens(candidate.text))} "
    for place in sorted(by_place):
        other = by_place[place]
        headings = other.hit.chunk.headings
        if place[0] != document or not headings or headings[-1:] == own or not states(other.text, kind):
            continue
        words = tokens(headings[-1])
        if len(headings[-1].split()) >= SECTION_NAME_WORDS and words and f" {' '.join(words)} " in text:
            return other
    return None


def _with_context(
    candidate: Candidate, by_place: dict[tuple[int, int, int], Candidate], kind: Kind | None = None
) -> list[Candidate]:
    """The sentence with the one it leans on, the answer to the question it asks, the items it announces, or the
    section it refers to by name."""
    group = [candidate]
    section = referred_section(candidate, by_place, kind)
    if section is not None:
        group.append(section)
    before = by_place.get(candidate.beside(-1))
    if before is not None and leans_on(candidate.text, before.text):
        group.append(before)
    if candidate.text.rstrip().endswith("?"):
        # A question the page asks ("Changed your mind?") is not an answer: the sentence after it is.
        answer = by_place.get(candidate.beside(1)) or by_place.get(candidate.next_passage)
        if answer is not None:
            group.append(answer)
    if ANNOUNCES_RE.search(candidate.text):
        items = 0
        following = by_place.get(candidate.beside(1)) or by_place.get(candidate.next_passage)
        while following is not None and items < LIST_ITEMS and len(group) <= 2 * LIST_ITEMS:
            group.append(following)
            items += not is_title_line(following.text)
            following = by_place.get(following.beside(1)) or by_place.get(following.next_passage)
    return group


def is_title_line(text: str) -> bool:
    """A heading inside the text rather than a sentence (see `TITLE_LINE_RE`)."""
    return bool(TITLE_LINE_RE.match(text)) and len(text.split()) <= TITLE_LINE_WORDS


def column_list(question: str, ranked: list[Candidate]) -> tuple[str, Hit] | None:
    """("Payment method: Credit and debit cards, PayPal, SEPA Direct Debit and Bank transfer.", the passage):
    from the sentences `ranked` best first, the first column of a table one of whose rows answers nearly
    as well as the best sentence, when the question asks what or which things there are of what that
    column holds ("what payment options do you have") and names none of the alternatives, nor any other
    value of a row besides the column's own words (then it asks about some rows: "which payment methods
    can business customers use").

    Why: the rows of a table are alternatives; one row answers a question about it, but a question about
    the alternatives themselves got one of them (the first card row) as if it were all."""
    if not LIST_QUESTION_RE.match(question):
        return None
    best = ranked[0]
    row = next((c for c in ranked if c.is_table_row and c.rank < PASSAGES_FOR_ANSWER), None)
    if row is None or row.score < SECOND_SENTENCE_RATIO * best.score:
        return None
    column = cells(row.text)[0][0]
    question_words = set(tokens(question))
    if not question_words & set(tokens(column)):
        return None
    same_table = [c for c in ranked if c.place[0] == row.place[0] and c.is_table_row and cells(c.text)[0][0] == column]
    rows = sorted(same_table, key=lambda c: c.place)
    if len(rows) < 2 or any(question_words & set(tokens(cells(r.text)[0][1])) for r in rows):
        return None  # it names an alternative ("more than 5 years' experience"): a question about that row
    other_words = question_words - set(tokens(column))
    if any(other_words & row_values(r.text) for r in rows):
        return None
    values = [cells(row.text)[0][1] for row in rows]
    return f"{column}: {', '.join(values[:-1])} and {values[-1]}.", row.hit


def compose(candidates: list[Candidate], question: str = "") -> tuple[str, list[Hit]]:
    """The best sentence, with the next ones of the top passages that score nearly as well, in reading order.

    A sentence that leans on the one before it ("This check-in should happen two
    weeks ahead") brings that one along, one that announces a list brings its
    items; a question about a table's alternatives gets its first column (`column_list`). Everything fits
    in `MAX_ANSWER_CHARS`. Returns the text and the passages it quotes, best first.
    """
    by_place = {c.place: c for c in candidates}
    kind = expected_kind(question)
    ranked = _distinct(sorted(candidates, key=lambda c: -c.score))
    best = ranked[0]
    listed = column_list(question, ranked)
    if listed:
        return snippet(listed[0], MAX_ANSWER_CHARS), [listed[1]]
    chosen: list[Candidate] = []
    length = 0
    for candidate in ranked:
        if len(chosen) >= MAX_SENTENCES or candidate.score < SECOND_SENTENCE_RATIO * best.score:
            break
        if candidate in chosen or (candidate is not best and candidate.rank >= PASSAGES_FOR_ANSWER):
            continue
        group = [c for c in _with_context(candidate, by_place, kind) if c not in chosen]
        rows = sum(c.is_table_row for c in chosen + group)
        added = sum(len(c.text) + 1 for c in group)
        if chosen and (length + added > MAX_ANSWER_CHARS or rows > MAX_TABLE_ROWS):
            continue
        chosen += group
        length += added
    quoted = [c.hit for c in chosen]
    chosen.sort(key=lambda c: c.place)
    texts = list(dict.fromkeys(c.text for c in chosen))
    # Passages overlap a little: a sentence cut at a passage's start is part of one already said.
    texts = [text for text in texts if not any(text != other and text in other for other in texts)]
    return snippet(" ".join(texts), MAX_ANSWER_CHARS), quoted
