"""The serving side: one retriever per audience per process, reloaded when an ingestion has run.

Ingestion (another process: the CLI, the API's upload) touches `STAMP` when it ends;
a serving process checks the stamp at most every `CHECK_EVERY_S` seconds and rebuilds
its in-memory retrievers when it changed, so new documents are served without a
restart and a question never waits on Chroma.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from knowledge.answers import Answer, answer
from knowledge.retrieval import Retriever
from knowledge.store import KnowledgeStore

STAMP = "ingested.stamp"
CHECK_EVERY_S = 5.0


def touch_stamp(directory: Path) -> None:
    """Tell serving processes that the collections changed."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / STAMP).write_text(str(time.time()))


class KnowledgeService:
    """`ask(question, employee=...)`: answers from public documents, and internal ones for employees."""

    def __init__(self, directory: Path, chroma_url: str | None = None) -> None:
        self.directory = directory
        self.chroma_url = chroma_url
        self._lock = threading.Lock()
        self._retrievers: dict[bool, Retriever] = {}
        self._stamp: float | None = None
        self._checked_at = 0.0

    def _current_stamp(self) -> float:
        try:
            return (self.directory / STAMP).stat().st_mtime
        except OSError:
            return 0.0

    def retriever(self, employee: bool) -> Retriever:
        with self._lock:
            now = time.monotonic()
            if now - self._checked_at >= CHECK_EVERY_S or not self._retrievers:
                self._checked_at = now
                stamp = self._current_stamp()
                if stamp != self._stamp:
                    self._retrievers.clear()
                    self._stamp = stamp
            if employee not in self._retrievers:
                store = KnowledgeStore.open(self.directory, self.chroma_url)
                self._retrievers[employee] = Retriever.open(store, store.collections_for(employee=employee))
            return self._retrievers[employee]

    def ask(self, question: str, employee: bool) -> Answer:
        return answer(question, self.retriever(employee))
