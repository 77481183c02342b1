"""What the emulator check returns: service states, init status, the whole report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from foundry_discover.lite.errors import (
    EXIT_NOT_OK,
    EXIT_OK,
)

if TYPE_CHECKING:
    pass


HEALTH_PATH = "/_localstack/health"


INIT_PATH = "/_localstack/init"


Meaning = Literal["ok", "not_ready", "disabled", "failed"]


Verdict = Literal["healthy", "not_ready", "unhealthy"]


#: LocalStack's own service states (localstack.services.plugins.ServiceState).
STATE_MEANING: dict[str, Meaning] = {
    "available": "ok",
    "running": "ok",
    "starting": "not_ready",
    "stopping": "not_ready",
    "disabled": "disabled",
    "stopped": "failed",
    "error": "failed",
    "unknown": "failed",
}


@dataclass
class ServiceState:
    name: str
    state: str
    meaning: Meaning
    required: bool = False


@dataclass
class InitScript:
    stage: str
    name: str
    state: str


@dataclass
class InitStatus:
    """Init hooks as the emulator reports them; ``source`` says where (or that none did)."""

    source: Literal["localstack", "ministack", "none"]
    #: True once the READY stage (LocalStack) or the ready.d scripts (MiniStack) finished;
    #: None when the emulator reports no init state at all.
    ready: bool | None
    stages: dict[str, bool] = field(default_factory=dict)
    scripts: list[InitScript] = field(default_factory=list)
    total: int = 0
    failed: int = 0
    detail: str = ""


@dataclass
class EmulatorHealth:
    url: str
    emulator: str
    version: str | None
    edition: str | None
    round_trip_ms: float
    services: list[ServiceState]
    init: InitStatus
    required: list[str]
    verdict: Verdict
    reasons: list[str]
    #: Required services the emulator does not list, or lists as disabled: no wait brings them.
    unavailable: list[str] = field(default_factory=list)
    #: What could not be checked, and how it was checked instead (an emulator without the health path).
    notes: list[str] = field(default_factory=list)
    #: How the emulator was told apart (None: by its health body, as LocalStack and MiniStack are).
    identified_by: str | None = None
    #: What the verdict rests on: the health path, or the application's AWS call.
    checked: str = "http (emulator health)"
    #: botocore's route to the emulator when a proxy variable is set (checks.proxy.model.Route).
    route: Any = None

    @property
    def ok(self) -> bool:
        return self.verdict == "healthy"

    @property
    def exit_code(self) -> int:
        return EXIT_OK if self.ok else EXIT_NOT_OK

    @property
    def init_failed(self) -> bool:
        """An init script failed: LocalStack never re-runs it, so waiting cannot help."""
        return self.init.failed > 0

    def summary(self) -> str:
        what = f"{self.emulator} at {self.url}"
        if self.ok:
            return f"{what} is healthy"
        word = "not ready" if self.verdict == "not_ready" else "unhealthy"
        return f"{what} is {word}: {'; '.join(self.reasons)}"

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "emulator": self.emulator,
            "version": self.version,
            "edition": self.edition,
            "round_trip_ms": round(self.round_trip_ms, 3),
            "verdict": self.verdict,
            "ok": self.ok,
            "reasons": self.reasons,
            "required": self.required,
            "unavailable": self.unavailable,
            "services": {s.name: s.state for s in self.services},
            "init": self.init,
            "notes": self.notes,
            "identified_by": self.identified_by,
            "checked": self.checked,
            "route": self.route,
        }
