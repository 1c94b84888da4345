"""Sections into retrievable chunks with stable ids.

A chunk is a piece of one section, at most ~`CHUNK_CHARS` characters, split on
paragraph and sentence boundaries. Its heading path travels with it: it is part of
the text that is embedded and BM25-indexed (`context_text`), because "How long do
refunds take?" is answered by a paragraph that may only say "5–10 working days"
under the heading "Refunds".

Ids are a hash of (collection, path, heading path, position within the section,
text), so re-ingesting an unchanged file yields the same ids and a changed passage a
new one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from knowledge.documents import Document

CHUNK_CHARS = 700
CHUNK_OVERLAP = 100


@dataclass(frozen=True)
class Chunk:
    id: str
    path: str
    title: str
    headings: tuple[str, ...]
    text: str

    @property
    def heading_path(self) -> str:
        return " > ".join(self.headings) if self.headings else self.title

    @property
    def context_text(self) -> str:
        """What is embedded and indexed: the document title and headings, then the passage."""
        context = [self.title, *[h for h in self.headings if h != self.title]]
        return " > ".join(context) + "\n" + self.text


def chunk_id(collection: str, path: str, headings: tuple[str, ...], ordinal: int, text: str) -> str:
    key = "\x1f".join([collection, path, *headings, str(ordinal), text])
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def chunk_document(document: Document, path: str, collection: str) -> list[Chunk]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_CHARS,
        chunk_overlap=CHUNK_OVERLAP,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    chunks = []
    for section in document.sections:
        for ordinal, piece in enumerate(splitter.split_text(section.text)):
            text = piece.strip()
            if text:
                chunks.append(
                    Chunk(
                        chunk_id(collection, path, section.headings, ordinal, text),
                        path,
                        document.title,
                        section.headings,
                        text,
                    )
                )
    return _unique(chunks)


def _unique(chunks: list[Chunk]) -> list[Chunk]:
    """The same passage twice under the same headings (a repeated notice) is indexed once."""
    seen: set[str] = set()
    return [c for c in chunks if not (c.id in seen or seen.add(c.id))]  # type: ignore[func-returns-value]
