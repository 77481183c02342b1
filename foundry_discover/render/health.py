"""How `health` shows its results: the emulator, its services and init, other services."""

from __future__ import annotations

from foundry_discover.render import Cell, line, table

TYPE_CHECKING = False  # not typing's: `health NAME` starts without importing typing
if TYPE_CHECKING:
    # Annotations only: showing a Redis check must not import the emulator check.
    from foundry_discover.checks.emulator.model import EmulatorHealth, InitStatus
    from foundry_discover.lite.servicecheck import ServiceCheck

#: Colour by meaning, never by the state's name alone.
STYLE = {"ok": "green", "not_ready": "yellow", "disabled": "dim", "failed": "red"}
VERDICT_STYLE = {
    "healthy": "bold green",
    "not_ready": "bold yellow",
    "unhealthy": "bold red",
    "unreachable": "bold red",
    "config": "bold red",
    "interrupted": "bold yellow",
}
SCRIPT_STYLE = {"SUCCESSFUL": "green", "RUNNING": "yellow", "UNKNOWN": "yellow", "ERROR": "red"}


def words(verdict: str) -> str:
    """A verdict as people read it: ``not_ready`` is "not ready"."""
    return verdict.replace("_", " ")


def show_emulator(report: EmulatorHealth, *, every: bool = False) -> None:
    """The verdict, then the services that matter (required, failing, not ready): an
    emulator lists dozens, so the rest are counted unless ``every`` (--all-services)."""
    version = report.version or "version unknown"
    edition = f", edition {report.edition}" if report.edition else ""
    line(f"{report.emulator} {version}{edition} at {report.url} ({report.round_trip_ms:.1f} ms)", "bold")
    line(f"verdict: {words(report.verdict)}", VERDICT_STYLE[report.verdict])
    for reason in report.reasons:
        line(f"  - {reason}")
    shown = [s for s in report.services if every or s.required or s.meaning in ("failed", "not_ready")]
    if len(report.services) - len(shown) <= FEW_SERVICES:
        shown = list(report.services)  # a handful reads faster listed than counted
    rows: list[list[Cell]] = []
    for s in shown:
        row: list[Cell] = [s.name, (s.state, STYLE[s.meaning])]
        if report.required:
            row.append("yes" if s.required else "")
        rows.append(row)
    missing = [name for name in report.required if name not in {s.name for s in report.services}]
    for name in missing:
        rows.insert(0, [name, ("not listed", "red"), "yes"])
    if rows:
        table(["SERVICE", "STATE", "REQUIRED"] if report.required else ["SERVICE", "STATE"], rows)
    hidden = [s for s in report.services if s not in shown]
    if hidden:
        counts: dict[str, int] = {}
        for s in hidden:
            counts[s.meaning] = counts.get(s.meaning, 0) + 1
        tally = ", ".join(f"{n} {MEANING_WORDS.get(m, m)}" for m, n in sorted(counts.items()))
        more = "other " if shown else ""
        line(f"{len(hidden)} {more}services listed: {tally} (--all-services lists them)", "dim")
    if report.identified_by:
        line(f"identified: {report.identified_by}", "dim")
    for note in report.notes:
        line(f"note: {note}", "dim")
    show_init(report.init)


#: Up to this many services that do not matter are listed anyway.
FEW_SERVICES = 5
MEANING_WORDS = {"ok": "available", "disabled": "disabled", "not_ready": "not ready", "failed": "failed"}


def show_init(init: InitStatus) -> None:
    if init.source == "none":
        line(f"init: not reported ({init.detail})", "dim")
        return
    if init.source == "ministack":
        word = "completed" if init.ready else init.detail
        line(f"init: ready.d scripts {word}: {init.total} script(s), {init.failed} failed")
        return
    stages = ", ".join(f"{stage} {'done' if done else 'pending'}" for stage, done in init.stages.items())
    line(f"init stages: {stages}")
    if init.scripts:
        table(
            ["STAGE", "SCRIPT", "STATE"],
            [[s.stage, s.name, (s.state, SCRIPT_STYLE.get(s.state, "red"))] for s in init.scripts],
        )


def show_service(check: ServiceCheck, *, every: bool = False) -> None:
    if check.emulator is not None:
        show_emulator(check.emulator, every=every)
        return
    line(f"{check.name.lower()} at {check.url}", "bold")
    line(f"verdict: {words(check.verdict)}", VERDICT_STYLE[check.verdict])
    rows: list[list[Cell]] = []
    if check.connect_ms is not None:
        rows.append(["tcp connect", (f"ok ({check.connect_ms:.1f} ms)", "green")])
    probe = check.probe
    if probe is not None and probe.state != "tcp_only":
        what = probe.request if probe.expected not in ("http", "https") else f"GET {check.health_url}"
        rows.append([f"{probe.expected}: {what}", (probe_summary(check), PROBE_STYLE[probe.state])])
    elif check.health_url:
        status = "no reply" if check.http_status is None else f"HTTP {check.http_status}"
        good = check.http_status is not None and 200 <= check.http_status < 300
        rows.append([f"GET {check.health_url}", (status, "green" if good else "red")])
    if rows:
        table(["CHECK", "RESULT"], rows)
    if probe is not None and probe.state == "tcp_only":
        line(f"  {probe.detail}", "yellow")
    if probe is not None and probe.note:
        line(f"  note: {probe.note}", "dim")
    for reason in check.reasons:
        line(f"  - {reason}")


PROBE_STYLE = {
    "ok": "green",
    "tcp_only": "yellow",
    "not_ready": "yellow",
    "redirect": "green",
    "failing": "red",
    "wrong_protocol": "red",
    "no_reply": "red",
}


def probe_summary(check: ServiceCheck) -> str:
    """The protocol check's outcome in a few words: what answered, and how."""
    probe = check.probe
    if probe is None:
        return ""
    if probe.state == "wrong_protocol":
        return f"{probe.protocol}, not {probe.expected}"
    if probe.state == "no_reply":
        return f"no reply ({probe.protocol})"
    if probe.state == "tcp_only":
        return "TCP only"
    if probe.http_status is not None:
        return f"HTTP {check.http_status}" + (f" ({probe.server})" if probe.server else "")
    return probe.detail


def show_all(checks: list[ServiceCheck]) -> None:
    rows: list[list[Cell]] = [
        [
            c.name.lower(),
            c.url or "-",
            (c.verdict, VERDICT_STYLE[c.verdict]),
            _checked(c),
            "; ".join(c.reasons) or _note(c),
        ]
        for c in checks
    ]
    table(["SERVICE", "URL", "VERDICT", "CHECKED", "WHY"], rows)


def _note(check: ServiceCheck) -> str:
    if check.emulator is not None:
        return "; ".join(check.emulator.notes)
    return (check.probe.note or "") if check.probe is not None else ""


def _checked(check: ServiceCheck) -> str:
    """What the verdict rests on: the protocol that answered, or TCP only."""
    if check.emulator is not None:
        return check.emulator.checked
    probe = check.probe
    if probe is None:
        return "-"
    if probe.state == "tcp_only":
        return "TCP only"
    return probe.protocol
