"""Telling a question about someone else's leave from one about one's own (actions/colleagues.py)."""

from __future__ import annotations

from actions.colleagues import asks_about_others, named_colleague
from backoffice.hr_domain import Employee


def person(employee_id: int, name: str) -> Employee:
    return Employee(employee_id, f"E{employee_id}", name, f"e{employee_id}@example.com", "Sales", None)


STAFF = [person(1, "Will Harper"), person(2, "May Chen"), person(3, "Nora Bianchi"), person(4, "Nora Smith")]


def test_a_colleague_is_named_in_full_or_by_a_capitalised_first_name() -> None:
    assert named_colleague("how many days does nora bianchi have left?", STAFF, 1) == "nora bianchi"
    assert named_colleague("has May booked anything for next week?", STAFF, 1) == "May", "not completed to May Chen"
    assert named_colleague("what about Will's requests", STAFF, 2) == "Will"
    assert named_colleague("its nora bianchis, shes on my team", STAFF, 1) == "nora bianchi", (
        "possessive, no apostrophe"
    )


def test_ordinary_words_and_the_askers_own_name_are_not_a_colleague() -> None:
    assert named_colleague("May I see my balance?", STAFF, 1) is None, "a sentence's first word"
    assert named_colleague("ok. May I see my requests", STAFF, 1) is None
    assert named_colleague("i will take friday off, may i?", STAFF, 3) is None, "lower case first names"
    assert named_colleague("Hi, Nora here: how many days do I have?", STAFF, 3) is None, "the asker's own first name"
    assert named_colleague("how many days have I got left", STAFF, 1) is None


def test_words_for_other_people() -> None:
    for text in ("show me my team's pending requests", "what's my coworker's balance", "our team members' leave"):
        assert asks_about_others(text), text
    for text in ("my leave requests please", "how many days do I have left", "is my request approved yet"):
        assert not asks_about_others(text), text
