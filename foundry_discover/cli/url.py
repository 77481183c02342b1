"""`foundry-discover url`: where a service is, from the registry."""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

from typing import Annotated

import typer

from foundry_discover.cli.options import JsonOpt, run_command, state

HELP = """Print a service's URL from the registry, or every service's.

The URL alone goes to stdout, so it composes:

    curl "$(foundry-discover url localstack)/_localstack/health"

Exit 0, or 3 when a value is bad (the table still shows the others), 2 for a bad flag.

Examples:

    foundry-discover url localstack            # http://localstack:4566
    foundry-discover url localstack --host     # localstack
    foundry-discover url localstack --port     # 4566
    foundry-discover url localstack --path /custom
    foundry-discover url localstack --explain  # where host and port came from
    foundry-discover url                       # every known service
"""


def url(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Service name (case-insensitive, '-' equals '_').")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Show every known service (the default with no NAME).")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show where host and port came from.")] = False,
    host_only: Annotated[bool, typer.Option("--host", help="Print the host only (the seed's SERVICES.NAME).")] = False,
    port_only: Annotated[
        bool, typer.Option("--port", help="Print the port only (the seed's SERVICES.NAME_PORT).")
    ] = False,
    path: Annotated[str, typer.Option("--path", help="Append this path to the URL, e.g. /custom.")] = "",
    as_json: JsonOpt = False,
) -> None:
    if host_only and port_only:
        raise typer.BadParameter("give --host or --port, not both", param_hint="--host/--port")
    if name is not None and all_:
        raise typer.BadParameter("give a NAME or --all, not both", param_hint="--all")
    one_only = [
        flag
        for flag, given in (
            ("--host", host_only),
            ("--port", port_only),
            ("--explain", explain),
            ("--path", bool(path)),
        )
        if given
    ]
    if name is None and one_only:
        raise typer.BadParameter(
            f"{one_only[0]} applies to one service: give its NAME (url localstack {one_only[0]})",
            param_hint=one_only[0],
        )
    registry = state(ctx).registry()

    def action() -> int:
        from foundry_discover.commands import url as command

        if name is None:
            return command.show_all(registry, as_json=as_json)
        return command.show_one(
            registry, name, path=path, explain=explain, host_only=host_only, port_only=port_only, as_json=as_json
        )

    run_command("url", as_json, action)
