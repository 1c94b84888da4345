"""Run under the engine environment (`.venv-rasa/bin/python`): what SpellingCorrector does to messages.

Trains the corrector on a few training examples, persists it to a real model storage, loads it
back as the Rasa server would, and processes typed messages through the tokenizer, the corrector
and the MiniLM featurizer. Prints one `ENGINE-CHECK {...}` line for `test_spelling.py`.
Input on stdin: {"training": [texts], "typed": [[typed, meant], ...]}.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from rasa.engine.graph import ExecutionContext
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
    from rasa.shared.nlu.constants import TEXT
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from engine.featurizers import MiniLMFeaturizer
    from engine.spelling import TYPED, SpellingCorrector

    request = json.loads(sys.stdin.read())
    model_dir = str(ROOT / "var/models/minilm")
    context = ExecutionContext(graph_schema=None, node_name="spelling")  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        storage = LocalModelStorage(Path(folder))
        tokenizer = WhitespaceTokenizer.create(
            WhitespaceTokenizer.get_default_config(), storage, Resource("t"), context
        )
        config = {**SpellingCorrector.get_default_config(), "model_dir": model_dir, **request.get("config", {})}
        training = TrainingData([Message(data={TEXT: text}) for text in request["training"]])
        tokenizer.process_training_data(training)
        resource = SpellingCorrector.create(config, storage, Resource("spelling"), context).train(training)
        corrector = SpellingCorrector.load(config, storage, resource, context)  # as the server loads it
        featurizer = MiniLMFeaturizer.create(
            {**MiniLMFeaturizer.get_default_config(), "model_dir": model_dir}, storage, Resource("minilm"), context
        )
        report = []
        for typed, meant in request["typed"]:
            messages = [Message(data={TEXT: typed}), Message(data={TEXT: meant})]
            tokenizer.process(messages)
            corrector.process(messages)
            featurizer.process(messages)
            tokens = messages[0].get("text_tokens")
            report.append(
                {
                    "text": messages[0].get(TEXT),
                    "tokens": [token.text for token in tokens],
                    "meant_tokens": [token.text for token in messages[1].get("text_tokens")],
                    "typed": [token.get(TYPED) for token in tokens],
                    "spans": [[token.start, token.end] for token in tokens],
                    "sentence_difference": float(
                        abs(
                            messages[0].get_dense_features(TEXT)[1].features
                            - messages[1].get_dense_features(TEXT)[1].features
                        ).max()
                    ),
                }
            )
    print("ENGINE-CHECK " + json.dumps(report))


if __name__ == "__main__":
    main()
