"""The store's boundary: one typed error when Chroma is not there, and removal of documents and collections."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore, StoreUnavailable, UnknownCollection, UnknownDocument


def test_a_chroma_server_that_is_not_there_is_one_typed_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        KnowledgeStore.open(tmp_path, "http://127.0.0.1:9")  # port 9: every connection refused


def test_a_missing_collection_is_not_mistaken_for_a_store_that_is_down(store: KnowledgeStore) -> None:
    with pytest.raises(UnknownCollection):
        store.audience_of("nothing-here")


def test_one_document_then_the_whole_collection_can_be_removed(store: KnowledgeStore, public_docs: Path) -> None:
    ingest(public_docs, "help", "public", store)
    before = store.documents("help")
    assert "returns.md" in before and len(before) >= 2
    mark = store.change_mark()
    store.delete_document("help", "returns.md")
    assert store.documents("help") == [path for path in before if path != "returns.md"]
    assert store.change_mark() not in ("", mark), "serving processes are told to reload"
    with pytest.raises(UnknownDocument):
        store.delete_document("help", "returns.md")
    mark = store.change_mark()
    store.delete_collection("help")
    assert store.change_mark() != mark
    assert [info.name for info in store.collections()] == [], "the change mark is not a collection of documents"
    with pytest.raises(UnknownCollection):
        store.delete_collection("help")
    # Re-ingesting after a removal indexes everything again (nothing is left that says "unchanged").
    assert sorted(ingest(public_docs, "help", "public", store).indexed) == before


def test_the_cli_lists_and_removes(store: KnowledgeStore, public_docs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from operations import cli_knowledge

    ingest(public_docs, "help", "public", store)
    monkeypatch.setattr(cli_knowledge, "_store", lambda: store)
    runner = CliRunner()
    listed = runner.invoke(cli_knowledge.knowledge_app, ["list", "help"])
    assert listed.exit_code == 0 and "returns.md" in listed.output, listed.output
    removed = runner.invoke(cli_knowledge.knowledge_app, ["remove", "help", "--document", "returns.md", "--yes"])
    assert removed.exit_code == 0, removed.output
    assert "returns.md" not in runner.invoke(cli_knowledge.knowledge_app, ["list", "--documents"]).output
    missing = runner.invoke(cli_knowledge.knowledge_app, ["remove", "nothing-here", "--yes"])
    assert missing.exit_code != 0
    assert runner.invoke(cli_knowledge.knowledge_app, ["remove", "help", "--yes"]).exit_code == 0
    assert store.collections() == []


def test_a_collection_larger_than_one_read_is_read_whole(
    store: KnowledgeStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole collections are read a page at a time: embedded Chroma refuses one read of 50,000 chunks."""
    import numpy as np

    from knowledge import store as store_module
    from knowledge.chunking import Chunk

    monkeypatch.setattr(store_module, "PAGE", 4)
    chunks = [Chunk(f"c{i}", "big.md", "Big", ("Big",), f"passage {i}") for i in range(10)]
    vectors = np.eye(10, 384, dtype=np.float32)
    store.replace_file("big", "public", "big.md", "hash", chunks, vectors, [[] for _ in chunks], np.zeros((0, 384)))
    loaded, loaded_vectors = store.load("big")
    assert [chunk.id for chunk in loaded] == [f"c{i}" for i in range(10)]
    assert np.array_equal(loaded_vectors, vectors)
