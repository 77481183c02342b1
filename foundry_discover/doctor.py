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

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

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

if TYPE_CHECKING:
    from foundry_discover.docker.diagnose import Lookup
    from foundry_discover.docker.facts import DockerFacts

Status = Literal["pass", "warn", "fail", "skip"]
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
    #: What the Docker Engine API said, or why it could not.
    docker: DockerFacts | None = None

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
            "docker": self.docker,
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


def check_service(registry: Registry, name: str, deadline: Deadline, options: Options, mode: str) -> ServiceReport:
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
        if service.warnings:
            return Step("config", "warn", "; ".join(service.warnings), data={"provenance": where})
        return Step("config", "pass", where)

    def resolve() -> Step:
        assert service is not None
        from foundry_discover.health import resolve_host

        try:
            addresses.extend(resolve_host(service.host, service.port, deadline, name=service.name.lower()))
        except FoundryError as exc:
            return _resolve_failure(service, exc, deadline)
        return Step("resolve", "pass", ", ".join(addresses), data={"addresses": list(addresses)})

    def connect() -> Step:
        assert service is not None
        return connect_all(service, addresses, deadline)

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


def _resolve_failure(service: Service, exc: FoundryError, deadline: Deadline) -> Step:
    """The DNS trace's verdict says why a name does not resolve; fall back to the error.

    The trace walks every candidate name and nameserver, so it runs in a daemon thread
    bounded by what is left of the deadline: without it the step keeps health's message.
    """
    from foundry_discover.resolve import explain_failure

    step = _fail("resolve", exc)
    found: list[tuple[str | None, str | None]] = []

    def trace() -> None:
        found.append(explain_failure(service.host, max(deadline.remaining(), 0.1)))

    worker = threading.Thread(target=trace, name=f"trace {service.host}", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if found:
        cause, fix = found[0]
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
        data = {"emulator": report.emulator, "version": report.version, "verdict": report.verdict}
        if report.ok:
            version = f" {report.version}" if report.version else ""
            return Step("protocol", "pass", f"{report.emulator}{version} is healthy", data=data)
        fix = (
            "Fix the init script (LocalStack's log names the error) and restart LocalStack"
            if report.init_failed
            else "Run `foundry-discover health --wait` to wait for it, or check the emulator's log"
        )
        code = EXIT_NOT_OK
        return Step("protocol", "fail", report.summary(), fix=fix, exit_code=code, data=data)
    if service.health_path and service.scheme in ("http", "https"):
        check = health.check_service(service, deadline)
        if check.error is not None:
            return _fail("protocol", check.error)
        if not check.ok:
            return Step(
                "protocol",
                "fail",
                "; ".join(check.reasons),
                fix=f"Check {service.name.lower()}'s logs: its health endpoint says it is not ok",
                exit_code=EXIT_NOT_OK,
            )
        return Step("protocol", "pass", f"GET {check.health_url} answered HTTP {check.http_status}")
    return Step("protocol", "skip", "connect only: the registry declares no health_path for it")


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
    docker = docker_lookup(registry, chosen, runtime, deadline)
    with ThreadPoolExecutor(max_workers=max(1, len(chosen))) as pool:
        reports = list(pool.map(lambda n: check_service(registry, n, deadline, options, mode), chosen))
    facts = docker.finish(reports, runtime, deadline, registry)
    return DoctorReport(runtime, reports, (time.perf_counter() - started) * 1000, mode, notes=notes, docker=facts)


def docker_lookup(registry: Registry, names: Sequence[str], runtime: Runtime, deadline: Deadline) -> Lookup:
    """Ask the Docker Engine API beside the checks; ``finish`` folds its facts into the failures."""
    from foundry_discover.docker.diagnose import Lookup

    return Lookup.start(registry, names, runtime, deadline)


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
        # A configuration error will not fix itself while we wait.
        return any(s.exit_code == EXIT_CONFIG for s in report.services)

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
