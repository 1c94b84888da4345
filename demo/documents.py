"""The demo company's documents and the collections they go into (`make ingest`, the e2e stack)."""

from __future__ import annotations

from pathlib import Path

from knowledge.ingest import IngestReport, Progress, ingest
from knowledge.store import Audience, KnowledgeStore

COMPANY_DOCS = Path(__file__).resolve().parent / "company_docs"
# (folder under demo/company_docs/, collection, audience)
DEMO_COLLECTIONS: tuple[tuple[str, str, Audience], ...] = (
    ("public", "public", "public"),
    ("internal", "handbook", "internal"),
)


def ingest_demo_documents(store: KnowledgeStore, progress: Progress | None = None) -> list[IngestReport]:
    return [
        ingest(COMPANY_DOCS / folder, collection, audience, store, progress)
        for folder, collection, audience in DEMO_COLLECTIONS
    ]
