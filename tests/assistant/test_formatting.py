"""Dates and order labels as the customer reads them (issue 21 item 8: wording)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from assistant import formatting

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
