"""A mistyped word of a question put back to the documents' own word one slip away ("remotly" → "remotely").

Why: the engine corrects the words the NLU reads (`engine/spelling.py`), but the documents are
asked with the message as typed. A slip there turns a word the documents use into one no document
contains: it counts against answering (`answerability`: "can i work remotly from portugal" was
abstained on, a third of its words unknown) and finds nothing by its letters.

How: a word of six letters or more that no document contains is replaced by the documents' word
(six letters or more, the same first letter) one edit away — a letter dropped, added, changed, or
two neighbours swapped —, when all such words are one word in different forms (stems). Shorter
words are too often another word one slip away ("gym", "bras"); a changed first letter is rarely a
slip ("braces" is no "traces"). Anything else stays as typed, so a question about something the
documents do not cover keeps its unknown words.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.text import stem, words

MIN_CHARS = 6


def corrected(question: str, known_stems: Collection[str], vocabulary: Sequence[str]) -> str:
    """The question with each mistyped word replaced by the documents' word it most likely was (see above)."""
    for word in dict.fromkeys(words(question)):
        if len(word) < MIN_CHARS or not word.isalpha() or stem(word) in known_stems:
            continue
        meant = documents_word(word, vocabulary)
        if meant is not None:
            question = re.sub(rf"(?i)\b{re.escape(word)}\b", meant, question)
    return question


def documents_word(word: str, vocabulary: Sequence[str]) -> str | None:
    """The one documents' word (up to its form) one edit from `word` with its first letter, or None."""
    near = [
        candidate
        for candidate, _, _ in process.extract(word, vocabulary, scorer=OSA.distance, score_cutoff=1, limit=None)
        if len(candidate) >= MIN_CHARS and candidate[0] == word[0]
    ]
    if not near or len({stem(candidate) for candidate in near}) > 1:
        return None
    return min(near, key=len)
