"""How records read in a chat reply: money, numbers, dates, lists of items, for the company's locale.

Numbers, money and dates come from Babel (CLDR data) for `COMPANY_LOCALE` (default `en_US`);
the words around them (`today`, `on`, `and`) are the reply catalog's (assistant/catalog.py), so
a second language changes both in one place. The locale is read from the process environment
(the stack passes the setting to every process), because the Rasa engine formats too and has no
app settings object.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from babel.dates import format_date, format_time, get_day_names
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

from assistant import catalog
from assistant.hours import BusinessHours

LOCALE_ENV = "COMPANY_LOCALE"
DEFAULT_LOCALE = "en_US"
RELATIVE_DAYS = {0: "utter_date_today", 1: "utter_date_tomorrow", -1: "utter_date_yesterday"}
# Babel (CLDR) patterns of `weekday_date`, by (with the month, with the year).
WEEKDAY_DATE_PATTERNS = {
    (False, False): "EEEE d",
    (False, True): "EEEE d y",
    (True, False): "EEEE d MMMM",
    (True, True): "EEEE d MMMM y",
}


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


def locale() -> str:
    """The company's locale (`COMPANY_LOCALE`), as Babel names it: `en_US`, `fa_IR`."""
    return os.environ.get(LOCALE_ENV, "").strip() or DEFAULT_LOCALE


def money(amount: Decimal, currency: str) -> str:
    """`€1,234.50`, as the locale writes an amount in `currency`."""
    return format_currency(amount, currency, locale=locale())


def number(value: int | Decimal) -> str:
    """`2,000`: a count or quantity as the locale writes it (not for years or ids)."""
    return format_decimal(value, locale=locale())


def day_count(value: int | Decimal) -> str:
    """`1 day`, `2.5 days`: a number of days, plural as the locale has it."""
    amount = Decimal(value)
    shown: int | Decimal = int(amount) if amount % 1 == 0 else amount.normalize()
    return format_unit(shown, "duration-day", length="long", locale=locale())


def _relative(value: date, today: date | None) -> str | None:
    """`today (5 December)` and the like, when `value` is a day next to `today`."""
    if today is None:
        return None
    message_id = RELATIVE_DAYS.get((value - today).days)
    if message_id is None:
        return None
    return catalog.text(message_id, date=format_date(value, "d MMMM", locale=locale()))


def day(value: date, today: date | None = None) -> str:
    """`Tuesday 3 March`, with `today`/`tomorrow`/`yesterday` where that reads better."""
    relative = _relative(value, today)
    if relative is not None:
        return relative
    pattern = "EEEE d MMMM y" if today is not None and value.year != today.year else "EEEE d MMMM"
    return format_date(value, pattern, locale=locale())


def on_day(value: date, today: date | None = None) -> str:
    """`on Tuesday 3 March`, or `today (5 December)` without the `on` ("due on tomorrow" reads wrong)."""
    relative = _relative(value, today)
    return relative if relative is not None else catalog.text("utter_date_on", date=day(value, today))


def weekday_date(value: date, *, month: bool = True, year: bool = False) -> str:
    """`Friday 6`, `Friday 6 March`, `Friday 6 March 2027`: one end of a range of days, as much as it needs.

    A range names its month and year once, at its end ("Tuesday 3 – Friday 6 March"), so the
    start may go without them; `day` decides the year from today instead.
    """
    return format_date(value, WEEKDAY_DATE_PATTERNS[month, year], locale=locale())


def status(kind: str, code: str) -> str:
    """A record's state in words (`utter_status_<kind>_<code>`: `paid`, `approved`), never the stored code.

    `kind` is `order`, `invoice` or `leave`: the same code can read differently per record
    ("paid" order, "paid" invoice) and, in another language, agree with a different noun.
    """
    return catalog.text(f"utter_status_{kind}_{code}")


def fact(value: Decimal | int | date | str, today: date | None = None) -> str:
    """A value the back office gives with a refusal (backoffice.errors.NotAllowed's facts), as the
    locale writes it: a number, a day; a code or a record's number as it is."""
    if isinstance(value, date):
        return day(value, today)
    if isinstance(value, str):
        return value
    return number(value)


def join_and(parts: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`: the catalog's separator and last link."""
    if len(parts) <= 1:
        return "".join(parts)
    head = catalog.text("utter_list_separator").join(parts[:-1])
    return catalog.text("utter_list_and", head=head, last=parts[-1])


def items(lines: Sequence[Line]) -> str:
    """`2 × Garden chair and 1 × Parasol`."""
    parts = [catalog.text("utter_item_quantity", quantity=number(n.quantity), product=n.product_name) for n in lines]
    return join_and(parts)


def order_label(order: Placed) -> str:
    """A button label for one order: number, status, date and first item."""
    first = order.lines[0].product_name if order.lines else catalog.text("utter_order_label_no_items")
    more = catalog.text("utter_order_label_more", count=number(len(order.lines) - 1)) if len(order.lines) > 1 else ""
    placed = format_date(order.placed_at, "dd MMM", locale=locale())
    return catalog.text(
        "utter_order_label",
        order=order.number,
        status=status("order", order.status),
        placed=placed,
        first=first,
        more=more,
    )


def opening_hours(hours: BusinessHours) -> str:
    """For the customer: "Mon–Fri 08:00–18:00 (Europe/Amsterdam time)" — day names in the company's
    locale, times on the 24-hour clock the hours setting is written in."""
    if not hours.spans:
        return catalog.text("utter_hours_none")
    names = get_day_names("abbreviated", locale=locale())
    spans = []
    for span in hours.spans:
        days = sorted(span.days)
        first, last = names[days[0]], names[days[-1]]
        when = first if len(days) == 1 else catalog.text("utter_hours_day_range", first=first, last=last)
        opens, closes = (format_time(t, "HH:mm", locale=locale()) for t in (span.opens, span.closes))
        spans.append(catalog.text("utter_hours_span", days=when, opens=opens, closes=closes))
    return catalog.text(
        "utter_hours", spans=catalog.text("utter_list_separator").join(spans), timezone=hours.timezone.key
    )
