"""``health`` without Typer: a healthcheck that starts in the time of Python itself.

This module is the parser of the plain forms; the actions it runs (``healthcheck``
for a service, ``commands.health`` for the emulator) are the Typer command's too.

A Compose healthcheck or a Kubernetes probe runs ``foundry-discover health redis`` (or
``health --url http://127.0.0.1:4566 --require secretsmanager``) every few seconds in
every container, for the life of the stack. Typer and what it imports take far longer to
load than a Redis PING takes to answer, so the plain forms of that command are parsed
here, by hand:

    [--registry FILE] health [NAME] [--json] [--timeout SECONDS] [--url URL] [--require SERVICES]...

in any order after ``health``; ``--url`` and ``--require`` for the emulator only (no NAME,
or ``localstack``). Anything else, ``--help``, ``--wait``, ``--all``, a value that is not
a plain positive number or that starts with ``-``, an option spelled another way, a
typo, goes to the Typer application, which parses and reports it. Both run the same
actions inside the same error boundary, so they print and exit alike; a test runs each
form both ways and compares the two byte for byte.
"""

from __future__ import annotations

from foundry_discover.lite.base import COMPLETE_VAR, Record
from foundry_discover.lite.healthcheck import check_once, is_emulator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping


_DIGITS = frozenset("0123456789")


class Plan(Record):
    """A ``health`` command line this module runs itself."""

    #: None for the emulator check, as `health` with no NAME.
    name: str | None
    as_json: bool = False
    timeout: float | None = None
    registry_file: str | None = None
    url: str | None = None
    #: The AWS services --require named, parsed (lower case, de-duplicated).
    require: tuple[str, ...] = ()


def _value(arg: str, option: str, rest: Iterator[str]) -> str | None:
    """The value of ``option`` given as ``option VALUE`` or ``option=VALUE``; None when it
    is missing or looks like an option (Typer decides what was meant)."""
    value = next(rest, None) if arg == option else arg[len(option) + 1 :]
    return None if value is None or value.startswith("-") else value


def parse(argv: list[str], env: Mapping[str, str]) -> Plan | None:
    """The plan for ``argv`` when it is a plain one-shot ``health``, else None (Typer's turn)."""
    if COMPLETE_VAR in env:
        return None
    rest = iter(argv)
    arg = next(rest, None)
    registry_file = None
    if arg == "--registry" or (arg is not None and arg.startswith("--registry=")):
        registry_file = _value(arg, "--registry", rest)
        if not registry_file:
            return None
        arg = next(rest, None)
    if arg != "health":
        return None
    name: str | None = None
    as_json = False
    timeout: float | None = None
    url: str | None = None
    require: list[str] = []
    for arg in rest:
        option = arg.partition("=")[0]
        if arg == "--json" and not as_json:
            as_json = True
        elif option == "--timeout" and timeout is None:
            timeout = _seconds(_value(arg, option, rest))
            if timeout is None:
                return None
        elif option == "--url" and url is None:
            url = _value(arg, option, rest)
            if url is None:
                return None
        elif option == "--require":
            value = _value(arg, option, rest)
            if value is None:
                return None
            require.append(value)
        elif arg.startswith("-") or name is not None:
            return None
        else:
            name = arg
    emulator = name is None or is_emulator(name)
    if not emulator and (url is not None or require):
        return None  # Typer says that --url and --require are the emulator's
    required: tuple[str, ...] = ()
    if require:
        from foundry_discover.checks.emulator.parse import parse_required

        try:
            required = tuple(parse_required(require))
        except ValueError:
            return None  # Typer reports it as a bad --require
    return Plan(name, as_json=as_json, timeout=timeout, registry_file=registry_file, url=url, require=required)


def _seconds(value: str | None) -> float | None:
    """A plain positive decimal (``5``, ``2.5``, ``.5``); None for anything Typer should judge."""
    if not value:
        return None
    whole, _, fraction = value.partition(".")
    if not (whole or fraction) or not set(whole + fraction) <= _DIGITS:
        return None
    seconds = float(value)
    return seconds if seconds > 0 else None


def run_plan(plan: Plan) -> int:
    """Check the service, show the result; the exit code."""
    from foundry_discover.lite.base import Deadline
    from foundry_discover.lite.boundary import guarded
    from foundry_discover.lite.errors import invoked_with
    from foundry_discover.lite.registry import Registry
    from foundry_discover.lite.servicecheck import DEFAULT_TIMEOUT

    invoked_with(plan.registry_file)  # the fixes this run suggests repeat --registry FILE
    registry_file = None
    if plan.registry_file is not None:
        from pathlib import Path  # as Typer hands --registry over: a Path

        registry_file = Path(plan.registry_file)
    registry = Registry(registry_file=registry_file)

    def action() -> int:
        deadline = Deadline.after(plan.timeout or DEFAULT_TIMEOUT)
        if plan.name is None or is_emulator(plan.name):
            from foundry_discover.commands.health import check_emulator_once

            return check_emulator_once(registry, plan.url, list(plan.require), deadline, as_json=plan.as_json)
        return check_once(registry, plan.name, deadline, as_json=plan.as_json)

    return guarded("health", plan.as_json, action)
