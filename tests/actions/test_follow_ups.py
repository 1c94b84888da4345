"""How a message leans on the turn before it: which questions the documents are asked, in what order, and how sure
each is a policy question (`actions/follow_ups.read_in_context`)."""

from __future__ import annotations

import pytest

from actions.follow_ups import (
    REPLY_CONTEXT_WORDS,
    Reading,
    asks_what_follows,
    read_in_context,
    spoken_part,
    without_records,
)


def test_only_short_messages_borrow_the_previous_question() -> None:
    previous = "how many vacation days do we get?"
    assert read_in_context("and for sick days?", previous) == Reading.of((f"{previous} and for sick days?", 1.0))
    assert read_in_context("what about parental leave", previous).asked[0][0].startswith(previous)
    leaning = "do part timers get as many?"
    assert read_in_context(leaning, previous) == Reading.of((leaning, None), (f"{previous} {leaning}", None))
    standalone = "what is the return policy for candles I bought in the shop last spring?"
    assert read_in_context(standalone, previous) == Reading.of((standalone, None))
    assert read_in_context("and for sick days?", None) == Reading.of(("and for sick days?", None))


def test_a_question_pointing_back_is_read_with_the_one_before_as_a_policy_question() -> None:
    """ "how long does it take to get there" after "what about switzerland" (out of scope alone): read alone
    first, as the NLU read it, then with the question before as an unsure policy question; a remark pointing
    back ("that's hilarious lol") is no question, and keeps the NLU's reading both ways."""
    previous = "what about switzerland"
    pointing = "how long does it take to get there"
    assert read_in_context(pointing, previous) == Reading.of((pointing, None), (f"{previous} {pointing}", 0.0))
    leaning = "is it the same if I work part time?"
    assert read_in_context(leaning, "how many vacation days do we get?").asked[1][1] == 0.0
    remark = "that's hilarious lol"
    assert read_in_context(remark, previous) == Reading.of((remark, None), (f"{previous} {remark}", None))


LINK_ASKED = "send me the link for the overdue one"
CANCELLED = "cancel my pending order 10295 pls, double ordered by mistake"
PAY_THAT_ONE = "do i still have to pay the invoice for that one?"


@pytest.mark.parametrize(
    ("message", "requested", "asked"),
    [
        # "the link" the request named: read with it first (alone it finds how long chat transcripts are kept)
        ("how long does the link work", LINK_ASKED, ((f"{LINK_ASKED} how long does the link work", 0.0), None)),
        ("what does the return policy say about candles", LINK_ASKED, (None,)),  # a question of its own
        # "that one" says which thing it means at any length (the request's order number left out)…
        (
            PAY_THAT_ONE,
            CANCELLED,
            ((f"cancel my pending order pls, double ordered by mistake {PAY_THAT_ONE}", 0.0), None),
        ),
        # …a pronoun in a longer question may refer to nothing
        ("is it possible to pay for the rest of the things later on?", CANCELLED, (None,)),
    ],
)
def test_a_message_pointing_back_at_the_request_is_read_with_it(
    message: str, requested: str, asked: tuple[tuple[str, float] | None, ...]
) -> None:
    """After a request, a message that points back — a noun it named, "that one" — is read with it first (an
    unsure policy question), alone second; any other message alone, as the NLU read it."""
    expected = Reading.of(*((message, None) if reading is None else reading for reading in asked))
    assert read_in_context(message, requested, previous_was_request=True) == expected


def test_a_bare_question_word_after_a_record_asks_about_what_the_reply_said() -> None:
    """ "when?" after "Order ORD-10235 … is packed and will be handed to the carrier shortly": read with that reply
    (its record tokens left out) as an unsure policy question; with no reply, or after a documents' answer, as
    before; a question with more words is no bare question."""
    reply = "Order ORD-10235 (3 × Stoneware dinner set, €282.00) is packed and will be handed to the carrier shortly."
    asked = read_in_context("when?", "and 10235?", previous_was_request=True, reply=reply)
    [(question, policy_confidence)] = asked.asked
    assert question.endswith("is packed and will be handed to the carrier shortly. when?") and policy_confidence == 0.0
    assert "10235" not in question and "282" not in question
    assert read_in_context("ok how long tho", "and 10235?", True, reply).asked[0][0].endswith("how long tho")
    assert read_in_context("when?", "and 10235?", previous_was_request=True) == Reading.of(("when?", None))
    longer = "when do parcels usually ship"  # no bare question: alone first, with the reply's words second
    assert read_in_context(longer, "and 10235?", True, reply).asked[0] == (longer, None)


def test_a_question_after_a_request_is_read_with_the_assistants_reply_second() -> None:
    """ "how long till i get the money" after a return was authorised finds nothing alone (a payday question, read
    as a customer's); the reply says what it is about, in the documents' words: read with its end (records left out)
    as an unsure policy question, after the message alone — or after the request, when the message points back."""
    reply = (
        "Your return is authorised. Return number: RMA-70197. Please pack the items with the return number on the "
        "parcel and send it within 14 days. Once it arrives we refund €149.00 to your original payment method."
    )
    asked = read_in_context("how long till i get the money", "return order 10197", True, reply).asked
    assert asked[0] == ("how long till i get the money", None)
    question, policy_confidence = asked[1]
    assert question.endswith("we refund to your original payment method. how long till i get the money")
    assert policy_confidence == 0.0 and "RMA-70197" not in question and "149" not in question
    listing = " ".join(f"- INV-5{n:04d}: due soon" for n in range(30)) + " Say pay my invoice to get a payment link."
    [_, (with_listing, _)] = read_in_context("how long do links work", "what do i owe", True, listing).asked
    assert len(with_listing.split()) == REPLY_CONTEXT_WORDS + 5
    assert with_listing.endswith("get a payment link. how long do links work")
    pointing = read_in_context("is that free?", "return order 10197", True, reply).asked
    assert [policy for _, policy in pointing] == [0.0, 0.0, None] and pointing[1][0].endswith("method. is that free?")
    # a remark is no question about the reply, and a long message carries its own words
    assert read_in_context("great thanks a lot", "return order 10197", True, reply) == Reading.of(
        ("great thanks a lot", None)
    )
    longer = "ok. and when it comes, how long she has if she doesn't like it?"  # up to 20 words: alone first
    assert [policy for _, policy in read_in_context(longer, "where is 10213", True, reply).asked] == [None, 0.0]
    long_question = (
        "what do i do with the packaging of the other things i bought from you last month when i moved house, "
        "can i give it back to the driver?"
    )
    assert len(read_in_context(long_question, "return order 10197", True, reply).asked) == 1


def test_a_follow_up_may_open_with_a_filler_and_be_longer() -> None:
    """ "ok what about glasses then" continues as much as "what about glasses"; a longer continuation is
    asked with the question before it first (a policy question), alone second (as the NLU read it)."""
    previous = "does the company pay for insurance?"
    assert read_in_context("ok what about glasses then", previous) == Reading.of(
        (f"{previous} what about glasses then", 1.0)
    )
    longer = "and who do I send it to"
    assert read_in_context(longer, previous) == Reading.of((f"{previous} {longer}", 1.0), (longer, None))
    assert spoken_part("thx, and how long does that link work for?") == "and how long does that link work for?"
    assert spoken_part("ok") == "ok", "a filler alone stays what it is"


def test_after_a_request_only_a_message_that_points_back_leans_on_it() -> None:
    """ "how long is that link good for?" after a payment link is about that link (read with it first, as an
    unsure policy question: alone it finds how long chat transcripts are kept); "do you ship to norway?"
    after a balance is a question of its own."""
    request = "can I pay INV-50081 online?"
    pointing = "how long is that link good for?"
    unnumbered = "can I pay online?"  # the invoice's number is no word of the documents: left out
    assert read_in_context(pointing, request, previous_was_request=True) == Reading.of(
        (f"{unnumbered} {pointing}", 0.0), (pointing, None)
    )
    assert [c for _, c in read_in_context("and if I'm a week late?", request, previous_was_request=True).asked] == [1.0]
    overdue = "send me the link for the overdue one"
    assert [q for q, _ in read_in_context(overdue, request, previous_was_request=True).asked] == [
        f"{unnumbered} {overdue}",
        overdue,
    ]
    assert read_in_context("do you ship to norway?", request, previous_was_request=True) == Reading.of(
        ("do you ship to norway?", None)
    )


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("do i still have to pay the invoice for that one?", True),
        ("will i still get a bill for it?", True),
        ("and I get back my money for it?", True),  # the same asked as a statement with a question mark
        ("i still have to pay?", True),
        ("I get it. where is my order?", False),  # the question is another sentence
        ("i get my order tomorrow", False),  # no question
        ("can i pay my invoice?", False),  # the request itself
    ],
)
def test_a_yes_no_question_about_what_follows_for_the_person(text: str, asks: bool) -> None:
    assert asks_what_follows(text) is asks


def test_what_names_a_record_is_left_out_of_an_earlier_turn() -> None:
    """Numbers, e-mail addresses, amounts and tracking numbers are words no document knows; the rest stays."""
    reply = "Order ORD-10213 (1 × Oak, €38.00) is with UPS, tracking number 1Z0FSEGV6865624220, for ana@example.com."
    assert without_records(reply) == "Order (1 × Oak, ) is with UPS, tracking number , for"
    assert without_records("is the 401k match paid in 2027?") == "is the 401k match paid in ?"
