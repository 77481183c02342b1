"""``health NAME`` without Typer: a healthcheck that starts in the time of Python itself.

This module holds the ``health NAME`` action (``check_once``, ``deliver``) that the
Typer command runs too, and the parser of its plain forms.

A Compose healthcheck or a Kubernetes probe runs ``foundry-discover health redis`` every
few seconds in every container, for the life of the stack. Typer and what it imports
take far longer to load than a Redis PING takes to answer, so the plain forms of that
command are parsed here, by hand:

    [--registry FILE] health NAME [--json] [--timeout SECONDS]

in any order after ``health``, for any service but the emulator (``localstack``, whose
check needs the HTTP client anyway). Anything else, ``--help``, ``--wait``, ``--all``, a
value that is not a plain positive number, an option spelled another way, a typo, goes
to the Typer application, which parses and reports it. Both run the same action
(``check_once``) inside the same error boundary, so they print and exit alike; a test
runs each form both ways and compares the two byte for byte.
"""

from __future__ import annotations

from foundry_discover.errors import FoundryError, NotOkError
from foundry_discover.record import Record

# One module, not two: every module a healthcheck imports costs it about 0.3 ms here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping

    from foundry_discover.deadline import Deadline
    from foundry_discover.health import EmulatorHealth
    from foundry_discover.registry import Registry, Service
    from foundry_discover.servicecheck import ServiceCheck

#: Set by a shell asking Typer for completions: those are Typer's to answer.
COMPLETE_VAR = "_FOUNDRY_DISCOVER_COMPLETE"
_DIGITS = frozenset("0123456789")


class Plan(Record):
    """A ``health NAME`` command line this module runs itself."""

    __slots__ = ("name", "as_json", "timeout", "registry_file")

    def __init__(
        self, name: str, *, as_json: bool = False, timeout: float | None = None, registry_file: str | None = None
    ) -> None:
        self.name = name
        self.as_json = as_json
        self.timeout = timeout
        self.registry_file = registry_file


def parse(argv: list[str], env: Mapping[str, str]) -> Plan | None:
    """The plan for ``argv`` when it is a plain ``health NAME``, else None (Typer's turn)."""
    if COMPLETE_VAR in env:
        return None
    args = list(argv)
    registry_file = None
    if args and args[0].startswith("--registry"):
        if args[0] == "--registry" and len(args) > 1:
            registry_file, args = args[1], args[2:]
        elif args[0].startswith("--registry="):
            registry_file, args = args[0][len("--registry=") :], args[1:]
        else:
            return None
        if not registry_file or registry_file.startswith("-"):
            return None
    if not args or args[0] != "health":
        return None
    name: str | None = None
    as_json = False
    timeout: float | None = None
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--json" and not as_json:
            as_json = True
        elif arg.startswith("--timeout") and timeout is None:
            value = next(rest, None) if arg == "--timeout" else arg.partition("=")[2] if arg[9:10] == "=" else None
            timeout = _seconds(value)
            if timeout is None:
                return None
        elif arg.startswith("-") or name is not None:
            return None
        else:
            name = arg
    if name is None or name.strip().upper().replace("-", "_") == "LOCALSTACK":
        return None
    return Plan(name, as_json=as_json, timeout=timeout, registry_file=registry_file)


def _seconds(value: str | None) -> float | None:
    """A plain positive decimal (``5``, ``2.5``, ``.5``); None for anything Typer should judge."""
    if not value:
        return None
    whole, _, fraction = value.partition(".")
    if not (whole or fraction) or not set(whole + fraction) <= _DIGITS:
        return None
    seconds = float(value)
    return seconds if seconds > 0 else None


def run(plan: Plan) -> int:
    """Check the service, show the result; the exit code."""
    from foundry_discover.cli.boundary import guarded
    from foundry_discover.deadline import Deadline
    from foundry_discover.registry import Registry
    from foundry_discover.servicecheck import DEFAULT_TIMEOUT

    registry_file = None
    if plan.registry_file is not None:
        from pathlib import Path  # as Typer hands --registry over: a Path

        registry_file = Path(plan.registry_file)
    registry = Registry(registry_file=registry_file)

    def action() -> int:
        deadline = Deadline.after(plan.timeout or DEFAULT_TIMEOUT)
        return check_once(registry, plan.name, deadline, as_json=plan.as_json)

    return guarded("health", plan.as_json, action)


# ---- the action, shared with the Typer command ------------------------------------------


def what(service: Service) -> str:
    """How the service is named in messages: ``redis at redis://redis:6379``."""
    return f"{service.name.lower()} at {service.url}"


def check_once(registry: Registry, name: str, deadline: Deadline, *, as_json: bool) -> int:
    """The scheme's protocol check of service ``name``, shown; its exit code."""
    from foundry_discover.servicecheck import check_service

    service = registry.get(name)
    result = check_service(service, deadline)
    return deliver(result, what(service), as_json=as_json)


def deliver(result: EmulatorHealth | ServiceCheck, subject: str, *, as_json: bool) -> int:
    """Show a finished check (and its one-line error when it is not ok); its exit code."""
    from foundry_discover import render
    from foundry_discover.render import health as show
    from foundry_discover.servicecheck import ServiceCheck

    problem: FoundryError | None = None if result.ok else NotOkError(summary(result, subject))
    if isinstance(result, ServiceCheck) and result.error is not None and not result.ok:
        if result.probe is None:
            raise result.error  # nothing answered: there is no result to show
        problem = result.error  # something answered: show what (JSON carries the protocol)
    human = show.show_service if isinstance(result, ServiceCheck) else show.show_emulator
    render.deliver("health", result, result.exit_code, problem, as_json=as_json, human=human)
    return result.exit_code


def summary(result: EmulatorHealth | ServiceCheck, subject: str) -> str:
    from foundry_discover.servicecheck import ServiceCheck

    if isinstance(result, ServiceCheck):
        return f"{subject} is {result.verdict}: {'; '.join(result.reasons)}"
    return result.summary()
