"""Rasa's logistic-regression intent classifier, predicting straight from its coefficients.

Why: for one message, Rasa's `LogisticRegressionClassifier.process` spends most of its time not
on the regression but on scipy: it wraps the sentence's sparse and dense features in two sparse
matrices, stacks them side by side and then row by row, and hands the result to scikit-learn,
which validates it again. That was about 2.5 ms of a 15 ms parse on the Rasa server (a tenth of
its time per message, issue 19), for a product of a few hundred numbers.

Here the same trained model (the class trains exactly as Rasa's does) scores a message as
scikit-learn's multinomial `predict_proba` does — softmax(x · coefᵀ + intercept) — reading only
the non-zero entries of the sparse features. A model scikit-learn would score one-vs-rest
(two intents, or the liblinear solver) goes through Rasa's own path. The ranking written is
Rasa's: every intent, by confidence, cut to `ranking_length` when that is set
(`tests/engine/test_committee.py` compares both paths on real features).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

RANKING_LENGTH = "ranking_length"


def _is_multinomial(classifier: Any) -> bool:
    """scikit-learn's own rule (LogisticRegression.predict_proba) for a softmax over all classes."""
    multi_class = getattr(classifier, "multi_class", "auto")
    if multi_class == "multinomial":
        return True
    return multi_class == "auto" and len(classifier.classes_) > 2 and classifier.solver != "liblinear"


def _sentence_vector(message: Message) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """The sentence's features as Rasa lays them out for this classifier: every sparse sentence feature
    side by side in pipeline order, then every dense one (Message.get_sparse_features and
    get_dense_features, without copying and stacking matrices). Returns the sparse width, its non-zero
    (columns, values) and the dense vector."""
    width, columns, values, dense = 0, [], [], []
    for features in message.features:
        if features.attribute != TEXT or features.type != FEATURE_TYPE_SENTENCE:
            continue
        if features.is_sparse():
            matrix = scipy.sparse.coo_matrix(features.features)
            columns.append(matrix.col.astype(np.int64) + width)
            values.append(matrix.data.astype(np.float64))
            width += matrix.shape[1]
        else:
            dense.append(np.asarray(features.features, dtype=np.float64).reshape(-1))
    return (
        width,
        np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64),
        np.concatenate(values) if values else np.zeros(0),
        np.concatenate(dense) if dense else np.zeros(0),
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DirectLogisticRegression(LogisticRegressionClassifier):
    """Trains as Rasa's classifier; predicts a message from the coefficients, without scipy stacking."""

    def process(self, messages: list[Message]) -> list[Message]:
        classifier = getattr(self, "clf", None)
        if classifier is None or not hasattr(classifier, "coef_") or not _is_multinomial(classifier):
            return super().process(messages)
        for message in messages:
            self._rank(message, self._probabilities(message))
        return messages

    def _probabilities(self, message: Message) -> np.ndarray:
        coef, intercept = self.clf.coef_, self.clf.intercept_
        width, columns, values, dense = _sentence_vector(message)
        if width + dense.size != coef.shape[1]:
            raise ValueError(
                f"{self.__class__.__name__}: the message has {width + dense.size} features, "
                f"the model was trained on {coef.shape[1]}."
            )
        # einsum, not @: numpy's BLAS splits even this small product over every core and spins the
        # idle threads (CPU time per parse doubled on the 2-core server); einsum stays on this thread.
        sparse_part = np.einsum("ij,j->i", coef[:, columns], values)
        scores = intercept + sparse_part + np.einsum("ij,j->i", coef[:, width:], dense)
        scores = scores - scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()

    def _rank(self, message: Message, probabilities: np.ndarray) -> None:
        ranking = sorted(
            ({"name": name, "confidence": float(p)} for name, p in zip(self.clf.classes_, probabilities, strict=True)),
            key=lambda entry: -entry["confidence"],
        )
        intent = ranking[0]
        if self.config[RANKING_LENGTH] > 0:
            ranking = ranking[: self.config[RANKING_LENGTH]]
        message.set("intent", intent, add_to_output=True)
        message.set("intent_ranking", ranking, add_to_output=True)
