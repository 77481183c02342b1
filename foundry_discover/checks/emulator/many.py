"""``health --all`` (every service at once) and ``health --wait`` (until healthy, one deadline)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from foundry_discover.checks.emulator.check import ATTEMPT_TIMEOUT, check_emulator_service
from foundry_discover.checks.emulator.model import EmulatorHealth
from foundry_discover.checks.service import check_service
from foundry_discover.lite.errors import (
    ConfigError,
    FoundryError,
    NotOkError,
    WaitTimeoutError,
    most_severe,
)
from foundry_discover.lite.probes import WrongProtocol
from foundry_discover.lite.servicecheck import ServiceCheck
from foundry_discover.util.waiting import Deadline, poll

if TYPE_CHECKING:
    from foundry_discover.lite.registry import Registry


def overall_exit(checks: Iterable[ServiceCheck]) -> int:
    """``--all``: a broken configuration first, then anything unreachable, then not ok."""
    return most_severe(c.exit_code for c in checks)


def all_problem(checks: list[ServiceCheck], code: int) -> FoundryError | None:
    """``--all``: one error of the class behind ``code``, naming every service that is not ok."""
    bad = [c for c in checks if not c.ok]
    if not bad:
        return None
    names = ", ".join(f"{c.name.lower()} ({c.verdict})" for c in bad)
    cls = next((type(c.error) for c in bad if c.error is not None and c.exit_code == code), NotOkError)
    return cls(f"{len(bad)} of {len(checks)} services are not healthy: {names}", fix="See the WHY column")


def all_interrupted(found: AllChecks) -> FoundryError:
    """``--all`` cut short by Ctrl-C or SIGTERM: the one line every stopped command prints."""
    from foundry_discover.lite.errors import stop_error

    return stop_error(found.interrupted or "SIGINT")


@dataclass
class AllChecks:
    """``--all``: a row per service; ``interrupted`` names the signal that cut the run short."""

    services: list[ServiceCheck]
    interrupted: str | None = None


def check_all(registry: Registry, deadline: Deadline) -> AllChecks:
    """Every known service at once, one thread each, all under the same deadline.

    Ctrl-C or SIGTERM does not raise: services that finished keep their results, the
    others are marked interrupted.
    """
    import functools

    from foundry_discover.lite.errors import Terminated
    from foundry_discover.util.threads import gather

    entries = list(registry.entries())
    jobs: list[Callable[[], ServiceCheck]] = []
    for name, entry in entries:
        if isinstance(entry, ConfigError):
            jobs.append(functools.partial(ServiceCheck, name, "", "config", [entry.message], error=entry))
        else:
            fn = check_emulator_service if name == "LOCALSTACK" else check_service
            jobs.append(functools.partial(fn, entry, deadline))
    gathered = gather(jobs, name="health")
    checks: list[ServiceCheck] = []
    for (name, entry), result in zip(entries, gathered.results, strict=True):
        if result is None:
            url = "" if isinstance(entry, ConfigError) else entry.url
            result = ServiceCheck(name, url, "interrupted", ["interrupted before the check finished"])
        checks.append(result)
    signal = None
    if gathered.interrupt is not None:
        signal = "SIGTERM" if isinstance(gathered.interrupt, Terminated) else "SIGINT"
    return AllChecks(checks, signal)


Attempt = EmulatorHealth | ServiceCheck | FoundryError


class HealthWaitTimeout(WaitTimeoutError):
    """A --wait ran out; ``last`` is what the final attempt saw."""

    def __init__(self, message: str, *, fix: str | None, last: Attempt) -> None:
        super().__init__(message, fix=fix)
        self.last = last


def describe(value: Attempt) -> str:
    """What is still missing, in one line (the progress text and the timeout message)."""
    if isinstance(value, FoundryError):
        return value.message
    return "; ".join(value.reasons) or value.verdict


def wait_healthy(
    check: Callable[[Deadline], EmulatorHealth | ServiceCheck],
    deadline: Deadline,
    *,
    what: str,
    on_progress: Callable[[str, float], None] | None = None,
) -> EmulatorHealth | ServiceCheck:
    """Poll ``check`` until healthy; HealthWaitTimeout (exit 124) naming what was missing.

    Returns early, not healthy, when waiting cannot help: an init script failed (LocalStack
    never re-runs it), or a required service is not listed or disabled (the emulators list
    every service from their first answer). A configuration error is raised at once.
    """

    seen: list[Attempt] = []

    def attempt(overall: Deadline) -> Attempt:
        # One hung connection must not eat the wait: each attempt gets a slice of it.
        step = Deadline.after(min(overall.remaining(), ATTEMPT_TIMEOUT))
        try:
            value: Attempt = check(step)
        except FoundryError as exc:
            value = exc
        failed = isinstance(value, FoundryError) or (isinstance(value, ServiceCheck) and value.error is not None)
        if failed and overall.expired and seen:
            # An attempt cut short by the end of the wait says only "out of time": the
            # attempt before it knows better what was still missing.
            value = seen[-1]
        seen[:] = [value]
        return value

    def done(value: Attempt) -> bool:
        return not isinstance(value, FoundryError) and value.ok

    def hopeless(value: Attempt) -> bool:
        if isinstance(value, (ConfigError, WrongProtocol)):
            return True
        if isinstance(value, ServiceCheck) and value.wrong_protocol:
            return True
        report = value.emulator if isinstance(value, ServiceCheck) else value
        return isinstance(report, EmulatorHealth) and (report.init_failed or bool(report.unavailable))

    progress = None if on_progress is None else (lambda value, elapsed: on_progress(describe(value), elapsed))
    polled = poll(attempt, done, deadline, on_progress=progress, give_up=hopeless)
    last = polled.last
    if isinstance(last, (ConfigError, WrongProtocol)):
        raise last
    if polled.timed_out:
        raise HealthWaitTimeout(
            f"{what} was not healthy after {deadline.seconds:g}s; still missing: {describe(last)}",
            fix="Raise --timeout, or run without --wait to see the current state",
            last=last,
        )
    assert not isinstance(last, FoundryError)  # done or gave up: both are results
    return last
