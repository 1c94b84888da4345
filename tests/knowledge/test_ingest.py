"""Ingestion is idempotent: stable ids, changed files re-indexed, deleted ones removed, bad ones reported."""

from __future__ import annotations

from pathlib import Path

from knowledge.chunking import chunk_document
from knowledge.documents import read_document
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore


def chunk_ids(store: KnowledgeStore, name: str) -> dict[str, list[str]]:
    chunks, _ = store.load(name)
    ids: dict[str, list[str]] = {}
    for chunk in chunks:
        ids.setdefault(chunk.path, []).append(chunk.id)
    return ids


def test_chunk_ids_are_stable_and_carry_their_headings(public_docs: Path) -> None:
    document = read_document(public_docs / "returns.md")
    first = chunk_document(document, "returns.md", "public")
    again = chunk_document(read_document(public_docs / "returns.md"), "returns.md", "public")
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    window = next(c for c in first if "30 days" in c.text)
    assert window.heading_path == "Returns and refunds > Return window"
    assert window.context_text.startswith("Returns and refunds > Return window\n")
    assert chunk_document(document, "returns.md", "other")[0].id != first[0].id  # ids are per collection


def test_reingesting_skips_unchanged_reindexes_changed_and_removes_deleted(
    public_docs: Path, store: KnowledgeStore
) -> None:
    first = ingest(public_docs, "public", "public", store)
    assert sorted(first.indexed) == ["returns.md", "shipping.md"] and first.chunks_added >= 4
    before = chunk_ids(store, "public")

    again = ingest(public_docs, "public", "public", store)
    assert again.indexed == [] and sorted(again.unchanged) == ["returns.md", "shipping.md"]
    assert chunk_ids(store, "public") == before

    shipping = public_docs / "shipping.md"
    shipping.write_text(shipping.read_text().replace("EUR 75", "EUR 80"))
    (public_docs / "returns.md").unlink()
    changed = ingest(public_docs, "public", "public", store)
    assert changed.indexed == ["shipping.md"] and changed.removed == ["returns.md"]
    after = chunk_ids(store, "public")
    assert set(after) == {"shipping.md"}
    assert set(after["shipping.md"]) != set(before["shipping.md"])
    countries = [i for i in before["shipping.md"] if i in after["shipping.md"]]
    assert countries, "the unchanged section keeps its chunk id"
    texts = [c.text for c in store.load("public")[0]]
    assert any("EUR 80" in t for t in texts) and not any("EUR 75" in t for t in texts)


def test_a_bad_file_is_reported_and_the_run_goes_on(public_docs: Path, store: KnowledgeStore) -> None:
    (public_docs / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (public_docs / "image.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (public_docs / "LICENSE").write_text("MIT")
    report = ingest(public_docs, "public", "public", store)
    assert sorted(report.indexed) == ["returns.md", "shipping.md"]
    assert {path for path, _ in report.failed} == {"broken.pdf", "image.md"}
    assert report.skipped == [("LICENSE", "unsupported type (none)")]
    assert "2 unreadable" in report.summary()


def test_a_file_that_became_unreadable_leaves_the_index(public_docs: Path, store: KnowledgeStore) -> None:
    ingest(public_docs, "public", "public", store)
    (public_docs / "returns.md").write_bytes(b"\x00\x01binary now")
    report = ingest(public_docs, "public", "public", store)
    assert [path for path, _ in report.failed] == ["returns.md"]
    assert set(chunk_ids(store, "public")) == {"shipping.md"}


def test_collections_keep_their_audience(public_docs: Path, internal_docs: Path, store: KnowledgeStore) -> None:
    ingest(public_docs, "public", "public", store)
    ingest(internal_docs, "handbook", "internal", store)
    assert {(c.name, c.audience) for c in store.collections()} == {("handbook", "internal"), ("public", "public")}
    assert store.collections_for(employee=False) == ["public"]
    assert sorted(store.collections_for(employee=True)) == ["handbook", "public"]


def test_two_folders_feed_one_collection_without_removing_each_other(
    public_docs: Path, tmp_path: Path, store: KnowledgeStore
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "warranty.md").write_text("# Warranty\n\nTwo years.\n")
    ingest(public_docs, "public", "public", store)
    ingest(extra, "public", "public", store)
    again = ingest(public_docs, "public", "public", store)
    assert again.removed == [] and sorted(again.unchanged) == ["returns.md", "shipping.md"]
    assert set(chunk_ids(store, "public")) == {"returns.md", "shipping.md", "warranty.md"}
    assert store.sources("public") == sorted([str(public_docs.resolve()), str(extra.resolve())])
