"""The dev set (nlu_dev) in tune and test halves, for choices that the dev set itself would otherwise judge.

Why: the dev set is one file with no split, and a threshold chosen on it and measured on it
overstates (issue 18). The route from "not understood" to the documents (actions/documents.py)
needs a threshold; it is chosen on the tune half of the dev set and the tune half of the second
source (`scripts/tune_documents_route.py`), and `make eval-nlu` reports the dev set's test half
next to the whole. The halves are drawn per kind of case (intent, oos, knowledge) with a fixed
seed, so every run, and every machine, sees the same halves. Fixed on 2026-12-05, before the
route's threshold was looked at.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol, TypeVar

SEED = 20261205


class HasExpect(Protocol):
    @property
    def expect(self) -> str: ...


CaseT = TypeVar("CaseT", bound=HasExpect)


def dev_halves(cases: Sequence[CaseT]) -> dict[str, list[CaseT]]:
    """{"tune": [...], "test": [...]}: each kind of case shuffled with `SEED` and halved (the odd one to test)."""
    rng = random.Random(SEED)
    halves: dict[str, list[CaseT]] = {"tune": [], "test": []}
    for kind in sorted({case.expect for case in cases}):
        of_kind = [case for case in cases if case.expect == kind]
        order = list(range(len(of_kind)))
        rng.shuffle(order)
        half = len(order) // 2
        halves["tune"] += [of_kind[i] for i in sorted(order[:half])]
        halves["test"] += [of_kind[i] for i in sorted(order[half:])]
    return halves
