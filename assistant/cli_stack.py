"""`assistant stack run|up|down|status`: the process supervisor behind make run/up/down."""

from __future__ import annotations

import os
from typing import Annotated, Literal

import typer

from assistant import channels, scale, stack
from assistant.settings import Settings, get_settings

stack_app = typer.Typer(help="Start and stop the Rasa server, action server and API.", no_args_is_help=True)

Profile = Annotated[
    Literal["embedded", "scale"] | None,
    typer.Option("--profile", help="embedded or scale (default: STACK_PROFILE, else embedded)."),
]


def _settings(profile: str | None) -> Settings:
    """The settings, with --profile standing for STACK_PROFILE (also for the processes started)."""
    if profile is not None:
        os.environ["STACK_PROFILE"] = profile
        get_settings.cache_clear()
    return get_settings()


@stack_app.command()
def run(profile: Profile = None) -> None:
    """Start everything in the foreground; Ctrl-C stops everything."""
    stack.run_foreground(_settings(profile))


@stack_app.command()
def up(
    profile: Profile = None,
    stores: Annotated[
        bool, typer.Option("--stores", help="Only the profile's stores (scale: PostgreSQL, Redis, Chroma).")
    ] = False,
) -> None:
    """Start everything in the background and wait until healthy (pids under var/run/)."""
    settings = _settings(profile)
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
    raise typer.Exit(0 if healthy else 1)
