"""`assistant knowledge ingest`: make a collection reflect a folder, doing only the work that changed.

Each file's content hash is stored with its chunks. A run re-indexes new and
changed files, removes the chunks of deleted files, and skips unchanged ones, so
it can run on every deploy or on a schedule. A file that cannot be read is
reported and skipped (its old chunks are removed: the index never serves a
version of a file that no longer exists); it never aborts the run.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from knowledge.chunking import chunk_document
from knowledge.documents import SUPPORTED_SUFFIXES, UnreadableDocument, read_document
from knowledge.embeddings import embed
from knowledge.store import Audience, KnowledgeStore
from knowledge.text import sentences
from knowledge.vocabulary import vocabulary_words

Progress = Callable[[Iterable[Path]], Iterable[Path]]
# Part of every file's hash: bump it when reading, chunking or sentence splitting changes,
# so that the next run re-indexes files whose bytes did not change but whose chunks would.
PIPELINE_VERSION = "7"


@dataclass
class IngestReport:
    """What a run did, for the summary line and for tests."""

    collection: str
    audience: Audience
    indexed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    chunks_added: int = 0
    seconds: float = 0.0

    @property
    def files(self) -> int:
        return len(self.indexed) + len(self.unchanged) + len(self.failed)

    def summary(self) -> str:
        return (
            f"{self.collection} ({self.audience}): {self.files} files — {len(self.indexed)} indexed "
            f"({self.chunks_added} chunks), {len(self.unchanged)} unchanged, {len(self.removed)} removed, "
            f"{len(self.failed)} unreadable, {len(self.skipped)} skipped — in {self.seconds:.1f}s"
        )


def document_files(root: Path) -> tuple[list[Path], list[Path]]:
    """(files to ingest, files of other types) under `root` (or `root` itself), hidden ones left out."""
    if root.is_file():
        candidates = [root]
    else:
        candidates = sorted(
            p
            for p in root.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
        )
    wanted = [p for p in candidates if p.suffix.lower() in SUPPORTED_SUFFIXES]
    return wanted, [p for p in candidates if p not in wanted]


def relative_path(path: Path, root: Path) -> str:
    return path.name if root.is_file() else path.relative_to(root).as_posix()


class WordVectors:
    """Word embeddings for one run: a word many files share ("employee") is embedded once."""

    def __init__(self) -> None:
        self.known: dict[str, np.ndarray] = {}

    def of(self, words: list[str]) -> np.ndarray:
        new = [w for w in words if w not in self.known]
        self.known.update(zip(new, embed(new), strict=True))
        return np.array([self.known[w] for w in words], dtype=np.float32).reshape(len(words), -1)


def file_hash(path: Path) -> str:
    return hashlib.sha256(PIPELINE_VERSION.encode() + b"\0" + path.read_bytes()).hexdigest()


def ingest(
    root: Path,
    collection: str,
    audience: Audience,
    store: KnowledgeStore,
    progress: Progress | None = None,
) -> IngestReport:
    """Bring `collection` in line with the documents under `root`."""
    if not root.exists():
        raise FileNotFoundError(f"{root} does not exist")
    started = time.perf_counter()
    report = IngestReport(collection, audience)
    files, others = document_files(root)
    report.skipped = [(relative_path(p, root), f"unsupported type {p.suffix or '(none)'}") for p in others]
    # Files are tracked per source folder, so that ingesting one folder (or uploading one file)
    # never removes what another folder brought into the same collection.
    source = str((root if root.is_dir() else root.parent).resolve())
    known = store.file_hashes(collection, audience, source)
    seen: set[str] = set()
    word_vectors = WordVectors()
    for path in progress(files) if progress else files:
        relative = relative_path(path, root)
        seen.add(relative)
        digest = file_hash(path)
        if known.get(relative) == digest:
            report.unchanged.append(relative)
            continue
        try:
            document = read_document(path)
        except UnreadableDocument as error:
            report.failed.append((relative, str(error)))
            if relative in known:
                store.delete_file(collection, audience, relative)
            continue
        chunks = chunk_document(document, relative, collection)
        vectors = embed([chunk.context_text for chunk in chunks])
        per_chunk = [sentences(chunk.text) for chunk in chunks]
        # Sentences alone: with their headings prepended (tried) every sentence of a section looks alike,
        # which blurred both the choice of sentence and the abstention signal on the dev handbook.
        sentence_vectors = embed([text for texts in per_chunk for text in texts])
        vocabulary = vocabulary_words(chunk.context_text for chunk in chunks)
        store.replace_file(
            collection,
            audience,
            relative,
            digest,
            chunks,
            vectors,
            per_chunk,
            sentence_vectors,
            source,
            vocabulary,
            word_vectors.of(vocabulary),
        )
        report.indexed.append(relative)
        report.chunks_added += len(chunks)
    if root.is_dir():
        for relative in sorted(set(known) - seen):
            store.delete_file(collection, audience, relative)
            report.removed.append(relative)
    changed = report.indexed or report.removed or any(relative in known for relative, _ in report.failed)
    if changed:
        store.mark_changed()
    report.seconds = time.perf_counter() - started
    return report
