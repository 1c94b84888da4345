"""Ingestion as a background job: an upload is indexed off the request's thread, and its progress can be asked.

Embedding a large document takes seconds to minutes of CPU. Run inside an async request
handler it stopped every other request of the API; run here, on one worker thread (one
ingestion at a time: they share the CPU and the store), the request only submits it, and
`GET /api/knowledge/jobs/{id}` reports how far it is (files done of files to do) and its report.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from knowledge.ingest import IngestReport, ingest
from knowledge.store import Audience, KnowledgeStore, is_unreachable

State = Literal["queued", "running", "done", "failed"]
KEEP_JOBS = 200  # finished jobs remembered, the oldest forgotten first
_T = TypeVar("_T")


@dataclass
class IngestJob:
    id: str
    collection: str
    path: str
    state: State = "queued"
    files_done: int = 0
    files_total: int = 0
    report: IngestReport | None = None
    error: str | None = None
    store_unavailable: bool = False
    finished: threading.Event = field(default_factory=threading.Event, repr=False)


class IngestJobs:
    """Submitted ingestions, run one at a time on a worker thread."""

    def __init__(self) -> None:
        self._jobs: dict[str, IngestJob] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")

    def submit(self, path: Path, collection: str, audience: Audience, store: KnowledgeStore) -> IngestJob:
        job = IngestJob(uuid.uuid4().hex[:16], collection, path.name)
        with self._lock:
            self._jobs[job.id] = job
            for old in [j for j in self._jobs.values() if j.finished.is_set()][:-KEEP_JOBS]:
                del self._jobs[old.id]
        self._executor.submit(self._run, job, path, audience, store)
        return job

    def get(self, job_id: str) -> IngestJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: IngestJob, path: Path, audience: Audience, store: KnowledgeStore) -> None:
        def progress(files: Iterable[_T]) -> Iterator[_T]:
            items = list(files)
            job.files_total = len(items)
            for item in items:
                yield item
                job.files_done += 1

        job.state = "running"
        try:
            job.report = ingest(path, job.collection, audience, store, progress)  # type: ignore[arg-type]
            job.state = "done"
        except Exception as error:  # reported through the job, never lost in the thread
            job.error = str(error) or type(error).__name__
            job.store_unavailable = is_unreachable(error)
            job.state = "failed"
        finally:
            job.finished.set()


def wait(job: IngestJob, timeout: float | None = None) -> IngestJob:
    """Block (a worker thread, never the event loop) until the job has finished."""
    job.finished.wait(timeout)
    return job


_jobs: IngestJobs | None = None
_jobs_lock = threading.Lock()


def shared_jobs() -> IngestJobs:
    """This process's job queue (made on first use, not at import)."""
    global _jobs
    with _jobs_lock:
        if _jobs is None:
            _jobs = IngestJobs()
        return _jobs
