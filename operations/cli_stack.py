"""`assistant stack run|up|down|status`: the process supervisor behind make run/up/down."""

from __future__ import annotations

import os
from typing import Annotated, Literal

import typer

from assistant.settings import Settings, get_settings
from operations import channels, processes, scale, stack

stack_app = typer.Typer(help="Start and stop the Rasa server, action server and API.", no_args_is_help=True)

Profile = Annotated[
    Literal["embedded", "scale"] | None,
    typer.Option("--profile", help="embedded or scale (default: STACK_PROFILE, else embedded)."),
]


def _ready_to_start() -> None:
    """The engine and the trained model must exist before anything is started (else a 4-minute wait, then a log)."""
    from operations.cli_errors import NotReady, Problem

    if not processes.RASA_PYTHON.exists():
        raise NotReady(Problem(f"the Rasa engine's environment is missing ({processes.RASA_PYTHON})", "`make setup`"))
    if not processes.MODEL.exists():
        raise NotReady(
            Problem(f"there is no trained model at {processes.MODEL}", "`make train` (`make run` trains it)")
        )


def _settings(profile: str | None) -> Settings:
    """The settings, with --profile standing for STACK_PROFILE (also for the processes started)."""
    if profile is not None:
        os.environ["STACK_PROFILE"] = profile
        get_settings.cache_clear()
    return get_settings()


@stack_app.command()
def run(profile: Profile = None) -> None:
    """Start everything in the foreground; Ctrl-C stops everything."""
    settings = _settings(profile)
    _ready_to_start()
    stack.run_foreground(settings)


@stack_app.command()
def up(
    profile: Profile = None,
    stores: Annotated[
        bool, typer.Option("--stores", help="Only the profile's stores (scale: PostgreSQL, Redis, Chroma).")
    ] = False,
) -> None:
    """Start everything in the background and wait until healthy (pids under var/run/)."""
    settings = _settings(profile)
    if not stores:
        _ready_to_start()
    only = (lambda service: service.name in scale.STORES) if stores else None
    try:
        stack.up(settings, only=only)
    except RuntimeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    if stores:
        return
    for label, url in stack.urls(settings).items():
        typer.echo(f"  {label:<28} {url}")
    typer.echo(channels.summary(settings))


@stack_app.command()
def down() -> None:
    """Stop what `up` started."""
    stack.down(get_settings())
    typer.echo("stopped")


@stack_app.command()
def status(profile: Profile = None) -> None:
    """Which services answer their health check."""
    settings = _settings(profile)
    healthy = True
    for service in stack.services(settings):
        ok = stack.is_healthy(service.health_url)
        healthy &= ok
        typer.echo(f"  {service.name:<9} {'up' if ok else 'down':<5} {service.health_url}")
    if not healthy:
        typer.echo("The stack is not (all) up: `make up` starts it, `make run` in the foreground.", err=True)
    raise typer.Exit(0 if healthy else 1)
