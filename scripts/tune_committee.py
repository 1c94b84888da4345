"""Chooses the intent committee's weights and the fallback threshold (config.yml) on tune halves only.

    .venv/bin/python scripts/tune_committee.py [--seeds 42 1 2 3] [--step 0.1] [--json OUT]

Why: the committee (engine/committee.py) averages the rankings of DIET, a logistic regression and an
SVM by weight, and the fallback classifier judges the average against a threshold. Those numbers are
chosen here, on the tune half of the dev set (`nlu_dev_halves.py`) and the tune half of the second
source (scripts/data/nlu_second/tune.jsonl), never on a test half. DIET's ranking moves with its
seed, so the model is trained (NLU only, as `make train` would) once per seed in `--seeds`, and every
choice is scored on all of them: weights that suit one seed's accidents do not win.

How: each model's members vote on every tune case once (`committee_votes.py`, in the engine's
environment); the grid (weights in `--step`s summing to 1, thresholds, ambiguity margins) is then
scored offline, exactly as CountVotes and Rasa's FallbackClassifier would decide:

    score = mean(intent accuracy, hurried intent accuracy, policy questions read as ask_policy)
            - 2 x share of out-of-scope cases read as a transactional intent

the accuracies over the sources by how many intents each holds (`run_score`), the out-of-scope share
over the sources, then over the seeds. Printed: the best
choices, the configured one, how many neighbours of the best score within 0.01 of it (a plateau, not a
spike), and the choice: the best score (to four places), of equal ones the higher threshold, so that
the fallback classifier keeps as much of its say as the score allows.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_nlu import DEFAULT_CASES, Case, load_cases  # noqa: E402
from nlu_baseline import RASA_BIN, RASA_ENV, TRAIN_LOCK  # noqa: E402
from nlu_dev_halves import dev_halves  # noqa: E402
from typos import hurried  # noqa: E402

from assistant.names import TRANSACTIONAL_INTENTS  # noqa: E402
from engine.votes import Ranking, below_request_bar, rivals, weighted_average  # noqa: E402

SECOND_TUNE = ROOT / "scripts" / "data" / "nlu_second" / "tune.jsonl"
CACHE = ROOT / "var" / "cache" / "committee-tune"
FALLBACK = "nlu_fallback"
OOS_PENALTY = 2.0
PLATEAU = 0.01
FALLBACK_STEPS = {"FallbackClassifier", "engine.fallback.RequestWithDetailsFallback"}
TUNED = {"weight"}  # CastVote's; the FallbackClassifier is left out of the members' digest whole
# Messages of nothing but references are `inform` whatever the votes (engine/reference_only.py); a tune
# set may hold a few.
MAY_DIFFER = 0.005

Votes = list[Ranking]  # one ranking per member, in pipeline order


@dataclass(frozen=True)
class Choice:
    weights: tuple[float, ...]
    threshold: float
    ambiguity: float
    flow: float = 0.0  # a transactional intent below this is a fallback too (`request_threshold`, engine/fallback.py)


def decide(votes: Votes, choice: Choice) -> str:
    """The intent the served model would give: the weighted average's best (CountVotes' own count), unless
    it is below the threshold or too close to the second (FallbackClassifier)."""
    ranked = weighted_average(list(zip(choice.weights, votes, strict=True)))
    if not ranked or ranked[0][1] < choice.threshold:
        return FALLBACK
    if below_request_bar(ranked[0][0], ranked[0][1], choice.flow):
        return FALLBACK
    compared = rivals(ranked)  # details given with a request are not a rival reading (engine/fallback.py)
    if len(compared) > 1 and compared[0][1] - compared[1][1] < choice.ambiguity:
        return FALLBACK
    return ranked[0][0]


@dataclass(frozen=True)
class Source:
    """One tune half's cases with their votes: intents (typed cleanly and hurried), policy questions, out-of-scope."""

    intents: list[tuple[str, Votes]]
    hurried: list[tuple[str, Votes]]
    policy: list[Votes]
    oos: list[Votes]


def measures(source: Source, choice: Choice) -> dict[str, float]:
    """What the choice does on one source: intent and hurried accuracy, policy questions read as
    ask_policy (when the source has any), out-of-scope cases read as a transactional intent."""
    found = {
        "intent": _share(decide(votes, choice) == intent for intent, votes in source.intents),
        "hurried": _share(decide(votes, choice) == intent for intent, votes in source.hurried),
    }
    if source.policy:
        found["policy"] = _share(decide(votes, choice) == "ask_policy" for votes in source.policy)
    found["oos_taken"] = _share(decide(votes, choice) in TRANSACTIONAL_INTENTS for votes in source.oos)
    return found


def run_score(run: list[Source], choice: Choice) -> float:
    """mean(intent, hurried, policy→ask_policy) − OOS_PENALTY × out-of-scope read as transactional, over the
    sources of one model. A source's intent and hurried accuracy count by how many intents it holds: the
    second source's intent cases are all one chit-chat intent (praise as thanks), and weighed like the dev
    set's nine transactional intents they chose weights for praise (the dev tune half was at 1.000 under
    every choice near the top, so it could not object)."""
    found = [(len({intent for intent, _ in source.intents}), measures(source, choice)) for source in run]
    kinds = sum(count for count, _ in found) or 1
    parts = [sum(count * m[key] for count, m in found) / kinds for key in ("intent", "hurried")]
    policy = [m["policy"] for _, m in found if "policy" in m]
    parts += [sum(policy) / len(policy)] if policy else []
    accepted = sum(m["oos_taken"] for _, m in found) / len(found)
    return sum(parts) / len(parts) - OOS_PENALTY * accepted


def _share(hits: Iterable[bool]) -> float:
    items = list(hits)
    return sum(items) / len(items) if items else 0.0


def grid(members: int, step: float, thresholds: Sequence[float], ambiguities: Sequence[float]) -> list[Choice]:
    """Every weighting in `step`s (each member at least one step, summing to 1) with every threshold and margin."""
    units = round(1 / step)
    weightings = [
        tuple(round(part * step, 6) for part in parts)
        for parts in itertools.product(range(1, units + 1), repeat=members)
        if sum(parts) == units
    ]
    return [Choice(w, t, a) for w in weightings for t in thresholds for a in ambiguities]


def neighbours(choice: Choice, step: float, threshold_step: float) -> list[Choice]:
    """Choices one step away in one weight pair (one up, another down) or in the threshold."""
    near = [
        Choice(choice.weights, round(choice.threshold + d, 6), choice.ambiguity)
        for d in (-threshold_step, threshold_step)
    ]
    for up, down in itertools.permutations(range(len(choice.weights)), 2):
        weights = list(choice.weights)
        weights[up] = round(weights[up] + step, 6)
        weights[down] = round(weights[down] - step, 6)
        if weights[down] > 0:
            near.append(Choice(tuple(weights), choice.threshold, choice.ambiguity))
    return near


def configured_choice(config: dict) -> Choice:
    """The weights, threshold and ambiguity margin config.yml holds now."""
    pipeline = config["pipeline"]
    weights = tuple(float(step["weight"]) for step in pipeline if step["name"].endswith("committee.CastVote"))
    fallback = next(step for step in pipeline if step["name"] in FALLBACK_STEPS)
    return Choice(
        weights,
        float(fallback["threshold"]),
        float(fallback.get("ambiguity_threshold", 0.1)),
        float(fallback.get("request_threshold", 0.0)),
    )


def seeded_config(config: dict, seed: int) -> dict:
    """config.yml with DIET trained from `seed`."""
    pipeline = [
        dict(step, random_seed=seed) if step["name"] == "DIETClassifier" else step for step in config["pipeline"]
    ]
    return {**config, "pipeline": pipeline}


def members_digest(config: dict) -> str:
    """Changes with what the members learn from — the pipeline, the NLU data, the engine's code — but not with
    the weights and the fallback threshold this script chooses (no member is trained differently for them)."""
    pipeline = [
        {key: value for key, value in step.items() if key not in TUNED}
        for step in config["pipeline"]
        if step["name"] not in FALLBACK_STEPS
    ]
    digest = hashlib.sha256(json.dumps(pipeline, sort_keys=True).encode())
    for path in [*sorted((ROOT / "bot" / "data" / "nlu").rglob("*.yml")), *sorted((ROOT / "engine").glob("*.py"))]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def trained(config: dict, seed: int, digest: str) -> Path:
    """The NLU model of config.yml with DIET seeded `seed`, trained on bot/data (cached per content and seed).

    `digest` is the run's `members_digest`, taken once at its start: a model whose training saw the data or
    the engine's code change is removed and the run stops, so one run never scores seeds of two codes."""
    model = CACHE / f"seed{seed}-{digest}.tar.gz"
    if model.exists():
        return model
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        config_file = Path(work) / "config.yml"
        config_file.write_text(yaml.safe_dump(seeded_config(config, seed), sort_keys=False), encoding="utf-8")
        command = [
            "flock", TRAIN_LOCK, str(RASA_BIN / "rasa"), "train", "nlu", "--config", str(config_file),
            "--nlu", str(ROOT / "bot" / "data" / "nlu"), "--out", str(CACHE),
            "--fixed-model-name", model.name.removesuffix(".tar.gz"),
        ]  # fmt: skip
        env = {**os.environ, **RASA_ENV, "RASA_CACHE_DIRECTORY": str(Path(work) / "cache"), "PYTHONPATH": str(ROOT)}
        _run(command, env)
    if members_digest(config) != digest:
        model.unlink(missing_ok=True)
        raise SystemExit("The NLU data or the engine's code changed during training; run the tuner again.")
    return model


def votes_of(model: Path, texts: list[str]) -> tuple[list[Votes], list[str], Choice]:
    """Each member's ranking of each text, the intent the whole model serves for it, and the choice the model
    was trained with (`committee_votes.py` in the engine's environment; kept beside the model for the same
    texts)."""
    cache = model.with_name(f"{model.name}.{hashlib.sha256(json.dumps(texts).encode()).hexdigest()[:12]}.votes.json")
    if cache.exists():
        return _read_votes(json.loads(cache.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as work:
        texts_file, votes_file = Path(work) / "texts.json", Path(work) / "votes.json"
        texts_file.write_text(json.dumps(texts), encoding="utf-8")
        env = {**os.environ, **RASA_ENV, "PYTHONPATH": str(ROOT)}
        script = ROOT / "scripts" / "committee_votes.py"
        _run([str(RASA_BIN / "python"), str(script), str(model), str(texts_file), str(votes_file)], env)
        cast = json.loads(votes_file.read_text(encoding="utf-8"))
    if model.parent == CACHE:
        cache.write_text(json.dumps(cast), encoding="utf-8")
    return _read_votes(cast)


def _read_votes(cast: dict) -> tuple[list[Votes], list[str], Choice]:
    cases = cast["cases"]
    votes = [[[(str(name), float(conf)) for name, conf in ranking] for _, ranking in case["votes"]] for case in cases]
    weights = tuple(float(weight) for weight, _ in cases[0]["votes"]) if cases else ()
    fallback = cast["fallback"]
    trained_with = Choice(weights, fallback["threshold"], fallback["ambiguity"], fallback.get("flow", 0.0))
    return votes, [str(case["served"]) for case in cases], trained_with


def _run(command: list[str], env: dict[str, str]) -> None:
    """`command` from the repository root, quietly; its last output shown when it fails."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{command[1]} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")


def sources_of(model: Path, halves: dict[str, list[Case]]) -> list[Source]:
    """Each tune half's cases with the votes `model` casts on them. Stops when counting the votes with the
    choice the model was trained with does not give what the model serves: the grid would score another
    decision than the server's."""
    sources = []
    for cases in halves.values():
        intents = [case for case in cases if case.expect == "intent"]
        policy = [case.text for case in cases if case.expect == "knowledge"]
        oos = [case.text for case in cases if case.expect == "oos"]
        texts = [case.text for case in intents] + [hurried(case.text) for case in intents] + policy + oos
        votes, served, trained_with = votes_of(model, texts)
        differ = [(t, s) for t, v, s in zip(texts, votes, served, strict=True) if decide(v, trained_with) != s]
        if len(differ) > len(texts) * MAY_DIFFER:
            raise SystemExit(f"Counting the votes differs from the served intent on {len(differ)} texts: {differ[:5]}")
        n = len(intents)
        labels = [str(case.intent) for case in intents]
        sources.append(
            Source(
                intents=list(zip(labels, votes[:n], strict=True)),
                hurried=list(zip(labels, votes[n : 2 * n], strict=True)),
                policy=votes[2 * n : 2 * n + len(policy)],
                oos=votes[2 * n + len(policy) :],
            )
        )
    return sources


def score(runs: list[list[Source]], choice: Choice) -> float:
    """The choice's score averaged over sources and seeds."""
    return sum(run_score(run, choice) for run in runs) / len(runs)


def described(runs: list[list[Source]], choice: Choice, names: list[str]) -> str:
    """The choice's measures per source, averaged over the seeds."""
    parts = []
    for index, name in enumerate(names):
        found = [measures(run[index], choice) for run in runs]
        means = {key: sum(f[key] for f in found) / len(found) for key in found[0]}
        parts.append(f"{name}: " + ", ".join(f"{key} {value:.3f}" for key, value in means.items()))
    return "; ".join(parts)


def option_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 1, 2, 3], help="DIET seeds to train and score on")
    parser.add_argument("--step", type=float, default=0.1, help="weight grid step")
    thresholds = [round(0.05 * step, 2) for step in range(1, 11)]
    parser.add_argument("--thresholds", type=float, nargs="+", default=thresholds)
    parser.add_argument("--ambiguities", type=float, nargs="+", default=[0.0, 0.05, 0.1])
    parser.add_argument("--top", type=int, default=10, help="how many of the best choices to print")
    parser.add_argument(
        "--describe",
        type=float,
        nargs=5,
        action="append",
        default=[],
        metavar=("DIET", "LOGREG", "SVM", "T", "A"),
        help="also print what this choice does (weights, threshold, ambiguity); repeatable",
    )
    parser.add_argument(
        "--flows",
        type=float,
        nargs="+",
        default=[],
        help="also score these bars for transactional intents (`request_threshold`), the rest as configured",
    )
    parser.add_argument("--json", type=Path, help="write the scored grid here")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = option_parser().parse_args(argv)
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    halves = {"dev": dev_halves(load_cases(DEFAULT_CASES))["tune"], "second": load_cases(SECOND_TUNE)}
    current = configured_choice(config)
    runs = []
    digest = members_digest(config)
    for seed in args.seeds:
        model = trained(config, seed, digest)
        print(f"seed {seed}: {model.name}", flush=True)
        runs.append(sources_of(model, halves))
    choices = grid(3, args.step, args.thresholds, args.ambiguities)
    scored = sorted(((score(runs, choice), choice) for choice in choices), key=lambda item: -item[0])
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"{when}: {len(choices)} choices scored on {len(args.seeds)} seed(s), tune halves only")
    for value, choice in scored[: args.top]:
        print(f"  {value:.4f}  weights {choice.weights}  threshold {choice.threshold}  ambiguity {choice.ambiguity}")
    best_value, best = scored[0]
    print(f"configured: {score(runs, current):.4f}  {current}")
    print(f"            {described(runs, current, list(halves))}")
    for *weights, threshold, ambiguity in args.describe:
        asked = Choice(tuple(weights), threshold, ambiguity)
        print(f"asked:      {score(runs, asked):.4f}  {asked}\n            {described(runs, asked, list(halves))}")
    for flow in args.flows:
        asked = Choice(current.weights, current.threshold, current.ambiguity, flow)
        print(f"flow {flow:<5}: {score(runs, asked):.4f}  {described(runs, asked, list(halves))}")
    near = [score(runs, other) for other in neighbours(best, args.step, 0.05)]
    print(f"neighbours of the best within {PLATEAU}: {sum(best_value - v <= PLATEAU for v in near)} of {len(near)}")
    _, chosen = min(scored, key=lambda item: (-round(item[0], 4), -item[1].threshold, -item[1].ambiguity))
    print(f"chosen:     {score(runs, chosen):.4f}  {chosen}\n            {described(runs, chosen, list(halves))}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        rows = [
            {"score": v, "weights": c.weights, "threshold": c.threshold, "ambiguity": c.ambiguity} for v, c in scored
        ]
        args.json.write_text(json.dumps({"seeds": args.seeds, "configured": current.__dict__, "grid": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
