"""A small demo-company corpus on disk and a fresh Chroma store per test (real model, real Chroma)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.store import KnowledgeStore

RETURNS_MD = """# Returns and refunds

## Return window
Returns are accepted within 30 days of delivery. Only delivered orders can be returned.

## Refunds
Refunds are paid to the original payment method within 5-10 working days after the parcel arrives back.
"""

SHIPPING_MD = """# Shipping

## Countries
Northwind Goods ships to the EU, the UK, Switzerland and Norway. We do not ship to Canada or the United States.

## Costs
Shipping within the EU costs EUR 4.95 and is free from EUR 75.
"""

PAYROLL_MD = """# Payroll and paydays

## Paydays
Employees are paid twice a month, on the 15th and on the last working day of the month.
When the 15th is not a working day, pay comes on the working day before.
"""


@pytest.fixture
def public_docs(tmp_path: Path) -> Path:
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "returns.md").write_text(RETURNS_MD)
    (folder / "shipping.md").write_text(SHIPPING_MD)
    return folder


@pytest.fixture
def internal_docs(tmp_path: Path) -> Path:
    folder = tmp_path / "internal"
    folder.mkdir()
    (folder / "payroll.md").write_text(PAYROLL_MD)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore.open(tmp_path / "chroma")
