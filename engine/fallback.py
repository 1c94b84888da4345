"""Rasa's fallback classifier, except that a request carrying its own details is not ambiguous.

Why: `inform` is the act of giving a value — an order number, an e-mail address, dates — and
nothing else. A message that asks for something and gives the details with it ("where is
ORD-10261? my email is …", "personal day on 26.01.") reads as both, and the classifier's
confidence splits between the request and `inform`. Rasa's fallback classifier then calls the
message ambiguous when the two are within the ambiguity margin, and the request is lost: the
order status nobody got, a leave day not filed. Giving details is part of making a request, not
a rival reading of it, so when `inform` is the runner-up behind another intent of ours, the
margin is measured to the next intent instead. Out of scope stays subject to the full check (a
message we cannot serve that holds a value is still one we cannot serve), and so does a low
confidence: the threshold check is Rasa's own.

A request that would start a flow needs more than the general threshold: below
`request_threshold`, a transactional intent (an order, invoice or leave request) is a fallback
too, and the assistant asks whether that request is what the person meant instead of starting
it (`actions/suggestion.py`). Why: out-of-scope messages taken for a request at low confidence (a
request to order food as an order cancellation) started flows nobody asked for; chosen on tune
halves with the committee's weights (`scripts/tune_committee.py --flows`). Not for a request that names
its own record by its prefixed number ("whatever. send me a link for INV-50022 then"): chatter never does.

Nothing to train; it replaces `FallbackClassifier` in config.yml with the same settings.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import AMBIGUITY_THRESHOLD_KEY, FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from engine.votes import below_request_bar, rivals

REQUEST_THRESHOLD_KEY = "request_threshold"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class RequestWithDetailsFallback(FallbackClassifier):
    """`FallbackClassifier` whose ambiguity check does not count `inform` against a request, and whose
    threshold for a transactional intent is `request_threshold` when that is higher."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), REQUEST_THRESHOLD_KEY: 0.0}

    def _nlu_confidence_below_threshold(self, message: Message) -> tuple[bool, float]:
        below, confidence = super()._nlu_confidence_below_threshold(message)
        intent = message.data.get(INTENT, {}).get(INTENT_NAME_KEY)
        bar = self.component_config.get(REQUEST_THRESHOLD_KEY, 0.0)
        return below or below_request_bar(intent, confidence, bar, message.get(TEXT) or ""), confidence

    def _nlu_prediction_ambiguous(self, message: Message) -> tuple[bool, float | None]:
        ranking = [
            (intent.get(INTENT_NAME_KEY), intent.get(PREDICTED_CONFIDENCE_KEY, 1.0))
            for intent in message.data.get(INTENT_RANKING_KEY, [])
        ]
        intents = rivals(ranking)
        if len(intents) < 2:
            return False, None
        difference = intents[0][1] - intents[1][1]
        return difference < self.component_config[AMBIGUITY_THRESHOLD_KEY], difference
