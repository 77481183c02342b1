"""`foundry-discover health`: is LocalStack (or MiniStack) ready, are the other services up."""

# No `from __future__ import annotations`: Typer reads the parameters' annotations with
# get_type_hints, which would compile and evaluate every string at each start-up.

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from foundry_discover.cli.options import JsonOpt, RequireOpt, required_services, run_command, seconds, state
from foundry_discover.lite import quick
from foundry_discover.lite.errors import FoundryError

if TYPE_CHECKING:
    from foundry_discover.checks.emulator.model import EmulatorHealth
    from foundry_discover.lite.servicecheck import ServiceCheck

HELP = """Check LocalStack's health (or MiniStack's), or another service of the registry.

With no NAME it checks the LOCALSTACK service (SVC_LOCALSTACK_HOST, LOCALSTACK_PORT):
which emulator answered, its services and their states, and its init scripts. Other
services get their scheme's protocol check: Redis PING, PostgreSQL as pg_isready asks,
an HTTP GET (of the health path when declared), else a TCP connect only. Whatever
answers in another protocol is named. No check authenticates or changes data.
Exit 0 healthy, 1 not healthy, 4 unreachable, 124 --wait ran out of time.

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
    as_json: JsonOpt = False,
) -> None:
    from foundry_discover.lite.servicecheck import DEFAULT_TIMEOUT, DEFAULT_WAIT_TIMEOUT

    required = required_services(require)
    emulator = name is None or quick.is_emulator(name)
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
        from foundry_discover.lite.base import Deadline

        deadline = Deadline.after(total)
        if not (all_ or wait):
            # One check, shown: the actions the quick start (no Typer) runs too.
            if emulator:
                return quick.check_emulator_once(registry, url, required, deadline, as_json=as_json)
            return quick.check_once(registry, name or "", deadline, as_json=as_json)

        from foundry_discover import render
        from foundry_discover.checks.emulator import many
        from foundry_discover.checks.emulator.check import check_emulator
        from foundry_discover.checks.emulator.parse import emulator_base
        from foundry_discover.render import health as show

        if all_:
            found = many.check_all(registry, deadline)
            checks = found.services
            code = many.overall_exit(checks)
            problem = many.all_problem(checks, code)
            if found.interrupted:
                problem = many.all_interrupted(found)
                code = problem.exit_code
            notes = [w for c in checks for w in quick.annotate(c, c.url, c.name, registry.env)]
            render.deliver(
                "health",
                {"services": checks, "interrupted": found.interrupted},
                code,
                problem,
                as_json=as_json,
                human=lambda _: show.show_all(checks),
                warnings=notes,
            )
            return code

        check: Callable[[Deadline], EmulatorHealth | ServiceCheck]
        if emulator:
            service_name = "localstack"
            base = emulator_base(url) if url is not None else registry.get("LOCALSTACK").url

            def check(d: Deadline) -> "EmulatorHealth | ServiceCheck":
                return check_emulator(base, d, require=required, name=service_name)

            what = f"localstack at {base}"
        else:
            from foundry_discover.checks.service import check_service

            service = registry.get(name or "")

            def check(d: Deadline) -> "EmulatorHealth | ServiceCheck":
                return check_service(service, d)

            what = quick.what(service)

        # Only --wait is left: one check was run above.
        try:
            with render.Progress() as progress:
                result = many.wait_healthy(
                    check, deadline, what=what, on_progress=lambda text, _: progress.update(f"{what}: {text}")
                )
        except many.HealthWaitTimeout as exc:
            last = None if isinstance(exc.last, FoundryError) else exc.last
            if last is None or not as_json:
                raise
            human = show.show_emulator if emulator else show.show_service
            render.deliver("health", last, exc.exit_code, exc, as_json=True, human=human)
            return exc.exit_code
        if emulator:
            warnings = quick.annotate(result, base, "LOCALSTACK", registry.env)
        else:
            warnings = quick.annotate(result, service.url, service.name, registry.env)
        return quick.deliver(result, what, as_json=as_json, warnings=warnings)

    run_command("health", as_json, action)
