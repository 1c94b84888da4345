"""The typing noise of the NLU robustness figure (scripts/typos.py): realistic, bounded, repeatable."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from typos import plain, with_typos

SENTENCES = [
    "How many vacation days do I have left?",
    "When is my Xfinity cable bill due?!",
    "I'd like to pay INV-50180, please.",
    "what's the date of my next paycheck",
    "Can you tell me the status of my time-off request — it's urgent",
]


def test_plain_is_lower_case_without_punctuation() -> None:
    assert plain("How many vacation days do I have LEFT?!") == "how many vacation days do i have left"
    assert plain("I'd like to pay INV-50180, please.") == "i'd like to pay inv-50180 please"
    assert plain("  spaced   out  ") == "spaced out"


def test_same_text_same_typos_every_run() -> None:
    assert [with_typos(s) for s in SENTENCES] == [with_typos(s) for s in SENTENCES]


def test_each_slipped_word_differs_by_one_edit_and_keeps_its_first_letter() -> None:
    changed = 0
    for n, base in enumerate(SENTENCES * 20):
        sentence = f"{base} {n}"  # another seed for each copy
        clean, noisy = plain(sentence).split(), with_typos(sentence).split()
        assert len(clean) == len(noisy)
        for word, typed in zip(clean, noisy, strict=True):
            if word == typed:
                continue
            changed += 1
            assert len(word) >= 4 and typed[0] == word[0]
            assert abs(len(word) - len(typed)) <= 1
            if len(word) == len(typed):  # a swap of two neighbours
                diffs = [i for i, (a, b) in enumerate(zip(word, typed, strict=True)) if a != b]
                assert len(diffs) == 2 and diffs[1] == diffs[0] + 1 and sorted(word) == sorted(typed)
            else:  # one letter dropped or doubled
                longer, shorter = (word, typed) if len(word) > len(typed) else (typed, word)
                assert any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))
    assert changed > 0


def test_about_a_quarter_of_long_words_get_a_slip() -> None:
    words = [f"word{i:04d}" for i in range(2000)]
    noisy = with_typos(" ".join(words)).split()
    rate = sum(a != b for a, b in zip(words, noisy, strict=True)) / len(words)
    assert 0.2 < rate < 0.3


def test_short_words_and_empty_text_are_left_alone() -> None:
    assert with_typos("hi, is it ok?") == "hi is it ok"
    assert with_typos("") == ""


def test_hurried_is_repeatable_and_other_than_the_first_kind() -> None:
    from typos import hurried

    assert [hurried(s) for s in SENTENCES] == [hurried(s) for s in SENTENCES]
    assert [hurried(s) for s in SENTENCES] != [with_typos(s) for s in SENTENCES]
    assert hurried("") == ""


def test_hurried_uses_every_kind_of_slip_short_words_included() -> None:
    from typos import _NEIGHBOURS, hurried

    base = "please tell me what you know about the phone bill for today"
    noisy = [hurried(f"{base} {n}") for n in range(300)]
    text = " ".join(noisy)
    assert {"u", "4", "pls"} & set(text.split())  # texting forms of short words
    assert "fone" in text  # by ear: ph -> f
    assert any(len(s.split()) < len(base.split()) + 1 for s in noisy)  # spaces dropped
    slipped = [
        (word, typed)
        for sentence in noisy
        if len(sentence.split()) == len(base.split()) + 1
        for word, typed in zip(base.split(), sentence.split()[:-1], strict=True)
        if len(word) == len(typed) and sum(a != b for a, b in zip(word, typed, strict=True)) == 1
    ]
    # a key next to the intended one, first letters included
    assert any(word[0] != typed[0] and typed[0] in _NEIGHBOURS[word[0]] for word, typed in slipped)


def test_hurried_changes_about_a_quarter_of_words() -> None:
    from typos import hurried

    words = [f"word{i:04d}" for i in range(2000)]
    noisy = hurried(" ".join(words)).replace(" ", "")
    assert noisy != "".join(words)
    assert len(hurried(" ".join(words)).split()) < len(words)  # some spaces dropped
