"""Every chosen service at once, under one deadline; again and again under --wait.

Services are walked concurrently, one thread each, so fifty services cost about what
the slowest one costs. Ctrl-C or SIGTERM does not raise: the report holds what had
finished by then.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from foundry_discover.checks.runtime import Runtime
from foundry_discover.lite.errors import (
    EXIT_CONFIG,
    ConfigError,
)
from foundry_discover.lite.registry import Registry, Service
from foundry_discover.lite.values import normalize_name
from foundry_discover.util.waiting import Deadline, poll

if TYPE_CHECKING:
    from foundry_discover.doctor.docker import Lookup
from foundry_discover.doctor.aws import production_secrets
from foundry_discover.doctor.choose import choose
from foundry_discover.doctor.model import AWS_SERVICE, STEPS, UNFINISHED, DoctorReport, Options, ServiceReport, Step
from foundry_discover.doctor.steps import walk_service
from foundry_discover.doctor.verdict import waiting_for


def run_once(
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
        functools.partial(walk_service, registry, n, deadline, options, mode, runtime.namespace, sink)
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
        from foundry_discover.checks.aws.region import choose_region

        # The profile's region is left out: reading it would load botocore for every doctor.
        choice = choose_region(env, None)
        warnings += [choice.warning] if choice.warning else []
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
    started = time.perf_counter()

    def attempt(overall: Deadline) -> DoctorReport:
        report = run_once(registry, names, Deadline.after(min(overall.remaining(), options.timeout)), options, runtime)
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
        latest[0].elapsed_ms = (time.perf_counter() - started) * 1000
        return latest[0]
    report = polled.last
    report.timed_out = polled.timed_out and report.interrupted is None
    # The summary and --json speak of the whole command, every attempt and pause included.
    report.elapsed_ms = (time.perf_counter() - started) * 1000
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
