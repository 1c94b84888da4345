"""`make bench-knowledge`: the dense candidates from numpy or from Chroma's own HNSW index, measured.

    .venv/bin/python scripts/bench_knowledge.py [--sizes 5000,20000,50000] [--json OUT]

Issue 19 item 5 asked whether to query Chroma's vector index for the dense candidates or to stop
pulling every vector into numpy. On the same data and questions, in one run, three ways:

- `numpy`: every vector in memory against the question's (what `knowledge/retrieval.py` serves with);
- `chroma-embedded`: `collection.query` on the HNSW index, through the embedded PersistentClient;
- `chroma-http`: the same through the HttpClient, against `chroma run` (the scale profile's server).

Per question it times the dense step alone (the 30 candidates) and the whole retrieval
(`Retriever.rankings`: dense + BM25 + fusion), and reports p50/p95 in ms; and it scores the
candidates: recall@30 (the share of numpy's exact 30 that the index returns) and hit@3 by meaning
(an expected file among the first three files ranked by meaning), on the test halves' answerable
questions. Collections: each evaluation set as it is (`make eval`'s store), then synthetic ones of
N chunks, timed for how long Chroma takes to take them in (when it builds its index).

Synthetic collections: every real chunk of the four sets once (so each question's answer is in
it), then blends of two random real chunks (vector: a normalised mix plus noise; text: the first
chunk's) under paths of their own, so they are distractors that never count as a hit. Quality
numbers of record still come from `make eval` (`--chroma-index` there scores both ways).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from knowledge_sets import SETS, DocumentSet, load_splits  # noqa: E402

from assistant.settings import Settings  # noqa: E402
from knowledge.chunking import Chunk  # noqa: E402
from knowledge.embeddings import embed_one  # noqa: E402
from knowledge.ingest import ingest  # noqa: E402
from knowledge.retrieval import CANDIDATES, ChromaDense, Retriever  # noqa: E402
from knowledge.store import KnowledgeStore  # noqa: E402

CHROMA_BIN = ROOT / ".venv" / "bin" / "chroma"
CHUNKS_PER_FILE = 100  # synthetic chunks are ingested as files of this many, through `replace_file`
SEED = 19


@dataclass(frozen=True)
class Asked:
    text: str
    vector: np.ndarray
    sources: tuple[str, ...]  # expected files; empty for a question the documents do not answer


def questions_of(document_set: DocumentSet) -> list[Asked]:
    """The set's test-half questions, embedded once (outside every timing)."""
    test = set(load_splits()[document_set.name]["test"])
    chosen = [q for q in document_set.questions() if q.id in test]
    return [Asked(q.text, embed_one(q.text), tuple(q.sources) if q.answerable else ()) for q in chosen]


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(values, share)) if values else 0.0


def measure(retriever: Retriever, exact: Retriever, asked: list[Asked]) -> dict[str, float]:
    """Per question: the dense step and the whole retrieval timed; recall@30 against exact; hit@3 by meaning."""
    retriever.rankings(asked[0].text, asked[0].vector)  # warm: caches, connections
    dense_ms, rankings_ms, recalls, hits = [], [], [], []
    for question in asked:
        started = time.perf_counter()
        found, _ = retriever.dense_search(question.vector, CANDIDATES)
        dense_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        ranked = retriever.rankings(question.text, question.vector, k=10)
        rankings_ms.append((time.perf_counter() - started) * 1000)
        truth, _ = exact.dense_search(question.vector, CANDIDATES)
        recalls.append(len(set(found.tolist()) & set(truth.tolist())) / max(len(truth), 1))
        if question.sources:
            files = list(dict.fromkeys(hit.chunk.path for hit in ranked.by_meaning))[:3]
            hits.append(float(any(path in question.sources for path in files)))
    return {
        "dense_p50_ms": percentile(dense_ms, 50),
        "dense_p95_ms": percentile(dense_ms, 95),
        "retrieval_p50_ms": percentile(rankings_ms, 50),
        "retrieval_p95_ms": percentile(rankings_ms, 95),
        "recall_at_30": float(np.mean(recalls)),
        "hit_at_3": float(np.mean(hits)) if hits else float("nan"),
    }


def synthetic(store: KnowledgeStore, size: int, real: Retriever) -> tuple[str, float | None]:
    """A collection of `size` chunks made from the real ones (see the module's docstring); seconds to add it.

    Kept between runs (None seconds then): re-made only when its size is not the one asked for.
    """
    name = f"bench-synthetic-{size}"
    if any(info.name == name and info.chunks == size for info in store.collections()):
        return name, None
    if name in {info.name for info in store.collections()}:
        store.delete_collection(name)
    random = np.random.default_rng(SEED)
    real_vectors = real.vectors
    entries = [chunk for _, chunk in real.entries]
    started = time.perf_counter()
    for first in range(0, size, CHUNKS_PER_FILE):
        count = min(CHUNKS_PER_FILE, size - first)
        chunks, vectors = [], []
        for i in range(first, first + count):
            if i < len(entries):
                source = entries[i]
                path, vector = source.path, real_vectors[i]
            else:
                a, b = random.integers(len(entries), size=2)
                source, path = entries[a], f"synthetic/{i // CHUNKS_PER_FILE}.md"
                mix = random.uniform(0.5, 0.9)
                vector = mix * real_vectors[a] + (1 - mix) * real_vectors[b] + random.normal(0, 0.02, 384)
            chunks.append(Chunk(f"synthetic-{i}", path, source.title, source.headings, source.text))
            vectors.append(vector / np.linalg.norm(vector))
        store.replace_file(
            name,
            "internal",
            f"synthetic-file-{first // CHUNKS_PER_FILE}",  # one `replace_file` per batch; `path` in metadata
            "bench",
            chunks,
            np.asarray(vectors, dtype=np.float32),
            [[] for _ in chunks],
            np.zeros((0, 384), dtype=np.float32),
        )
    return name, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def chroma_server(data: Path, copy_of: Path) -> Iterator[str]:
    """`chroma run` (as the scale profile starts it) on a copy of the embedded store's files; its URL."""
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(copy_of, data)
    port = free_port()
    command = [str(CHROMA_BIN), "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)]
    log = (data.parent / "chroma-server.log").open("wb")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"chroma run did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def rows_for(
    label: str, exact: Retriever, asked: list[Asked], stores: dict[str, KnowledgeStore]
) -> list[dict[str, Any]]:
    """One row per way of finding the dense candidates, on the same retriever (chunks, BM25, vectors)."""
    rows = []
    for mode, store in (("numpy", None), *stores.items()):
        retriever = copy.copy(exact)
        if store is not None:
            retriever.dense_search = ChromaDense(store, exact.entries)
        numbers = measure(retriever, exact, asked)
        rows.append({"collection": label, "chunks": len(exact), "mode": mode, "questions": len(asked), **numbers})
        print(f"  {label} {mode}: " + ", ".join(f"{k} {v:.3f}" for k, v in numbers.items()), file=sys.stderr)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    head = "| collection | chunks | dense from | dense p50 / p95 ms | retrieval p50 / p95 ms | recall@30 | hit@3 |"
    lines = [head, "|---|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(
            f"| {row['collection']} | {row['chunks']} | {row['mode']} | {row['dense_p50_ms']:.2f} / "
            f"{row['dense_p95_ms']:.2f} | {row['retrieval_p50_ms']:.1f} / {row['retrieval_p95_ms']:.1f} | "
            f"{row['recall_at_30']:.3f} | {row['hit_at_3']:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5000,20000,50000", help="synthetic collection sizes (chunks)")
    parser.add_argument("--set", action="append", choices=list(SETS), help="only this set (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    var = Settings().var_dir.resolve()
    directory = var / "eval" / "knowledge"
    store = KnowledgeStore.open(directory)
    sets = [SETS[name] for name in (args.set or list(SETS))]
    for document_set in sets:
        for folder in document_set.folders:
            print(
                ingest(folder.path, document_set.collection(folder), folder.audience, store).summary(), file=sys.stderr
            )
    asked = {document_set.name: questions_of(document_set) for document_set in sets}
    everything = Retriever.open(store, [s.collection(f) for s in sets for f in s.folders])
    sizes = [int(size) for size in args.sizes.split(",") if size]
    added = {size: synthetic(store, size, everything)[1] for size in sizes}
    load_before, started = os.getloadavg(), dt.datetime.now(dt.UTC)
    rows: list[dict[str, Any]] = []
    with chroma_server(var / "bench" / "knowledge-chroma", directory) as url:
        stores = {"chroma-embedded": store, "chroma-http": KnowledgeStore.open(var / "bench" / "client", url)}
        for document_set in sets:
            exact = Retriever.open(store, [document_set.collection(f) for f in document_set.folders])
            rows += rows_for(document_set.name, exact, asked[document_set.name], stores)
        pooled = [question for questions in asked.values() for question in questions]
        for size in sizes:
            exact = Retriever.open(store, [f"bench-synthetic-{size}"])
            rows += rows_for(f"synthetic-{size}", exact, pooled, stores)
    load_after = os.getloadavg()
    print(f"\nKnowledge bench, {started:%Y-%m-%d %H:%M} UTC; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after, on {os.cpu_count()} cores; test-half questions\n")  # fmt: skip
    print(table(rows))
    for size, seconds in added.items():
        if seconds is not None:
            print(f"\nsynthetic-{size}: added to the embedded Chroma (index built as it goes) in {seconds:.1f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"date": f"{started:%Y-%m-%d %H:%M} UTC", "load": [load_before, load_after], "rows": rows,
                   "added_s": added}  # fmt: skip
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
