"""The committee tuner (scripts/tune_committee.py): its offline count of the votes is the server's decision.

The grid is only worth something if `decide` gives, for the configured weights and threshold, the
intent the trained model serves; the engine-marked test checks exactly that on the trained model
(`make train`), through `committee_votes.py` in the engine's environment.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import tune_committee  # noqa: E402
from tune_committee import (  # noqa: E402
    FALLBACK,
    FALLBACK_STEPS,
    Choice,
    configured_choice,
    decide,
    grid,
    members_digest,
    neighbours,
    seeded_config,
    trained,
    votes_of,
)

CONFIG = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
MODEL = ROOT / "models" / "assistant.tar.gz"


def test_the_weighted_average_decides_and_a_low_or_close_one_falls_back() -> None:
    votes = [[("order_status", 0.9), ("greet", 0.1)], [("greet", 0.6), ("order_status", 0.4)]]
    assert decide(votes, Choice((0.5, 0.5), 0.3, 0.05)) == "order_status"  # 0.65 against 0.35
    assert decide(votes, Choice((0.1, 0.9), 0.3, 0.05)) == "greet"  # 0.55 against 0.45
    assert decide(votes, Choice((0.5, 0.5), 0.7, 0.05)) == FALLBACK  # below the threshold
    assert decide(votes, Choice((0.5, 0.5), 0.3, 0.4)) == FALLBACK  # 0.3 apart is too close for a 0.4 margin
    assert decide([[], []], Choice((0.5, 0.5), 0.3, 0.05)) == FALLBACK


def test_details_given_with_a_request_do_not_make_it_ambiguous_as_the_served_model_decides() -> None:
    """engine/fallback.py: `inform` close behind a request is not its rival; behind out_of_scope it is."""
    close = [[("order_status", 0.5), ("inform", 0.48), ("greet", 0.02)]]
    assert decide(close, Choice((1.0,), 0.2, 0.05)) == "order_status"
    unclear = [[("order_status", 0.5), ("order_cancel", 0.48), ("inform", 0.02)]]
    assert decide(unclear, Choice((1.0,), 0.2, 0.05)) == FALLBACK
    out = [[("out_of_scope", 0.5), ("inform", 0.48), ("greet", 0.02)]]
    assert decide(out, Choice((1.0,), 0.2, 0.05)) == FALLBACK
    third_close = [[("order_status", 0.4), ("inform", 0.38), ("order_cancel", 0.37)]]
    assert decide(third_close, Choice((1.0,), 0.2, 0.05)) == FALLBACK


def test_a_request_below_its_own_bar_falls_back_as_the_served_model_decides() -> None:
    """engine/fallback.py's `request_threshold`: only a transactional intent needs to clear it."""
    request = [[("order_cancel", 0.35), ("out_of_scope", 0.3), ("greet", 0.05)]]
    assert decide(request, Choice((1.0,), 0.2, 0.0, 0.4)) == FALLBACK
    assert decide(request, Choice((1.0,), 0.2, 0.0, 0.3)) == "order_cancel"
    policy = [[("ask_policy", 0.35), ("out_of_scope", 0.3), ("greet", 0.05)]]
    assert decide(policy, Choice((1.0,), 0.2, 0.0, 0.4)) == "ask_policy"
    assert configured_choice(CONFIG).flow > configured_choice(CONFIG).threshold, "config.yml sets the bar"


def test_the_members_digest_ignores_what_the_tuner_chooses_and_sees_what_members_learn_from() -> None:
    digest = members_digest(CONFIG)
    retuned = {**CONFIG, "pipeline": [dict(step) for step in CONFIG["pipeline"]]}
    for step in retuned["pipeline"]:
        if step["name"] == "engine.committee.CastVote":
            step["weight"] = 0.9
        if step["name"] in FALLBACK_STEPS:
            step["threshold"] = 0.9
    assert members_digest(retuned) == digest
    epochs = [dict(step) for step in CONFIG["pipeline"]]
    next(step for step in epochs if step["name"] == "DIETClassifier")["epochs"] = 1
    assert members_digest({**CONFIG, "pipeline": epochs}) != digest


def test_a_model_whose_training_saw_the_code_change_is_removed_and_the_run_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rasa's training (an external command) is stood in for by one that writes the model file; the digest the
    run started with no longer matches what the members would learn from, as after an edit mid-run."""
    monkeypatch.setattr(tune_committee, "CACHE", tmp_path)
    written: list[Path] = []

    def rasa_train(command: list[str], env: dict[str, str]) -> None:
        model = tmp_path / f"{command[command.index('--fixed-model-name') + 1]}.tar.gz"
        model.write_bytes(b"model")
        written.append(model)

    monkeypatch.setattr(tune_committee, "_run", rasa_train)
    with pytest.raises(SystemExit, match="changed during training"):
        trained(CONFIG, 42, "digest-of-before")
    assert written and not written[0].exists()
    current = members_digest(CONFIG)
    assert trained(CONFIG, 42, current) == tmp_path / f"seed42-{current}.tar.gz"


def test_the_grid_holds_every_weighting_that_sums_to_one_with_every_member_in_it() -> None:
    choices = grid(3, 0.1, [0.2, 0.3], [0.05])
    weightings = {choice.weights for choice in choices}
    assert len(weightings) == 36 and len(choices) == 72
    assert all(abs(sum(w) - 1) < 1e-9 and min(w) >= 0.1 - 1e-9 for w in weightings)
    near = neighbours(Choice((0.3, 0.4, 0.3), 0.25, 0.05), 0.1, 0.05)
    assert Choice((0.3, 0.4, 0.3), 0.2, 0.05) in near and Choice((0.4, 0.3, 0.3), 0.25, 0.05) in near
    assert all(min(c.weights) > 0 for c in near) and len(near) == 8


def test_the_configured_choice_is_read_from_config_and_seeds_change_only_diet() -> None:
    current = configured_choice(CONFIG)
    assert len(current.weights) == 3 and abs(sum(current.weights) - 1) < 1e-9
    seeded = seeded_config(CONFIG, 7)
    changed = [a for a, b in zip(CONFIG["pipeline"], seeded["pipeline"], strict=True) if a != b]
    assert [step["name"] for step in changed] == ["DIETClassifier"]
    assert next(s for s in seeded["pipeline"] if s["name"] == "DIETClassifier")["random_seed"] == 7


@pytest.mark.engine
def test_counting_the_votes_offline_gives_the_intent_the_model_serves() -> None:
    if not MODEL.exists():
        pytest.fail("The trained model is missing: run `make train`.", pytrace=False)
    texts = [
        "where is my parcel",
        "how much do i still owe you",
        "how many days off do i have left",
        "thanks, that was brilliant",
        "what's the weather on mars",
        "hmm",
        "can you cancel my hotel booking",
        "is the payslip out on friday",
    ]
    votes, served, trained_with = votes_of(MODEL, texts)
    assert all(len(case) == 3 for case in votes), "three members vote on every message"
    assert trained_with == configured_choice(CONFIG), "the model in models/ is trained from config.yml"
    assert [decide(case, trained_with) for case in votes] == served
