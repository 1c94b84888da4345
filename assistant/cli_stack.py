"""`assistant stack run|up|down|status`: the process supervisor behind make run/up/down."""

from __future__ import annotations

import typer

from assistant import channels, stack
from assistant.settings import get_settings

stack_app = typer.Typer(help="Start and stop the Rasa server, action server and API.", no_args_is_help=True)


@stack_app.command()
def run() -> None:
    """Start everything in the foreground; Ctrl-C stops everything."""
    stack.run_foreground(get_settings())


@stack_app.command()
def up() -> None:
    """Start everything in the background and wait until healthy (pids under var/run/)."""
    settings = get_settings()
    try:
        stack.up(settings)
    except RuntimeError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    for label, url in stack.urls(settings).items():
        typer.echo(f"  {label:<28} {url}")
    typer.echo(channels.summary(settings))


@stack_app.command()
def down() -> None:
    """Stop what `up` started."""
    stack.down(get_settings())
    typer.echo("stopped")


@stack_app.command()
def status() -> None:
    """Which services answer their health check."""
    settings = get_settings()
    healthy = True
    for service in stack.services(settings):
        ok = stack.is_healthy(service.health_url)
        healthy &= ok
        typer.echo(f"  {service.name:<8} {'up' if ok else 'down':<5} {service.health_url}")
    raise typer.Exit(0 if healthy else 1)
