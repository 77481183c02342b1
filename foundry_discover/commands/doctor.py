"""``doctor``: walk every chosen service's chain, once or until it passes; JUnit for CI."""

from __future__ import annotations

import sys
from pathlib import Path

from foundry_discover.doctor.model import Options
from foundry_discover.lite.errors import ConfigError
from foundry_discover.lite.registry import Registry


def doctor(
    registry: Registry,
    names: list[str],
    options: Options,
    *,
    total: float,
    wait: bool,
    junit: Path | None,
    quiet: bool,
    as_json: bool,
) -> int:
    from foundry_discover import render
    from foundry_discover.checks.runtime import detect
    from foundry_discover.doctor.run import not_started, run_once, run_until_ok
    from foundry_discover.doctor.verdict import verdict
    from foundry_discover.lite.base import Deadline
    from foundry_discover.render import doctor as show

    deadline = Deadline.after(total)
    try:
        runtime = detect()
        with render.Progress(enabled=wait or render.use_color(sys.stderr)) as progress:
            if wait:
                report = run_until_ok(
                    registry, names, deadline, options, runtime, on_progress=lambda text, _: progress.update(text)
                )
            else:
                progress.update(f"checking {len(names) or 'the configured'} service(s)")
                report = run_once(registry, names, deadline, options, runtime)
    except KeyboardInterrupt as stop:
        # Stopped before any walk began (the walks themselves report an interrupt):
        # a CI job still gets its JUnit file, every step in it not reached.
        if junit is not None:
            write_junit(junit, show.junit_xml(not_started(registry, names, options, detect(), stop)))
        raise
    # Before anything is printed: a CI job cancelled while we print still gets its report.
    if junit is not None:
        write_junit(junit, show.junit_xml(report))
    code, problem = verdict(report, waited=wait, seconds=total)
    warnings = report.environment_warnings + [w for s in report.services for w in s.warnings]
    human = show.show_failures if quiet else show.show
    render.deliver(
        "doctor",
        show.report_json(report),
        code,
        problem,
        as_json=as_json,
        human=lambda _: human(report),
        warnings=warnings,
    )
    return code


def write_junit(path: Path, xml: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xml, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot write --junit {str(path)!r} ({exc.strerror or exc})", fix="Give a path in a writable folder"
        ) from None
