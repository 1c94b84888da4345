"""Each committee member's ranking of each message, as a trained model casts them (run in the engine's env).

    PYTHONPATH=. .venv-rasa/bin/python scripts/committee_votes.py MODEL.tar.gz TEXTS.json VOTES.json

Why: `scripts/tune_committee.py` chooses the committee's weights and the fallback threshold offline,
from the members' own rankings; the served model only shows their weighted average. This runs the
model's prediction graph (the one the Rasa server runs) up to the last `CastVote`, where the votes
wait on the message, and writes them with the model's fallback settings ({"fallback": {"threshold",
"ambiguity"}, "cases": [...]}): for each text, {"votes": [[weight, [[intent, confidence], ...]],
...] in pipeline order (DIET, logistic regression, SVM), "served": the intent the whole graph gives, as
`/model/parse` would} — so the tuner can check that its own count of the votes is the server's.

TEXTS.json is a JSON list of strings; VOTES.json gets the object above, its `cases` in the same order.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE
from rasa.engine.loader import load_predict_graph_runner
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.storage import ModelMetadata
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY

from engine.committee import VOTES, CountVotes

BATCH = 64


def last_ballot_node(metadata: ModelMetadata) -> str:
    """The node whose output CountVotes counts: the messages with every vote cast and none counted yet."""
    for node in metadata.predict_schema.nodes.values():
        if node.uses is CountVotes:
            return str(next(iter(node.needs.values())))
    raise SystemExit("This model has no CountVotes: it was not trained with the committee (config.yml).")


def fallback_of(metadata: ModelMetadata) -> dict[str, float]:
    """The threshold and ambiguity margin the model's FallbackClassifier was trained with."""
    for node in metadata.predict_schema.nodes.values():
        if isinstance(node.uses, type) and issubclass(node.uses, FallbackClassifier):
            return {
                "threshold": float(node.config["threshold"]),
                "ambiguity": float(node.config["ambiguity_threshold"]),
                "flow": float(node.config.get("request_threshold", 0.0)),
            }
    raise SystemExit("This model has no FallbackClassifier (config.yml).")


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    model, texts_file, votes_file = (Path(arg) for arg in argv)
    texts = json.loads(texts_file.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as storage:
        metadata, runner = load_predict_graph_runner(Path(storage), model, LocalModelStorage, DaskGraphRunner)
        ballots, parsed = last_ballot_node(metadata), metadata.nlu_target
        cast = []
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            votes = runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(t) for t in batch]}, targets=[ballots])
            served = runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(t) for t in batch]}, targets=[parsed])
            cast += [
                {"votes": message.get(VOTES) or [], "served": (result.get(INTENT) or {}).get(INTENT_NAME_KEY)}
                for message, result in zip(votes[ballots], served[parsed], strict=True)
            ]
    votes_file.write_text(json.dumps({"fallback": fallback_of(metadata), "cases": cast}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
