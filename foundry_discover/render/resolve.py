"""How `resolve` shows a name: the application's answer, the resolver, the DNS walk, the verdict."""

from __future__ import annotations

from typing import Any

from foundry_discover.checks.dns.model import RESOLV_CONF, AnswerStatus, Query, ResolveReport
from foundry_discover.lite.errors import EXIT_UNREACHABLE, FoundryError, NotOkError, UnreachableError
from foundry_discover.render import Cell, line, table, to_jsonable
from foundry_discover.render import deliver as render_deliver

_STYLE = {
    AnswerStatus.ANSWER: "green",
    AnswerStatus.NXDOMAIN: "yellow",
    AnswerStatus.NODATA: "yellow",
    AnswerStatus.SKIPPED: "dim",
}


def deliver(report: ResolveReport, *, as_json: bool) -> None:
    """The report on stdout; when the name does not resolve, the verdict as the error too."""
    problem: FoundryError | None = None
    if report.exit_code != 0:
        kind: type[FoundryError] = UnreachableError if report.exit_code == EXIT_UNREACHABLE else NotOkError
        problem = kind(report.verdict.summary, fix=report.verdict.fix)
    render_deliver(
        "resolve", report_json(report), report.exit_code, problem, as_json=as_json, human=lambda _: show(report)
    )


def report_json(report: ResolveReport) -> dict[str, Any]:
    """The --json shape of a report (the contract in tests/test_json_contract.py)."""
    cfg = report.config
    return {
        "query": report.query,
        "host": report.host,
        "service": report.target.service,
        "host_source": report.target.source,
        "host_variable": report.target.variable,
        "types": report.types,
        "resolved": report.verdict.resolved,
        "verdict": to_jsonable(report.verdict),
        "app": to_jsonable(report.app),
        "hosts_file": to_jsonable(report.hosts),
        "resolver": {
            "nameservers": [str(n) for n in cfg.nameservers],
            "nameserver_override": report.nameserver_override,
            "search": cfg.search,
            "ndots": cfg.ndots,
            "timeout": cfg.timeout,
            "attempts": cfg.attempts,
            "rotate": cfg.rotate,
            "options": cfg.options,
            "sources": cfg.sources,
            "ignored": cfg.ignored,
        },
        "candidates": [
            {"name": c.name, "origin": c.origin, "status": c.status.value, "note": c.note, "queries": c.queries}
            for c in report.candidates
        ],
        "stopped": report.stopped,
        "timeout": report.timeout,
    }


def show(report: ResolveReport) -> None:
    target = report.target
    if target.service:
        line(f"{report.query}: registry service {target.service}, host {target.host} (from {target.source})")
    line(_app_line(report))
    hosts = report.hosts
    listed = ", ".join(hosts.addresses) if hosts.addresses else "no entry"
    order = " ".join(hosts.nsswitch_sources) + ("" if hosts.nsswitch_from_file else ", glibc's default")
    line(f"hosts file {hosts.path}: {listed} (nsswitch hosts: {order})")
    line(_resolver_line(report))
    if report.timeout is not None:
        line(f"this command: --timeout {report.timeout:g} s per DNS reply and for getaddrinfo (not glibc's)", "dim")
    for ignored in report.config.ignored:
        line(f"  ignored: {ignored}", "yellow")
    if report.candidates:
        line()
        table(["NAME", "TRIED AS", "SERVER", "TYPE", "RESULT", "ANSWER", "TIME"], _rows(report), title="DNS trace")
        if report.stopped:
            line(f"stopped early: {report.stopped}", "dim")
    line()
    _verdict(report)


def _app_line(report: ResolveReport) -> str:
    app = report.app
    if not app.checked:
        return f"application (getaddrinfo): not checked: {app.skipped_because}"
    if app.timed_out:
        return f"application (getaddrinfo): still waiting after {app.ms / 1000:.1f} s, gave up"
    if app.error:
        return f"application (getaddrinfo): failed: {app.error} ({app.ms:.0f} ms)"
    source = f" from {app.source}" if app.source and app.source != "literal" else ""
    return f"application (getaddrinfo): {', '.join(app.addresses)}{source} ({app.ms:.0f} ms)"


def _resolver_line(report: ResolveReport) -> str:
    cfg = report.config
    servers = ", ".join(str(n) for n in cfg.nameservers)
    search = " ".join(cfg.search) or "(none)"
    text = (
        f"resolver: nameservers {servers}; search {search}; ndots {cfg.ndots}; "
        f"glibc timeout {cfg.timeout} s x attempts {cfg.attempts} "
        f"(the application waits up to {cfg.timeout * cfg.attempts:g} s per silent nameserver)"
    )
    if cfg.options or cfg.rotate:
        text += "; options " + " ".join([*cfg.options, *(["rotate"] if cfg.rotate else [])])
    # Only the parts that did not come from resolv.conf itself are worth a mention.
    notable = {k: v for k, v in cfg.sources.items() if not v.startswith(str(RESOLV_CONF))}
    if notable:
        text += " [" + "; ".join(f"{k} from {v}" for k, v in notable.items()) + "]"
    return text


def _rows(report: ResolveReport) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for candidate in report.candidates:
        if candidate.status is AnswerStatus.SKIPPED:
            rows.append([candidate.name, candidate.origin, "-", "-", ("not asked", "dim"), candidate.note, ""])
            continue
        for query in candidate.queries:
            rows.append(
                [
                    candidate.name,
                    candidate.origin,
                    query.server,
                    query.type,
                    (query.status.text, _STYLE.get(query.status, "red")),
                    _answer_text(query),
                    "" if query.status is AnswerStatus.SKIPPED else f"{query.ms:.1f} ms",
                ]
            )
    return rows


def _answer_text(query: Query) -> str:
    if query.status is not AnswerStatus.ANSWER:
        return query.detail
    values = [r.value if r.type in ("A", "AAAA") else f"{r.type} {r.value}" for r in query.records]
    text = ", ".join(values)
    if len(text) > 80:
        text = text[:77] + "..."
    return text + (" (over TCP: the UDP reply was truncated)" if query.transport == "tcp" else "")


def _verdict(report: ResolveReport) -> None:
    verdict = report.verdict
    if verdict.resolved:
        line(f"resolved: {verdict.summary}", "bold green")
    else:
        line(f"not resolved: {verdict.summary}", "bold red")
    if verdict.cause:
        line(f"cause: {verdict.cause}")
    if verdict.fix:
        line(f"fix: {verdict.fix}")
    for note in verdict.notes:
        line(f"note: {note}", "yellow")
