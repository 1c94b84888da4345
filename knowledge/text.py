"""Words and sentences: the tokenizer BM25 and the coverage check share, and spaCy's sentence splitter."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

STOPWORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being below between both
    but by can could did do does doing done down during each either else ever every few for from further get gets
    got had has have having he her here hers him his how i if in into is it its itself just let like me might more
    most much must my myself no nor not now of off on once only or other our ours out over own per please really
    same shall she should so some such than that the their theirs them then there these they this those through
    to too under until up us very was we were what whats when where which while who whom whose why will with
    would yes yet you your yours yourself""".split()  # noqa: SIM905 (a word list reads better as text)
)
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def stem(word: str) -> str:
    """A light English stemmer: enough to match `days`/`day`, `refunds`/`refund`, `shipping`/`ship`."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words (stop words out; numbers kept: `401k`, `30`)."""
    words = (w.split("'")[0].split("’")[0] for w in _TOKEN_RE.findall(text.lower()))
    return [stem(w) for w in words if w and w not in STOPWORDS]


@lru_cache(maxsize=1)
def _sentencizer() -> Any:
    import spacy

    nlp = spacy.blank("en")  # rule-based sentence boundaries: no model to download
    nlp.add_pipe("sentencizer")
    return nlp


_EMPHASIS_RE = re.compile(r"(\*\*|__|`|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))")
_BULLET_RE = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")


def plain(text: str) -> str:
    """Markdown emphasis and list markers off, spaces collapsed: how an answer or a snippet is shown."""
    return " ".join(_EMPHASIS_RE.sub("", _BULLET_RE.sub("", text)).split())


def sentences(text: str) -> list[str]:
    """Sentences of a passage, as plain text; list items and lines stay separate sentences."""
    found: list[str] = []
    for block in re.split(r"\n\s*\n|\n(?=\s*(?:[-*•+]|\d+[.)])\s)", text):
        block = plain(block)
        if not block:
            continue
        found += [s.text.strip() for s in _sentencizer()(block).sents if s.text.strip()]
    return found
