"""Realistic typing noise for the NLU robustness figure (`make eval-nlu`).

Why: people type on phones, fast, without capitals or punctuation. The robustness
figure asks the same questions the way they are often typed: lower case, no
punctuation, and about one word in four with a slip — two neighbouring letters
swapped, a letter dropped, or a letter doubled. Seeded by the text itself, so every
run (and the baseline in the same run) sees exactly the same noisy sentences.
"""

from __future__ import annotations

import random
import re
import zlib

SLIP_RATE = 0.25  # share of words (of 4+ letters) with one slip
MIN_WORD = 4
_PUNCTUATION = re.compile(r"[^\w\s'-]|(?<!\w)['-]|['-](?!\w)")


def plain(text: str) -> str:
    """Lower case, without punctuation, single spaces."""
    return " ".join(_PUNCTUATION.sub(" ", text.lower()).split())


def with_typos(text: str, rate: float = SLIP_RATE) -> str:
    """`text` as typed in a hurry: plain, and some words with one slip each."""
    rng = random.Random(zlib.crc32(text.encode("utf-8")))
    words = plain(text).split()
    return " ".join(_slip(word, rng) if len(word) >= MIN_WORD and rng.random() < rate else word for word in words)


def _slip(word: str, rng: random.Random) -> str:
    at = rng.randrange(1, len(word) - 1)  # keep the first letter: people rarely miss it
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at] + word[at:]


# --- A second kind of noise, made without looking at the spelling corrector -----------------------
#
# Why: the slips above (a swap, a drop or a doubled letter in words of four letters or more) are
# exactly what engine/spelling.py undoes, so the figure they give overstates (issue 18). These are
# the other ways people mistype, whatever any corrector does: a key next to the intended one (the
# first letter too), two words run together, short words slipped or shortened as in texting, and
# words spelt by ear. Seeded by the text (with another salt), so runs and the baseline agree.

HURRIED_RATE = 0.25  # share of words given one of the slips below
RUN_ON_RATE = 0.08  # share of word boundaries whose space is dropped
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        _near = [_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                _near += [_ROWS[_other][i] for i in (_c - 1, _c, _c + 1) if 0 <= i < len(_ROWS[_other])]
        _NEIGHBOURS[_key] = "".join(_near)
# Texting short forms of short words.
_SHORT_FORMS = {
    "you": "u", "your": "ur", "you're": "ur", "are": "r", "for": "4", "to": "2", "be": "b",
    "why": "y", "okay": "ok", "please": "pls", "thanks": "thx", "what": "wat", "with": "w",
    "the": "da", "this": "dis", "that": "dat", "have": "hav", "know": "kno", "because": "cuz",
    "tomorrow": "tmrw", "today": "2day", "message": "msg", "people": "ppl", "about": "abt",
}  # fmt: skip
# Spelling by ear: (written, heard) pairs, tried in this order; the first that fits is used.
_PHONETIC = (
    ("ough", "ow"), ("tion", "shun"), ("ight", "ite"), ("ph", "f"), ("ck", "k"), ("ea", "ee"),
    ("ee", "ea"), ("ie", "ei"), ("ei", "ie"), ("oo", "u"), ("ou", "ow"), ("ce", "se"),
    ("qu", "kw"), ("x", "ks"), ("ll", "l"), ("ss", "s"), ("y", "ie"), ("c", "k"), ("s", "z"),
)  # fmt: skip


def hurried(text: str, rate: float = HURRIED_RATE, run_on: float = RUN_ON_RATE) -> str:
    """`text` typed in a hurry on a phone: plain, some words slipped, some spaces dropped."""
    rng = random.Random(zlib.crc32(b"hurried:" + text.encode("utf-8")))
    words = [_hurried_word(word, rng) if rng.random() < rate else word for word in plain(text).split()]
    typed = words[:1]
    for word in words[1:]:
        if rng.random() < run_on:
            typed[-1] += word
        else:
            typed.append(word)
    return " ".join(typed)


def _hurried_word(word: str, rng: random.Random) -> str:
    kinds = ["neighbour"]
    if word in _SHORT_FORMS:
        kinds.append("short")
    if any(written in word for written, _ in _PHONETIC):
        kinds.append("phonetic")
    kind = rng.choice(kinds)
    if kind == "short":
        return _SHORT_FORMS[word]
    if kind == "phonetic":
        fitting = [(written, heard) for written, heard in _PHONETIC if written in word]
        written, heard = fitting[rng.randrange(len(fitting))]
        return word.replace(written, heard, 1)
    letters = [i for i, ch in enumerate(word) if ch in _NEIGHBOURS]
    if not letters:
        return word
    at = rng.choice(letters)
    return word[:at] + rng.choice(_NEIGHBOURS[word[at]]) + word[at + 1 :]
