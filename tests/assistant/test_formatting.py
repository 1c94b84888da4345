"""Dates and order labels as the customer reads them (issue 21 item 8: wording)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from assistant import catalog, formatting
from assistant.dates import DateRange, DayPart, describe_range
from backoffice.domain import InvoiceStatus, OrderStatus
from backoffice.hr_domain import LeaveStatus

TODAY = date(2026, 12, 5)


def test_on_day_drops_the_on_before_today_tomorrow_and_yesterday() -> None:
    assert formatting.on_day(TODAY, TODAY) == "today (5 December)"
    assert formatting.on_day(date(2026, 12, 6), TODAY) == "tomorrow (6 December)"
    assert formatting.on_day(date(2026, 12, 4), TODAY) == "yesterday (4 December)"
    assert formatting.on_day(date(2026, 12, 9), TODAY) == "on Wednesday 9 December"
    assert formatting.on_day(date(2027, 1, 4), TODAY) == "on Monday 4 January 2027"


@dataclass(frozen=True)
class _Line:
    product_name: str
    quantity: int = 1


@dataclass(frozen=True)
class _Order:
    number: str
    placed_at: datetime
    lines: tuple[_Line, ...]
    status: str


def test_order_label_shows_the_status() -> None:
    order = _Order("ORD-10295", datetime(2026, 12, 4, 10), (_Line("Oak serving board"), _Line("Rug")), "paid")
    assert formatting.order_label(order) == "ORD-10295 · paid · 04 Dec · Oak serving board +1"


def test_every_stored_status_has_words_in_the_catalog() -> None:
    kinds = {"order": OrderStatus, "invoice": InvoiceStatus, "leave": LeaveStatus}
    for kind, statuses in kinds.items():
        for status in statuses:
            assert formatting.status(kind, status), (kind, status)
    assert formatting.status("invoice", InvoiceStatus.PARTLY_PAID) == "partly paid"  # not the stored `partly_paid`


def test_a_refusal_fact_reads_as_the_locale_writes_it() -> None:
    assert formatting.fact(Decimal("2.50")) == "2.5"
    assert formatting.fact(Decimal("60.0")) == "60"
    assert formatting.fact(date(2026, 12, 9)) == "Wednesday 9 December"
    assert formatting.fact("LR-00012") == "LR-00012"


def test_statuses_and_half_days_are_worded_by_the_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    order = _Order("ORD-10295", datetime(2026, 12, 4, 10), (_Line("Oak serving board"),), "paid")
    half = DateRange(date(2026, 3, 9), date(2026, 3, 11), DayPart.AFTERNOON, DayPart.MORNING)
    domain = yaml.safe_load(catalog.DEFAULT_CATALOG.read_text(encoding="utf-8"))
    reworded = {
        "utter_status_order_paid": "paid, being packed",
        "utter_day_part_afternoon": "from 1 pm",
        "utter_day_part_morning": "until noon",
    }
    for message_id, text in reworded.items():
        domain["responses"][message_id] = [{"text": text}]
    copy = tmp_path / "domain.yml"
    copy.write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv(catalog.CATALOG_ENV, str(copy))

    assert formatting.order_label(order) == "ORD-10295 · paid, being packed · 04 Dec · Oak serving board"
    assert describe_range(half) == "Monday 9 March (from 1 pm) – Wednesday 11 March (until noon)"
