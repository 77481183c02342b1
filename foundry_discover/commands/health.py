"""``health``: the emulator's check, every service at once (``--all``), or ``--wait``.

``health NAME`` for a service other than the emulator is the healthcheck tier's own
action (``lite.healthcheck.check_once``): a Docker healthcheck runs it without Typer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from foundry_discover.lite.base import Deadline
from foundry_discover.lite.errors import FoundryError
from foundry_discover.lite.registry import Registry

if TYPE_CHECKING:
    from foundry_discover.checks.emulator.model import EmulatorHealth
    from foundry_discover.lite.servicecheck import ServiceCheck

#: How the emulator is named in messages and JSON.
EMULATOR = "localstack"


def check_emulator_once(
    registry: Registry, url: str | None, required: list[str], deadline: Deadline, *, as_json: bool, every: bool = False
) -> int:
    """The emulator check of ``url`` (default: the registry's LOCALSTACK), shown; its exit code."""
    from foundry_discover.checks.emulator.check import check_emulator
    from foundry_discover.lite.healthcheck import annotate, deliver, homeward

    service = registry.get("LOCALSTACK") if url is None else None
    base = _emulator_url(registry, url)
    try:
        result = check_emulator(base, deadline, require=required, name=EMULATOR)
    except FoundryError as exc:
        if service is None:
            raise
        raise homeward(registry, service, exc) from None
    warnings = [*(service.warnings if service is not None else ()), *annotate(result, base, "LOCALSTACK", registry.env)]
    return deliver(result, f"{EMULATOR} at {base}", as_json=as_json, every=every, warnings=warnings)


def check_all(registry: Registry, deadline: Deadline, *, as_json: bool) -> int:
    """Every known service concurrently, one row each; the most severe exit code."""
    from foundry_discover import render
    from foundry_discover.checks.emulator import many
    from foundry_discover.lite.healthcheck import annotate
    from foundry_discover.render import health as show

    found = many.check_all(registry, deadline)
    checks = found.services
    code = many.overall_exit(checks)
    problem = many.all_problem(checks, code)
    if found.interrupted:
        problem = many.all_interrupted(found)
        code = problem.exit_code
    notes = [w for c in checks for w in annotate(c, c.url, c.name, registry.env)]
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


def wait_for(
    registry: Registry,
    name: str | None,
    url: str | None,
    required: list[str],
    deadline: Deadline,
    *,
    as_json: bool,
    every: bool = False,
) -> int:
    """``--wait``: check again until healthy or the deadline; the last result shown."""
    from foundry_discover import render
    from foundry_discover.checks.emulator import many
    from foundry_discover.lite.healthcheck import annotate, deliver, is_emulator, what
    from foundry_discover.render import health as show

    check: Callable[[Deadline], EmulatorHealth | ServiceCheck]
    emulator = name is None or is_emulator(name)
    warnings: tuple[str, ...] = ()
    if emulator:
        from foundry_discover.checks.emulator.check import check_emulator

        base = _emulator_url(registry, url)
        if url is None:
            warnings = registry.get("LOCALSTACK").warnings

        def check(d: Deadline) -> EmulatorHealth | ServiceCheck:
            return check_emulator(base, d, require=required, name=EMULATOR)

        subject = f"{EMULATOR} at {base}"
    else:
        from foundry_discover.checks.service import check_service

        service = registry.get(name or "")
        warnings = service.warnings

        def check(d: Deadline) -> EmulatorHealth | ServiceCheck:
            return check_service(service, d)

        subject = what(service)

    try:
        with render.Progress() as progress:
            result = many.wait_healthy(
                check, deadline, what=subject, on_progress=lambda text, _: progress.update(f"{subject}: {text}")
            )
    except many.HealthWaitTimeout as exc:
        last = None if isinstance(exc.last, FoundryError) else exc.last
        if last is None or not as_json:
            raise
        human = show.show_emulator if emulator else show.show_service
        render.deliver(
            "health", last, exc.exit_code, exc, as_json=True, human=lambda r: human(r, every=every), warnings=warnings
        )
        return exc.exit_code
    route_url = base if emulator else service.url
    warnings = (*warnings, *annotate(result, route_url, "LOCALSTACK" if emulator else service.name, registry.env))
    return deliver(result, subject, as_json=as_json, every=every, warnings=warnings)


def _emulator_url(registry: Registry, url: str | None) -> str:
    from foundry_discover.checks.emulator.parse import emulator_base

    return emulator_base(url) if url is not None else registry.get("LOCALSTACK").url
