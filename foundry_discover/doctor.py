"""Walk the whole chain for every service and stop at the first broken link.

The seed's chain: the registry gives a URL, DNS resolves the name, a connection reaches
the container, the service answers, and (for LocalStack in development) an AWS call
succeeds. Each service walks it in order; the first failing step carries the cause and
one fix, and the steps after it are skipped, not failed. Services are walked
concurrently, one thread each, all under one deadline, so fifty services cost about what
the slowest one costs.

This module reuses the checks of ``health``, ``resolve`` and ``secrets``; it adds the
order, the per-address connect and the verdict.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from foundry_discover.errors import (
    EXIT_CONFIG,
    EXIT_NOT_OK,
    EXIT_OK,
    EXIT_UNREACHABLE,
    ConfigError,
    FoundryError,
    most_severe,
)
from foundry_discover.registry import Registry, Service, host_var, normalize_name
from foundry_discover.runtime import Runtime
from foundry_discover.waiting import Deadline, poll

Status = Literal["pass", "warn", "fail", "skip"]
if TYPE_CHECKING:
    from foundry_discover.envcheck import LinkEvidence

_T = TypeVar("_T")
STEPS = ("config", "resolve", "connect", "protocol", "aws")
MANY_FIXES = "Each failing step shows its own fix (see above, or `failed_step` and `steps` in --json)"


@dataclass
class Step:
    name: str
    status: Status
    detail: str
    elapsed_ms: float = 0.0
    fix: str | None = None
    exit_code: int = EXIT_OK
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class ServiceReport:
    name: str
    url: str | None
    steps: list[Step]

    @property
    def failure(self) -> Step | None:
        return next((s for s in self.steps if s.status == "fail"), None)

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def exit_code(self) -> int:
        failure = self.failure
        return failure.exit_code if failure else EXIT_OK

    @property
    def warnings(self) -> list[str]:
        return [f"{self.name.lower()}: {s.name}: {s.detail}" for s in self.steps if s.status == "warn"]


@dataclass
class DoctorReport:
    runtime: Runtime
    services: list[ServiceReport]
    elapsed_ms: float
    environment: str
    attempts: int = 1
    timed_out: bool = False
    #: What doctor decided on the user's behalf (e.g. leaving LocalStack out in production).
    notes: list[str] = field(default_factory=list)
    #: What ENVIRONMENT means to the application (envcheck.EnvironmentMeaning.to_json()).
    environment_check: dict[str, Any] = field(default_factory=dict)
    #: Settings worth a warning before any service is checked: ENVIRONMENT, unread variables, the region.
    environment_warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.services)

    @property
    def exit_code(self) -> int:
        return most_severe(s.exit_code for s in self.services)

    def counts(self) -> dict[str, int]:
        failed = sum(not s.ok for s in self.services)
        warned = sum(bool(s.ok and s.warnings) for s in self.services)
        return {
            "services": len(self.services),
            "passed": len(self.services) - failed,
            "failed": failed,
            "warned": warned,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "attempts": self.attempts,
            "timed_out": self.timed_out,
            "environment": self.environment,
            "runtime": self.runtime,
            "notes": self.notes,
            "environment_check": self.environment_check,
            "environment_warnings": self.environment_warnings,
            "counts": self.counts(),
            "services": [
                {
                    "name": s.name,
                    "url": s.url,
                    "ok": s.ok,
                    "exit_code": s.exit_code,
                    "failed_step": s.failure.name if s.failure else None,
                    "steps": s.steps,
                }
                for s in self.services
            ],
        }


@dataclass(frozen=True)
class Options:
    require: tuple[str, ...] = ()
    secret: str | None = None
    #: Per attempt; the whole run (and a --wait) is bounded by the caller's deadline.
    timeout: float = 5.0


# ---- one service ---------------------------------------------------------------------------


def _timed(fn: Callable[[], Step]) -> Step:
    started = time.perf_counter()
    step = fn()
    step.elapsed_ms = (time.perf_counter() - started) * 1000
    return step


def _fail(name: str, exc: FoundryError, **data: Any) -> Step:
    return Step(name, "fail", exc.message, fix=exc.fix, exit_code=exc.exit_code, data=data)


def check_service(
    registry: Registry, name: str, deadline: Deadline, options: Options, mode: str, namespace: str | None = None
) -> ServiceReport:
    steps: list[Step] = []
    service: Service | None = None
    addresses: list[str] = []

    def config() -> Step:
        nonlocal service
        try:
            service = registry.get(name)
        except ConfigError as exc:
            return _fail("config", exc)
        where = f"host from {service.host_source}, port from {service.port_source}"
        warnings = list(service.warnings) + [e.message for e in _port_evidence(service, registry.env, namespace)]
        if warnings:
            return Step("config", "warn", "; ".join(warnings), data={"provenance": where})
        return Step("config", "pass", where)

    def resolve() -> Step:
        assert service is not None
        from foundry_discover.health import resolve_host

        try:
            addresses.extend(resolve_host(service.host, service.port, deadline, name=service.name.lower()))
        except FoundryError as exc:
            return _resolve_failure(service, exc, deadline, registry)
        return Step("resolve", "pass", ", ".join(addresses), data={"addresses": list(addresses)})

    def connect() -> Step:
        assert service is not None
        step = connect_all(service, addresses, deadline)
        if step.status == "fail":
            _hosts_file_cause(step, service, addresses, deadline)
            for found in _port_evidence(service, registry.env, namespace):
                step.fix = (
                    f"Set {service.port_env}={found.port}, the port Service {service.host.split('.')[0]} serves "
                    f"({found.variable}); or check that the service listens on {service.port}"
                )
        return step

    def protocol() -> Step:
        assert service is not None
        return protocol_check(service, deadline, options)

    def aws() -> Step:
        assert service is not None
        if service.name != "LOCALSTACK":
            return Step("aws", "skip", "only LocalStack gets an AWS call")
        if mode != "development":
            return Step("aws", "skip", f"ENVIRONMENT is {mode}: secrets come from AWS itself, not LocalStack")
        return aws_check(registry, deadline, options)

    for step_name, fn in zip(STEPS, (config, resolve, connect, protocol, aws), strict=True):
        if any(s.status == "fail" for s in steps):
            steps.append(Step(step_name, "skip", "skipped: an earlier step failed"))
            continue
        steps.append(_timed(fn))
    return ServiceReport(service.name if service else normalize_name(name), service.url if service else None, steps)


def _port_evidence(service: Service, env: Mapping[str, str], namespace: str | None) -> list[LinkEvidence]:
    """The registry's port against the port Kubernetes' service links say the Service serves."""
    from foundry_discover.envcheck import link_evidence

    found = link_evidence(service.host, service.port, env, namespace=namespace, port_from=str(service.port_source))
    return [e for e in found if e.kind == "port-differs"]


def _bounded(fn: Callable[[], _T], deadline: Deadline, what: str) -> _T | None:
    """``fn`` in a daemon thread, given what is left of the deadline; None if it did not finish."""
    found: list[_T] = []
    worker = threading.Thread(target=lambda: found.append(fn()), name=what, daemon=True)
    worker.start()
    worker.join(max(deadline.remaining(), 0.0))
    return found[0] if found else None


def _hosts_file_cause(step: Step, service: Service, addresses: Sequence[str], deadline: Deadline) -> None:
    """A connect failure to an address the hosts file forces over DNS: name that as the cause."""
    from foundry_discover.resolve import explain_connect_failure

    if deadline.remaining() < 0.2:
        # A dropped connection ate the deadline: the hosts file alone still says where the address came from.
        found = explain_connect_failure(service.host, list(addresses), 0)
    else:
        found = _bounded(
            lambda: explain_connect_failure(service.host, list(addresses), deadline.remaining()),
            deadline,
            f"hosts {service.host}",
        )
    if found:
        cause, fix = found
        step.detail = f"{step.detail}: {cause}"
        step.fix = fix


def _resolve_failure(service: Service, exc: FoundryError, deadline: Deadline, registry: Registry | None = None) -> Step:
    """The DNS trace's verdict says why a name does not resolve; fall back to the error.

    The trace walks every candidate name and nameserver, so it runs in a daemon thread
    bounded by what is left of the deadline: without it the step keeps health's message.
    """
    from foundry_discover.resolve import explain_failure, registry_hosts

    step = _fail("resolve", exc)
    env = registry.env if registry is not None else None
    known = registry_hosts(registry) if registry is not None else None
    found = _bounded(
        lambda: explain_failure(
            service.host, max(deadline.remaining(), 0.1), env, known, service.host_env, app_failed=exc.message
        ),
        deadline,
        f"trace {service.host}",
    )
    if found:
        cause, fix = found
        if cause and cause not in exc.message:
            step.detail = f"{exc.message}: {cause}"
        step.fix = fix or step.fix
    return step


def connect_all(service: Service, addresses: Sequence[str], deadline: Deadline) -> Step:
    """TCP connect to every address the name resolves to, concurrently."""
    from foundry_discover.health import tcp_connect

    def one(address: str) -> tuple[str, float | FoundryError]:
        try:
            return address, tcp_connect(address, service.port, deadline)
        except FoundryError as exc:
            return address, exc

    with ThreadPoolExecutor(max_workers=max(1, len(addresses))) as pool:
        results = list(pool.map(one, addresses))
    good = [a for a, r in results if not isinstance(r, FoundryError)]
    bad = [(a, r) for a, r in results if isinstance(r, FoundryError)]
    data = {
        "port": service.port,
        "addresses": {a: (r.message if isinstance(r, FoundryError) else round(r, 3)) for a, r in results},
    }
    if not bad:
        return Step("connect", "pass", f"{', '.join(good)} port {service.port}", data=data)
    if good:
        failed = "; ".join(exc.message for _, exc in bad)
        return Step(
            "connect",
            "warn",
            f"{len(bad)} of {len(results)} addresses fail ({failed}); clients that try them first will be slow",
            fix="Check that the service listens on every address family its name resolves to",
            data=data,
        )
    first = bad[0][1]
    step = _fail("connect", first, **data)
    if len(bad) > 1:
        step.detail = "; ".join(exc.message for _, exc in bad)
    return step


def protocol_check(service: Service, deadline: Deadline, options: Options) -> Step:
    from foundry_discover import health

    if service.name == "LOCALSTACK":
        try:
            report = health.check_emulator(service.url, deadline, require=options.require, name="localstack")
        except FoundryError as exc:
            return _fail("protocol", exc)
        data = {
            "emulator": report.emulator,
            "version": report.version,
            "verdict": report.verdict,
            "unavailable": report.unavailable,
        }
        if report.ok:
            version = f" {report.version}" if report.version else ""
            return Step("protocol", "pass", f"{report.emulator}{version} is healthy", data=data)
        fix = (
            "Fix the init script (LocalStack's log names the error) and restart LocalStack"
            if report.init_failed
            else f"Run `{_health_wait_command(options)}` to wait for it, or check the emulator's log"
        )
        if report.unavailable:
            fix = (
                f"Check the --require name ({', '.join(report.unavailable)}) against the services the emulator "
                "lists, or enable it (LocalStack: the SERVICES setting); waiting will not bring it"
            )
        code = EXIT_NOT_OK
        return Step("protocol", "fail", report.summary(), fix=fix, exit_code=code, data=data)
    return service_protocol(service, deadline)


def service_protocol(service: Service, deadline: Deadline) -> Step:
    """The scheme's protocol check (PING, pg_isready's, a GET) as doctor's protocol step."""
    from foundry_discover import health

    check = health.check_service(service, deadline)
    probe = check.probe
    data: dict[str, Any] = {} if probe is None else {"expected": probe.expected, "protocol": probe.protocol}
    if probe is not None and probe.http_status is not None:
        data["http_status"] = check.http_status
    if check.error is not None:
        return _fail("protocol", check.error, **data)
    if probe is not None and probe.state == "tcp_only":
        return Step("protocol", "skip", probe.detail, data=data)
    if not check.ok:
        fix = (probe.fix if probe is not None else None) or (
            f"Check {service.name.lower()}'s logs: its health endpoint says it is not ok"
        )
        return Step("protocol", "fail", "; ".join(check.reasons), fix=fix, exit_code=EXIT_NOT_OK, data=data)
    detail = probe.detail if probe is not None else "ok"
    if probe is not None and probe.note:
        return Step("protocol", "pass", f"{detail} (note: {probe.note})", data=data)
    return Step("protocol", "pass", detail, data=data)


def _health_wait_command(options: Options) -> str:
    """The `health` command that waits for what this doctor run requires, not just any LocalStack."""
    required = f" --require {','.join(options.require)}" if options.require else ""
    return f"foundry-discover health localstack --wait{required}"


def aws_check(registry: Registry, deadline: Deadline, options: Options) -> Step:
    from botocore.config import Config

    from foundry_discover import secrets

    left = max(deadline.remaining(), 0.1)
    config = Config(connect_timeout=left, read_timeout=left, retries={"max_attempts": 1, "mode": "standard"})
    try:
        sc = secrets.open_client(registry, config=config)
        if options.secret:
            value = secrets.get_secret(sc, options.secret)
            return Step("aws", "pass", f"fetched secret {value.name} ({value.kind}, value not shown)")
        listed = secrets.list_secrets(sc, limit_pages=1)
    except FoundryError as exc:
        return _fail("aws", exc)
    return Step("aws", "pass", f"Secrets Manager answered: {len(listed.secrets)} secret(s) listed")


# ---- all services ---------------------------------------------------------------------------


def run(
    registry: Registry,
    names: Sequence[str],
    deadline: Deadline,
    options: Options,
    runtime: Runtime,
) -> DoctorReport:
    from foundry_discover.secrets import decide_environment

    started = time.perf_counter()
    mode = decide_environment(registry.env)[0]
    chosen, notes = choose(registry, names, mode)
    with ThreadPoolExecutor(max_workers=max(1, len(chosen))) as pool:
        reports = list(
            pool.map(lambda n: check_service(registry, n, deadline, options, mode, runtime.namespace), chosen)
        )
    report = DoctorReport(runtime, reports, (time.perf_counter() - started) * 1000, mode, notes=notes)
    report.environment_check, report.environment_warnings = environment_findings(registry)
    return report


def environment_findings(registry: Registry) -> tuple[dict[str, Any], list[str]]:
    """What ENVIRONMENT means to the application, and settings the registry or the SDK never read right."""
    from foundry_discover import envcheck

    env = registry.env
    meaning = envcheck.environment_meaning(env)
    warnings = [meaning.warning] if meaning.warning else []
    warnings += [str(f) for f in envcheck.unread_variables(env, registry.names())]
    if env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"):
        # botocore's partitions data only when there is a region to check against it.
        warnings += [str(f) for f in envcheck.region_warnings(env, _known_regions())]
    return meaning.to_json(), warnings


@functools.lru_cache(maxsize=1)
def _known_regions() -> frozenset[str]:
    from foundry_discover.envcheck import botocore_regions

    return frozenset(botocore_regions())


def choose(registry: Registry, names: Sequence[str], mode: str) -> tuple[list[str], list[str]]:
    """The services to check: those named, else every known one.

    In production secrets come from AWS itself, so LocalStack is not part of the stack:
    unless named, or its host set explicitly, checking it would report a failure that is
    not one.
    """
    if names:
        return list(names), []
    chosen = registry.names()
    if mode == "production" and host_var("LOCALSTACK") not in registry.env:
        chosen.remove("LOCALSTACK")
        note = (
            "localstack left out: ENVIRONMENT is production, where secrets come from AWS "
            f"(name it, or set {host_var('LOCALSTACK')}, to check it anyway)"
        )
        return chosen, [note]
    return chosen, []


def run_until_ok(
    registry: Registry,
    names: Sequence[str],
    deadline: Deadline,
    options: Options,
    runtime: Runtime,
    on_progress: Callable[[str, float], None] | None = None,
) -> DoctorReport:
    """``--wait``: run again until everything passes or the deadline passes."""

    def attempt(overall: Deadline) -> DoctorReport:
        return run(registry, names, Deadline.after(min(overall.remaining(), options.timeout)), options, runtime)

    def hopeless(report: DoctorReport) -> bool:
        # A configuration error will not fix itself while we wait, nor will a required
        # service the emulator does not run.
        return any(s.exit_code == EXIT_CONFIG for s in report.services) or any(
            step.data.get("unavailable") for s in report.services for step in s.steps if step.status == "fail"
        )

    def progress(report: DoctorReport, elapsed: float) -> None:
        if on_progress is not None:
            on_progress(waiting_for(report), elapsed)

    polled = poll(attempt, lambda r: r.ok, deadline, on_progress=progress, give_up=hopeless)
    report = polled.last
    report.attempts = polled.attempts
    report.timed_out = polled.timed_out
    return report


def verdict(report: DoctorReport, *, waited: bool, seconds: float) -> tuple[int, FoundryError | None]:
    """The exit code and the one-line error: the most severe failure, or the wait's end."""
    from foundry_discover.errors import NotOkError, UnreachableError, WaitTimeoutError

    if report.ok:
        return EXIT_OK, None
    broken = waiting_for(report)
    if waited and report.timed_out:
        timeout = WaitTimeoutError(
            f"not every service passed within {seconds:g}s; still failing: {broken}",
            fix="Raise --timeout, or run without --wait to see the current state",
        )
        return timeout.exit_code, timeout
    code = report.exit_code
    kind: type[FoundryError] = {EXIT_CONFIG: ConfigError, EXIT_UNREACHABLE: UnreachableError}.get(code, NotOkError)
    failing = [s for s in report.services if s.failure]
    names = ", ".join(f"{s.name.lower()} ({s.failure.name})" for s in failing if s.failure)
    if len(failing) == 1 and failing[0].failure:
        step = failing[0].failure
        return code, kind(f"{failing[0].name.lower()} fails at {step.name}: {step.detail}", fix=step.fix)
    return code, kind(f"{len(failing)} of {len(report.services)} services fail: {names}", fix=MANY_FIXES)


def waiting_for(report: DoctorReport) -> str:
    broken = [f"{s.name.lower()} ({s.failure.name}: {s.failure.detail})" for s in report.services if s.failure]
    return "; ".join(broken) if broken else "all services"
