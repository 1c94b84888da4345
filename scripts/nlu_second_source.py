"""Builds the second source of real phrasing for `make eval-nlu` (scripts/data/nlu_second/).

    .venv/bin/python scripts/nlu_second_source.py ANNOTATED_JSON_DIR

Why: one benchmark's style must not shape the model. The dev set (nlu_dev) is CLINC150; this
one is HWU64 (Liu et al., IWSDS 2019, CC BY 4.0: crowd workers asking a home assistant), whose
domains are exactly where an assistant's out-of-scope mistakes come from — calendar entries
with dates, lists, e-mails, takeaway orders, tickets, currency and stock questions, "cancel"
and "remove" of other things. Relabelled to our contracts: every domain intent is
`out_of_scope` (none of them is an order, invoice or leave question); `general_praise`
("thank you so much", "appreciate your help") is `thank`; the dialogue acts that only make
sense after a robot's action (affirm/negate a command, repeat, explain, don't care,
stop, confirm) and `takeaway_query` (a restaurant's delivery status or its menu: neither
clearly ours nor clearly not) are left out.

At most PER_INTENT cases of each source intent (PRAISE for praise) are drawn, then split into
tune and test halves, stratified by source intent, with a fixed seed, BEFORE anything looks at
them: only the tune half may guide data or thresholds.

ANNOTATED_JSON_DIR holds the repository's CrossValidation/**/testset/annotated/*.json files
(the ten folds' test sets together are the whole annotated data).
"""

from __future__ import annotations

import json
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "scripts" / "data" / "nlu_second"
SEED = 18
PER_INTENT = 40
PRAISE = 120
THANK = {"general_praise"}
LEFT_OUT = {
    "general_affirm",
    "general_negate",
    "general_repeat",
    "general_explain",
    "general_dontcare",
    "general_commandstop",
    "general_confirm",
    "takeaway_query",
}


def relabel(source_intent: str) -> dict[str, str] | None:
    """Our label for a source intent: {"expect", "intent"?}, or None when it is left out."""
    if source_intent in LEFT_OUT:
        return None
    if source_intent in THANK:
        return {"expect": "intent", "intent": "thank"}
    return {"expect": "oos"}


def read_annotated(directory: Path) -> dict[str, str]:
    """text -> source intent, first seen wins; texts compared lower case with single spaces."""
    rows: dict[str, str] = {}
    for path in sorted(directory.rglob("*.json")):
        for row in json.loads(path.read_text(encoding="utf-8"))["test_data_annotation"]:
            text = " ".join(str(row["text"]).split())
            if text:
                rows.setdefault(text.lower(), row["intent"])
    return rows


def split(rows: dict[str, str]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(tune, test): a sample per source intent, each shuffled and halved (odd one to test)."""
    rng = random.Random(SEED)
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in sorted(rows.items()):
        by_intent[intent].append(text)
    tune: list[dict[str, str]] = []
    test: list[dict[str, str]] = []
    for intent in sorted(by_intent):
        label = relabel(intent)
        if label is None:
            continue
        texts = by_intent[intent]
        rng.shuffle(texts)
        texts = texts[: PRAISE if intent in THANK else PER_INTENT]
        half = len(texts) // 2
        for n, text in enumerate(texts):
            (tune if n < half else test).append({"text": text, **label, "source_intent": intent})
    rng.shuffle(tune)
    rng.shuffle(test)
    return tune, test


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    tune, test = split(read_annotated(Path(argv[0])))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in (("tune", tune), ("test", test)):
        lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (OUT / f"{name}.jsonl").write_text(lines, encoding="utf-8")
        print(f"{name}: {len(rows)} cases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
