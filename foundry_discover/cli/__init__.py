"""The command line: the Typer application, one module per command.

The console script's entry point and the error boundary live in the healthcheck tier
(``foundry_discover.lite.main``), since ``health NAME`` starts without Typer. Importing
this package builds nothing; ``from foundry_discover.cli import app`` gives the full
Typer app, built on first use.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    # `from foundry_discover.cli import app` (and COMMANDS, build_app): the Typer side, on first use.
    if name in ("app", "build_app", "COMMANDS", "invoked_command"):
        from foundry_discover.cli import application

        return getattr(application, name)
    raise AttributeError(name)
