"""`foundry-discover health`: is LocalStack (or MiniStack, or moto) ready, are the other services up."""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

from typing import Annotated

import typer

from foundry_discover.cli.options import JsonOpt, RequireOpt, required_services, run_command, seconds, state
from foundry_discover.lite import healthcheck

HELP = """Check LocalStack's health (or MiniStack's, or moto's), or another service of the registry.

With no NAME it checks the LOCALSTACK service (SVC_LOCALSTACK_HOST, LOCALSTACK_PORT):
which emulator answered, its services and their states, and its init scripts. An
emulator without LocalStack's health path (moto) is checked by the application's AWS
call, Secrets Manager ListSecrets, and says what it could not check. Other
services get their scheme's protocol check: Redis PING, PostgreSQL as pg_isready asks,
an HTTP GET (of the health path when declared), else a TCP connect only. Whatever
answers in another protocol is named. No check authenticates or changes data.
Exit 0 healthy, 1 not healthy, 4 unreachable, 124 --wait ran out of time.
Exit 2: a bad flag or value; 3: bad configuration in the environment or a file.

Examples:

    foundry-discover health                                  # the LOCALSTACK service
    foundry-discover health --require secretsmanager,s3      # only these decide
    foundry-discover health --wait --timeout 120             # CI: block until ready
    foundry-discover health --url http://localhost:4566      # any emulator URL
    foundry-discover health redis                            # PING (NOAUTH passes with a note)
    foundry-discover health postgres --wait                  # until it accepts connections
    foundry-discover health --all                            # every service, at once
"""


def health(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="Service to check (default: localstack, the emulator check).")
    ] = None,
    url: Annotated[
        str | None, typer.Option("--url", help="Emulator base URL, overriding the registry (http://host:4566).")
    ] = None,
    require: RequireOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Check every known service concurrently.")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Poll until healthy or until --timeout (then exit 124).")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Cap on the whole command, retries included (default 5, or 60 with --wait).",
        ),
    ] = None,
    all_services: Annotated[
        bool,
        typer.Option(
            "--all-services", "-v", help="List every service the emulator runs (default: required or failing ones)."
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    from foundry_discover.lite.servicecheck import DEFAULT_TIMEOUT, DEFAULT_WAIT_TIMEOUT

    required = required_services(require)
    emulator = name is None or healthcheck.is_emulator(name)
    if all_ and (name is not None or url is not None or required or wait):
        raise typer.BadParameter(
            "--all checks every service: give no NAME, --url, --require or --wait", param_hint="--all"
        )
    if not emulator and (url is not None or required):
        raise typer.BadParameter(
            "--url and --require apply to the emulator check (no NAME, or localstack)", param_hint="NAME"
        )
    total = seconds(timeout, wait=wait, default=DEFAULT_TIMEOUT, wait_default=DEFAULT_WAIT_TIMEOUT)
    registry = state(ctx).registry()

    def action() -> int:
        from foundry_discover.commands import health as command
        from foundry_discover.lite.base import Deadline

        deadline = Deadline.after(total)
        if all_:
            return command.check_all(registry, deadline, as_json=as_json)
        if wait:
            return command.wait_for(registry, name, url, required, deadline, as_json=as_json, every=all_services)
        # One check, shown: the actions the quick start (no Typer) runs too.
        if emulator:
            return command.check_emulator_once(registry, url, required, deadline, as_json=as_json, every=all_services)
        return healthcheck.check_once(registry, name or "", deadline, as_json=as_json)

    run_command("health", as_json, action)
