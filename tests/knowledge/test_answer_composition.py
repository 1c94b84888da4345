"""How an answer is put together: the fact the question asks for, found beside the best passage,
table rows as facts, compound terms, each sentence once. Real model, real Chroma store."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answer_types import Kind, expected_kind, states
from knowledge.answers import answer
from knowledge.compose import MAX_ANSWER_CHARS, is_title_line, leans_on
from knowledge.ingest import ingest
from knowledge.retrieval import Retriever
from knowledge.store import KnowledgeStore
from knowledge.text import sentences, tokens

REMOTE_MD = """# Working remotely

## Scope
This policy covers working from home on a regular basis and working remotely for up to one week a month.

## Extended remote work
If you plan to work remotely for more than two days, or from a place that is not your home, follow these steps.

### Approval
You need your manager's approval first.
This check-in should happen at least two weeks in advance, before you book any travel.

### Heads up
Tell the team at least 7 days ahead and mark the days in your calendar.
"""

EQUITY_MD = """# Your equity

## What an option is
Owning stock in the company gives you a stake in its success. An option lets you buy a share later at today's price.

## When you leave
Options do not disappear when you stop working here. You have 7 years to exercise your options after you leave.
"""

PAYROLL_MD = """# Payroll

Employees are paid twice a month, on the 15th and on the last working day of the month.

| Month | Mid-month payday | End-of-month payday |
|---|---|---|
| January | Thu 15 Jan | Fri 30 Jan |
| February | Fri 13 Feb | Fri 27 Feb |
| March | Mon 16 Mar | Tue 31 Mar |
| April | Wed 15 Apr | Thu 30 Apr |
"""

TAX_MD = """# Tax forms

Your yearly pay and withholding are reported on Form W-2. W-2 forms are in the payroll portal under Pay, Tax documents.

The company's 401(k) plan matches your contributions up to 4% of your pay.
"""


def ingested(tmp_path_factory: pytest.TempPathFactory, collection: str, files: dict[str, str]) -> Retriever:
    """`files` written to a folder, ingested into a fresh store as `collection`, opened for questions."""
    folder = tmp_path_factory.mktemp(collection)
    for name, text in files.items():
        (folder / name).write_text(text)
    store = KnowledgeStore.open(tmp_path_factory.mktemp(f"chroma-{collection}"))
    ingest(folder, collection, "internal", store)
    return Retriever.open(store, [collection])


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    files = {"remote.md": REMOTE_MD, "equity.md": EQUITY_MD, "payroll.md": PAYROLL_MD, "tax.md": TAX_MD}
    return ingested(tmp_path_factory, "handbook", files)


def test_the_step_after_the_best_passage_is_in_the_answer(retriever: Retriever) -> None:
    result = answer("what do I need to do to work remotely for a week from a place that is not my home?", retriever)
    assert result.answered and result.sources[0].path == "remote.md"
    assert "two weeks in advance" in (result.answer or "")
    assert "manager's approval" in (result.answer or ""), "a sentence starting 'This' brings the one before it"


def test_a_how_long_question_gets_the_span_of_time(retriever: Retriever) -> None:
    result = answer("after I leave, how long can I still buy a share?", retriever)
    assert result.answered and "7 years" in (result.answer or "")


def test_a_table_row_answers_when_the_question_names_it(retriever: Retriever) -> None:
    result = answer("when is the mid-month payday in March?", retriever)
    assert result.answered and "Month: March; Mid-month payday: Mon 16 Mar" in (result.answer or "")
    assert (result.answer or "").count("Month:") <= 2, "a couple of rows, never the table"


def test_a_general_question_gets_the_rule_not_the_table(retriever: Retriever) -> None:
    result = answer("when do we get paid?", retriever)
    assert result.answered and "twice a month" in (result.answer or "")
    assert (result.answer or "").count("Month:") <= 2


def test_compound_terms_match_however_they_are_written(retriever: Retriever) -> None:
    assert tokens("Form W-2, the 401(k) and 403(b) plans") == tokens("form w2, the 401k and 403b plans")
    for question, fact in (("where do I get my w2?", "payroll portal"), ("does the 401k match?", "4%")):
        result = answer(question, retriever)
        assert result.answered and fact in (result.answer or ""), question


def test_answers_are_short_and_never_repeat_a_sentence(retriever: Retriever) -> None:
    for question in ("how does remote work approval work?", "what is an option?", "when is payday?", "w2 forms"):
        result = answer(question, retriever)
        assert result.answered, question
        said = sentences(result.answer or "")
        assert len(said) == len(set(said)), result.answer
        assert len(result.answer or "") <= MAX_ANSWER_CHARS


def test_table_rows_are_sentences_of_their_own() -> None:
    text = "Paydays:  \nMonth: June; Payday: Mon 15 Jun.  \nMonth: July; Payday: Wed 15 Jul.  \nAfter the table. More."
    assert sentences(text) == [
        "Paydays:",
        "Month: June; Payday: Mon 15 Jun.",
        "Month: July; Payday: Wed 15 Jul.",
        "After the table.",
        "More.",
    ]
    assert sentences("Note: this is prose; it has a colon: and a semicolon.") == [
        "Note: this is prose; it has a colon: and a semicolon."
    ]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how long is parental leave?", Kind.TIME),
        ("when's hack week?", Kind.TIME),
        ("what are normal working hours like here?", Kind.TIME),
        ("I referred a friend 8 months ago, do I still get the bonus?", Kind.TIME),
        ("how much of my health insurance does the company pay?", Kind.AMOUNT),
        ("how many objectives should I write?", Kind.NUMBER),
        ("is there a fine for being late?", Kind.AMOUNT),
        ("do you charge for assembly", Kind.AMOUNT),
        ("whats the fee for a second reminder", Kind.AMOUNT),
        ("what does delivery to the room cost?", Kind.AMOUNT),
        ("is there a dress code?", None),
        ("what are your support hours?", Kind.TIME),
        ("what is the payment deadline?", Kind.TIME),
        ("what is the dress code?", None),
        ("can my manager promise me a contract?", None),
    ],
)
def test_the_kind_of_fact_a_question_asks_for(question: str, kind: Kind | None) -> None:
    assert expected_kind(question) is kind


@pytest.mark.parametrize(
    ("sentence", "kind", "expected"),
    [
        ("You have 7 years to exercise your options.", Kind.TIME, True),
        ("A typical workweek is 45-50 hours.", Kind.TIME, True),
        ("The sixth week of every quarter is a hack week.", Kind.TIME, True),
        ("Hiring has to happen within 180 days (six months) of the referral.", Kind.TIME, True),
        ("Owning stock gives you a stake in our success.", Kind.TIME, False),
        ("Phone support is open 08:00–18:00 on working days.", Kind.TIME, True),
        ("We answer the phone Mon–Fri.", Kind.TIME, True),
        ("Call us during opening hours.", Kind.TIME, False),
        ("A reminder fee of EUR 5.00 is added to the invoice.", Kind.AMOUNT, True),
        ("Shipping to Switzerland costs 12 CHF.", Kind.AMOUNT, True),
        ("The fee is charged once per invoice.", Kind.AMOUNT, False),
        ("The company pays 85% of the baseline plan.", Kind.AMOUNT, True),
        ("Flights are covered up to $1,000.", Kind.AMOUNT, True),
        ("We offer medical, dental and vision coverage.", Kind.AMOUNT, False),
        ("Set 3 to 5 objectives a quarter.", Kind.NUMBER, True),
        ("Set a few objectives.", Kind.NUMBER, False),
    ],
)
def test_whether_a_sentence_states_that_kind_of_fact(sentence: str, kind: Kind, expected: bool) -> None:
    assert states(sentence, kind) is expected


ONBOARDING_MD = """# Your first week

Before your first day, please follow these steps.

Set up your laptop
- Sign in with the one-time password from your welcome e-mail.

Fill in your tax form
- Complete Form W-4 in the payroll portal.

Order a desk chair
- Chairs are ordered in the IT catalogue and arrive within a week.

## Parking

The garage under the office is open from 7:00 to 20:00 and costs nothing.
"""


def test_headings_the_loader_did_not_mark_do_not_use_up_a_list(tmp_path: Path) -> None:
    folder = tmp_path / "onboarding"
    folder.mkdir()
    (folder / "first-week.md").write_text(ONBOARDING_MD)
    store = KnowledgeStore.open(tmp_path / "chroma")
    ingest(folder, "onboarding", "internal", store)
    result = answer("what do I need to do before my first day?", Retriever.open(store, ["onboarding"]))
    assert result.answered
    for step in ("one-time password", "Form W-4", "Chairs are ordered"):  # three steps, under three unmarked headings
        assert step in (result.answer or ""), result.answer


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Get Approval From your manager", True),
        ("Meet your buddy", True),
        ("Sign in with the one-time password from your welcome e-mail.", False),
        ("We pay twice a month:", False),
        ("a laptop bag", False),
        ("Month: June; Payday: Mon 15 Jun.", False),
        ("This line has far too many words to be a heading of any section here", False),
    ],
)
def test_a_heading_inside_the_text_is_told_from_a_sentence(line: str, expected: bool) -> None:
    assert is_title_line(line) is expected


INVOICES_MD = """# Invoices

This page explains how to read an invoice, how to pay it, and what happens when an invoice is paid late.

## Paying
Invoices are paid by card or bank transfer within 14 days.

## Paying late
A first reminder is sent when the due date has passed.
If the invoice is still not paid by the second reminder, it is late and a late fee of EUR 7.50 is added.
"""


@pytest.fixture(scope="module")
def signposted(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    return ingested(tmp_path_factory, "help", {"invoices.md": INVOICES_MD, "equity.md": EQUITY_MD})


def test_a_signpost_is_not_the_answer(signposted: Retriever) -> None:
    """ "This page explains ... paid late" names the topic of every question about the page and answers none."""
    result = answer("what happens if my invoice is paid late?", signposted)
    assert result.answered and "7.50" in (result.answer or ""), result.answer
    assert not (result.answer or "").startswith("This page"), result.answer


REMINDERS_MD = """# Reminders

## When an invoice is overdue
We send a friendly first reminder seven days after the due date.

A reminder fee of EUR 4.00 is added with the second reminder. The fee is charged once per invoice.

## Paying by bank transfer
Use the invoice number as the payment reference so we can match your payment.
"""


@pytest.fixture(scope="module")
def reminders(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    return ingested(tmp_path_factory, "reminders", {"reminders.md": REMINDERS_MD, "equity.md": EQUITY_MD})


def test_a_sentence_naming_a_thing_just_introduced_brings_that_sentence(reminders: Retriever) -> None:
    """ "The fee is charged once…" is the best sentence, and says nothing without the amount before it."""
    result = answer("is it charged per invoice or per reminder?", reminders)
    assert result.answered and "once per invoice" in (result.answer or ""), result.answer
    assert "EUR 4.00" in (result.answer or ""), result.answer


@pytest.mark.parametrize(
    ("sentence", "before", "expected"),
    [
        ("The fee is charged once per invoice.", "A reminder fee of EUR 4.00 is added.", True),
        ("The second reminder goes out after 21 days.", "The first reminder goes out after 7 days.", True),
        ("This applies to every order.", "Orders ship within two days.", True),
        ("The office is closed on Sundays.", "We answer e-mails within one working day.", False),
        ("Returns are free within 30 days.", "A return label is in the parcel.", False),
    ],
)
def test_which_sentences_lean_on_the_one_before(sentence: str, before: str, expected: bool) -> None:
    assert leans_on(sentence, before) is expected


SHIPPING_MD = """# Delivery

We deliver to most of Europe. Every order can be sent in one of these ways; the price depends on the size of the order.

| Delivery option | Who can choose it | When it arrives |
|---|---|---|
| Standard parcel | Everyone | 3 to 5 working days |
| Express parcel | Everyone except islands | The next working day |
| Freight with appointment | Orders over 30 kg | Within 10 working days |
| Click and collect | Customers near our warehouse in Utrecht | The same day after 15:00 |

Large items always go by freight. Express orders placed after 14:00 leave the next day.
"""


@pytest.fixture(scope="module")
def shipping(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    return ingested(tmp_path_factory, "shipping", {"delivery.md": SHIPPING_MD})


def test_a_question_about_the_alternatives_gets_the_whole_first_column(shipping: Retriever) -> None:
    result = answer("what delivery options are there?", shipping)
    assert result.answered
    assert result.answer == (
        "Delivery option: Standard parcel, Express parcel, Freight with appointment and Click and collect."
    )
    assert result.sources[0].path == "delivery.md"


def test_a_question_about_some_rows_gets_those_rows_not_the_list(shipping: Retriever) -> None:
    named = answer("when does an express parcel arrive?", shipping)
    assert named.answered and "The next working day" in (named.answer or "")
    assert "Click and collect" not in (named.answer or "")
    filtered = answer("which delivery option can customers near the warehouse choose?", shipping)
    assert filtered.answered and "Click and collect" in (filtered.answer or "")
    assert "Standard parcel, Express parcel" not in (filtered.answer or ""), "a filter, not the whole column"


NOTICE_MD = """# Notice periods

How much notice you give when you leave depends on your contract.

| Contract | Notice period |
|---|---|
| Permanent contract | 1 month |
| Fixed-term contract | 2 weeks |
"""


def test_a_question_whose_words_are_the_alternatives_own_gets_rows_not_the_list(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    notice = ingested(tmp_path_factory, "notice", {"notice.md": NOTICE_MD})
    result = answer("what notice periods apply by contract?", notice)
    assert result.answered and "1 month" in (result.answer or ""), result.answer
    assert result.answer != "Contract: Permanent contract and Fixed-term contract."


HELPDESK_MD = """# Reaching the service desk

## Telephone
Ring 0800 123 4567 within the service window. Calls from mobiles cost the usual rate.

## Letters
Post reaches us at Box 12, Springfield. The desk does not take parcels.

## Service window
Staff are in Tuesday to Saturday, 9:30–17:00 local time. On public holidays nobody is in.
"""


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    return ingested(tmp_path_factory, "helpdesk", {"helpdesk.md": HELPDESK_MD, "equity.md": EQUITY_MD})


def test_a_sentence_naming_another_section_brings_that_sections_first_sentence(helpdesk: Retriever) -> None:
    """ "Ring … within the service window" says when only with the section of that name; a question that
    does not ask when gets the sentence alone."""
    result = answer("what is the telephone number of the service desk and when can I ring?", helpdesk)
    assert result.answered and "0800 123 4567" in (result.answer or ""), result.answer
    assert "Tuesday to Saturday" in (result.answer or ""), result.answer
    assert "Box 12" not in (result.answer or ""), "a section the sentence does not name stays out"
    number = answer("what is the telephone number of the service desk?", helpdesk)
    assert "0800 123 4567" in (number.answer or "") and "Tuesday" not in (number.answer or ""), number.answer


CANCELLING_MD = """# Cancelling an order

Changed your mind? An order can be cancelled free of charge as long as it has not shipped yet. This page explains
how.

## How to cancel
Ask the chat assistant or write to customer support with the order number.
"""


@pytest.fixture(scope="module")
def cancelling(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    return ingested(tmp_path_factory, "cancelling", {"cancelling.md": CANCELLING_MD, "equity.md": EQUITY_MD})


def test_a_question_the_page_asks_brings_the_sentence_that_answers_it(cancelling: Retriever) -> None:
    """ "Changed your mind?" is the closest sentence to "changed my mind about my order, what now?" and answers
    nothing: the answer is the sentence after it."""
    result = answer("changed my mind about my order, what now?", cancelling)
    assert result.answered and "free of charge" in (result.answer or ""), result.answer
