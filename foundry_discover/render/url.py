"""How `url` shows services: the bare URL, the table of all, the provenance of one."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from foundry_discover.lite.errors import ConfigError
from foundry_discover.lite.rawvalue import BOM, ValueWarning
from foundry_discover.lite.registry import Service
from foundry_discover.lite.specs import Source
from foundry_discover.render import Cell, error_json, line, table


def service_json(service: Service, path: str = "") -> dict[str, Any]:
    return {
        "name": service.name,
        "url": service.url_for(path),
        "host": service.host,
        "port": service.port,
        "scheme": service.scheme,
        "health_path": service.health_path,
        "host_source": source_json(service.host_source, service.host_env, _noted(service, service.host_env)),
        "port_source": source_json(service.port_source, service.port_env, _noted(service, service.port_env)),
        "declared_by": service.declared_by,
        "warnings": list(service.warnings),
    }


def source_json(source: Source, var: str, noted: ValueWarning | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"kind": source.kind, "detail": source.detail, "variable": var, "text": str(source)}
    if noted is not None:
        # The value as the environment holds it, when the application makes something else of it.
        found.update(raw=noted.raw, stray=noted.kind)
    return found


def _noted(service: Service, var: str) -> ValueWarning | None:
    return next((w for w in service.warnings if isinstance(w, ValueWarning) and w.variable == var), None)


def entries_json(entries: list[tuple[str, Service | ConfigError]]) -> dict[str, Any]:
    services = []
    for name, entry in entries:
        if isinstance(entry, ConfigError):
            services.append({"name": name, "ok": False, "error": error_json(entry)})
        else:
            services.append({"ok": True, **service_json(entry)})
    return {"services": services}


def show_value(value: str) -> None:
    sys.stdout.write(value + "\n")


def show_entries(entries: list[tuple[str, Service | ConfigError]]) -> None:
    rows: list[list[Cell]] = []
    for name, entry in entries:
        if isinstance(entry, ConfigError):
            rows.append([name.lower(), (f"error: {entry.message}", "red"), "", ""])
        else:
            rows.append([name.lower(), entry.url, _short(entry.host_source), _short(entry.port_source)])
    table(["SERVICE", "URL", "HOST FROM", "PORT FROM"], rows)


def show_explain(service: Service, path: str = "", warnings: Sequence[str] | None = None) -> None:
    line(f"{service.name.lower()}  {service.url_for(path)}", "bold")
    rows: list[list[Cell]] = [
        ["host", service.host, _explain(service.host_source, service.host_env, _noted(service, service.host_env))],
        ["port", str(service.port), _explain(service.port_source, service.port_env, _noted(service, service.port_env))],
        ["scheme", service.scheme, f"declared by {service.declared_by}"],
        ["health path", service.health_path or "-", f"declared by {service.declared_by}"],
    ]
    table(["", "VALUE", "FROM"], rows)
    for warning in service.warnings if warnings is None else warnings:
        line(f"warning: {warning}", "yellow")


def _short(source: Source) -> str:
    return source.detail if source.kind == "env" else str(source)


def _explain(source: Source, var: str, noted: ValueWarning | None = None) -> str:
    if noted is not None and noted.kind == "bom":
        glued = BOM + var
        return f"{source} ({var} is not set; {glued!r} is: see the warning)"
    if source.kind == "env":
        raw = f" (set to {noted.raw!r}, see the warning)" if noted is not None else ""
        return f"environment variable {var}{raw}"
    return f"{source} ({var} is not set)"
