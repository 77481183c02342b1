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

from foundry_discover.checks.runtime import Runtime
from foundry_discover.lite.errors import (
    EXIT_CONFIG,
    EXIT_NOT_OK,
    EXIT_OK,
    EXIT_TIMEOUT,
    EXIT_UNREACHABLE,
    ConfigError,
    FoundryError,
    most_severe,
    suggest,
)
from foundry_discover.lite.registry import Registry, Service, host_var, normalize_name, port_var
from foundry_discover.util.waiting import Deadline, poll

#: ``interrupted``: begun, then cut short by Ctrl-C or SIGTERM; ``not_reached``: never begun
#: (time ran out, or the command was interrupted, before it). Neither is a pass.
Status = Literal["pass", "warn", "fail", "skip", "interrupted", "not_reached"]
UNFINISHED: tuple[Status, ...] = ("interrupted", "not_reached")
if TYPE_CHECKING:
    from foundry_discover.checks.docker.facts import DockerFacts
    from foundry_discover.checks.envcheck import LinkEvidence
    from foundry_discover.doctor.docker import Lookup

_T = TypeVar("_T")
STEPS = ("config", "resolve", "connect", "protocol", "aws")
#: The pseudo-service that fetches --secret names where production gets them: AWS itself.
AWS_SERVICE = "SECRETSMANAGER"
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
    #: The walk ended early because its deadline ran out (a step failed after it expired,
    #: or a step was not reached): under --wait such a result says only "out of time", so
    #: the attempt before it, which knows the real state, is kept instead.
    cut: bool = field(default=False, repr=False)

    @property
    def failure(self) -> Step | None:
        return next((s for s in self.steps if s.status == "fail"), None)

    @property
    def unfinished(self) -> Step | None:
        """The first step that was interrupted or never reached, when no step failed before it."""
        return next((s for s in self.steps if s.status in UNFINISHED), None)

    @property
    def ok(self) -> bool:
        return self.failure is None and self.unfinished is None

    @property
    def exit_code(self) -> int:
        step = self.failure or self.unfinished
        return step.exit_code if step else EXIT_OK

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
    #: Services known but not checked, each with why (not configured here, --skip, production).
    left_out: list[dict[str, str]] = field(default_factory=list)
    #: "SIGINT" or "SIGTERM" when the run was interrupted: the report holds what was known then.
    interrupted: str | None = None
    #: What ENVIRONMENT means to the application (envcheck.EnvironmentMeaning.to_json()).
    environment_check: dict[str, Any] = field(default_factory=dict)
    #: Settings worth a warning before any service is checked: ENVIRONMENT, unread variables, the region.
    environment_warnings: list[str] = field(default_factory=list)
    #: What the Docker Engine API said, or why it could not.
    docker: DockerFacts | None = None

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.services)

    @property
    def exit_code(self) -> int:
        return most_severe(s.exit_code for s in self.services)

    def counts(self) -> dict[str, int]:
        failed = sum(s.failure is not None for s in self.services)
        unfinished = sum(s.failure is None and s.unfinished is not None for s in self.services)
        warned = sum(bool(s.ok and s.warnings) for s in self.services)
        return {
            "services": len(self.services),
            "passed": len(self.services) - failed - unfinished,
            "failed": failed,
            "unfinished": unfinished,
            "warned": warned,
            "left_out": len(self.left_out),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "elapsed_ms": round(self.elapsed_ms, 3),
            "attempts": self.attempts,
            "timed_out": self.timed_out,
            "interrupted": self.interrupted,
            "environment": self.environment,
            "runtime": self.runtime,
            "notes": self.notes,
            "left_out": self.left_out,
            "environment_check": self.environment_check,
            "environment_warnings": self.environment_warnings,
            "docker": self.docker,
            "counts": self.counts(),
            "services": [
                {
                    "name": s.name,
                    "url": s.url,
                    "ok": s.ok,
                    "exit_code": s.exit_code,
                    "failed_step": s.failure.name if s.failure else None,
                    "unfinished_step": s.unfinished.name if s.unfinished and not s.failure else None,
                    "steps": s.steps,
                }
                for s in self.services
            ],
        }


@dataclass(frozen=True)
class Options:
    require: tuple[str, ...] = ()
    #: Secrets to fetch (never shown), each one checked; none: list secrets instead.
    secrets: tuple[str, ...] = ()
    #: Per attempt; the whole run (and a --wait) is bounded by the caller's deadline.
    timeout: float = 5.0
    #: Production only: let --secret go to an endpoint that is not AWS (as `secret --allow-non-aws-endpoint`).
    allow_non_aws_endpoint: bool = False
    #: --skip: leave these out of the default choice.
    skip: tuple[str, ...] = ()
    #: --all: every known service, configured here or not.
    every: bool = False


# ---- one service ---------------------------------------------------------------------------


def _timed(fn: Callable[[], Step]) -> Step:
    started = time.perf_counter()
    step = fn()
    step.elapsed_ms = (time.perf_counter() - started) * 1000
    return step


def _fail(name: str, exc: FoundryError, **data: Any) -> Step:
    return Step(name, "fail", exc.message, fix=exc.fix, exit_code=exc.exit_code, data=data)


def check_service(
    registry: Registry,
    name: str,
    deadline: Deadline,
    options: Options,
    mode: str,
    namespace: str | None = None,
    steps: list[Step] | None = None,
) -> ServiceReport:
    """Walk one service's chain. ``steps``, when given, receives each step as it ends, so an
    interrupted run can report the steps that finished."""
    steps = [] if steps is None else steps
    cut = False
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
        from foundry_discover.lite.servicecheck import resolve_host

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
            also = f" (--secret is fetched from AWS: see {AWS_SERVICE.lower()})" if options.secrets else ""
            return Step("aws", "skip", f"ENVIRONMENT is {mode}: secrets come from AWS itself, not LocalStack{also}")
        return aws_check(registry, deadline, options)

    for step_name, fn in zip(STEPS, (config, resolve, connect, protocol, aws), strict=True):
        if any(s.status == "fail" for s in steps):
            steps.append(Step(step_name, "skip", "skipped: an earlier step failed"))
            continue
        if step_name != "config" and deadline.expired:
            # Work that never began is not blamed for the time the steps before it used.
            why = f"not reached: time ran out ({deadline.seconds:g}s)"
            steps.append(Step(step_name, "not_reached", why, exit_code=EXIT_TIMEOUT))
            cut = True
            continue
        step = _timed(fn)
        steps.append(step)
        cut = cut or (step.status == "fail" and deadline.expired)
    name_, url = (service.name, service.url) if service else (normalize_name(name), None)
    return ServiceReport(name_, url, steps, cut=cut)


def _port_evidence(service: Service, env: Mapping[str, str], namespace: str | None) -> list[LinkEvidence]:
    """The registry's port against the port Kubernetes' service links say the Service serves."""
    from foundry_discover.checks.envcheck import link_evidence

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
    from foundry_discover.checks.dns.explain import explain_connect_failure

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
    from foundry_discover.checks.dns.explain import explain_failure
    from foundry_discover.checks.dns.report import registry_hosts

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
    from foundry_discover.lite.servicecheck import tcp_connect

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
    from foundry_discover.checks.emulator.check import check_emulator

    if service.name == "LOCALSTACK":
        try:
            report = check_emulator(service.url, deadline, require=options.require, name="localstack")
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
    from foundry_discover.lite.servicecheck import check_service

    check = check_service(service, deadline)
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
    return suggest(f"health localstack --wait{required}")


def aws_check(registry: Registry, deadline: Deadline, options: Options) -> Step:
    from foundry_discover.checks.aws import client

    try:
        sc = client.open_client(
            registry, config=_aws_config(deadline), allow_non_aws_endpoint=options.allow_non_aws_endpoint
        )
        return _fetch(sc, options)
    except FoundryError as exc:
        return _fail("aws", exc)


def _aws_config(deadline: Deadline) -> Any:
    """One attempt that may use what is left of the deadline.

    ``total_max_attempts`` counts attempts (``max_attempts`` would count retries). Not
    ``secrets.cli_config``'s slices: a LocalStack whose Secrets Manager is still loading
    answers its first call after seconds, and doctor has one deadline for every service,
    so the call gets all of it, once.
    """
    from botocore.config import Config

    left = max(deadline.remaining(), 0.1)
    return Config(connect_timeout=left, read_timeout=left, retries={"total_max_attempts": 1, "mode": "standard"})


def _fetch(sc: Any, options: Options) -> Step:
    """Every --secret, each one (a failure names which); with none, one page of the list."""
    from foundry_discover.checks.aws import calls

    if not options.secrets:
        listed = calls.list_secrets(sc, limit_pages=1)
        return Step("aws", "pass", f"Secrets Manager answered: {len(listed.secrets)} secret(s) listed")
    fetched: list[str] = []
    for name in options.secrets:
        try:
            value = calls.get_secret(sc, name)
        except FoundryError as exc:
            done = f" ({', '.join(fetched)} fetched)" if fetched else ""
            step = _fail("aws", exc, secret=name)
            step.detail = f"{exc.message}{done}"
            return step
        fetched.append(f"{value.name} ({value.kind})")
    return Step("aws", "pass", f"fetched secret {', '.join(fetched)}, value not shown", data={"secrets": fetched})


def production_secrets(registry: Registry, deadline: Deadline, options: Options) -> ServiceReport:
    """--secret outside development: fetched as the application would, from AWS itself.

    No LocalStack is involved, so the chain is the client's settings (config) and the call
    (aws); botocore resolves and connects itself, and its errors name the cause.
    """
    from foundry_discover.checks.aws import client

    steps: list[Step] = []
    try:
        started = time.perf_counter()
        sc = client.open_client(
            registry, config=_aws_config(deadline), allow_non_aws_endpoint=options.allow_non_aws_endpoint
        )
    except FoundryError as exc:
        step = _fail("config", exc)
        step.elapsed_ms = (time.perf_counter() - started) * 1000
        return ServiceReport(AWS_SERVICE, None, [step, Step("aws", "skip", "skipped: an earlier step failed")])
    plan = sc.plan
    where = f"endpoint {plan.shown_endpoint} ({plan.endpoint_source}), region {plan.region} ({plan.region_source})"
    if plan.warnings:
        steps.append(Step("config", "warn", f"{where}; " + "; ".join(plan.warnings)))
    else:
        steps.append(Step("config", "pass", where))
    steps[0].elapsed_ms = (time.perf_counter() - started) * 1000
    steps.append(_timed(lambda: _guarded_fetch(sc, options)))
    return ServiceReport(AWS_SERVICE, plan.shown_endpoint, steps)


def _guarded_fetch(sc: Any, options: Options) -> Step:
    try:
        return _fetch(sc, options)
    except FoundryError as exc:
        return _fail("aws", exc)


# ---- all services ---------------------------------------------------------------------------


def run(
    registry: Registry,
    names: Sequence[str],
    deadline: Deadline,
    options: Options,
    runtime: Runtime,
) -> DoctorReport:
    """One walk of every chosen service at once. Ctrl-C or SIGTERM does not raise: the
    report comes back with ``interrupted`` set, holding what had finished by then."""
    from foundry_discover.checks.environment import decide_environment
    from foundry_discover.util.threads import gather

    started = time.perf_counter()
    mode = decide_environment(registry.env)[0]
    choice = choose(registry, names, mode, options)
    docker = docker_lookup(registry, choice.services, runtime, deadline)
    sinks: list[list[Step]] = [[] for _ in choice.services]
    jobs: list[Callable[[], ServiceReport]] = [
        functools.partial(check_service, registry, n, deadline, options, mode, runtime.namespace, sink)
        for n, sink in zip(choice.services, sinks, strict=True)
    ]
    if choice.production_secrets:
        sinks.append([])
        jobs.append(lambda: production_secrets(registry, deadline, options))
    gathered = gather(jobs, name="doctor")
    stopped = signal_name(gathered.interrupt)
    reports: list[ServiceReport] = []
    for index, (report, sink) in enumerate(zip(gathered.results, sinks, strict=True)):
        if report is None:
            name = choice.services[index] if index < len(choice.services) else AWS_SERVICE
            report = unfinished_report(registry, name, list(sink), stopped or "SIGINT")
        reports.append(report)
    # Interrupted: the Docker facts are folded in from what the lookup had, without waiting for it.
    facts = docker.finish(reports, runtime, Deadline.after(0) if stopped else deadline, registry)
    result = DoctorReport(
        runtime,
        reports,
        (time.perf_counter() - started) * 1000,
        mode,
        notes=choice.notes,
        left_out=choice.left_out,
        interrupted=stopped,
        docker=facts,
    )
    result.environment_check, result.environment_warnings = environment_findings(registry)
    return result


def docker_lookup(registry: Registry, names: Sequence[str], runtime: Runtime, deadline: Deadline) -> Lookup:
    """Ask the Docker Engine API beside the checks; ``finish`` folds its facts into the failures."""
    from foundry_discover.doctor.docker import Lookup

    return Lookup.start(registry, names, runtime, deadline)


def environment_findings(registry: Registry) -> tuple[dict[str, Any], list[str]]:
    """What ENVIRONMENT means to the application, and settings the registry or the SDK never read right."""
    from foundry_discover.checks import envcheck
    from foundry_discover.checks.environment import environment_meaning

    env = registry.env
    meaning = environment_meaning(env)
    warnings = [meaning.warning] if meaning.warning else []
    warnings += [str(f) for f in envcheck.unread_variables(env, registry.names())]
    if env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"):
        # botocore's partitions data only when there is a region to check against it.
        warnings += [str(f) for f in envcheck.region_warnings(env, _known_regions())]
    return meaning.to_json(), warnings


@functools.lru_cache(maxsize=1)
def _known_regions() -> frozenset[str]:
    from foundry_discover.checks.envcheck import botocore_regions

    return frozenset(botocore_regions())


def signal_name(interrupt: BaseException | None) -> str | None:
    from foundry_discover.lite.errors import Terminated

    if interrupt is None:
        return None
    return "SIGTERM" if isinstance(interrupt, Terminated) else "SIGINT"


def unfinished_report(
    registry: Registry, name: str, done: list[Step], signal: str, *, begun: bool = True
) -> ServiceReport:
    """A service whose walk did not end: the steps that finished, the one under way, the rest unreached."""
    from foundry_discover.lite.errors import EXIT_INTERRUPTED, EXIT_TERMINATED

    code = EXIT_TERMINATED if signal == "SIGTERM" else EXIT_INTERRUPTED
    order = STEPS if name != AWS_SERVICE else ("config", "aws")
    steps = list(done)
    for step_name in order[len(steps) :]:
        if not begun or any(s.status in ("fail", *UNFINISHED) for s in steps):
            steps.append(Step(step_name, "not_reached", f"not reached: interrupted by {signal}", exit_code=code))
        else:
            steps.append(Step(step_name, "interrupted", f"interrupted by {signal} while this step ran", exit_code=code))
    try:
        service: Service | None = registry.get(name) if name != AWS_SERVICE else None
    except ConfigError:
        service = None
    return ServiceReport(service.name if service else normalize_name(name), service.url if service else None, steps)


def not_started(
    registry: Registry, names: Sequence[str], options: Options, runtime: Runtime, interrupt: BaseException
) -> DoctorReport:
    """Interrupted before any service was walked: each chosen one, every step not reached (for --junit)."""
    from foundry_discover.checks.environment import decide_environment

    signal = signal_name(interrupt) or "SIGINT"
    mode = decide_environment(registry.env)[0]
    choice = choose(registry, names, mode, options)
    chosen = choice.services + ([AWS_SERVICE] if choice.production_secrets else [])
    reports = [unfinished_report(registry, n, [], signal, begun=False) for n in chosen]
    return DoctorReport(runtime, reports, 0.0, mode, notes=choice.notes, left_out=choice.left_out, interrupted=signal)


@dataclass
class Choice:
    """Which services a run checks, which it leaves out and why, and what it decided."""

    services: list[str]
    notes: list[str] = field(default_factory=list)
    left_out: list[dict[str, str]] = field(default_factory=list)
    #: --secret outside development: fetched from AWS itself, as its own pseudo-service.
    production_secrets: bool = False


def configured(registry: Registry) -> dict[str, str]:
    """The services this environment sets up, each with the evidence."""
    found: dict[str, str] = {}
    env = registry.env
    for name, spec in registry.specs().items():
        if host_var(name) in env:
            found[name] = host_var(name)
        elif port_var(name) in env:
            found[name] = port_var(name)
        elif spec.source is not None and spec.source.kind == "file":
            found[name] = str(spec.source)
    return found


def choose(registry: Registry, names: Sequence[str], mode: str, options: Options | None = None) -> Choice:
    """The services to check: those named; else those this environment configures (any
    ``SVC_<NAME>_HOST`` or ``<NAME>_PORT`` set, or declared in a registry file) minus --skip;
    else, when nothing is configured (or --all), every known one.

    In production secrets come from AWS itself, so LocalStack is not part of the stack:
    unless named, or its host set explicitly, checking it would report a failure that is
    not one. A check asked for by name is never dropped: --require checks LocalStack, and
    --secret fetches from LocalStack in development, from AWS (SECRETSMANAGER) elsewhere.
    """
    options = options or Options()
    choice = Choice([normalize_name(n) for n in names])
    if not names:
        known = registry.names()
        found = configured(registry)
        if mode == "production" and host_var("LOCALSTACK") not in registry.env:
            # Not part of a production stack, whatever else configures it.
            known.remove("LOCALSTACK")
            found.pop("LOCALSTACK", None)
            choice.left_out.append(
                {
                    "name": "localstack",
                    "why": "ENVIRONMENT is production, where secrets come from AWS "
                    f"(name it, or set {host_var('LOCALSTACK')}, to check it anyway)",
                }
            )
        if options.every or not found:
            choice.services = list(known)
            if not options.every:
                choice.notes.append(
                    "nothing is configured here (no SVC_<NAME>_HOST, <NAME>_PORT or registry file): "
                    "checking every known service"
                )
        else:
            choice.services = [n for n in known if n in found]
            idle = [n for n in known if n not in found]
            for n in idle:
                choice.left_out.append(
                    {"name": n.lower(), "why": f"not configured here ({host_var(n)}, {port_var(n)} unset)"}
                )
            if idle:
                choice.notes.append(
                    f"left out, not configured here: {', '.join(n.lower() for n in idle)} "
                    "(name them, or --all, to check them anyway)"
                )
        skipped = [n for n in choice.services if n in {normalize_name(k) for k in options.skip}]
        for n in skipped:
            choice.services.remove(n)
            choice.left_out.append({"name": n.lower(), "why": "--skip"})
        if skipped:
            choice.notes.append(f"left out by --skip: {', '.join(n.lower() for n in skipped)}")
    wants_localstack = options.require or (options.secrets and mode == "development")
    if wants_localstack and "LOCALSTACK" not in choice.services:
        choice.services.append("LOCALSTACK")
        choice.left_out = [o for o in choice.left_out if o["name"] != "localstack"]
        flag = "--require" if options.require else "--secret"
        choice.notes.append(f"localstack added: {flag} is checked against it")
    elif mode == "production" and any(o["name"] == "localstack" for o in choice.left_out):
        choice.notes.insert(0, f"localstack left out: {choice.left_out[0]['why']}")
    if options.secrets and mode != "development":
        choice.production_secrets = True
        choice.notes.append(f"--secret is fetched from AWS itself (ENVIRONMENT is {mode}): see {AWS_SERVICE.lower()}")
    return choice


def run_until_ok(
    registry: Registry,
    names: Sequence[str],
    deadline: Deadline,
    options: Options,
    runtime: Runtime,
    on_progress: Callable[[str, float], None] | None = None,
) -> DoctorReport:
    """``--wait``: run again until everything passes or the deadline passes.

    Each service keeps its last real result: an attempt cut short by the end of the wait
    (a step that failed after the deadline expired, or was never reached) says only "out of
    time", so the service's result from the attempt before stands. Likewise for a service
    an interrupt caught mid-walk.
    """
    latest: list[DoctorReport] = []

    def attempt(overall: Deadline) -> DoctorReport:
        report = run(registry, names, Deadline.after(min(overall.remaining(), options.timeout)), options, runtime)
        if latest:
            report.services = [_keep_real(new, latest[0], overall, report) for new in report.services]
            report.attempts = latest[0].attempts + 1
        latest[:] = [report]
        return report

    def hopeless(report: DoctorReport) -> bool:
        # A configuration error will not fix itself while we wait, nor will a required
        # service the emulator does not run; an interrupt ends the wait.
        return (
            report.interrupted is not None
            or any(s.exit_code == EXIT_CONFIG for s in report.services)
            or any(step.data.get("unavailable") for s in report.services for step in s.steps if step.status == "fail")
        )

    def progress(report: DoctorReport, elapsed: float) -> None:
        if on_progress is not None:
            on_progress(waiting_for(report), elapsed)

    try:
        polled = poll(attempt, lambda r: r.ok, deadline, on_progress=progress, give_up=hopeless)
    except KeyboardInterrupt as exc:
        # Between two attempts: the last attempt is what is known.
        if not latest:
            raise
        latest[0].interrupted = signal_name(exc)
        latest[0].timed_out = False
        return latest[0]
    report = polled.last
    report.timed_out = polled.timed_out and report.interrupted is None
    return report


def _keep_real(new: ServiceReport, before: DoctorReport, overall: Deadline, report: DoctorReport) -> ServiceReport:
    old = next((s for s in before.services if s.name == new.name), None)
    if old is None:
        return new
    if new.cut and overall.expired:
        return old
    if report.interrupted and new.unfinished is not None and new.failure is None:
        return old
    return new


def verdict(report: DoctorReport, *, waited: bool, seconds: float) -> tuple[int, FoundryError | None]:
    """The exit code and the one-line error: an interrupt, the most severe failure, or the wait's end."""
    from foundry_discover.lite.errors import NotOkError, UnreachableError, WaitTimeoutError

    if report.interrupted:
        return _interrupted(report)
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
    failing = [s for s in report.services if s.failure]
    if not failing:
        unfinished = ", ".join(f"{s.name.lower()} ({s.unfinished.name})" for s in report.services if s.unfinished)
        timeout = WaitTimeoutError(
            f"time ran out ({seconds:g}s) before these steps began: {unfinished}", fix="Raise --timeout"
        )
        return timeout.exit_code, timeout
    kind: type[FoundryError] = {EXIT_CONFIG: ConfigError, EXIT_UNREACHABLE: UnreachableError}.get(code, NotOkError)
    if len(failing) == 1 and failing[0].failure:
        step = failing[0].failure
        return code, kind(f"{failing[0].name.lower()} fails at {step.name}: {step.detail}", fix=step.fix)
    return code, kind(f"{len(failing)} of {len(report.services)} services fail: {few(failing)}", fix=MANY_FIXES)


#: How many failing services a one-line message names before "and N more".
FEW = 3


def few(services: Sequence[ServiceReport], form: str = "{name} ({step})") -> str:
    """A short list for one line: the first few services and their step, then a count."""
    shown = [
        form.format(name=s.name.lower(), step=(s.failure or s.unfinished or s.steps[-1]).name) for s in services[:FEW]
    ]
    more = f" and {len(services) - FEW} more" if len(services) > FEW else ""
    return ", ".join(shown) + more


def _interrupted(report: DoctorReport) -> tuple[int, FoundryError]:
    """The same one line as every command stopped by a signal; the report says what was known."""
    from foundry_discover.lite.errors import stop_error

    err = stop_error(report.interrupted or "SIGINT")
    return err.exit_code, err


def waiting_for(report: DoctorReport) -> str:
    """What is still missing, in one line: each cause for a few services, names for many."""
    open_ = [s for s in report.services if s.failure or s.unfinished]
    if not open_:
        return "all services"
    if len(open_) > FEW:
        return few(open_)
    return "; ".join(
        f"{s.name.lower()} ({step.name}: {step.detail})" for s in open_ if (step := s.failure or s.unfinished)
    )
