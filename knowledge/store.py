"""The Chroma collections that hold the chunks, their embeddings and where each came from.

Embedded (a persistent client under `$VAR_DIR/knowledge/chroma`) by default; a Chroma
server when `CHROMA_URL` is set (the scale-out profile). We always pass our own
embeddings, so Chroma never loads (or downloads) an embedding model of its own, and
its telemetry is off.

The signal that documents changed lives in the store too (`CHANGES_COLLECTION`), not in a
local file: an action server on another machine reaches only the Chroma server, and must
still learn that an ingestion or a removal happened (`knowledge/service.py`).
"""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar
from urllib.parse import urlsplit

import httpx
import numpy as np

from knowledge.chunking import Chunk

Audience = Literal["public", "internal"]
AUDIENCES: tuple[Audience, ...] = ("public", "internal")
# Its metadata holds the mark of the last change. Not `kb_`-prefixed: never listed as documents.
CHANGES_COLLECTION = "kbm_changes"
COLLECTION_PREFIX = "kb_"
SENTENCES_PREFIX = "kbs_"  # the sentences of each chunk, embedded at ingestion so answers need no model call
WORDS_PREFIX = "kbw_"  # each file's vocabulary, embedded word by word (`knowledge/vocabulary.py`)
# Records read per request when a whole collection is read: embedded Chroma (SQLite) refuses one
# `get` of 50,000 chunks ("too many SQL variables", found by `make bench-knowledge`).
PAGE = 5000
COLLECTION_NAME_RE = re.compile(r"[a-z0-9][a-z0-9_-]{1,40}[a-z0-9]")


class UnknownCollection(LookupError):
    """No collection of that name has been ingested."""


class UnknownDocument(LookupError):
    """The collection holds no document at that path."""


class StoreUnavailable(RuntimeError):
    """The document store (a Chroma server) cannot be reached: a 503 for the API, a polite reply for a person.

    Every public method of `KnowledgeStore` raises this, and only this, when the store is not
    there, so callers catch one type instead of reading exception chains.
    """


def is_unreachable(error: BaseException | None) -> bool:
    """A store that is not there: refused or lost connections, or the Chroma client's own "could not connect"."""
    while error is not None:
        if isinstance(error, StoreUnavailable | httpx.TransportError | ConnectionError):
            return True
        if isinstance(error, ValueError) and "could not connect" in str(error).lower():
            return True
        error = error.__cause__ or error.__context__
    return False


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _reachable(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Connection failures out of `method` become `StoreUnavailable`; other errors pass unchanged."""

    @functools.wraps(method)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(*args, **kwargs)
        except StoreUnavailable:
            raise
        except Exception as error:
            if is_unreachable(error):
                raise StoreUnavailable(str(error) or type(error).__name__) from error
            raise

    return wrapper


def check_collection_name(name: str) -> str:
    if not COLLECTION_NAME_RE.fullmatch(name):
        raise ValueError("a collection name is 3–42 characters: lower-case letters, digits, - and _")
    return name


def read_all(collection: Any, include: list[str]) -> dict[str, list[Any]]:
    """Every record of a Chroma collection, `include`d fields and ids, read a page at a time."""
    found: dict[str, list[Any]] = {key: [] for key in ("ids", *include)}
    offset = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=offset)
        for key in found:
            found[key].extend(page[key] if page[key] is not None else [])
        if len(page["ids"]) < PAGE:
            return found
        offset += PAGE


@dataclass(frozen=True)
class CollectionInfo:
    name: str
    audience: Audience
    chunks: int


class KnowledgeStore:
    """Chunks by collection; one file's chunks are replaced together."""

    def __init__(self, client: Any, directory: Path | None = None) -> None:
        self.client = client
        self.directory = directory  # the embedded store's files (unused with a Chroma server)
        self._handles: dict[str, Any] = {}  # collections queried by vector (`nearest`)

    @classmethod
    @_reachable
    def open(cls, directory: Path, chroma_url: str | None = None) -> KnowledgeStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if chroma_url:
            parts = urlsplit(chroma_url)
            client = chromadb.HttpClient(
                host=parts.hostname or "127.0.0.1",
                port=parts.port or 8000,
                ssl=parts.scheme == "https",
                settings=chroma_settings,
            )
        else:
            directory.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(directory), settings=chroma_settings)
        return cls(client, directory)

    # -- change mark: how serving processes, on any machine, learn that documents changed ------

    @_reachable
    def mark_changed(self) -> None:
        """Leave a new mark in the store: every process that reads it next reloads its documents.

        A random part makes every mark new, so two writers at the same moment can only leave one
        of two new marks, never an old one; readers compare marks for equality, not order.
        """
        mark = f"{time.time():.6f}-{uuid.uuid4().hex}"
        changes = self.client.get_or_create_collection(CHANGES_COLLECTION, embedding_function=None)
        changes.modify(metadata={"mark": mark})

    @_reachable
    def change_mark(self) -> str:
        """The mark of the last ingestion or removal that changed anything ("": none yet)."""
        try:
            changes = self.client.get_collection(CHANGES_COLLECTION, embedding_function=None)
        except Exception as error:
            if is_unreachable(error):
                raise
            return ""  # no change was ever marked in this store
        return str((changes.metadata or {}).get("mark", ""))

    # -- collections ----------------------------------------------------------------------

    def _sentences(self, name: str) -> Any:
        return self.client.get_or_create_collection(
            SENTENCES_PREFIX + check_collection_name(name), metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def _words(self, name: str) -> Any:
        return self.client.get_or_create_collection(
            WORDS_PREFIX + check_collection_name(name), metadata={"hnsw:space": "cosine"}, embedding_function=None
        )

    def _collection(self, name: str, audience: Audience | None = None) -> Any:
        full_name = COLLECTION_PREFIX + check_collection_name(name)
        if audience is None:
            try:
                return self.client.get_collection(full_name, embedding_function=None)
            except Exception as error:
                if is_unreachable(error):
                    raise StoreUnavailable(str(error)) from error
                raise UnknownCollection(name) from error
        collection = self.client.get_or_create_collection(
            full_name, metadata={"audience": audience, "hnsw:space": "cosine"}, embedding_function=None
        )
        if (collection.metadata or {}).get("audience") != audience:
            collection.modify(metadata={"audience": audience, "hnsw:space": "cosine"})
        return collection

    @_reachable
    def collections(self) -> list[CollectionInfo]:
        found = []
        for item in self.client.list_collections():
            collection = self.client.get_collection(getattr(item, "name", item), embedding_function=None)
            if not collection.name.startswith(COLLECTION_PREFIX):
                continue
            audience = (collection.metadata or {}).get("audience", "internal")
            found.append(CollectionInfo(collection.name.removeprefix(COLLECTION_PREFIX), audience, collection.count()))
        return sorted(found, key=lambda info: info.name)

    @_reachable
    def collections_for(self, employee: bool) -> list[str]:
        """The collections someone may be answered from: public ones for all, internal ones for employees only."""
        return [info.name for info in self.collections() if info.audience == "public" or employee]

    @_reachable
    def audience_of(self, name: str) -> Audience:
        return (self._collection(name).metadata or {}).get("audience", "internal")

    # -- files ----------------------------------------------------------------------------

    @_reachable
    def file_hashes(self, name: str, audience: Audience, source: str | None = None) -> dict[str, str]:
        """{path: content hash} of the files indexed in the collection (only those from `source`, if given)."""
        rows = read_all(self._collection(name, audience), ["metadatas"])
        return {
            meta["path"]: meta["file_hash"]
            for meta in rows["metadatas"] or []
            if source is None or meta.get("source") == source
        }

    @_reachable
    def sources(self, name: str) -> list[str]:
        """The folders the collection's files were ingested from (see `ingest`)."""
        rows = read_all(self._collection(name), ["metadatas"])
        return sorted({str(meta["source"]) for meta in rows["metadatas"] or [] if meta.get("source")})

    @_reachable
    def replace_file(
        self,
        name: str,
        audience: Audience,
        path: str,
        file_hash: str,
        chunks: list[Chunk],
        vectors: np.ndarray,
        sentences: list[list[str]],
        sentence_vectors: np.ndarray,
        source: str = "",
        words: list[str] | None = None,
        word_vectors: np.ndarray | None = None,
    ) -> None:
        """Replace one file's chunks (and their sentences and words) by these; `source` is the folder it came from."""
        self.delete_file(name, audience, path)
        if not chunks:
            return
        self._collection(name, audience).add(
            ids=[chunk.id for chunk in chunks],
            embeddings=vectors.tolist(),
            documents=[chunk.text for chunk in chunks],
            metadatas=[
                {
                    "path": chunk.path,
                    "title": chunk.title,
                    "headings": "\x1f".join(chunk.headings),
                    "file_hash": file_hash,
                    "position": position,
                    "source": source,
                }
                for position, chunk in enumerate(chunks)
            ],
        )
        records = [
            (f"{chunk.id}:{i}", text, {"path": path, "chunk_id": chunk.id, "position": i})
            for chunk, texts in zip(chunks, sentences, strict=True)
            for i, text in enumerate(texts)
        ]
        if records:
            self._sentences(name).add(
                ids=[r[0] for r in records],
                documents=[r[1] for r in records],
                metadatas=[r[2] for r in records],
                embeddings=sentence_vectors.tolist(),
            )
        if words and word_vectors is not None:
            self._words(name).add(
                ids=[f"{path}\x1f{word}" for word in words],
                documents=words,
                metadatas=[{"path": path} for _ in words],
                embeddings=word_vectors.tolist(),
            )

    @_reachable
    def delete_file(self, name: str, audience: Audience, path: str) -> None:
        self._collection(name, audience).delete(where={"path": path})
        self._sentences(name).delete(where={"path": path})
        self._words(name).delete(where={"path": path})

    @_reachable
    def load_words(self, name: str) -> dict[str, np.ndarray]:
        """{word: its embedding} for the vocabulary of the collection's files (a word once, whichever file)."""
        rows = read_all(self._words(name), ["documents", "embeddings"])
        return {
            word: np.asarray(vector, dtype=np.float32)
            for word, vector in zip(rows["documents"], rows["embeddings"], strict=True)
        }

    @_reachable
    def load_words_of(self, names: list[str]) -> dict[str, np.ndarray]:
        """The vocabulary of several collections together."""
        found: dict[str, np.ndarray] = {}
        for name in names:
            found.update(self.load_words(name))
        return found

    @_reachable
    def load_sentences(self, name: str) -> dict[str, tuple[list[str], np.ndarray]]:
        """{chunk id: (its sentences in order, their embeddings)}."""
        rows = read_all(self._sentences(name), ["documents", "metadatas", "embeddings"])
        grouped: dict[str, list[tuple[int, str, Any]]] = {}
        for text, meta, vector in zip(rows["documents"], rows["metadatas"], rows["embeddings"], strict=True):
            grouped.setdefault(meta["chunk_id"], []).append((meta["position"], text, vector))
        loaded = {}
        for chunk_id, items in grouped.items():
            items.sort(key=lambda item: item[0])
            loaded[chunk_id] = ([item[1] for item in items], np.array([item[2] for item in items], dtype=np.float32))
        return loaded

    @_reachable
    def load(self, name: str) -> tuple[list[Chunk], np.ndarray]:
        """Every chunk of a collection with its embedding, in document order."""
        rows = read_all(self._collection(name), ["documents", "metadatas", "embeddings"])
        records = sorted(
            zip(rows["ids"], rows["documents"], rows["metadatas"], rows["embeddings"], strict=True),
            key=lambda record: (record[2]["path"], record[2]["position"]),
        )
        chunks = [
            Chunk(
                id=chunk_id,
                path=meta["path"],
                title=meta["title"],
                headings=tuple(h for h in str(meta.get("headings") or "").split("\x1f") if h),
                text=text,
            )
            for chunk_id, text, meta, _ in records
        ]
        vectors = np.array([record[3] for record in records], dtype=np.float32).reshape(len(records), -1)
        return chunks, vectors

    @_reachable
    def nearest(self, name: str, vector: np.ndarray, n: int) -> list[tuple[str, float]]:
        """The `n` chunks nearest the vector by Chroma's own (HNSW, approximate) index: [(chunk id, cosine)].

        The alternative to scoring every vector in memory (`knowledge/retrieval.py`, `ChromaDense`);
        `make bench-knowledge` measures both. The collection's handle is kept between questions (one
        round trip per question, not two) and fetched again if the collection was replaced meanwhile.
        """
        for attempt in (1, 2):
            handle = self._handles.get(name) or self._handles.setdefault(name, self._collection(name))
            try:
                rows = handle.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
                break
            except Exception as error:
                self._handles.pop(name, None)
                if attempt == 2 or is_unreachable(error):
                    raise
        pairs = zip(rows["ids"][0], rows["distances"][0], strict=True)
        return [(chunk_id, 1.0 - float(distance)) for chunk_id, distance in pairs]

    # -- removal --------------------------------------------------------------------------

    @_reachable
    def documents(self, name: str) -> list[str]:
        """The paths of the documents a collection holds, sorted."""
        return sorted(self.file_hashes(name, self.audience_of(name)))

    @_reachable
    def delete_document(self, name: str, path: str) -> None:
        """Remove one document (its chunks, sentences and words) from a collection; serving processes reload."""
        audience = self.audience_of(name)
        if path not in self.file_hashes(name, audience):
            raise UnknownDocument(path)
        self.delete_file(name, audience, path)
        self.mark_changed()

    @_reachable
    def delete_collection(self, name: str) -> None:
        """Remove a whole collection with its sentences and words; serving processes reload."""
        self._collection(name)  # UnknownCollection if there is none
        for prefix in (COLLECTION_PREFIX, SENTENCES_PREFIX, WORDS_PREFIX):
            try:
                self.client.delete_collection(prefix + name)
            except Exception as error:
                if is_unreachable(error):
                    raise
                # the side collections of an empty collection may never have been made
        self.mark_changed()
