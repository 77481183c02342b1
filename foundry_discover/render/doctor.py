"""How `doctor` shows the chain: a block per service, a summary line, and JUnit XML."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from foundry_discover.doctor.model import UNFINISHED, DoctorReport, ServiceReport, StepStatus
from foundry_discover.doctor.verdict import few
from foundry_discover.lite.errors import flat
from foundry_discover.render import Cell, line, record_message, table

if TYPE_CHECKING:
    from foundry_discover.checks.docker.logs import LogTail

MARK: dict[StepStatus, Cell] = {
    "pass": ("ok", "green"),
    "warn": ("warn", "yellow"),
    "fail": ("FAIL", "bold red"),
    "skip": ("skip", "dim"),
    "interrupted": ("STOP", "bold yellow"),
    "not_reached": ("----", "yellow"),
}


def show(report: DoctorReport) -> None:
    _head(report)
    for service in report.services:
        _service(service)
        _container(report, service)
    line(summary(report), "bold green" if report.ok else "bold red")


def show_failures(report: DoctorReport) -> None:
    """--quiet: only the services that did not pass, then the summary line."""
    _head(report)
    for service in report.services:
        if not service.ok:
            _service(service)
            _container(report, service)
    line(summary(report), "bold green" if report.ok else "bold red")


def _head(report: DoctorReport) -> None:
    line(f"where: {report.runtime.summary()}; {environment_words(report)}", "dim")
    for note in report.notes:
        line(f"note: {note}", "dim")
    if report.docker is not None:
        line(f"docker: {report.docker.note}", "dim")


def environment_words(report: DoctorReport) -> str:
    """``ENVIRONMENT=staging, production to this tool`` : the value as set, then what it means."""
    check = report.environment_check
    value, app = check.get("value"), check.get("app")
    if value is None:
        return f"ENVIRONMENT unset, {report.environment} to this tool"
    if value == report.environment and app in (None, report.environment):
        return f"ENVIRONMENT={value}"
    also = f", {app} to the application" if app and app != report.environment else ""
    return f"ENVIRONMENT={value!r}, {report.environment} to this tool{also}"


def _service(service: ServiceReport) -> None:
    rows: list[list[Cell]] = []
    for step in service.steps:
        style = "red" if step.status == "fail" else "dim" if step.status == "skip" else ""
        style = "yellow" if step.status in UNFINISHED else style
        took = f"{step.elapsed_ms:.1f} ms" if step.status not in ("skip", *UNFINISHED) else ""
        detail = cell(flat(step.detail))
        rows.append([MARK[step.status], step.name, (detail, style) if style else detail, took])
    line()
    table(["", "STEP", "RESULT", "TIME"], rows, title=f"{service.name.lower()}  {service.url or '(no URL)'}")
    for step in service.steps:
        # Below the table, not in it: a long cause or fix would stretch every row.
        if cell(flat(step.detail)) != flat(step.detail):
            line(f"why ({step.name}): {flat(step.detail)}", "red" if step.status == "fail" else "")
        if step.fix and step.status in ("fail", "warn"):
            record_message(f"doctor {step.name}", flat(step.detail), flat(step.fix))
            line(f"fix ({step.name}): {flat(step.fix)}", "yellow")
        if step.status == "fail" and step.data.get("docker_hint"):
            line(f"hint ({step.name}): {step.data['docker_hint']}", "dim")
        if step.status == "fail" and step.data.get("docker_log") is not None:
            _log_tail(step.name, step.data["docker_log"])


#: A RESULT cell longer than this shows its first clause; the whole detail follows the table.
CELL = 100


def cell(detail: str) -> str:
    """A step's detail for its table row: whole when short, else its first clause (``see why``)."""
    if len(detail) <= CELL:
        return detail
    depth = 0
    cut = None
    for i, char in enumerate(detail):
        depth += char == "("
        depth -= char == ")" and depth > 0
        if depth == 0 and detail.startswith(": ", i):
            cut = i
            break
    if cut is None or cut > CELL:
        # No clause ends in time: up to the last word boundary outside parentheses.
        cut = max(
            (i for i, c in enumerate(detail[:CELL]) if c == " " and detail[:i].count("(") == detail[:i].count(")")),
            default=None,
        )
    if cut is None or cut < 12:
        return detail
    return f"{detail[:cut].rstrip(',;')} (see why below)"


def _log_tail(step: str, tail: LogTail) -> None:
    """The stopped container's last lines (bounded and masked by the lookup), under its failing step."""
    if tail.error or not tail.lines:
        line(f"log ({step}): no lines from container {tail.container}: {tail.error or 'it printed nothing'}", "dim")
        return
    more = ", earlier ones left out" if tail.truncated else ""
    masked = f", {tail.masked} secret value(s) masked" if tail.masked else ""
    line(f"log ({step}): the last {len(tail.lines)} line(s) of container {tail.container}{more}{masked}:", "dim")
    for text in tail.lines:
        line(f"  | {text}", "dim")


def _container(report: DoctorReport, service: ServiceReport) -> None:
    """What `docker compose ps` would say about the service's container, below its table."""
    target = report.docker.targets.get(service.name) if report.docker is not None else None
    if target is None or target.container is None:
        return
    c = target.container
    state = c.state + (f" (exit code {c.exit_code})" if c.state in ("exited", "dead") else "")
    if c.health is not None:
        state += f", {c.health.status}"
    if c.restart_count:
        state += f", {c.restart_count} restart(s)"
    networks = (
        "; ".join(f"{n.name} as {', '.join(c.names_on(n.name))}" for n in c.networks)
        or f"network mode {c.network_mode}"
    )
    ports = ", ".join(
        f"{p.container_port}/{p.protocol}" + (f" -> {p.host_ip or '*'}:{p.host_port}" if p.host_port else "")
        for p in c.ports
    )
    line(
        f"docker: {c.label}, found by {target.found_by}: {state}; networks: {networks}"
        + (f"; ports {ports}" if ports else ""),
        "dim",
    )


def summary(report: DoctorReport) -> str:
    """One short line however many services: counts and the first few names (the table and
    JSON have them all)."""
    counts = report.counts()
    total = counts["services"]
    failing = [s for s in report.services if s.failure]
    unfinished = [s for s in report.services if not s.failure and s.unfinished]
    if report.ok:
        head = "1 service passes" if total == 1 else f"all {total} services pass"
    else:
        parts = []
        if failing:
            parts.append(f"{len(failing)} of {total} failing ({few(failing, '{name}: {step}')})")
        if unfinished:
            word = "interrupted" if report.interrupted else "not finished in time"
            parts.append(f"{len(unfinished)} {word} ({few(unfinished, '{name}: {step}')})")
        head = "; ".join(parts) or f"{counts['passed']} of {total} pass"
    warned = f", {counts['warned']} with warnings" if counts["warned"] else ""
    left = f", {counts['left_out']} left out" if counts["left_out"] else ""
    tries = f" after {report.attempts} attempts" if report.attempts > 1 else ""
    stopped = f" (interrupted by {report.interrupted})" if report.interrupted else ""
    return f"{head}{warned}{left}{tries} in {report.elapsed_ms / 1000:.2f} s{stopped}"


def junit_xml(report: DoctorReport) -> str:
    """JUnit XML: one test case per service and step, as CI systems read it."""
    import xml.etree.ElementTree as ET

    cases = [(s, step) for s in report.services for step in s.steps]
    suites = ET.Element("testsuites", name="foundry-discover doctor")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="foundry-discover doctor",
        tests=str(len(cases)),
        failures=str(sum(step.status == "fail" for _, step in cases)),
        # Steps that never ran to an end are errors, not skips: CI must not count them as passing.
        errors=str(sum(step.status in UNFINISHED for _, step in cases)),
        skipped=str(sum(step.status == "skip" for _, step in cases)),
        time=f"{report.elapsed_ms / 1000:.3f}",
    )
    props = ET.SubElement(suite, "properties")
    ET.SubElement(props, "property", name="where", value=report.runtime.summary())
    ET.SubElement(props, "property", name="environment", value=report.environment)
    if report.interrupted:
        ET.SubElement(props, "property", name="interrupted", value=report.interrupted)
    if report.timed_out:
        ET.SubElement(props, "property", name="timed_out", value="true")
    for service, step in cases:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"doctor.{service.name.lower()}",
            name=step.name,
            time=f"{step.elapsed_ms / 1000:.6f}",
        )
        if step.status == "fail":
            failure = ET.SubElement(case, "failure", message=step.detail, type=f"exit-{step.exit_code}")
            failure.text = f"{step.detail}\nfix: {step.fix}" if step.fix else step.detail
            tail = step.data.get("docker_log")
            if tail is not None and tail.lines:
                failure.text += f"\nlast lines of container {tail.container}:\n" + "\n".join(tail.lines)
        elif step.status in UNFINISHED:
            ET.SubElement(case, "error", message=step.detail, type=step.status)
        elif step.status == "skip":
            ET.SubElement(case, "skipped", message=step.detail)
        elif step.status == "warn":
            out = ET.SubElement(case, "system-out")
            out.text = f"warning: {step.detail}" + (f"\nfix: {step.fix}" if step.fix else "")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def report_json(report: DoctorReport) -> dict[str, Any]:
    """The --json shape of a doctor report (the contract in tests/test_json_contract.py)."""
    return {
        "ok": report.ok,
        "exit_code": report.exit_code,
        "elapsed_ms": round(report.elapsed_ms, 3),
        "attempts": report.attempts,
        "timed_out": report.timed_out,
        "interrupted": report.interrupted,
        "environment": report.environment,
        "runtime": report.runtime,
        "notes": report.notes,
        "left_out": report.left_out,
        "environment_check": report.environment_check,
        "environment_warnings": report.environment_warnings,
        "docker": report.docker,
        "counts": report.counts(),
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
            for s in report.services
        ],
    }
