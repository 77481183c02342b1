"""``url``: where a service is, and (``--explain``) where each value came from.

The fast path: it imports nothing beyond the registry and the renderer.
"""

from __future__ import annotations

from foundry_discover.lite.errors import ConfigError
from foundry_discover.lite.registry import Registry


def show_all(registry: Registry, *, as_json: bool) -> int:
    """Every known service, each with its URL or its configuration error."""
    from foundry_discover import render
    from foundry_discover.render import url as show

    entries = list(registry.entries())
    bad = [(name, e) for name, e in entries if isinstance(e, ConfigError)]
    problem = _bad_entries(bad, len(entries)) if bad else None
    code = problem.exit_code if problem else 0
    render.deliver(
        "url", show.entries_json(entries), code, problem, as_json=as_json, human=lambda _: show.show_entries(entries)
    )
    return code


def _bad_entries(bad: list[tuple[str, ConfigError]], total: int) -> ConfigError:
    """One line for the table's broken rows: the first one's cause and fix, and how many more."""
    name, first = bad[0]
    if len(bad) == 1:
        return ConfigError(f"{name.lower()}: {first.message}", fix=first.fix)
    others = ", ".join(n.lower() for n, _ in bad[1:])
    return ConfigError(
        f"{len(bad)} of {total} services are misconfigured: {name.lower()}: {first.message}; also {others}",
        fix=first.fix,
    )


def show_one(
    registry: Registry, name: str, *, path: str, explain: bool, host_only: bool, port_only: bool, as_json: bool
) -> int:
    """One service's URL (or host, or port), with its provenance under ``explain``."""
    from foundry_discover import render
    from foundry_discover.render import url as show

    service = registry.get(name)
    warnings = list(service.warnings)
    if explain:
        from foundry_discover.checks.envcheck import unread_variables

        # Only --explain pays for this: the bare URL is the fast path.
        reads = (service.host_env, service.port_env)
        warnings += [str(f) for f in unread_variables(registry.env, registry.names()) if f.reads in reads]
    if as_json:
        result = show.service_json(service, path)
        render.emit(render.Outcome("url", result, 0, warnings), as_json=True, human=show.show_value)
    elif explain:
        show.show_explain(service, path, warnings)
    else:
        value = service.host if host_only else str(service.port) if port_only else service.url_for(path)
        render.emit(render.Outcome("url", value, 0, list(service.warnings)), as_json=False, human=show.show_value)
    return 0
