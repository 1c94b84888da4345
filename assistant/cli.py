"""`assistant ...`: the one command-line entry point (Typer).

Sub-commands are grouped by concern; each group lives next to the code it drives
and is only registered here.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="The front-office / back-office assistant.", no_args_is_help=True)


def _register() -> None:
    from assistant.cli_analytics import analytics_app, demo_history
    from assistant.cli_backoffice import db_app, demo_app
    from assistant.cli_knowledge import knowledge_app
    from assistant.cli_stack import stack_app

    app.add_typer(db_app, name="db")
    app.add_typer(demo_app, name="demo")
    app.add_typer(knowledge_app, name="knowledge")
    app.add_typer(stack_app, name="stack")
    app.add_typer(analytics_app, name="analytics")
    app.command("demo-history")(demo_history)


_register()

if __name__ == "__main__":
    app()
