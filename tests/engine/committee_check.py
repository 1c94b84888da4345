"""Run under the engine environment (`.venv-rasa/bin/python`): what the intent committee does to messages.

Featurizes a small training set with the real tokenizer and featurizers (two sparse, one dense),
trains the two linear members (our logistic regression and our seeded SVM) on it, persists and
loads them as the server does, and processes messages through member, vote, member, vote, count.
Reports, for each message, each member's own ranking (each member run alone) and what the committee
wrote; then compares our logistic regression's direct prediction (engine/direct_logistic.py) with
Rasa's own on every message, whole rankings and cut to two; trains the SVM twice more in the same
process (numpy's global random state moved on between the trainings) to show the seed makes it the
same model; then the weights the vote refuses.
Prints one `ENGINE-CHECK {...}` line for `test_committee.py`.
Input on stdin: {"training": [[text, intent], ...], "messages": [texts], "weights": [w1, w2]}.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine.committee import VOTES, CastVote, CountVotes, SeededSVMClassifier  # noqa: E402
from engine.direct_logistic import DirectLogisticRegression  # noqa: E402
from engine.featurizers import MiniLMFeaturizer  # noqa: E402

CONTEXT = ExecutionContext(graph_schema=None, node_name="committee")  # type: ignore[arg-type]


class Bench:
    """The featurizers trained on the request's examples, and a model storage to train members in."""

    def __init__(self, storage: LocalModelStorage, examples: list[list[str]]) -> None:
        self.storage = storage
        self.steps = [
            self.made(WhitespaceTokenizer, {}, "tokens"),
            self.made(CountVectorsFeaturizer, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 3}, "letters"),
            self.made(CountVectorsFeaturizer, {}, "counts"),
            self.made(MiniLMFeaturizer, {"model_dir": str(ROOT / "var/models/minilm")}, "minilm"),
        ]
        self.training = TrainingData([Message(data={TEXT: text, INTENT: intent}) for text, intent in examples])
        tokenizer, letters, counts, minilm = self.steps
        tokenizer.process_training_data(self.training)
        letters.train(self.training)
        letters.process_training_data(self.training)
        counts.train(self.training)
        counts.process_training_data(self.training)
        minilm.process_training_data(self.training)

    def made(self, component: Any, config: dict[str, Any], name: str) -> Any:
        full = {**component.get_default_config(), **config}
        return component.create(full, self.storage, Resource(name), CONTEXT)

    def trained(self, component: Any, config: dict[str, Any], name: str) -> Any:
        """The component trained on the examples, then loaded back from storage as the server loads it."""
        full = {**component.get_default_config(), **config}
        resource = component.create(full, self.storage, Resource(name), CONTEXT).train(self.training)
        return component.load(full, self.storage, resource, CONTEXT)

    def features(self, text: str) -> Message:
        message = Message(data={TEXT: text})
        for step in self.steps:
            step.process([message])
        return message


def ranking(message: Message) -> list[list[Any]]:
    return [[entry["name"], float(entry["confidence"])] for entry in message.get(INTENT_RANKING_KEY) or []]


def committee_rows(bench: Bench, texts: list[str], weights: list[float]) -> tuple[list[dict[str, Any]], Any]:
    """Each message through each member alone and through the committee; also the trained SVM."""
    logistic = bench.trained(DirectLogisticRegression, {"ranking_length": 0, "max_iter": 1000}, "logistic")
    svm = bench.trained(SeededSVMClassifier, {}, "svm")
    votes = [bench.made(CastVote, {"weight": weight}, f"vote{i}") for i, weight in enumerate(weights)]
    count = bench.made(CountVotes, {}, "count")
    rows = []
    for text in texts:
        alone = {"logistic": bench.features(text), "svm": bench.features(text)}
        logistic.process([alone["logistic"]])
        svm.process([alone["svm"]])
        message = bench.features(text)
        for step in (logistic, votes[0], svm, votes[1], count):
            step.process([message])
        rows.append(
            {
                "text": text,
                "logistic": ranking(alone["logistic"]),
                "svm": ranking(alone["svm"]),
                "intent": message.get(INTENT),
                "ranking": ranking(message),
                "votes_left": message.get(VOTES) is not None,
                "output": sorted(message.as_dict(only_output_properties=True)),
            }
        )
    return rows, svm


def same_predictions(first: Any, second: Any, bench: Bench, texts: list[str]) -> bool:
    """Whether the two models rank every text's intents alike, as the server would run them (`process`)."""

    def ranked(model: Any, text: str) -> list[list[Any]]:
        message = bench.features(text)
        model.process([message])
        return ranking(message)

    def alike(a: list[list[Any]], b: list[list[Any]]) -> bool:
        return [name for name, _ in a] == [name for name, _ in b] and np.allclose([c for _, c in a], [c for _, c in b])

    return all(alike(ranked(first, text), ranked(second, text)) for text in texts)


def direct_report(bench: Bench, texts: list[str]) -> list[dict[str, Any]]:
    """Each message ranked by Rasa's logistic regression and by ours, trained alike, whole and cut to two."""
    rows = []
    for length in (0, 2):
        config = {"ranking_length": length, "max_iter": 1000}
        rasas = bench.trained(LogisticRegressionClassifier, config, f"rasa-logistic-{length}")
        ours = bench.trained(DirectLogisticRegression, config, f"direct-logistic-{length}")
        for text in texts:
            by_rasa, by_us = bench.features(text), bench.features(text)
            rasas.process([by_rasa])
            ours.process([by_us])
            rows.append(
                {
                    "text": text,
                    "ranking_length": length,
                    "rasa": {"intent": by_rasa.get(INTENT), "ranking": ranking(by_rasa)},
                    "ours": {"intent": by_us.get(INTENT), "ranking": ranking(by_us)},
                }
            )
    return rows


def seed_report(bench: Bench, svm: Any, texts: list[str]) -> dict[str, bool]:
    """The SVM trained again from the same seed, and from another, after numpy's global state moved on."""
    np.random.seed(7)
    again = bench.trained(SeededSVMClassifier, {}, "svm-again")
    np.random.seed(99)
    other = bench.trained(SeededSVMClassifier, {"random_seed": 1}, "svm-other-seed")
    return {
        "same_seed_same_model": same_predictions(svm, again, bench, texts),
        "other_seed_differs": not same_predictions(svm, other, bench, texts),
    }


def refused_weights(bench: Bench) -> list[str]:
    refused = []
    for weight in (0, -0.5, True, "heavy", None):
        try:
            bench.made(CastVote, {"weight": weight}, "bad")
        except InvalidConfigException:
            refused.append(repr(weight))
    return refused


def main() -> None:
    request = json.loads(sys.stdin.read())
    with tempfile.TemporaryDirectory() as folder:
        bench = Bench(LocalModelStorage(Path(folder)), request["training"])
        rows, svm = committee_rows(bench, request["messages"], request["weights"])
        report = {"messages": rows, **seed_report(bench, svm, request["messages"])}
        report["direct_logistic"] = direct_report(bench, request["messages"])
        report["refused_weights"] = refused_weights(bench)
    print("ENGINE-CHECK " + json.dumps(report))


if __name__ == "__main__":
    main()
