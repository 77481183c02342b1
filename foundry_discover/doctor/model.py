"""What a doctor run finds: a step, a service's walk, the whole report, and the options."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from foundry_discover.checks.runtime import Runtime
from foundry_discover.lite.errors import (
    EXIT_OK,
    FoundryError,
    most_severe,
)

if TYPE_CHECKING:
    from foundry_discover.checks.docker.facts import DockerFacts


#: ``interrupted``: begun, then cut short by Ctrl-C or SIGTERM; ``not_reached``: never begun
#: (time ran out, or the command was interrupted, before it). Neither is a pass.
StepStatus = Literal["pass", "warn", "fail", "skip", "interrupted", "not_reached"]


UNFINISHED: tuple[StepStatus, ...] = ("interrupted", "not_reached")


STEPS = ("config", "resolve", "connect", "protocol", "aws")


#: The pseudo-service that fetches --secret names where production gets them: AWS itself.
AWS_SERVICE = "SECRETSMANAGER"


@dataclass
class Step:
    name: str
    status: StepStatus
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


def timed(fn: Callable[[], Step]) -> Step:
    started = time.perf_counter()
    step = fn()
    step.elapsed_ms = (time.perf_counter() - started) * 1000
    return step


def fail_step(name: str, exc: FoundryError, **data: Any) -> Step:
    return Step(name, "fail", exc.message, fix=exc.fix, exit_code=exc.exit_code, data=data)
