"""The verdict from the facts: which services count, which are missing, healthy or not."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from foundry_discover.checks.emulator.model import STATE_MEANING, InitStatus, ServiceState, Verdict

if TYPE_CHECKING:
    pass


def service_states(services: dict[str, str], require: Sequence[str]) -> list[ServiceState]:
    wanted = set(require)
    rows = [
        ServiceState(name, state, STATE_MEANING.get(state.lower(), "failed"), name in wanted)
        for name, state in services.items()
    ]
    # Required services first, in the order asked, then the rest by name.
    order = {name: i for i, name in enumerate(require)}
    rows.sort(key=lambda s: (order.get(s.name, len(order)), s.name))
    return rows


def _closest_listed(name: str, listed: Mapping[str, ServiceState]) -> str:
    """``secretsmanagr`` -> "; did you mean secretsmanager?"; else where the list comes from."""
    import difflib

    close = difflib.get_close_matches(name, list(listed), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]}?"
    return " (LocalStack's SERVICES setting decides what it runs)"


def unavailable(states: list[ServiceState], require: Sequence[str]) -> list[str]:
    """Required services that waiting cannot bring: not listed, or listed as disabled.

    LocalStack and MiniStack list every service they can run from their first answer, so a
    name missing from the list is a typo or a service left out of SERVICES, not a slow start.
    """
    by_name = {s.name: s for s in states}
    return [n for n in require if n not in by_name or by_name[n].meaning == "disabled"]


def evaluate(states: list[ServiceState], init: InitStatus, require: Sequence[str]) -> tuple[Verdict, list[str]]:
    """The verdict and the reasons for it; the rules are the states table in docs/health.md."""
    bad: list[str] = []
    waiting: list[str] = []
    by_name = {s.name: s for s in states}
    if require:
        for name in require:
            row = by_name.get(name)
            if row is None:
                bad.append(f"{name} is not enabled: the emulator does not list it{_closest_listed(name, by_name)}")
            elif row.meaning == "disabled":
                bad.append(f"{name} is disabled: not enabled (LocalStack's SERVICES setting)")
            elif row.meaning == "not_ready":
                waiting.append(f"{name} is {row.state}")
            elif row.meaning == "failed":
                bad.append(f"{name} is in state {row.state}")
    else:
        bad += [f"{s.name} is in state {s.state}" for s in states if s.state.lower() == "error"]
    if init.source == "localstack":
        bad += [f"init script {s.name} ({s.stage}) failed" for s in init.scripts if s.state == "ERROR"]
        if not init.ready:
            running = [s.name for s in init.scripts if s.state in ("RUNNING", "UNKNOWN")]
            pending = f" (pending: {', '.join(running)})" if running else ""
            waiting.append(f"init stage READY has not completed{pending}")
    elif init.source == "ministack":
        if init.failed:
            bad.append(f"{init.failed} of {init.total} ready.d script(s) failed (MiniStack's log names them)")
        if not init.ready:
            waiting.append(f"ready.d scripts are {init.detail}")
    if bad:
        return "unhealthy", bad + waiting
    if waiting:
        return "not_ready", waiting
    return "healthy", []
