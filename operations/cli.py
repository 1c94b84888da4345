"""`assistant ...`: the one command-line entry point (Typer).

Sub-commands are grouped by concern; each group lives next to the code it drives
and is only registered here.
"""

from __future__ import annotations

import sys
from typing import Any

import typer


class AssistantCLI(typer.Typer):
    """Typer, with errors a set-up command fixes told in one line instead of a traceback (cli_errors)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as error:
            from assistant.settings import get_settings
            from operations.cli_errors import explain

            try:
                problem = explain(error, get_settings())
            except Exception:  # the settings themselves are wrong: their own error says which one
                problem = None
            if problem is None:
                raise
            print(problem.line(), file=sys.stderr)
            raise SystemExit(1) from None


app = AssistantCLI(help="The front-office / back-office assistant.", no_args_is_help=True)


def _register() -> None:
    from operations.cli_analytics import analytics_app, demo_history
    from operations.cli_backoffice import db_app, demo_app
    from operations.cli_knowledge import knowledge_app
    from operations.cli_stack import stack_app

    app.add_typer(db_app, name="db")
    app.add_typer(demo_app, name="demo")
    app.add_typer(knowledge_app, name="knowledge")
    app.add_typer(stack_app, name="stack")
    app.add_typer(analytics_app, name="analytics")
    app.command("demo-history")(demo_history)


_register()

if __name__ == "__main__":
    app()
