"""The embedding model: one thread for a question, PyTorch's default restored afterwards."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from knowledge import embeddings
from knowledge.embeddings import SINGLE_THREAD_TEXTS, _threads, embed


def test_threads_are_set_for_the_block_and_restored() -> None:
    before = torch.get_num_threads()
    with _threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with _threads(None):
        assert torch.get_num_threads() == before


def test_a_question_is_embedded_on_one_thread_and_the_default_comes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    model = embeddings._model()

    class Recording:
        def encode(self, texts: list[str], **options: object) -> np.ndarray:
            seen.append(torch.get_num_threads())
            return model.encode(texts, **options)

    monkeypatch.setattr(embeddings, "_model", lambda: Recording())
    before = torch.get_num_threads()
    vectors = embed(["how many vacation days do we get?", "vacation"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    embed(["passage"] * (SINGLE_THREAD_TEXTS + 1))
    assert seen == [1, before]
    assert torch.get_num_threads() == before
