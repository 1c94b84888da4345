"""A message that is nothing but references is an answer (`inform`), whatever the classifier made of it.

Why: in the middle of the identity check people answer with a bare order number, invoice number or
e-mail address. Such a message has no words to read, so the intent classifier guesses from the
look of the tokens, and it guessed wrong for some addresses ("elias.mensah@example.net" read as
`order_status` at 0.97): the conversation's pending request was then overwritten by a request
nobody made, and the balance the person had asked for never came. A message made only of what the
identity check asks for (order and invoice numbers, e-mail addresses, as the regular-expression
extractor found them) and punctuation is, by its shape, the answer to a question: `inform`, with
the entities untouched. Anything with a word besides them ("cancel ORD-10234") is left to the
classifier.

The component runs after the entity extractors and before the fallback classifier; it has
nothing to train.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from engine.votes import ANSWER_INTENT

# What the identity check asks for (bot/data/nlu/entities.yml): a message made of them is an answer. A bare
# link code is an intent of its own (`link_code`), and a bare leave-request number is not an answer the
# training data teaches: both are left to the classifier.
REFERENCE_ENTITIES = frozenset({"order_number", "invoice_number", "email"})
# What may surround the references: spaces and punctuation ("ORD-10234, jo@example.com.").
_FILLER = re.compile(r"[\s\W_]*")


def only_references(text: str, entities: list[dict[str, Any]]) -> bool:
    """Whether `text` holds at least one reference entity and nothing else but punctuation."""
    spans = sorted(
        (int(entity[ENTITY_ATTRIBUTE_START]), int(entity[ENTITY_ATTRIBUTE_END]))
        for entity in entities
        if entity.get(ENTITY_ATTRIBUTE_TYPE) in REFERENCE_ENTITIES
        and ENTITY_ATTRIBUTE_START in entity
        and ENTITY_ATTRIBUTE_END in entity
    )
    if not spans:
        return False
    rest, position = [], 0
    for start, end in spans:
        rest.append(text[position:start])
        position = max(position, end)
    rest.append(text[position:])
    return all(_FILLER.fullmatch(piece) for piece in rest)


def as_answer(message: Message) -> None:
    """Set `message`'s intent to the answer intent, alone in the ranking with full confidence.

    The classifier's ranking goes: its guesses were read from the look of the tokens, and one kept
    close behind would make the fallback classifier call the message ambiguous.
    """
    answer = {INTENT_NAME_KEY: ANSWER_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, answer, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [answer], add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ReferenceOnlyAnswer(GraphComponent):
    """Reads a message of nothing but references as `inform`."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ReferenceOnlyAnswer:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if only_references(message.get(TEXT) or "", message.get(ENTITIES) or []):
                as_answer(message)
        return messages
