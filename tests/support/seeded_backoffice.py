"""The e2e back office as it was seeded, for tests that need the demo company untouched.

Why: the e2e suites share one back office, and earlier tests change it (they cancel a
customer's pending order, pay an invoice, file leave). A test that asks about a particular
order ("cancel 10280 and tell me my balance") must find it as the seeder left it, whatever ran
before; and the tests after it must find what the earlier ones left. `as_seeded()` puts the
tables a conversation may change back to the seeded copy for the duration, then back to how
they were (scripts/dialogue_backoffice.py does the copying, as for `make eval-dialogue`).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.e2e_config import E2E_VAR_DIR

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from dialogue_backoffice import restore, save_snapshot

DATABASE = E2E_VAR_DIR / "backoffice.db"
SEEDED = E2E_VAR_DIR / "backoffice-seeded.db"
BEFORE = E2E_VAR_DIR / "backoffice-before-seeded-test.db"


def keep_seeded_copy() -> None:
    """Right after seeding: the copy `as_seeded` puts back."""
    save_snapshot(DATABASE, SEEDED)


def reset_to_seeded() -> None:
    """The changeable tables as seeded (within `as_seeded`, between two conversations)."""
    restore(DATABASE, SEEDED)


@contextmanager
def as_seeded() -> Iterator[None]:
    """The back office as seeded while inside, as it was before once outside."""
    save_snapshot(DATABASE, BEFORE)
    reset_to_seeded()
    try:
        yield
    finally:
        restore(DATABASE, BEFORE)
