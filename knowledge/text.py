"""Words and sentences: the tokenizer BM25 and the coverage check share, and spaCy's sentence splitter."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_COMMON_WORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being below between both
    but by can could did do does doing done down during each either else ever every few for from further get gets
    got had has have having he her here hers him his how i if in into is it its itself just let like me might more
    most much must my myself no nor not now of off on once only or other our ours out over own per please really
    same shall she should so some such than that the their theirs them then there these they this those through
    to too under until up us very was we were what whats when where which while who whom whose why will with
    would yes yet you your yours yourself""".split()  # noqa: SIM905 (a word list reads better as text)
)
# What is left of a negation once `words` drops the apostrophe's part ("don't" -> "don"): not a word
# the documents could contain, so not a sign that they cannot answer (`Retriever.unknown_share`).
_NEGATION_STUMPS = frozenset(
    "aren couldn didn doesn don hadn hasn haven isn mustn needn shouldn wasn weren won wouldn".split()  # noqa: SIM905
)
# How people type in a chat around the question ("oh btw do you ship to X", "pls", "u", "dont"): words no
# document is written in, so as unknown words they counted as a topic the documents do not cover.
_CHAT_WORDS = frozenset(
    """oh ok okay hey hi hello hiya btw pls plz thx thanks ty lol um uh hmm tho u ur ya yeah yep im ive
    dont cant wont didnt doesnt isnt arent wasnt youre theres thats hows wheres whens whos wanna gonna gotta
    kinda sorta b4 bc cuz coz gimme lemme idk tbh rn wat wut yo""".split()  # noqa: SIM905
)
STOPWORDS = _COMMON_WORDS | _NEGATION_STUMPS | _CHAT_WORDS
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def stem(word: str) -> str:
    """A light English stemmer: enough to match `days`/`day`, `refunds`/`refund`, `shipping`/`ship`."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + keep
    return word


# Texting forms and everyday abbreviations of English, written out before a question is embedded or its words
# counted: "is xmas eve a holiday", "can i wfh from abroad", "how many pto days do i have" share no word with a
# document that writes "Christmas Eve", "work from home" or "paid time off", and MiniLM does not join them (xmas and
# christmas are 0.80 apart, `vocabulary.NEAR_SYNONYM`). Forms of the language, not of any one set of documents.
TEXTING_FORMS = {
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks", "b4": "before",
    "bc": "because", "cuz": "because", "coz": "because", "gimme": "give me", "lemme": "let me", "wanna": "want to",
    "gonna": "going to", "gotta": "have to", "idk": "i don't know", "rn": "right now", "tho": "though",
    "thru": "through", "xmas": "christmas", "wfh": "work from home", "pto": "paid time off",
    "asap": "as soon as possible",
    "tmrw": "tomorrow", "tmr": "tomorrow", "wk": "week", "wks": "weeks", "yr": "year", "yrs": "years",
    "ppl": "people", "msg": "message", "acct": "account", "info": "information", "pic": "picture", "pics": "pictures",
}  # fmt: skip
_TEXTING_RE = re.compile(
    r"(?i)(?<![&/.'’-])\b(" + "|".join(sorted(TEXTING_FORMS, key=len, reverse=True)) + r")\b(?![.&/'’-]\w)"
)


def written_out(question: str) -> str:
    """The question with its texting forms written out (`TEXTING_FORMS`): "is xmas eve a holiday for u" ->
    "is christmas eve a holiday for you"."""
    return _TEXTING_RE.sub(lambda match: TEXTING_FORMS[match.group(1).lower()], question)


# An e-mail address or a web address in a question says who writes or where, never what is asked ("hi im
# sam.k@example.org - do u ship to norway?"): read as words, its parts counted as words no document knows, and
# the question was not answered.
_ADDRESS_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)


def without_addresses(question: str) -> str:
    """The question with its e-mail and web addresses left out (`_ADDRESS_RE`)."""
    return " ".join(_ADDRESS_RE.sub(" ", question).split())


# "401(k)", "403(b)", "W-2", "I-9": one term however it is written ("401k", "w2").
_COMPOUND_RES = (re.compile(r"\b(\d+)\(([a-z])\)"), re.compile(r"\b([a-z])-(\d+)\b"))


def words(text: str) -> list[str]:
    """Lower-cased content words as written (stop words out; numbers kept: `401k`, `30`)."""
    text = text.lower()
    for compound in _COMPOUND_RES:
        text = compound.sub(r"\1\2", text)
    found = (w.split("'")[0].split("’")[0] for w in _TOKEN_RE.findall(text))
    return [w for w in found if w and w not in STOPWORDS]


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words: what BM25 and the coverage checks compare."""
    return [stem(w) for w in words(text)]


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


# A table row as ingestion writes it ("Month: June; Payday: Mon 15 Jun."): one row, one sentence.
TABLE_ROW_RE = re.compile(r"^[^\n:;.]{1,80}: [^\n;]*(?:; [^\n:;.]{1,80}: [^\n;]*)+\.$")


def _table_rows_apart(block: str) -> list[str]:
    """The block's table rows each on their own, the lines between them kept together."""
    parts: list[str] = []
    prose: list[str] = []
    for line in block.split("\n"):
        if TABLE_ROW_RE.match(line.strip()):
            parts += ["\n".join(prose)] if prose else []
            parts.append(line)
            prose = []
        else:
            prose.append(line)
    return parts + (["\n".join(prose)] if prose else [])


def sentences(text: str) -> list[str]:
    """Sentences of a passage, as plain text; list items, table rows and lines stay separate sentences."""
    found: list[str] = []
    blocks = re.split(r"\n\s*\n|\n(?=\s*(?:[-*•+]|\d+[.)])\s)", text)
    for part in (part for block in blocks for part in _table_rows_apart(block)):
        flat = plain(part)
        if flat:
            found += [s.text.strip() for s in _sentencizer()(flat).sents if s.text.strip()]
    return found
