"""Finds training examples that are (near) copies of evaluation cases.

    .venv/bin/python scripts/nlu_leaks.py        # lists every leak, exit 1 when there is one

Why: a training example within 0.8 string similarity of an evaluation case makes that case
an exercise the model has already seen, and the figure overstates (issue 18 found 30 of the
dev set's 180 intent cases so covered). Every evaluation source is checked: the dev set
(nlu_dev, CLINC150) and both halves of the second source (scripts/data/nlu_second, HWU64).

The conversation set (tests/conversations, `make eval-dialogue`) is checked too, with its own
bar: a message of at least six words within 0.9 of a training example is a leak (an exact
copy of "which credit cards do you take" was found in the training data, on a test-half
conversation). Shorter messages ("how much do I owe?", "cancel my order") are the stock
phrasing anybody types and the conversations judge the flow around them, not their wording;
at 0.8 a distinctive sentence and a stock one cannot be told apart by characters alone.

Similarity: both texts lower case with single spaces; difflib's ratio (2·matches / total
length), taken both ways (the ratio depends on the order of its arguments) and the larger kept.
rapidfuzz's Indel similarity (2·longest common subsequence / total length) is never below it,
since the blocks difflib matches are a common subsequence; so only the pairs rapidfuzz puts at
or above the threshold are measured with difflib, and the whole check takes about a second.
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from difflib import SequenceMatcher
from pathlib import Path

import yaml
from dialogue_set import load_set
from dialogue_templates import Calendar
from rapidfuzz import process
from rapidfuzz.distance import Indel

ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = ROOT / "bot" / "data" / "nlu"
DEV_CASES = ROOT.parent / "shared" / "data" / "nlu_dev" / "cases.jsonl"
SECOND_DIR = ROOT / "scripts" / "data" / "nlu_second"
THRESHOLD = 0.8
CONVERSATION_THRESHOLD = 0.9
CONVERSATION_MIN_WORDS = 6
# The fresh conversation sets written blind (scripts/data/fresh_conversations/): evaluation phrasing too.
FRESH_SETS = sorted(p for p in (ROOT / "scripts" / "data" / "fresh_conversations").iterdir() if p.is_dir())
# "[PTO]{"entity": ...}" and "[vacation](leave_type)" read as the words typed.
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\{[^}]*\}|\([^)]*\))")


@dataclass(frozen=True)
class Example:
    source: str  # file (training data) or evaluation source
    label: str  # intent, or the case's expectation
    text: str


@dataclass(frozen=True)
class Leak:
    example: Example
    case: Example
    score: float


def normalise(text: str) -> str:
    """Lower case, single spaces."""
    return " ".join(text.lower().split())


def training_examples(nlu_dir: Path = NLU_DIR) -> list[Example]:
    """Every intent example of the training data, annotations read as plain words."""
    examples = []
    for path in sorted(nlu_dir.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    text = _ANNOTATION.sub(r"\1", line[2:])
                    examples.append(Example(path.name, str(block["intent"]), text))
    return examples


def _read_jsonl(path: Path, source: str) -> list[Example]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Example(source, str(row.get("intent") or row["expect"]), str(row["text"])) for row in rows]


def evaluation_cases(dev: Path = DEV_CASES, second: Path = SECOND_DIR) -> list[Example]:
    """The dev set's cases and both halves of the second source."""
    cases = _read_jsonl(dev, "nlu_dev") if dev.exists() else []
    for half in ("tune", "test"):
        path = second / f"{half}.jsonl"
        if path.exists():
            cases += _read_jsonl(path, f"nlu_second/{half}")
    return cases


def conversation_cases() -> list[Example]:
    """Every typed message of the conversation set and of the fresh sets written blind
    (`FRESH_SETS`) with at least CONVERSATION_MIN_WORDS words.

    Templates are filled from a stand-in calendar (a fixed day, a pay date, one pending request
    for everybody): the words around a date are what could be copied, not the date.
    """
    day = date(2026, 12, 7)
    pending: defaultdict[int, tuple[str, date]] = defaultdict(lambda: ("LR-00100", day + timedelta(days=30)))
    calendar = Calendar(today=day, paydays=(day + timedelta(days=8),), pending=pending)
    cases = []
    conversations = load_set() + [c for folder in FRESH_SETS for c in load_set(folder, None)]
    for conversation in conversations:
        for turn in conversation.turns:
            text = calendar.render(turn.text)
            if not turn.click and len(text.split()) >= CONVERSATION_MIN_WORDS:
                cases.append(Example(f"conversations/{conversation.id}", conversation.kind, text))
    return cases


def similarity(a: str, b: str) -> float:
    """difflib's ratio of the normalised texts, both ways, the larger."""
    a, b = normalise(a), normalise(b)
    return max(SequenceMatcher(None, a, b, autojunk=False).ratio(), SequenceMatcher(None, b, a, autojunk=False).ratio())


def leaks(examples: Iterable[Example], cases: Iterable[Example], threshold: float = THRESHOLD) -> Iterator[Leak]:
    """Every (training example, case) pair at or above `threshold`, the closest case per example."""
    cases = list(cases)
    case_texts = [normalise(c.text) for c in cases]
    # A hair below the threshold: the two libraries round 2·m / n differently.
    cutoff = threshold - 1e-9
    for example in examples:
        text = normalise(example.text)
        if not text:
            continue
        candidates = process.extract(
            text, case_texts, scorer=Indel.normalized_similarity, score_cutoff=cutoff, limit=None
        )
        best: Leak | None = None
        for _, _, i in candidates:
            score = similarity(text, case_texts[i])
            if score >= threshold and (best is None or score > best.score):
                best = Leak(example, cases[i], score)
        if best is not None:
            yield best


def main() -> int:
    examples = training_examples()
    found = list(leaks(examples, evaluation_cases()))
    found += leaks(examples, conversation_cases(), CONVERSATION_THRESHOLD)
    found.sort(key=lambda leak: -leak.score)
    for leak in found:
        print(
            f"{leak.score:.2f}  {leak.example.source}:{leak.example.label}: {leak.example.text!r}"
            f"  ~  {leak.case.source}:{leak.case.label}: {leak.case.text!r}"
        )
    print(
        f"{len(found)} training examples within {THRESHOLD} of an NLU case "
        f"or {CONVERSATION_THRESHOLD} of a conversation's message",
        file=sys.stderr,
    )
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
