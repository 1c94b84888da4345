"""The serving side: one retriever per audience per process, reloaded when an ingestion has run.

Ingestion and removal (another process, maybe on another machine: the CLI, the API's
upload) leave a new change mark in the store itself (`KnowledgeStore.mark_changed`); a
serving process reads it at most every `CHECK_EVERY_S` seconds and rebuilds its in-memory
retrievers when it moved, so new documents are served without a restart. When the store
cannot be reached for that check, retrievers already in memory go on answering: a question
never fails because Chroma went away after the documents were read.
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from knowledge.answers import Answer, answer
from knowledge.embeddings import embed, is_loaded
from knowledge.retrieval import Retriever
from knowledge.store import KnowledgeStore, StoreUnavailable

CHECK_EVERY_S = 5.0


_warm = threading.Event()


class KnowledgeService:
    """`ask(question, employee=...)`: answers from public documents, and internal ones for employees."""

    def __init__(self, store: KnowledgeStore) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._retrievers: dict[bool, Retriever] = {}
        self._mark: str | None = None
        self._checked_at = 0.0

    def retriever(self, employee: bool) -> Retriever:
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at >= CHECK_EVERY_S or not self._retrievers:
                self._checked_at = now
                mark: str | None
                try:
                    mark = self.store.change_mark()
                except StoreUnavailable:
                    if not self._retrievers:
                        raise
                    mark = self._mark  # the store is away: keep answering from what is in memory
                if mark != self._mark:
                    self._retrievers.clear()
                    self._mark = mark
            if employee not in self._retrievers:
                names = self.store.collections_for(employee=employee)
                self._retrievers[employee] = Retriever.open(self.store, names)
            return self._retrievers[employee]

    def ask(self, question: str, employee: bool) -> Answer:
        result = answer(question, self.retriever(employee))
        # Both audiences open and the model loaded (an empty store answers without it): the short time-out.
        if len(self._retrievers) == 2 and is_loaded():
            _warm.set()
        return result


def is_warm() -> bool:
    """The embedding model is loaded and both audiences' retrievers are open in this process."""
    return _warm.is_set()


def warm_up() -> None:
    """Load what the first question would (the embedding model ~3 s of CPU, the retrievers), so that a
    person's first question is answered at warm speed. The action server runs it in a thread at start
    (KNOWLEDGE_WARM_UP); a failure (Chroma not up yet) is left for the first question to report.

    The model is loaded first, whatever the store holds: a stack that starts before its documents are
    ingested answers "warm up" without embedding anything, and the first real question then paid for the
    model within the warm time-out (a knowledge test of the scale profile timed out so at load 4)."""
    try:
        embed(["warm up"])
        service = shared_service()
        for employee in (False, True):
            service.ask("warm up", employee=employee)
    except Exception:  # nothing to warm is not an error: the first question will say why
        return


_opening = threading.Lock()


@lru_cache(maxsize=1)
def shared_service() -> KnowledgeService:
    """This process's service, on the store the settings name (opened on first use, not at import).

    Opened under a lock: the warm-up thread and a first question arrive together at start, and two
    Chroma clients created at once on one directory race inside Chroma (KeyError in its system cache),
    which the question then reported as "documents unavailable". (lru_cache does not stop two first
    calls from both running; the lock makes them take turns.)"""
    from assistant.settings import get_settings

    with _opening:
        settings = get_settings()
        return KnowledgeService(KnowledgeStore.open(settings.knowledge_dir, settings.chroma_url))
