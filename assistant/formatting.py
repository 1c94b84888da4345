"""How records read in a chat reply: money, dates, lists of items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol


class Line(Protocol):
    """What a reply needs of an order line (the back office's `OrderLine` is one); core names no domain type."""

    @property
    def quantity(self) -> int: ...

    @property
    def product_name(self) -> str: ...


class Placed(Protocol):
    """What a button label needs of an order (the back office's `Order` is one)."""

    @property
    def number(self) -> str: ...

    @property
    def placed_at(self) -> datetime: ...

    @property
    def lines(self) -> Sequence[Line]: ...

    @property
    def status(self) -> str: ...


CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(amount: Decimal, currency: str) -> str:
    """`€1,234.50`; unknown currencies keep their code: `CHF 12.00`."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    quantised = f"{amount:,.2f}"
    return f"{symbol}{quantised}" if symbol else f"{currency} {quantised}"


def day(value: date, today: date | None = None) -> str:
    """`Tuesday 3 March`, with `today`/`tomorrow`/`yesterday` where that reads better."""
    if today is not None:
        delta = (value - today).days
        relative = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(delta)
        if relative:
            return f"{relative} ({value.day} {value:%B})"
    year = f" {value.year}" if today is not None and value.year != today.year else ""
    return f"{value:%A} {value.day} {value:%B}{year}"


def on_day(value: date, today: date | None = None) -> str:
    """`on Tuesday 3 March`, or `today (5 December)` without the `on` ("due on tomorrow" reads wrong)."""
    said = day(value, today)
    return said if said.split(" ", 1)[0] in ("today", "tomorrow", "yesterday") else f"on {said}"


def items(lines: Sequence[Line]) -> str:
    """`2 × Garden chair and 1 × Parasol`."""
    parts = [f"{line.quantity} × {line.product_name}" for line in lines]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def order_label(order: Placed) -> str:
    """A button label for one order: number, status, date and first item."""
    first = order.lines[0].product_name if order.lines else "order"
    more = f" +{len(order.lines) - 1}" if len(order.lines) > 1 else ""
    return f"{order.number} · {order.status} · {order.placed_at:%d %b} · {first}{more}"
