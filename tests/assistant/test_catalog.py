"""The reply catalog (assistant/catalog.py): ids, variables, variants, and which file it reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant import catalog

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def test_a_reply_is_rendered_with_its_named_variables() -> None:
    assert catalog.text("utter_order_not_found", order="ORD-10042") == (
        "I couldn't find an order ORD-10042 on your account. Please check the number."
    )


def test_an_unknown_message_id_is_an_error_not_an_empty_reply() -> None:
    with pytest.raises(catalog.UnknownMessage, match="utter_no_such_reply"):
        catalog.text("utter_no_such_reply")


def test_a_missing_variable_is_an_error_not_a_reply_with_a_hole() -> None:
    with pytest.raises(catalog.MissingVariable, match=r"\{order\}"):
        catalog.text("utter_order_not_found")
    with pytest.raises(catalog.MissingVariable):
        catalog.text("utter_order_not_found", order=None)


def test_the_unconditional_variant_by_default_and_a_slot_picks_the_conditional_one() -> None:
    default = catalog.text("utter_greet")
    employee = catalog.text("utter_greet", slots={"employee_verified": True})
    assert "orders" in default and "leave" not in default
    assert "leave" in employee and employee != default
    assert catalog.text("utter_greet", slots={"employee_verified": False}) == default


def test_buttons_take_their_titles_from_the_catalog() -> None:
    assert catalog.buttons(("utter_button_yes_cancel", "/affirm"), ("utter_button_no", "/deny")) == [
        {"title": "Yes, cancel it", "payload": "/affirm"},
        {"title": "No", "payload": "/deny"},
    ]


def test_every_response_renders_once_its_variables_are_given() -> None:
    """No entry of the catalog is malformed (a stray brace, a variant without text)."""
    for message_id, variants in catalog.responses().items():
        for variant in variants:
            names = catalog.PLACEHOLDER_RE.findall(variant["text"])
            assert catalog.fill(variant["text"], message_id, dict.fromkeys(names, "x")), message_id


def test_reply_catalog_points_at_another_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    domain = yaml.safe_load(DOMAIN.read_text(encoding="utf-8"))
    domain["responses"]["utter_no_orders"] = [{"text": "Nothing on file, {name}."}]
    copy = tmp_path / "domain.yml"
    copy.write_text(yaml.safe_dump(domain, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv(catalog.CATALOG_ENV, str(copy))
    assert catalog.text("utter_no_orders", name="Anna") == "Nothing on file, Anna."
    monkeypatch.delenv(catalog.CATALOG_ENV)
    assert catalog.text("utter_no_orders") == "I can't see any orders on your account yet."


def test_an_unreadable_catalog_says_which_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(catalog.CATALOG_ENV, str(tmp_path / "missing.yml"))
    with pytest.raises(catalog.CatalogError, match=r"missing\.yml"):
        catalog.text("utter_greet")
