"""The engine's spelling corrector (engine/spelling.py) puts slips back before the featurizers read them.

Runs the real component in the engine environment (trained, persisted, loaded back as the Rasa
server loads it), followed by the MiniLM featurizer: a message typed with slips must reach
the classifier as the same features as the message typed correctly, while its text — what the
tracker, the actions and the document search see — stays as the person typed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

CHECK = Path(__file__).with_name("spelling_check.py")
TRAINING = [
    "how many vacation days do i have left",
    "what's my vacation balance",
    "when is my bill due",
    "has my leave request been approved",
    "where is my order",
    "how many days have i used",
    # A slip written into one example on purpose, beside the word it stands for, used often: the
    # example teaches the model to bear the slip, and the parser still reads the meant word.
    "my packge hasnt arrived",
    "track my package",
    "is my package on its way",
    "my package is late",
    "the package was damaged",
    "did you send the package",
    # A rare word of ours that is no typing slip of a frequent one stays as typed.
    "do you sell a phone charger",
    "how do i charge my card",
    "when will you charge me",
    "is there a charge for delivery",
    "what do you charge for returns",
    "can i charge it to my account",
    # Short words of ours: "ty" and "at" could be read from "tyat", but "that" is one key away.
    "ty so much",
    "at what time is that open",
    "is that my order",
]
TYPED = [
    ["how many vacaton days do i have lfet", "how many vacation days do i have left"],  # dropped, swapped
    ["what is my vacatoin balnace", "what is my vacation balance"],  # swapped letters
    ["when is my billl due", "when is my bill due"],  # doubled letter
    ["where is myorder", "where is my order"],  # two words run together: read as two tokens
    ["has my leave reqest been aproved", "has my leave request been approved"],
    ["where is my order ORD-10234", "where is my order ORD-10234"],  # codes and known words: untouched
    ["my name is Kowalczyk", "my name is Kowalczyk"],  # an unknown name with nothing near stays
    ["how much is 40 usd in cad", "how much is 40 usd in cad"],  # short codes stay ("usd" is not "used")
    # Numbers are read by their shape: which order someone asks about does not change what they ask.
    ["what about order ORD-19999?", "what about order ORD-10234?"],
    ["time off from 12/03 to 19/03", "time off from 01/05 to 08/05"],
    ["where is my packge", "where is my package"],  # a slip our own examples hold: read as meant
    ["do you sell a phone charger", "do you sell a phone charger"],  # a word of ours, not a slip of "charge"
    ["where is mtorder", "where is my order"],  # run together with a key missed in the short word
    ["is tyat my order", "is that my order"],  # one key missed, not two short words run together
    ["brexit and my order", "brexit and my order"],  # a short slip beside a word not of ours: left alone
    ["where is my pakidge", "where is my package"],  # spelt by ear, three edits away: sounds the same
    ["ask Pakidge about it", "ask Pakidge about it"],  # capitalised, it is more likely a name: left alone
    # Run together with a neighbouring key missed in both long halves.
    ["how nanyvacatuon days do i have left", "how many vacation days do i have left"],
]
# Our examples are few here: a short word used this often counts as frequent (the server's default is 50).
CONFIG = {"min_short_count": 5}


@pytest.fixture(scope="module")
def checked(engine_check: Callable[..., Any]) -> list[dict[str, Any]]:
    report: list[dict[str, Any]] = engine_check(
        CHECK, stdin=json.dumps({"training": TRAINING, "typed": TYPED, "config": CONFIG}), timeout_s=300
    )
    return report


def test_slips_reach_the_classifier_as_the_meant_words(checked: list[dict[str, Any]]) -> None:
    for row, (typed, _meant) in zip(checked, TYPED, strict=True):
        assert [token.lower() for token in row["tokens"]] == [token.lower() for token in row["meant_tokens"]], row
        # MiniLM reads the corrected words: the same sentence vector as the correctly typed message.
        assert row["sentence_difference"] < 1e-4, (typed, row)


def test_the_text_stays_as_typed(checked: list[dict[str, Any]]) -> None:
    for row, (typed, _) in zip(checked, TYPED, strict=True):
        assert row["text"] == typed
        # Token spans still point into the typed text (entity extractors and the tracker use them).
        for (start, end), original, token in zip(row["spans"], row["typed"], row["tokens"], strict=True):
            assert typed[start:end] == (original if original is not None else token)


def test_only_unknown_words_are_corrected(checked: list[dict[str, Any]]) -> None:
    read = [(original, token) for row in checked for original, token in zip(row["typed"], row["tokens"], strict=True)]
    corrected = {
        original for original, token in read if original is not None and not any(c.isdigit() for c in original)
    }
    assert corrected == {
        "vacaton",
        "lfet",
        "vacatoin",
        "balnace",
        "billl",
        "reqest",
        "aproved",
        "my",
        "order",
        "packge",
        "mt",
        "tyat",
        "pakidge",
        "nany",
        "vacatuon",
    }
    numbers = {original: token for original, token in read if original is not None and original not in corrected}
    assert numbers and all(
        token == "".join("0" if c.isdigit() else c for c in original) for original, token in numbers.items()
    )
