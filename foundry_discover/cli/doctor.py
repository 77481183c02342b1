"""`foundry-discover doctor`: walk the whole chain for every service and say what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from foundry_discover.cli._common import JsonOpt, RequireOpt, required_services, run, seconds, state

HELP = """Walk the whole chain for every service and stop at the first broken link.

For each service, in order: config (the registry's values and where they came from),
resolve (what getaddrinfo gives the application), connect (TCP to every address),
protocol (LocalStack: health, --require and init scripts; a service with a health_path:
HTTP 2xx; others: connect only) and aws (LocalStack in development: a Secrets Manager
call). The first failing step shows the cause and one fix; the steps after it are
skipped. Services are checked at the same time.

Examples:

    foundry-discover doctor                               # every known service
    foundry-discover doctor localstack redis              # just these
    foundry-discover doctor --require secretsmanager --secret app/db
    foundry-discover doctor --wait --timeout 120          # healthcheck, init container, CI gate
    foundry-discover doctor --junit reports/doctor.xml    # a test report for CI
"""

#: One pass, and one attempt of a --wait, end by this many seconds at most.
DEFAULT_TIMEOUT = 10.0
DEFAULT_WAIT_TIMEOUT = 60.0
ATTEMPT_TIMEOUT = 5.0


def doctor(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None, typer.Argument(help="Services to check (default: every known service).", show_default=False)
    ] = None,
    require: RequireOpt = None,
    secret: Annotated[
        str | None,
        typer.Option("--secret", metavar="NAME", help="Fetch this secret (never shown) instead of listing secrets."),
    ] = None,
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
        typer.Option("--junit", metavar="FILE", help="Also write JUnit XML: one test case per service and step."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    required = tuple(required_services(require))
    total = seconds(timeout, wait=wait, default=DEFAULT_TIMEOUT, wait_default=DEFAULT_WAIT_TIMEOUT)
    registry = state(ctx).registry()

    def action() -> int:
        import sys

        from foundry_discover import doctor as core
        from foundry_discover import render
        from foundry_discover.render import doctor as show
        from foundry_discover.runtime import detect
        from foundry_discover.waiting import Deadline

        deadline = Deadline.after(total)
        options = core.Options(require=required, secret=secret, timeout=min(total, ATTEMPT_TIMEOUT))
        runtime = detect()
        chosen = list(names or [])
        with render.Progress(enabled=wait or render.use_color(sys.stderr)) as progress:
            if wait:
                report = core.run_until_ok(
                    registry, chosen, deadline, options, runtime, on_progress=lambda text, _: progress.update(text)
                )
            else:
                progress.update(f"checking {len(chosen) or 'every'} service(s)")
                report = core.run(registry, chosen, deadline, options, runtime)
        if junit is not None:
            write_junit(junit, show.junit_xml(report))
        code, problem = core.verdict(report, waited=wait, seconds=total)
        warnings = report.environment_warnings + [w for s in report.services for w in s.warnings]
        render.deliver("doctor", report, code, problem, as_json=as_json, human=show.show, warnings=warnings)
        return code

    run("doctor", as_json, action)


def write_junit(path: Path, xml: str) -> None:
    from foundry_discover.errors import ConfigError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xml, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write --junit {str(path)!r} ({exc.strerror or exc})", fix="Give a path in a writable folder"
        ) from None
