"""``health`` without Typer: a healthcheck that starts in the time of Python itself.

This module holds the one-shot ``health`` actions (``check_once`` for a service,
``check_emulator_once`` for LocalStack) that the Typer command runs too, and the parser
of their plain forms.

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
from foundry_discover.lite.errors import FoundryError, NotOkError

# One module, not two: every module a healthcheck imports costs it about 0.3 ms here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from foundry_discover.checks.emulator.model import EmulatorHealth
    from foundry_discover.lite.base import Deadline
    from foundry_discover.lite.registry import Registry, Service
    from foundry_discover.lite.servicecheck import ServiceCheck

_DIGITS = frozenset("0123456789")


class Plan(Record):
    """A ``health`` command line this module runs itself."""

    __slots__ = ("name", "as_json", "timeout", "registry_file", "url", "require")

    def __init__(
        self,
        name: str | None,
        *,
        as_json: bool = False,
        timeout: float | None = None,
        registry_file: str | None = None,
        url: str | None = None,
        require: tuple[str, ...] = (),
    ) -> None:
        #: None for the emulator check, as `health` with no NAME.
        self.name = name
        self.as_json = as_json
        self.timeout = timeout
        self.registry_file = registry_file
        self.url = url
        #: The AWS services --require named, parsed (lower case, de-duplicated).
        self.require = require


def is_emulator(name: str) -> bool:
    """Whether NAME is the emulator, as the Typer command reads it."""
    return name.strip().upper().replace("-", "_") == "LOCALSTACK"


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
            return check_emulator_once(registry, plan.url, list(plan.require), deadline, as_json=plan.as_json)
        return check_once(registry, plan.name, deadline, as_json=plan.as_json)

    return guarded("health", plan.as_json, action)


# ---- the actions, shared with the Typer command -----------------------------------------


def what(service: Service) -> str:
    """How the service is named in messages: ``redis at redis://redis:6379``."""
    return f"{service.name.lower()} at {service.url}"


def check_once(registry: Registry, name: str, deadline: Deadline, *, as_json: bool) -> int:
    """The scheme's protocol check of service ``name``, shown; its exit code."""
    from foundry_discover.lite.servicecheck import probe_service

    service = registry.get(name)
    result = probe_service(service, deadline)
    if result.probe is not None and result.probe.state == "redirect":
        # Rare: only a health path that redirects pays for the HTTP client.
        from foundry_discover.checks.service import follow_redirect

        follow_redirect(result, service, deadline)
    warnings = annotate(result, service.url, service.name, registry.env)
    return deliver(result, what(service), as_json=as_json, warnings=warnings)


def annotate(result: EmulatorHealth | ServiceCheck, url: str, name: str, env: Mapping[str, str]) -> list[str]:
    """The application's route on ``result`` (JSON ``route``), and the warnings when it is not
    this direct check's: a proxy, proxy settings its client refuses, a CA bundle that cannot work."""
    scheme = url.partition(":")[0]
    if scheme not in ("http", "https") or not _route_matters(env, scheme):
        return []
    from foundry_discover.checks.proxy.notes import findings

    result.route, warnings = findings(url, name, env)
    return warnings


def _route_matters(env: Mapping[str, str], scheme: str) -> bool:
    """A proxy variable is set, or a CA bundle one for https: only then are the route rules imported."""
    for key, value in env.items():
        lower = key.lower()
        if value and lower in ("http_proxy", "https_proxy", "all_proxy"):
            return True
        if scheme == "https" and key in ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
            return True
    return False


def check_emulator_once(
    registry: Registry, url: str | None, required: list[str], deadline: Deadline, *, as_json: bool
) -> int:
    """The emulator check of ``url`` (default: the registry's LOCALSTACK), shown; its exit code."""
    from foundry_discover.checks.emulator.check import check_emulator
    from foundry_discover.checks.emulator.parse import emulator_base

    base = emulator_base(url) if url is not None else registry.get("LOCALSTACK").url
    result = check_emulator(base, deadline, require=required, name="localstack")
    warnings = annotate(result, base, "LOCALSTACK", registry.env)
    return deliver(result, f"localstack at {base}", as_json=as_json, warnings=warnings)


def deliver(
    result: EmulatorHealth | ServiceCheck, subject: str, *, as_json: bool, warnings: list[str] | None = None
) -> int:
    """Show a finished check (and its one-line error when it is not ok); its exit code."""
    from foundry_discover import render
    from foundry_discover.lite.servicecheck import ServiceCheck
    from foundry_discover.render import health as show

    problem: FoundryError | None = None if result.ok else NotOkError(summary(result, subject))
    if isinstance(result, ServiceCheck) and result.error is not None and not result.ok:
        if result.probe is None:
            raise result.error  # nothing answered: there is no result to show
        problem = result.error  # something answered: show what (JSON carries the protocol)
    human = show.show_service if isinstance(result, ServiceCheck) else show.show_emulator
    render.deliver("health", result, result.exit_code, problem, as_json=as_json, human=human, warnings=warnings or ())
    return result.exit_code


def summary(result: EmulatorHealth | ServiceCheck, subject: str) -> str:
    from foundry_discover.lite.servicecheck import ServiceCheck

    if isinstance(result, ServiceCheck):
        return f"{subject} is {result.verdict}: {'; '.join(result.reasons)}"
    return result.summary()
