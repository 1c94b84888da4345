"""Puts a mistyped word back to the word it was meant to be, before the featurizers see it.

Why: people type fast on phones ("whats my vacaton balance", "when is my bll due"). A slip
turns a word the model knows into one it has never seen: the count features lose it, and
MiniLM splits it into meaningless word pieces. Measured on nlu_dev with seeded slips, intent
accuracy fell 6 points from the same questions typed cleanly (README "Language understanding").

How: a word is left alone when it is known — a word of our training examples, or a whole word
of MiniLM's English vocabulary (30,000 word pieces, most of them common English words). An
unknown word of four letters or more (shorter ones are mostly codes and abbreviations: "usd",
"dte") is replaced by the known word one edit away (a letter dropped, added, changed, or two
neighbours swapped): the one our training examples use most, else an English word when exactly
one is that close. Of several words one edit away, a neighbouring key (QWERTY) is three times as
likely as any other slip ("msking" is "making"). Two words typed run together ("depositfor",
"wherei") are read as two tokens when both are common words, or one is and the other is a
neighbouring key away from a word of ours (for a part of two or three letters, one our examples use
often, and only beside a word of ours: "mtorder" is "my order", "manoj" stays). A word of ours one
key away beats a split into two short words ("tyat" is "that", not "ty at"). A short word (2-3
letters) none of our examples use and that is not a familiar English word ("mu", "tl", "dp") is
read as the frequent word of ours a neighbouring key away ("my", "to", "do"). A word spelt by ear, further
than one edit from what was meant ("vacashun", "kansel"), is read as the word of ours that sounds the same
(the same Metaphone key, at most half its letters apart), when it was typed in lower case (a capitalised
unknown word is more likely a name) and no single English word is one edit away ("assistande" is
"assistance", not "assistant"). Anything else (numbers, codes, names the vocabularies do not hold and
nothing is near) is left as typed.

Numbers are read by their shape: every digit of a token reaches the featurizers as 0, in training
and at parse time. Which order number someone asks about must not change what they are asking:
without it, "what about order ORD-19999?" was a question for the documents and the same words with
ORD-10234 an order question (MiniLM splits each number into different word pieces). The entity
extractors read the text itself, so the numbers are found exactly as typed.

Only the tokens the featurizers read are corrected; the message text stays as typed, so the
tracker, the actions and the document search see what the person wrote.
"""

from __future__ import annotations

import json
import os
import re
import string
from collections import Counter
from collections.abc import Callable
from typing import Any

import jellyfish
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VOCABULARY_FILE = "vocabulary.json"
# A word of our examples is a slip of another (slips_of_ours) when seen at most this often, and the other
# at least SLIP_RATIO times as often (and at least SLIP_MIN_MEANT times). Chosen by reading the pairs they
# give on our own training vocabulary (a real word must not be taken for a slip: "jute", "charger",
# "teak" at 4 letters), not on any evaluation set.
SLIP_MAX_COUNT = 2
SLIP_RATIO = 5
SLIP_MIN_MEANT = 5
SLIP_MIN_LENGTH = 5
# The token attribute that keeps what was typed when a token was corrected.
TYPED = "typed"
_LETTERS = string.ascii_lowercase + "'"
_DIGIT = re.compile(r"\d")


def number_shape(word: str) -> str:
    """`word` with every digit read as 0 ("ORD-10234" -> "ORD-00000", "12/03" -> "00/00")."""
    return _DIGIT.sub("0", word)


def one_edit_away(word: str) -> set[str]:
    """Every string one edit from `word`: a letter dropped, two neighbours swapped, a letter changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {left + right[1:] for left, right in splits if right}
    swapped = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    changed = {left + letter + right[1:] for left, right in splits if right for letter in _LETTERS}
    added = {left + letter + right for left, right in splits for letter in _LETTERS}
    return (dropped | swapped | changed | added) - {word}


# A key pressed instead of its neighbour is the commonest slip on a phone keyboard: of two words one
# edit away, the one a neighbouring key explains is the likelier ("msking" is "making", a beside s,
# not "asking"). QWERTY rows; neighbours are the keys left and right and the three above and below.
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
KEY_NEIGHBOURS: dict[str, frozenset[str]] = {}
for _r, _row in enumerate(_ROWS):
    for _c, _key in enumerate(_row):
        _near = {_row[i] for i in (_c - 1, _c + 1) if 0 <= i < len(_row)}
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_ROWS):
                _near |= {_ROWS[_other][i] for i in (_c - 1, _c, _c + 1) if 0 <= i < len(_ROWS[_other])}
        KEY_NEIGHBOURS[_key] = frozenset(_near)


def key_slip(typed: str, meant: str) -> bool:
    """Whether `typed` is `meant` with one key replaced by a neighbouring key."""
    if len(typed) != len(meant):
        return False
    differ = [(a, b) for a, b in zip(typed, meant, strict=True) if a != b]
    return len(differ) == 1 and differ[0][0] in KEY_NEIGHBOURS.get(differ[0][1], frozenset())


def edit_weight(typed: str, meant: str) -> int:
    """How likely a slip turns `meant` into `typed` (one edit apart): a neighbouring key 3, else 1."""
    return 3 if key_slip(typed, meant) else 1


def typing_slip(typed: str, meant: str) -> bool:
    """Whether `typed` is `meant` as hurried fingers type it: a letter dropped, two neighbours swapped, a
    letter doubled, or a neighbouring key. (Not any edit: "jute" is not "june", "charger" not "charge".)"""
    if key_slip(typed, meant):
        return True
    if len(typed) == len(meant) - 1:
        return any(meant[:i] + meant[i + 1 :] == typed for i in range(len(meant)))
    if len(typed) == len(meant) + 1:
        return any(typed[i] == typed[i - 1] and typed[:i] + typed[i + 1 :] == meant for i in range(1, len(typed)))
    if len(typed) == len(meant):
        return any(
            typed[i] == meant[i + 1]
            and typed[i + 1] == meant[i]
            and typed[:i] + typed[i + 2 :] == meant[:i] + meant[i + 2 :]
            for i in range(len(typed) - 1)
        )
    return False


def slips_of_ours(domain: Counter[str], english: frozenset[str]) -> dict[str, str]:
    """Slips written into our own training examples on purpose ("my packge hasnt arrived"), each with the
    word it stands for.

    Why: a word of the training examples counts as known, so without this a slip that appears once in
    them is never corrected at parse time ("wheres my packge at" reached the model with "packge", a
    word it saw once, and went out of scope). A slip is a word of five letters or more that MiniLM's
    English word list does not hold, seen at most `SLIP_MAX_COUNT` times, a typing slip (`typing_slip`)
    of a word of ours seen at least `SLIP_RATIO` times as often. Shorter words and other edits are too
    often words of their own ("wont", "lyft", "jute", "charger"). The examples keep the slip as written
    (they teach the model to bear slips); the parser reads the meant word.
    """
    slips: dict[str, str] = {}
    for word, count in domain.items():
        if count > SLIP_MAX_COUNT or word in english or len(word) < SLIP_MIN_LENGTH or not word.isalpha():
            continue
        meant = [
            c
            for c in one_edit_away(word)
            if domain.get(c, 0) >= max(SLIP_MIN_MEANT, SLIP_RATIO * count) and typing_slip(word, c)
        ]
        if meant:
            slips[word] = max(meant, key=lambda c: (edit_weight(word, c) * domain[c], c))
    return slips


def sound_key(word: str) -> str:
    """How `word` sounds (Metaphone): "vacashun" and "vacation" are both FKXN, "kansel" and "cancel" KNSL."""
    return str(jellyfish.metaphone(word))


def sound_index(domain: Counter[str], min_length: int) -> dict[str, list[str]]:
    """The words of ours (of `min_length` letters or more, used `SLIP_MIN_MEANT` times or more) by how they sound.
    Rare words are left out: a slip is read as a word people use, not as another slip."""
    index: dict[str, list[str]] = {}
    for word, count in domain.items():
        if count >= SLIP_MIN_MEANT and len(word) >= min_length and word.isalpha():
            index.setdefault(sound_key(word), []).append(word)
    return index


class Speller:
    """The correction itself, apart from Rasa: `domain` counts our training words, `english` is a word list
    (`common`: its words people use most, the ones a run-together word may be split into)."""

    def __init__(
        self,
        domain: Counter[str],
        english: frozenset[str],
        min_length: int = 4,
        common: frozenset[str] = frozenset(),
        min_short_count: int = 50,
        familiar: frozenset[str] = frozenset(),
    ) -> None:
        self.slips = slips_of_ours(domain, english)
        self.domain = Counter({word: count for word, count in domain.items() if word not in self.slips})
        self.known = english | frozenset(self.domain)
        self.english = english
        self.common = common | frozenset(domain)
        self.min_length = min_length
        self.min_short_count = min_short_count
        self.familiar = familiar | self.common
        self.sounds = sound_index(self.domain, min_length)

    def correct(self, word: str) -> str:
        """The word or words `word` was meant to be (lower case; two words when it was two run together), or
        `word` unchanged when it is known or nothing is near."""
        lowered = word.lower()
        if not lowered.replace("'", "").isalpha():
            return word
        if len(lowered) < self.min_length:
            return self._short(word, lowered)
        if lowered in self.slips:
            return self.slips[lowered]
        if lowered in self.known:
            return word
        split = self._split(lowered) if "'" not in lowered else None
        near = one_edit_away(lowered)
        ours = [candidate for candidate in near if candidate in self.domain]
        if split and split[0] == 2 and not self._key_slip_beats_short_pair(lowered, split[1], ours):
            return split[1]  # two words as they are, run together ("wherei", "insurancedo")
        if ours:
            return max(ours, key=lambda c: (edit_weight(lowered, c) * self.domain[c], c))
        english = sorted(candidate for candidate in near if candidate in self.english)
        sounds_like = self._sounds_like(lowered) if word.islower() and len(english) != 1 else None
        if sounds_like:
            return sounds_like
        if split:
            return split[1]
        if len(english) == 1:
            return english[0]
        by_key = [candidate for candidate in english if key_slip(lowered, candidate)]
        return by_key[0] if len(by_key) == 1 else word

    def _sounds_like(self, lowered: str) -> str | None:
        """The word of ours, used most, that sounds like `lowered` and is at most half its letters from it."""
        near = [
            candidate
            for candidate in self.sounds.get(sound_key(lowered), ())
            if jellyfish.levenshtein_distance(lowered, candidate) <= len(candidate) // 2
        ]
        return max(near, key=lambda c: (self.domain[c], c)) if near else None

    def _key_slip_beats_short_pair(self, lowered: str, split: str, ours: list[str]) -> bool:
        """Whether a word of ours a neighbouring key away beats a split into two short words: "tyat" is
        "that" with one key missed, not "ty at"."""
        return all(len(part) <= 2 for part in split.split()) and any(key_slip(lowered, c) for c in ours)

    def _short(self, word: str, lowered: str) -> str:
        """A short word none of our examples use, a neighbouring key away from one they use often ("mu" for
        "my", "tl" for "to"): that word. Short words the examples use, or `familiar` English words ("fan",
        "ear", "hp"), stay."""
        if len(lowered) < 2 or lowered in self.domain or lowered in self.familiar:
            return word
        meant = [c for c in self.domain if self.domain[c] >= self.min_short_count and key_slip(lowered, c)]
        return max(meant, key=lambda c: (self.domain[c], c)) if meant else word

    def _split(self, lowered: str) -> tuple[int, str] | None:
        """Two words run together ("payingtaxes", "depositfor"): both parts common words, or one of them one
        slip from a word of our examples; or, when both parts are long, each a neighbouring key from a word
        of our examples ("nanyvacatuon": "many vacation" — a hurried typist slips in both halves). The split
        our examples explain best."""
        best: tuple[tuple[int, int], str] | None = None
        for at in range(1, len(lowered)):
            left, right = lowered[:at], lowered[at:]
            parts = [self._part(left), self._part(right)]
            if None in parts:
                continue
            exact = (parts[0] == left) + (parts[1] == right)
            both_slipped_short = exact == 0 and min(len(left), len(right)) < self.min_length
            if both_slipped_short or self._short_slip_beside_a_stranger((left, right), parts):
                continue
            score = (exact, sum(self.domain[p] for p in parts if p))
            if best is None or score > best[0]:
                best = (score, f"{parts[0]} {parts[1]}")
        return (best[0][0], best[1]) if best else None

    def _short_slip_beside_a_stranger(self, typed: tuple[str, str], read: list[str | None]) -> bool:
        """A short part read as another word ("mt" as "my") is trusted only beside a word of our examples
        ("mtorder"): beside any other word it is more likely a name or a word we do not know ("manoj",
        "brexit") than two words run together."""
        for index in (0, 1):
            short_slip = read[index] != typed[index] and len(typed[index]) < self.min_length
            if short_slip and read[1 - index] not in self.domain:
                return True
        return False

    def _part(self, part: str) -> str | None:
        """`part` as a word of its own: "a" or "i", a two-letter word of our examples, a longer common word,
        a neighbouring key away from a word of our examples (four letters or more), or from one they use
        often (two or three letters: "mt" in "mtorder" is "my", "fof" in "fofvacation" is "for")."""
        if len(part) == 1:
            return part if part in ("a", "i") else None
        if part in self.domain or (len(part) > 2 and part in self.common):
            return part
        frequent = len(part) < self.min_length
        ours = [
            c
            for c in one_edit_away(part)
            if c in self.domain and key_slip(part, c) and (not frequent or self.domain[c] >= self.min_short_count)
        ]
        return max(ours, key=lambda c: (self.domain[c], c)) if ours else None


def english_words(model_dir: str) -> frozenset[str]:
    """The whole words (not `##` continuations, letters only) of MiniLM's word-piece vocabulary."""
    path = os.path.join(os.path.abspath(model_dir), "tokenizer.json")
    with open(path, encoding="utf-8") as handle:
        vocabulary = json.load(handle)["model"]["vocab"]
    return frozenset(piece for piece in vocabulary if piece.isalpha() and piece.isascii() and len(piece) > 1)


# MiniLM's vocabulary is BERT's: after the special tokens and single characters its whole words come
# roughly in order of frequency ("the" is 1996). The first few thousand are the words people use most.
# The first 4,000 are what run-together words may split into; a short word among the first 12,000 is
# taken as meant ("fan", "ear", "hp"), rarer ones ("mu", "tl") may be a slip.
COMMON_BELOW = 4000
FAMILIAR_BELOW = 12000


def common_words(model_dir: str, below: int = COMMON_BELOW) -> frozenset[str]:
    """The most frequent whole words of MiniLM's vocabulary (those before index `below`)."""
    path = os.path.join(os.path.abspath(model_dir), "tokenizer.json")
    with open(path, encoding="utf-8") as handle:
        vocabulary = json.load(handle)["model"]["vocab"]
    return frozenset(
        piece for piece, index in vocabulary.items() if index < below and piece.isalpha() and piece.isascii()
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingCorrector(GraphComponent):
    """Corrects slips in the tokens of incoming messages, against the words of the training data."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # `model_dir`: MiniLM's folder (its tokenizer.json holds the English word list), made by `make setup`.
        # `min_short_count`: how often our examples must use a short word for a slip to be read as it ("mu": "my").
        return {"model_dir": "var/models/minilm", "min_length": 4, "min_short_count": 50}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        domain_words: Counter[str] | None = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._speller = Speller(
            domain_words or Counter(),
            english_words(config["model_dir"]),
            config["min_length"],
            common_words(config["model_dir"]),
            config["min_short_count"],
            familiar=common_words(config["model_dir"], FAMILIAR_BELOW),
        )

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpellingCorrector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SpellingCorrector:
        with model_storage.read_from(resource) as directory:
            counts = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, Counter(counts))

    def train(self, training_data: TrainingData) -> Resource:
        """Counts the words of the training examples (and lookup tables): the words people mean."""
        counts: Counter[str] = Counter()
        for example in training_data.training_examples:
            counts.update(token.text.lower() for token in example.get(TOKENS_NAMES[TEXT]) or [])
        for table in training_data.lookup_tables:
            elements = table.get("elements")
            if isinstance(elements, list):
                counts.update(word.lower() for element in elements for word in str(element).split())
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(json.dumps(counts), encoding="utf-8")
        speller = self._speller
        self._speller = Speller(
            counts,
            speller.english,
            self._config["min_length"],
            speller.common,
            self._config["min_short_count"],
            familiar=speller.familiar,
        )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Training examples are ours and taken as written, but their numbers are read by shape too."""
        for example in training_data.training_examples:
            _read_tokens(example, number_shape)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            _read_tokens(message, lambda word: number_shape(self._speller.correct(word)))
        return messages


def _read_tokens(message: Message, read: Callable[[str], str]) -> None:
    """Each token as `read` reads it; what was typed is kept under TYPED where that differs. A token read as
    two words (two run together) becomes two tokens, each over its share of the typed span."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    read_tokens: list[Token] = []
    for token in tokens:
        typed = token.text
        word = read(typed)
        if word == typed:
            read_tokens.append(token)
            continue
        words = word.split(" ")
        if len(words) == 2 and len(words[0]) < len(typed):
            cut = token.start + min(len(words[0]), len(typed) - 1)
            first = Token(words[0], token.start, cut, data=dict(token.data), lemma=words[0])
            second = Token(words[1], cut, token.end, data=dict(token.data), lemma=words[1])
            first.set(TYPED, typed[: cut - token.start])
            second.set(TYPED, typed[cut - token.start :])
            read_tokens += [first, second]
            continue
        token.set(TYPED, typed)
        token.text = token.lemma = word
        read_tokens.append(token)
    if len(read_tokens) != len(tokens):
        message.set(TOKENS_NAMES[TEXT], read_tokens)
