"""``audit`` output: findings grouped by file for people, the envelope, or SARIF 2.1.0."""

from __future__ import annotations

import sys
from itertools import groupby
from typing import IO, Any

from foundry_discover import __version__
from foundry_discover.checks.audit.findings import RULES, AuditReport, Finding
from foundry_discover.render import _console, record_message, use_color

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/foundry-discover/"
_STYLE = {"error": "bold red", "warning": "yellow"}


def summary(report: AuditReport) -> str:
    kinds = ", ".join(f"{n} {k}" for k, n in report.counts.items() if n)
    read = f"{report.files} file{'s' if report.files != 1 else ''}" + (f" ({kinds})" if kinds else "")
    if not report.findings:
        return f"no findings in {read}"
    parts = [f"{report.errors} error{'s' if report.errors != 1 else ''}"]
    parts.append(f"{report.warnings} warning{'s' if report.warnings != 1 else ''}")
    return f"{', '.join(parts)} in {read}"


def show_report(report: AuditReport, stream: IO[str] | None = None) -> None:
    """``file:line:col RULE message``, the fix under it, a blank line between files, then the summary."""
    out = stream or sys.stdout
    color = use_color(out)
    console = _console(out) if color else None
    for index, (_file, group) in enumerate(groupby(report.findings, key=lambda f: f.file)):
        if index:
            out.write("\n")
        for finding in group:
            _finding(finding, out, console)
    if report.findings:
        out.write("\n")
    style = "bold red" if report.errors else "yellow" if report.warnings else "green"
    if console is not None:
        from rich.text import Text

        console.print(Text(summary(report), style=style))
    else:
        out.write(summary(report) + "\n")


def _finding(finding: Finding, out: IO[str], console: Any) -> None:
    record_message("finding", finding.message, finding.fix)
    where = f"{finding.file}:{finding.line}:{finding.column}"
    if console is None:
        out.write(f"{where} {finding.rule} {finding.message}\n    fix: {finding.fix}\n")
        return
    from rich.text import Text

    text = Text()
    text.append(where, style="bold")
    text.append(" ")
    text.append(finding.rule, style=_STYLE[finding.severity])
    text.append(f" {finding.message}")
    console.print(text)
    console.print(Text(f"    fix: {finding.fix}", style="cyan"))


def sarif(report: AuditReport) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log: every rule in tool.driver.rules, one result per finding."""
    index = {rule.id: i for i, rule in enumerate(RULES)}
    rules = [
        {
            "id": rule.id,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": f"{rule.summary} Fix: {rule.fix}"},
            "help": {"text": rule.fix},
            "defaultConfiguration": {"level": rule.severity},
            "properties": {"tags": [rule.id[:3]]},
        }
        for rule in RULES
    ]
    results = [
        {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": f.severity,
            "message": {"text": f"{f.message}. Fix: {f.fix}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.file, "uriBaseId": "SRCROOT"},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in report.findings
    ]
    root = report.root.rstrip("/") + "/"
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "foundry-discover",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"SRCROOT": {"uri": "file://" + root}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def write_sarif(report: AuditReport) -> None:
    import json

    from foundry_discover.lite import signals

    text = json.dumps(sarif(report), indent=2, ensure_ascii=False) + "\n"
    with signals.held():
        sys.stdout.write(text)
        sys.stdout.flush()
