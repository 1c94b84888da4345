"""The figures of a run of the conversation set: success per split and kind, unwanted actions, the failing ones.

`make eval-dialogue` (scripts/eval_dialogue.py) prints `format_report` and stores `summary`
next to the results, so the table and the stored numbers are the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from dialogue_set import Result


def summary(results: list[Result]) -> dict[str, Any]:
    """Success per kind and overall, per split, and the unwanted actions."""
    out: dict[str, Any] = {}
    for split in ("test", "tune", "all"):
        chosen = [r for r in results if split == "all" or r.conversation.split == split]
        if not chosen:
            continue
        kinds: dict[str, list[Result]] = defaultdict(list)
        for result in chosen:
            kinds[result.conversation.kind].append(result)
        out[split] = {
            "conversations": len(chosen),
            "succeeded": sum(r.ok for r in chosen),
            "rate": sum(r.ok for r in chosen) / len(chosen),
            "unwanted_actions": sum(len(r.unwanted) for r in chosen),
            "conversations_with_unwanted": sum(bool(r.unwanted) for r in chosen),
            "per_kind": {
                kind: {"n": len(rs), "succeeded": sum(r.ok for r in rs), "rate": sum(r.ok for r in rs) / len(rs)}
                for kind, rs in sorted(kinds.items())
            },
        }
    return out


def format_report(results: list[Result]) -> str:
    numbers = summary(results)
    lines: list[str] = []
    for split, block in numbers.items():
        title = "all conversations" if split == "all" else f"{split} half"
        lines.append(
            f"\n{title}: {block['succeeded']}/{block['conversations']} fully successful "
            f"({block['rate']:.0%}); unwanted actions: {block['unwanted_actions']} "
            f"in {block['conversations_with_unwanted']} conversation(s)"
        )
        lines.append(f"  {'kind':<20} {'n':>3} {'ok':>3} {'rate':>6}")
        for kind, row in block["per_kind"].items():
            lines.append(f"  {kind:<20} {row['n']:>3} {row['succeeded']:>3} {row['rate']:>6.0%}")
    failing = [r for r in results if not r.ok]
    if failing:
        lines.append(f"\nfailing conversations ({len(failing)}):")
        for result in failing:
            c = result.conversation
            flag = " [UNWANTED ACTION]" if result.unwanted else ""
            lines.append(f"  {c.split or '-':<4} {c.id:<34}{flag} {result.first_failure}")
    return "\n".join(lines)
