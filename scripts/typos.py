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
