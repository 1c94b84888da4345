"""Intent by committee: several classifiers read each message and their rankings are averaged.

Why: DIET alone is confident about what it has not seen. It learnt our few thousand examples
by heart, so an out-of-scope message that shares a few words with one of our intents comes out
at 0.9 for it (a flow started on nobody's request), and single phrasings flip between trainings
on nearly the same data (issue 18: the same data trained with four seeds moved policy answers by
±0.04). Two linear models over the same features — a logistic regression over word counts and the
MiniLM sentence vector, an SVM over the sentence vector — disagree with DIET exactly where DIET is
guessing, and agree where the message is plainly one of ours. Their weighted average ranks better
than any of them, and its confidence is lower where it should be, so the fallback classifier
catches more of what is not ours.

Each classifier in the pipeline is followed by a `CastVote` (its weight), which keeps the ranking
the classifier just wrote; `CountVotes`, after the last one, writes the weighted average as the
message's intent and ranking, for the fallback classifier to judge. Weights and the fallback
threshold were chosen on the tune halves of both development sources (docs/language-understanding.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.sklearn_intent_classifier import SklearnIntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from engine.votes import Ranking, weighted_average

# Where the votes wait on the message until they are counted (not part of the parse output).
VOTES = "committee_votes"
RANKING_LENGTH = 10


def ranking_of(message: Message) -> Ranking:
    """The (intent, confidence) pairs the last classifier wrote, its top intent when it wrote no ranking."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    if not ranking and (message.get(INTENT) or {}).get(INTENT_NAME_KEY):
        ranking = [message.get(INTENT)]
    return [
        (str(entry[INTENT_NAME_KEY]), float(entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0))
        for entry in ranking
        if entry.get(INTENT_NAME_KEY)
    ]


def _positive_weight(config: dict[str, Any]) -> float:
    weight = config.get("weight")
    if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
        raise InvalidConfigException(f"CastVote needs a positive `weight`, not {weight!r}.")
    return float(weight)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CastVote(GraphComponent):
    """Keeps the ranking the classifier before it wrote, with this vote's weight."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"weight": 1.0}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CastVote:
        return cls(_positive_weight({**cls.get_default_config(), **config}))

    def __init__(self, weight: float) -> None:
        self._weight = weight

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            ranking = ranking_of(message)
            if ranking:
                message.set(VOTES, [*(message.get(VOTES) or []), (self._weight, ranking)])
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class CountVotes(GraphComponent):
    """Writes the weighted average of the votes cast as the message's intent and ranking."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CountVotes:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            votes = message.get(VOTES) or []
            message.data.pop(VOTES, None)
            ranking = weighted_average(votes)
            if not ranking:
                continue
            entries = [{INTENT_NAME_KEY: name, PREDICTED_CONFIDENCE_KEY: confidence} for name, confidence in ranking]
            message.set(INTENT, entries[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, entries[:RANKING_LENGTH], add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SeededSVMClassifier(SklearnIntentClassifier):
    """Rasa's SVM intent classifier, trained from a fixed seed.

    Its probabilities come from Platt scaling fitted on shuffled folds, shuffled with numpy's global
    random state; seeded here, the same data trains the same model (on CI too), as DIET's seed does.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SklearnIntentClassifier.get_default_config(), "random_seed": 42}

    def train(self, training_data: TrainingData) -> Resource:
        state = np.random.get_state()
        np.random.seed(int(self.component_config["random_seed"]))
        try:
            return super().train(training_data)
        finally:
            np.random.set_state(state)
