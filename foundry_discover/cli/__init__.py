"""The Typer application: a thin layer that parses flags, calls a core module, renders.

Each command lives in its own module; ``secret`` is its own ``Typer()`` group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foundry_discover import __version__
from foundry_discover.cli._common import State
from foundry_discover.cli.health import HELP as HEALTH_HELP
from foundry_discover.cli.health import health
from foundry_discover.cli.resolve import HELP as RESOLVE_HELP
from foundry_discover.cli.resolve import resolve
from foundry_discover.cli.secret import HELP as SECRET_HELP
from foundry_discover.cli.secret import secret_app
from foundry_discover.cli.url import HELP as URL_HELP
from foundry_discover.cli.url import url
from foundry_discover.registry import REGISTRY_ENV

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


def _version(value: bool) -> None:
    if value:
        typer.echo(f"foundry-discover {__version__}")
        raise typer.Exit()


@app.callback()
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


app.command("url", help=URL_HELP)(url)
app.command("health", help=HEALTH_HELP)(health)
app.command("resolve", help=RESOLVE_HELP)(resolve)
app.add_typer(secret_app, name="secret", help=SECRET_HELP)


def main() -> None:
    app(prog_name="foundry-discover")
