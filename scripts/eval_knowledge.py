"""`make eval` (knowledge part): our answers on four document sets, next to two baselines, test halves first.

    .venv/bin/python scripts/eval_knowledge.py [--set NAME ...] [--split tune|test|all] [--json OUT]

Every set (`scripts/knowledge_sets.py`: the dev handbook, the demo company's documents, a
public-sector handbook, a product help centre) is ingested into collections of its own under
`$VAR_DIR/eval/knowledge` (re-runs skip unchanged files), and each of its questions is asked of
ours, the LangChain recipe and BM25 alone (`scripts/knowledge_systems.py`) in the same run.

Each set's questions were split once into a tune and a test half before any tuning
(`scripts/data/knowledge_sets/splits.json`). The report gives, per set and as the macro
average over sets, the TEST half — the numbers to quote — and, labelled apart, the tune half,
the only one a setting may be chosen on. `--split tune` asks the tune halves alone (what to run
while tuning); `--split test` the test halves alone.

Metrics (`scripts/knowledge_scores.py`): source hit@1 / hit@3 and MRR (answerable questions;
a hit is a cited file among the expected sources), answer accuracy (answered, and every
`answer_keywords` group in the answer), abstention on unanswerable questions, answerable
questions wrongly abstained, and p50/p95 latency of one question, warm.

`--chroma-index` adds a fourth system, `ours-chroma-index`: ours with the dense candidates taken
from Chroma's own HNSW index (`collection.query`) instead of numpy over the vectors in memory, so
both are scored on the same questions in the same run (issue 19 item 5; `make bench-knowledge`
measures the retrieval step alone, and on larger collections).

`--latency-runs N` asks the selected questions N more times of ours alone and reports the median
of the runs' p50 and p95, the CPU time per question and the load average: on a shared machine
latency is noise as much as signal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from knowledge_scores import Row, macro, metrics, score, table, verdicts  # noqa: E402
from knowledge_sets import SETS, Audience, DocumentSet, Question, load_splits  # noqa: E402
from knowledge_systems import Reply, System, bm25_alone, langchain_recipe, ours  # noqa: E402

from assistant.settings import Settings  # noqa: E402
from knowledge.ingest import ingest  # noqa: E402
from knowledge.retrieval import Retriever  # noqa: E402
from knowledge.store import KnowledgeStore  # noqa: E402

SYSTEMS = ("ours", "langchain-recipe", "bm25-alone")
WITH_INDEX = ("ours", "ours-chroma-index", "langchain-recipe", "bm25-alone")
SPLITS = ("test", "tune")  # reported in this order: the test half is the one to quote


def selected(document_set: DocumentSet, split: str) -> list[tuple[str, Question]]:
    """The set's questions of the chosen half (or both), each with its half; every question must have one."""
    halves = load_splits()[document_set.name]
    half_of = {qid: half for half in SPLITS for qid in halves[half]}
    questions = document_set.questions()
    missing = [q.id for q in questions if q.id not in half_of]
    if missing:
        raise SystemExit(f"{document_set.name}: questions without a tune/test half in splits.json: {missing}")
    return [(half_of[q.id], q) for q in questions if split == "all" or half_of[q.id] == split]


Asker = Callable[[str, Audience], Reply]  # a system that knows who asks


def systems_for(
    document_set: DocumentSet, store: KnowledgeStore, audiences: set[Audience], systems: tuple[str, ...] = SYSTEMS
) -> dict[str, Asker]:
    """Each system, asking each question of what its asker may read (a customer: public folders only)."""
    chosen: dict[str, dict[Audience, System]] = {name: {} for name in systems}
    for audience in sorted(audiences):
        folders = document_set.folders_for(audience)
        collections = [document_set.collection(f) for f in folders]
        retriever = Retriever.open(store, collections)
        chosen["ours"][audience] = ours(retriever)
        if "ours-chroma-index" in chosen:
            chosen["ours-chroma-index"][audience] = ours(Retriever.open(store, collections, dense="chroma"))
        chosen["langchain-recipe"][audience] = langchain_recipe([f.path for f in folders])
        chosen["bm25-alone"][audience] = bm25_alone(retriever)
    return {name: _by_audience(per_audience) for name, per_audience in chosen.items()}


def _by_audience(per_audience: dict[Audience, System]) -> Asker:
    return lambda question, audience: per_audience[audience](question)


def evaluate(
    document_set: DocumentSet, store: KnowledgeStore, split: str, systems_run: tuple[str, ...] = SYSTEMS
) -> list[Row]:
    for folder in document_set.folders:
        print(ingest(folder.path, document_set.collection(folder), folder.audience, store).summary(), file=sys.stderr)
    questions = selected(document_set, split)
    systems = systems_for(document_set, store, {q.audience for _, q in questions}, systems_run)
    rows = []
    for name, system in systems.items():
        system("warm-up question", questions[0][1].audience)
        for half, question in questions:
            started = time.perf_counter()
            reply = system(question.text, question.audience)
            latency = (time.perf_counter() - started) * 1000
            rows.append(score(document_set.name, half, name, question, reply, latency))
    return rows


def report(rows: list[Row], sets: list[str], systems: tuple[str, ...] = SYSTEMS) -> tuple[str, dict[str, Any]]:
    """Per half: each set's lines and the macro average, ours next to both baselines; verdicts on test."""
    text, data = [], {}
    for half in SPLITS:
        in_half = [r for r in rows if r.split == half]
        if not in_half:
            continue
        lines, numbers = [], {}
        for set_name in sets:
            for system in systems:
                mine = [r for r in in_half if r.set == set_name and r.system == system]
                numbers.setdefault(set_name, {})[system] = metrics(mine)
                lines.append((set_name, system, len(mine), numbers[set_name][system]))
        for system in systems:
            mine = [r for r in in_half if r.system == system]
            numbers.setdefault("macro", {})[system] = macro(mine)
            lines.append((f"macro ({len(sets)} sets)", system, len(mine), numbers["macro"][system]))
        label = "TEST halves (quote these)" if half == "test" else "tune halves (for choosing settings only)"
        text += [f"\n## {label}\n", table(lines)]
        if half == "test":
            text += ["", *verdicts(numbers["macro"]["ours"], numbers["macro"]["langchain-recipe"])]
        data[half] = numbers
    return "\n".join(text), data


def latency_runs(rows: list[Row], document_sets: list[DocumentSet], store: KnowledgeStore, runs: int) -> str:
    """Median p50/p95 (wall clock) over `runs` passes of ours, with CPU time and the machine's load."""
    load_before = os.getloadavg()
    asked = {(r.set, r.id) for r in rows}
    p50s, p95s, cpus = [], [], []
    for _ in range(runs):
        wall, cpu = [], []
        for document_set in document_sets:
            questions = [q for q in document_set.questions() if (document_set.name, q.id) in asked]
            for audience in sorted({q.audience for q in questions}):
                folders = document_set.folders_for(audience)
                system = ours(Retriever.open(store, [document_set.collection(f) for f in folders]))
                system("warm-up question")
                for question in (q for q in questions if q.audience == audience):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    system(question.text)
                    wall.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
        p50s.append(float(np.percentile(wall, 50)))
        p95s.append(float(np.percentile(wall, 95)))
        cpus.append(float(np.percentile(cpu, 50)))
    load_after = os.getloadavg()
    return (
        f"ours over {runs} runs of {len(asked)} questions: median p50 {np.median(p50s):.0f} ms, median p95 "
        f"{np.median(p95s):.0f} ms; CPU per question p50 {np.median(cpus):.0f} ms; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after ({os.cpu_count()} cores)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", action="append", choices=list(SETS), help="only this set (repeatable)")
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--json", type=Path, help="also write the numbers and every question's outcome here")
    parser.add_argument("--details", action="store_true", help="print every question's outcome (ours)")
    parser.add_argument("--chroma-index", action="store_true", help="also ours with dense candidates from HNSW")
    parser.add_argument("--latency-runs", type=int, default=0, metavar="N", help="N more passes of ours")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    sets = args.set or list(SETS)
    store = KnowledgeStore.open(Settings().var_dir.resolve() / "eval" / "knowledge")
    load_before = os.getloadavg()
    systems = WITH_INDEX if args.chroma_index else SYSTEMS
    rows = [row for name in sets for row in evaluate(SETS[name], store, args.split, systems)]
    load_after = os.getloadavg()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\nKnowledge evaluation, {when}: sets {', '.join(sets)}; split {args.split}; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} cores "
          "(latency above ~1 per core is the machine's, not ours)")  # fmt: skip
    text, numbers = report(rows, sets, systems)
    print(text)
    if args.details:
        for row in rows:
            if row.system == "ours":
                print(json.dumps(row.as_json(), ensure_ascii=False))
    if args.latency_runs > 0:
        print("\n" + latency_runs(rows, [SETS[name] for name in sets], store, args.latency_runs))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"date": when, "load": [load_before, load_after], "sets": sets, "split": args.split,
                   "metrics": numbers, "rows": [r.as_json() for r in rows]}  # fmt: skip
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
