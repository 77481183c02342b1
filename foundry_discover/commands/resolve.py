"""``resolve``: what the application's lookup gets for a name, and why, with progress."""

from __future__ import annotations

import sys

from foundry_discover.lite.registry import Registry


def resolve(
    registry: Registry,
    name: str,
    *,
    record_type: str | None,
    nameservers: list[str],
    timeout: float,
    as_json: bool,
) -> int:
    from foundry_discover import render
    from foundry_discover.checks.dns.inputs import parse_nameserver
    from foundry_discover.checks.dns.report import resolve as trace
    from foundry_discover.render import resolve as show

    servers = [parse_nameserver(v) for v in nameservers]
    with render.Progress(enabled=not as_json and render.use_color(sys.stderr)) as progress:
        report = trace(
            name,
            registry,
            record_type=record_type,
            nameservers=servers or None,
            timeout=timeout,
            progress=progress.update,
        )
    show.deliver(report, as_json=as_json)
    return report.exit_code
