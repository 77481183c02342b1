"""A report's exit code and its one-line error."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from foundry_discover.lite.errors import (
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_UNREACHABLE,
    ConfigError,
    FoundryError,
)

if TYPE_CHECKING:
    pass
from foundry_discover.doctor.model import DoctorReport, ServiceReport

MANY_FIXES = "Each failing step shows its own fix (see above, or `failed_step` and `steps` in --json)"


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
