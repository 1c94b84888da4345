"""Run under the engine environment (`.venv-rasa/bin/python`): what MiniLMFeaturizer computes.

Prints one JSON object (`ENGINE-CHECK {...}`); `test_minilm_featurizer.py` (app
environment) compares it with sentence-transformers' own embeddings of the same texts.
Texts come as JSON on stdin; each is tokenized by Rasa's WhitespaceTokenizer and
featurized as in the NLU pipeline.
"""

from __future__ import annotations

import json
import sys
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

    texts = json.loads(sys.stdin.read())
    context = ExecutionContext(graph_schema=None, node_name="minilm")  # type: ignore[arg-type]
    storage = LocalModelStorage(Path("/nonexistent"))
    tokenizer = WhitespaceTokenizer.create(WhitespaceTokenizer.get_default_config(), storage, Resource("t"), context)
    featurizer = MiniLMFeaturizer.create(
        {**MiniLMFeaturizer.get_default_config(), "model_dir": str(ROOT / "var/models/minilm")},
        storage,
        Resource("minilm"),
        context,
    )
    one_by_one = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(one_by_one)
    featurizer.process(one_by_one)  # as at parse time
    batched = TrainingData([Message(data={TEXT: text}) for text in texts])
    tokenizer.process_training_data(batched)
    featurizer.process_training_data(batched)  # as at training time (padded batches)
    report = []
    for single, trained in zip(one_by_one, batched.training_examples, strict=True):
        sequence, sentence = single.get_dense_features(TEXT)
        trained_sequence, trained_sentence = trained.get_dense_features(TEXT)
        report.append(
            {
                "tokens": len(single.get("text_tokens")),
                "sequence_shape": list(sequence.features.shape),
                "sentence": sentence.features[0].tolist(),
                "batch_difference": float(abs(trained_sentence.features - sentence.features).max()),
                "sequence_batch_difference": float(abs(trained_sequence.features - sequence.features).max()),
            }
        )
    print("ENGINE-CHECK " + json.dumps(report))


if __name__ == "__main__":
    main()
