"""`assistant demo-history` and `assistant analytics refresh`: the dashboard's data from the command line.

Heavy imports happen inside the commands, so that `assistant --help` stays fast.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated

import typer

from assistant.settings import get_settings

analytics_app = typer.Typer(help="Conversation analytics (the dashboard's aggregates).", no_args_is_help=True)


def _refresh_and_embed(rebuild: bool = False, embed: bool = True) -> None:
    from analytics.gaps import embed_missing_questions
    from analytics.wiring import aggregator, analytics_sessions

    if rebuild:
        aggregator().reset()
    report = aggregator().refresh(wait=True)
    typer.echo(
        f"Analytics: {report.events_read} events folded in {report.seconds:.1f} s "
        f"({report.conversations_new} new conversations, {report.tickets_linked} handoff tickets, "
        f"{report.questions} unanswered questions); up to event {report.up_to_event_id}."
    )
    if embed:
        embedded = embed_missing_questions(analytics_sessions())
        if embedded:
            typer.echo(f"Embedded {embedded} new unanswered questions for the knowledge gaps.")


@analytics_app.command("refresh")
def refresh(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Forget the aggregates; fold everything again.")] = False,
    embed: Annotated[bool, typer.Option(help="Also embed new unanswered questions (loads MiniLM).")] = True,
) -> None:
    """Fold what is new in the tracker store and the handoff tickets into the aggregates (idempotent)."""
    from operations.schema import upgrade

    upgrade(get_settings().backoffice_db_url)
    _refresh_and_embed(rebuild, embed)


def demo_history(
    conversations: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many conversations.")] = 1500,
    days: Annotated[int, typer.Option(min=1, max=366, help="Over how many days, up to now.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and day give the same history.")] = 7,
    until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Last day of the history (UTC, YYYY-MM-DD; default: up to now)."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Write even if the tracker store already has conversations.")
    ] = False,
) -> None:
    """Fill an empty tracker store with realistic conversations (and their handoff tickets) for the dashboard."""
    from analytics.tracker import tracker_engine
    from backoffice.sql.engine import make_engine
    from demo.history import has_history, history_end, write_history
    from operations.schema import upgrade

    settings = get_settings()
    tracker = tracker_engine(settings.tracker_db_url)
    if has_history(tracker) and not force:
        typer.echo("The tracker store already has conversations; no demo history written (use --force).")
        return
    upgrade(settings.backoffice_db_url)
    with typer.progressbar(length=conversations, label="demo history", file=sys.stderr) as bar:
        report = write_history(
            tracker,
            make_engine(settings.backoffice_db_url, 30.0),
            conversations=conversations,
            days=days,
            seed=seed,
            end=history_end(until.date()) if until is not None else None,
            keep_truth=False,
            progress=bar.update,
        )
    typer.echo(
        f"Wrote {report.conversations} conversations ({report.events} events, {report.tickets} handoff tickets) "
        f"from {report.first_day} to {report.last_day}."
    )
    _refresh_and_embed()
