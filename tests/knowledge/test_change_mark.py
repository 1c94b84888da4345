"""The change mark lives in the store, so a serving process on another machine sees ingestions and removals.

Each test has a writer in a separate Python process (as the CLI or the API's upload job would be)
and a serving `KnowledgeService` here. Over HTTP they share nothing but a real `chroma run` server:
each has a local directory of its own, so no local file can carry the signal. Embedded, they share
the store's directory, which is the store itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge import service as service_module
from knowledge.service import KnowledgeService
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import ChromaServer

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Which countries do you ship to?"

WRITER = """
import sys
from pathlib import Path
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore
from tests.knowledge.conftest import ChromaServer

action, directory, url, target = sys.argv[1:5]
store = KnowledgeStore.open(Path(directory), url or None)
if action == "ingest":
    print(ingest(Path(target), "help", "public", store).summary())
else:
    store.delete_document("help", target)
"""


def write(action: str, directory: Path, url: str, target: str) -> None:
    """Ingest a folder or remove a document from another process, as the CLI would."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", WRITER, action, str(directory), url, target],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr


def cited(service: KnowledgeService) -> list[str]:
    return [source.path for source in service.ask(QUESTION, employee=False).sources]


def sees_every_change(service: KnowledgeService, writer_dir: Path, url: str, docs: Path) -> None:
    """Nothing, then an ingestion, then a removal, each seen by the serving side's next question."""
    assert cited(service) == []
    write("ingest", writer_dir, url, str(docs))
    assert "shipping.md" in cited(service), "an ingestion by another process is seen by the next question"
    write("remove", writer_dir, url, "shipping.md")
    assert "shipping.md" not in cited(service), "so is a removal"


def test_a_server_on_another_machine_sees_ingestion_and_removal_over_http(
    tmp_path: Path, chroma_server: ChromaServer, public_docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "CHECK_EVERY_S", 0.0)
    serving = KnowledgeService(KnowledgeStore.open(tmp_path / "serving-machine", chroma_server.url))
    sees_every_change(serving, tmp_path / "ingesting-machine", chroma_server.url, public_docs)
    assert not (tmp_path / "serving-machine").exists() or not any((tmp_path / "serving-machine").iterdir())
    # The store goes away: the mark cannot be read, and what is in memory goes on answering.
    write("ingest", tmp_path / "ingesting-machine", chroma_server.url, str(public_docs))
    assert "shipping.md" in cited(serving)
    chroma_server.stop()
    assert "shipping.md" in cited(serving), "a question never fails because Chroma left after the documents were read"


def test_a_server_on_the_same_embedded_store_sees_ingestion_and_removal(
    tmp_path: Path, public_docs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service_module, "CHECK_EVERY_S", 0.0)
    directory = tmp_path / "chroma"
    serving = KnowledgeService(KnowledgeStore.open(directory))
    sees_every_change(serving, directory, "", public_docs)


def test_a_question_within_the_check_interval_does_not_read_the_mark(store: KnowledgeStore, public_docs: Path) -> None:
    """The mark is read at most every CHECK_EVERY_S: a burst of questions costs the store nothing."""
    from knowledge.ingest import ingest

    ingest(public_docs, "help", "public", store)
    serving = KnowledgeService(store)
    assert "shipping.md" in cited(serving)
    store.delete_document("help", "shipping.md")
    assert "shipping.md" in cited(serving), "still the retriever read a moment ago"
    serving._checked_at -= service_module.CHECK_EVERY_S
    assert "shipping.md" not in cited(serving)
