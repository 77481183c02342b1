"""`foundry-discover doctor`: walk the whole chain for every service and say what to fix."""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

from pathlib import Path
from typing import Annotated

import typer

from foundry_discover.cli.options import JsonOpt, RequireOpt, required_services, run_command, seconds, state

HELP = """Walk the whole chain for every service and stop at the first broken link.

For each service, in order: config (the registry's values and where they came from),
resolve (what getaddrinfo gives the application), connect (TCP to every address),
protocol (LocalStack: health, --require and init scripts; a service with a health_path:
HTTP 2xx; others: connect only) and aws (LocalStack in development: a Secrets Manager
call). The first failing step shows the cause and one fix; the steps after it are
skipped. Services are checked at the same time.

With no NAME it checks the services this environment configures (SVC_<NAME>_HOST or
<NAME>_PORT set, or declared in a registry file), and says which it left out; every
known service when nothing is configured, or with --all.

Exit 0 every service passes, else the most severe failing step's code (1 not ok,
4 unreachable, 124 out of time). Exit 2: a bad flag or value; 3: bad configuration in the environment or a file.

Examples:

    foundry-discover doctor                               # the services configured here
    foundry-discover doctor localstack redis              # just these
    foundry-discover doctor --skip livekit                # the configured ones but livekit
    foundry-discover doctor --require secretsmanager --secret app/db --secret app/api
    foundry-discover doctor --wait --timeout 120          # healthcheck, init container, CI gate
    foundry-discover doctor --junit reports/doctor.xml    # a test report for CI
    foundry-discover doctor --all --quiet                 # every known service, failures only
"""

#: One pass, and one attempt of a --wait, end by this many seconds at most.
DEFAULT_TIMEOUT = 10.0
DEFAULT_WAIT_TIMEOUT = 60.0
ATTEMPT_TIMEOUT = 5.0


def doctor(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Services to check (default: those configured here).", show_default=False),
    ] = None,
    require: RequireOpt = None,
    secret: Annotated[
        list[str] | None,
        typer.Option(
            "--secret",
            metavar="NAME",
            help="Fetch this secret (never shown) instead of listing secrets. Repeatable: each is checked.",
        ),
    ] = None,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", metavar="NAME", help="Leave this service out of the default choice. Repeatable."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Check every known service, configured here or not.")] = False,
    wait: Annotated[
        bool, typer.Option("--wait", help="Retry until every service passes or --timeout runs out (exit 124).")
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help=f"Cap on the whole command (default {DEFAULT_TIMEOUT:g}, or {DEFAULT_WAIT_TIMEOUT:g} with --wait).",
        ),
    ] = None,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            help="Also write JUnit XML: one test case per service and step (written on time-outs and interrupts too).",
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Show only the services that fail, and the summary line.")
    ] = False,
    allow_non_aws_endpoint: Annotated[
        bool,
        typer.Option(
            "--allow-non-aws-endpoint",
            help="Outside development, let --secret use an endpoint that is not AWS (as `secret` does).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    required = tuple(required_services(require))
    total = seconds(timeout, wait=wait, default=DEFAULT_TIMEOUT, wait_default=DEFAULT_WAIT_TIMEOUT)
    if names and (skip or all_):
        raise typer.BadParameter(
            "give NAMEs, or --skip/--all to adjust the default choice; not both", param_hint="NAME"
        )
    if required and "LOCALSTACK" in {n.strip().upper().replace("-", "_") for n in skip or []}:
        raise typer.BadParameter("--require checks LocalStack, which --skip leaves out: drop one", param_hint="--skip")
    registry = state(ctx).registry()

    def action() -> int:
        from foundry_discover.commands.doctor import doctor as command
        from foundry_discover.doctor.model import Options

        options = Options(
            require=required,
            secrets=tuple(dict.fromkeys(secret or [])),
            timeout=min(total, ATTEMPT_TIMEOUT),
            allow_non_aws_endpoint=allow_non_aws_endpoint,
            skip=tuple(skip or []),
            every=all_,
        )
        return command(
            registry, list(names or []), options, total=total, wait=wait, junit=junit, quiet=quiet, as_json=as_json
        )

    run_command("doctor", as_json, action)
