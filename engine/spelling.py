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
one is that close. Anything else (numbers, codes, names the
vocabularies do not hold and nothing is near) is left as typed.

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

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VOCABULARY_FILE = "vocabulary.json"
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


class Speller:
    """The correction itself, apart from Rasa: `domain` counts our training words, `english` is a word list."""

    def __init__(self, domain: Counter[str], english: frozenset[str], min_length: int = 4) -> None:
        self.domain = domain
        self.known = english | frozenset(domain)
        self.english = english
        self.min_length = min_length

    def correct(self, word: str) -> str:
        """The word `word` was meant to be (lower case), or `word` unchanged when it is known or nothing is near."""
        lowered = word.lower()
        if len(lowered) < self.min_length or lowered in self.known or not lowered.replace("'", "").isalpha():
            return word
        near = one_edit_away(lowered)
        ours = [candidate for candidate in near if candidate in self.domain]
        if ours:
            return max(ours, key=lambda candidate: (self.domain[candidate], candidate))
        english = [candidate for candidate in near if candidate in self.english]
        return english[0] if len(english) == 1 else word


def english_words(model_dir: str) -> frozenset[str]:
    """The whole words (not `##` continuations, letters only) of MiniLM's word-piece vocabulary."""
    path = os.path.join(os.path.abspath(model_dir), "tokenizer.json")
    with open(path, encoding="utf-8") as handle:
        vocabulary = json.load(handle)["model"]["vocab"]
    return frozenset(piece for piece in vocabulary if piece.isalpha() and piece.isascii() and len(piece) > 1)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingCorrector(GraphComponent):
    """Corrects slips in the tokens of incoming messages, against the words of the training data."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # `model_dir`: MiniLM's folder (its tokenizer.json holds the English word list), made by `make setup`.
        return {"model_dir": "var/models/minilm", "min_length": 4}

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
        self._speller = Speller(domain_words or Counter(), english_words(config["model_dir"]), config["min_length"])

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
        self._speller = Speller(counts, self._speller.english, self._config["min_length"])
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
    """Each token as `read` reads it; what was typed is kept under TYPED where that differs."""
    for token in message.get(TOKENS_NAMES[TEXT]) or []:
        word = read(token.text)
        if word != token.text:
            token.set(TYPED, token.text)
            token.text = token.lemma = word
