"""Helpers for the audit tests: run an audit on a folder, and Compose's own model of a project."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from foundry_discover.checks.audit.compose_model import ComposeProject
from foundry_discover.checks.audit.findings import AuditReport
from foundry_discover.checks.audit.run import audit
from foundry_discover.lite.specs import BUILTIN_SERVICES

DATA = Path(__file__).resolve().parent / "data" / "audit"
SPECS = {spec.name: spec for spec in BUILTIN_SERVICES}


def run_audit(*paths: str | Path, env: Mapping[str, str] | None = None, **kw: Any) -> AuditReport:
    return audit([str(p) for p in paths], SPECS, dict(env or {}), **kw)


def positions(report: AuditReport) -> list[tuple[str, str, int, int]]:
    return [(f.file, f.rule, f.line, f.column) for f in report.findings]


def _key(port: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if x is None else str(x) for x in port)


def _ports(items: list[Any]) -> list[str]:
    out: list[str] = []
    for item in items:
        first, _, last = str(item).partition("/")[0].partition("-")
        out += [str(p) for p in range(int(first), int(last or first) + 1)]
    return sorted(out)


def our_shape(project: ComposeProject) -> dict[str, Any]:
    """The fields the rules read, in a shape both models can be brought to."""
    return {
        name: {
            "environment": {k: v.text for k, v in s.environment.items()},
            "ports": sorted(((p.target, p.published, p.protocol, p.host_ip) for p in s.ports), key=_key),
            "expose": sorted(v.text or "" for v in s.expose),
            "networks": {n: sorted(a.text or "" for a in al) for n, al in (s.networks or {}).items()},
            "network_mode": s.network_mode.text if s.network_mode else None,
            "container_name": s.container_name.text if s.container_name else None,
            "image": s.image.text if s.image else None,
            "depends_on": {k: v.text for k, v in s.depends_on.items()},
            "healthcheck": s.healthcheck.test if s.healthcheck else None,
            "profiles": sorted(s.profiles),
        }
        for name, s in project.services.items()
    }


def compose_shape(doc: dict[str, Any]) -> dict[str, Any]:
    def unescape(value: Any) -> Any:
        # `config` writes a literal $ as $$ again, so its output stays interpolable.
        return value.replace("$$", "$") if isinstance(value, str) else value

    return {
        name: {
            "environment": {k: unescape(v) for k, v in (s.get("environment") or {}).items()},
            "ports": sorted(
                (
                    (p["target"], p.get("published"), p.get("protocol", "tcp"), p.get("host_ip"))
                    for p in s.get("ports", [])
                ),
                key=_key,
            ),
            "expose": _ports(s.get("expose", [])),
            "networks": {n: sorted((b or {}).get("aliases", [])) for n, b in (s.get("networks") or {}).items()},
            "network_mode": s.get("network_mode"),
            "container_name": s.get("container_name"),
            "image": s.get("image"),
            "depends_on": {k: v["condition"] for k, v in (s.get("depends_on") or {}).items()},
            "healthcheck": (s.get("healthcheck") or {}).get("test"),
            "profiles": sorted(s.get("profiles", [])),
        }
        for name, s in doc["services"].items()
    }


def compose_config(binary: Path, folder: Path, files: list[str], env: Mapping[str, str]) -> dict[str, Any]:
    """``docker compose config --format json`` with every profile on: needs no daemon."""
    args = [str(binary), "--profile", "*"]
    for name in files:
        args += ["-f", name]
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "TMPDIR")}
    proc = subprocess.run(
        [*args, "config", "--format", "json"],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**base, **env, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        timeout=60,
        check=True,
    )
    return json.loads(proc.stdout)  # type: ignore[no-any-return]
