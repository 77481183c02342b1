"""The Typer application: a thin layer that parses flags, calls a core module, renders.

Each command lives in its own module; ``secret`` is its own ``Typer()`` group.

Start-up: Typer builds every command's parameters before running one, and each command
module costs its import. ``run_app()`` therefore builds an app holding only the command
being run (``url`` pays for ``url`` alone); ``--help``, completion and an unknown
command get the full app, and so does anyone importing ``app`` (tests, docs).
"""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

import importlib
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from foundry_discover import __version__
from foundry_discover.cli.options import State, reflow
from foundry_discover.lite.base import COMPLETE_VAR
from foundry_discover.lite.errors import invoked_with
from foundry_discover.lite.specs import REGISTRY_ENV

#: Command name -> (module, attribute). The attribute is a function, or a Typer() group.
COMMANDS: dict[str, tuple[str, str]] = {
    "url": ("foundry_discover.cli.url", "url"),
    "resolve": ("foundry_discover.cli.resolve", "resolve"),
    "health": ("foundry_discover.cli.health", "health"),
    "secret": ("foundry_discover.cli.secret", "secret_app"),
    "doctor": ("foundry_discover.cli.doctor", "doctor"),
    "audit": ("foundry_discover.cli.audit", "audit"),
}
#: Root options that take a value, so the command word is found after them.
_VALUE_OPTIONS = ("--registry",)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"foundry-discover {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    registry: Annotated[
        Path | None,
        typer.Option(
            "--registry",
            metavar="FILE",
            help=f"TOML registry file declaring extra services (default: ${REGISTRY_ENV}).",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    ctx.obj = State(registry_file=registry)
    invoked_with(registry)  # the fixes this run suggests repeat --registry FILE


def build_app(only: str | None = None) -> typer.Typer:
    """The application with every command, or with ``only`` that one."""
    app = typer.Typer(
        name="foundry-discover",
        help=(
            "Find, resolve and check the services of a Compose or Kubernetes stack: "
            "the registry's URLs, DNS as the container sees it, LocalStack health and Secrets Manager."
        ),
        no_args_is_help=True,
        # Secrets pass through this process: a traceback must never print local variables.
        pretty_exceptions_show_locals=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for name in [only] if only else COMMANDS:
        module_name, attribute = COMMANDS[name]
        module = importlib.import_module(module_name)
        target = getattr(module, attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name, help=reflow(module.HELP))
        else:
            app.command(name, help=reflow(module.HELP))(target)
    return app


def invoked_command(argv: list[str]) -> str | None:
    """The command word in ``argv`` when it names a known command, else None."""
    args = iter(argv)
    for arg in args:
        if arg in _VALUE_OPTIONS:
            next(args, None)
        elif arg.startswith("-"):
            continue
        else:
            return arg if arg in COMMANDS else None
    return None


def run_app() -> None:
    """Parse ``sys.argv`` and run the command (signals and streams are set up by ``cli.main``)."""
    only = None if COMPLETE_VAR in os.environ else invoked_command(sys.argv[1:])
    build_app(only)(prog_name="foundry-discover")


def __getattr__(name: str) -> typer.Typer:
    # `from foundry_discover.cli.application import app`: the full app, built on first use.
    if name == "app":
        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(name)
