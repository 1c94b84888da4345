"""The engine's MiniLM featurizer (engine/featurizers.py) gives sentence-transformers' embeddings.

The featurizer runs the ONNX export in the engine environment; this test, in the app
environment, compares its sentence features with all-MiniLM-L6-v2 through
sentence-transformers (the same model the knowledge search uses) on the same texts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
ONNX = ROOT / "var" / "models" / "minilm" / "model.onnx"
CHECK = Path(__file__).with_name("minilm_featurizer_check.py")
LONG = " ".join(["please tell me where my parcel is"] * 40)  # beyond the 256 word pieces MiniLM reads
TEXTS = [
    "where is my order?",
    "when will my package arrive",
    "how many vacation days do I have left",
    "can't log-in to my account!!",
    "ORD-10234 hasn't shipped",
    "🙂",
    LONG,
]


@pytest.fixture(scope="module")
def featurized(engine_check: Callable[..., Any]) -> list[dict[str, Any]]:
    if not ONNX.exists():
        pytest.fail("The featurizer check needs the ONNX export: run `make setup`.", pytrace=False)
    report: list[dict[str, Any]] = engine_check(CHECK, stdin=json.dumps(TEXTS), timeout_s=300)
    return report


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    from knowledge.embeddings import embed

    return embed(TEXTS)


def test_sentence_features_are_minilm_embeddings(featurized: list[dict[str, Any]], reference: np.ndarray) -> None:
    ours = np.array([row["sentence"] for row in featurized])
    assert ours.shape == (len(TEXTS), 384)
    # The long text is truncated to 256 word pieces by both.
    assert np.abs(ours - reference).max() < 1e-4


def test_one_sequence_vector_per_whitespace_token(featurized: list[dict[str, Any]]) -> None:
    for row in featurized:
        assert row["tokens"] >= 1
        assert row["sequence_shape"] == [row["tokens"], 384]


def test_training_batches_and_single_messages_agree(featurized: list[dict[str, Any]]) -> None:
    """Padding in a training batch must not change a message's features (the model sees the same at parse time)."""
    for row in featurized:
        assert row["batch_difference"] < 1e-4
        assert row["sequence_batch_difference"] < 1e-4


def test_meaning_not_words_brings_sentences_together(featurized: list[dict[str, Any]]) -> None:
    vectors = np.array([row["sentence"] for row in featurized])
    order, parcel, vacation = vectors[0], vectors[1], vectors[2]
    assert order @ parcel > order @ vacation + 0.2
