"""Dense MiniLM features for the Rasa NLU pipeline, without torch in the engine's environment.

Why: sparse count features only know the words of our own training examples, so real
users' phrasing ("what's left on my tab", "when does my money come in") falls outside
them. all-MiniLM-L6-v2 sentence features carry meaning across wordings. The engine's
environment cannot hold torch next to TensorFlow and pydantic 1, so the model runs as
ONNX (exported at set-up time by `scripts/export_minilm_onnx.py`) with onnxruntime.

Features per message: a sentence vector (mean-pooled, L2-normalised token states, as
sentence-transformers computes it) and one sequence vector per whitespace token (the
mean of its word pieces), so that DIET can combine them with the other featurizers.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from engine.spelling import TYPED

MAX_WORD_PIECES = 256  # as sentence-transformers runs all-MiniLM-L6-v2 (sentence_bert_config.json)
BATCH_SIZE = 64
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence and token features from all-MiniLM-L6-v2 run with onnxruntime."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Folder with model.onnx and tokenizer.json; relative to the working directory.
            "model_dir": "var/models/minilm",
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        return cls(execution_context.node_name, config)

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        super().__init__(name, config)
        import onnxruntime
        from tokenizers import Tokenizer as WordPieces

        model_dir = os.path.abspath(self._config["model_dir"])
        onnx_path = os.path.join(model_dir, "model.onnx")
        tokenizer_path = os.path.join(model_dir, "tokenizer.json")
        for path in (onnx_path, tokenizer_path):
            if not os.path.isfile(path):
                raise InvalidConfigException(
                    f"MiniLMFeaturizer: {path} is missing. It is made at set-up time by "
                    "`scripts/export_minilm_onnx.py` (`make setup`)."
                )
        self._word_pieces = WordPieces.from_file(tokenizer_path)
        self._word_pieces.enable_truncation(MAX_WORD_PIECES)
        # tokenizer.json pads every text to 128 pieces; a batch is padded to its longest text instead
        # (a 12-word question costs 10x less than 128 pieces would).
        self._word_pieces.no_padding()
        options = onnxruntime.SessionOptions()
        # One request at a time per process: more threads only add contention on small inputs.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not config.get("model_dir"):
            raise InvalidConfigException("MiniLMFeaturizer needs `model_dir`.")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            examples = [m for m in training_data.training_examples if m.get(TOKENS_NAMES[attribute])]
            for start in range(0, len(examples), BATCH_SIZE):
                self._featurize(examples[start : start + BATCH_SIZE], attribute)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            with_tokens = [m for m in messages if m.get(TOKENS_NAMES[attribute])]
            if with_tokens:
                self._featurize(with_tokens, attribute)
        return messages

    def _featurize(self, messages: list[Message], attribute: str) -> None:
        token_lists: list[list[Token]] = [m.get(TOKENS_NAMES[attribute]) for m in messages]
        read = [as_corrected(str(m.get(attribute)), tokens) for m, tokens in zip(messages, token_lists, strict=True)]
        encodings = self._word_pieces.encode_batch([text for text, _ in read])
        width = max(len(e.ids) for e in encodings)
        batch = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in ONNX_INPUTS}
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            batch["input_ids"][row, :length] = encoding.ids
            batch["attention_mask"][row, :length] = encoding.attention_mask
            batch["token_type_ids"][row, :length] = encoding.type_ids
        states = self._session.run(None, batch)[0]
        for row, message in enumerate(messages):
            mask = batch["attention_mask"][row].astype(bool)
            sequence, sentence = _pool(
                states[row][mask], encodings[row].offsets, encodings[row].special_tokens_mask, read[row][1]
            )
            self.add_features_to_message(sequence=sequence, sentence=sentence, attribute=attribute, message=message)


def as_corrected(text: str, tokens: list[Token]) -> tuple[str, list[tuple[int, int]]]:
    """The text with every token's word as the pipeline left it (engine/spelling.py corrects slips
    in tokens, not in the text), and each token's (start, end) in that text. Unchanged text when no
    token was corrected, so the features stay exactly sentence-transformers' features."""
    pieces, spans, cursor, shift = [], [], 0, 0
    for token in tokens:
        typed = text[token.start : token.end]
        word = token.text if token.get(TYPED) is not None else typed
        gap = text[cursor : token.start]
        if not gap and cursor and token.get(TYPED) is not None:  # two words typed run together, read apart
            gap = " "
            shift += 1
        pieces += [gap, word]
        spans.append((token.start + shift, token.start + shift + len(word)))
        shift += len(word) - len(typed)
        cursor = token.end
    pieces.append(text[cursor:])
    return "".join(pieces), spans


def _pool(
    states: np.ndarray,
    offsets: list[tuple[int, int]],
    special: list[int],
    spans: list[tuple[int, int]],
) -> tuple[np.ndarray, np.ndarray]:
    """(one vector per whitespace token, the sentence vector) from word-piece states."""
    sentence = states.mean(axis=0, keepdims=True)
    sentence = sentence / max(float(np.linalg.norm(sentence)), 1e-12)
    sequence = np.zeros((len(spans), states.shape[1]), dtype=np.float32)
    for index, (token_start, token_end) in enumerate(spans):
        pieces = [
            i
            for i, (start, end) in enumerate(offsets[: len(states)])
            if not special[i] and start < token_end and end > token_start
        ]
        # A token beyond the truncation (or with no word piece) falls back to the sentence.
        sequence[index] = states[pieces].mean(axis=0) if pieces else sentence[0]
    return sequence, sentence.astype(np.float32)
