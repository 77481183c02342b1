"""Compose projects: files grouped as Compose groups them, interpolated, extended, merged.

Compose reads ``compose.yaml`` (or ``compose.yml``, ``docker-compose.yaml``,
``docker-compose.yml``) and its ``.override`` file; any other ``compose*.y*ml`` in that
folder is audited laid over the same base, as ``docker compose -f base -f other`` does.
Every profile is active: an audit reads every service.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from foundry_discover.checks.audit import compose_normalize as norm
from foundry_discover.checks.audit.compose_model import ComposeProject, Service, Value
from foundry_discover.checks.audit.dotenv import env_map, parse_env
from foundry_discover.checks.audit.findings import Finding, Loc
from foundry_discover.checks.audit.interpolate import Missing, interpolate
from foundry_discover.checks.audit.yamlpos import LList, LMap, load_one

BASE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def group_files(names: list[str]) -> list[list[str]]:
    """File names of one folder -> the file lists Compose would merge, base first."""
    base = next((n for n in BASE_NAMES if n in names), None)
    if base is None:
        return [[n] for n in sorted(names)]
    stem = base.rsplit(".", 1)[0]
    overrides = [n for n in (f"{stem}.override.yaml", f"{stem}.override.yml") if n in names][:1]
    groups = [[base, *overrides]]
    groups += [[base, n] for n in sorted(names) if n != base and n not in overrides]
    return groups


class _Loader:
    """Reads files once each (an override laid over several bases is parsed once)."""

    def __init__(self, root: Path, shell: Mapping[str, str]) -> None:
        self.root = root
        self.shell = dict(shell)
        self.findings: list[Finding] = []
        self._seen_errors: set[str] = set()

    def rel(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def project_env(self, folder: Path) -> dict[str, str]:
        dotenv = folder / ".env"
        values: dict[str, str] = {}
        if dotenv.is_file():
            values = env_map(dotenv.read_text(encoding="utf-8", errors="replace"), self.shell)
        return {**values, **self.shell}

    def read(self, path: Path, env: dict[str, str]) -> LMap | None:
        rel = self.rel(path)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        data, error = load_one(text)
        if error is not None:
            if rel not in self._seen_errors:
                self._seen_errors.add(rel)
                self.findings.append(
                    Loc(rel, error.line, error.column).finding("FD001", f"YAML error: {error.problem}")
                )
            return None
        if not isinstance(data, LMap):
            return None
        self._interpolate(data, env, rel, set())
        return data

    def _interpolate(self, node: Any, env: dict[str, str], rel: str, seen: set[int]) -> None:
        # An anchor's node is shared by its aliases: interpolate it once, or `$$` would unescape twice.
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, LMap):
            for key, value in node.items():
                if isinstance(value, str):
                    node[key] = self._text(value, env, rel, node.where(key))
                else:
                    self._interpolate(value, env, rel, seen)
        elif isinstance(node, LList):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = self._text(value, env, rel, node.where(i))
                else:
                    self._interpolate(value, env, rel, seen)

    def _text(self, text: str, env: dict[str, str], rel: str, pos: tuple[int, int]) -> str:
        missing: list[Missing] = []
        out = interpolate(text, env, missing)
        for m in missing:
            self.findings.append(
                Loc(rel, *pos).finding(
                    "FD200",
                    f"required variable {m.variable} is not set: {m.message}",
                    f"Set {m.variable} in the project's .env or the environment",
                )
            )
        return out

    def services(self, path: Path, env: dict[str, str], depth: int = 0) -> dict[str, Service] | None:
        data = self.read(path, env)
        if data is None:
            return None
        included = self._included(data.get("include"), path, depth)
        raw = data.get("services")
        if not isinstance(raw, LMap):
            return included
        rel, base_dir = self.rel(path), str(path.parent)
        own = {
            str(name): norm.service(str(name), body, rel, raw.key_pos.get(name, raw.pos), base_dir, self.shell)
            for name, body in raw.items()
        }
        return {**included, **own}

    def _included(self, raw: Any, path: Path, depth: int) -> dict[str, Service]:
        """``include:`` (Compose 2.20): each file a project of its own, its .env beside it."""
        out: dict[str, Service] = {}
        if not isinstance(raw, list) or depth > 10:
            return out
        for item in raw:
            names = item.get("path") if isinstance(item, dict) else item
            for name in names if isinstance(names, list) else [names]:
                if not isinstance(name, str):
                    continue
                other = (path.parent / name).resolve()
                env = self.project_env(other.parent)
                services = self.services(other, env, depth + 1) or {}
                self.extend(services, other, env)
                for svc in services.values():
                    _finish(svc, self, env)
                out.update(services)
        return out

    def extend(self, services: dict[str, Service], path: Path, env: dict[str, str], depth: int = 0) -> None:
        for name, svc in list(services.items()):
            services[name] = self._resolve(svc, services, path, env, depth)

    def _resolve(self, svc: Service, local: dict[str, Service], path: Path, env: dict[str, str], depth: int) -> Service:
        if svc.extends is None or depth > 10:
            return svc
        target, other, _loc = svc.extends
        if other:
            other_path = (path.parent / other).resolve()
            pool = self.services(other_path, env) or {}
            base_path = other_path
        else:
            pool, base_path = local, path
        base = pool.get(target)
        if base is None:
            return svc
        base = self._resolve(base, pool, base_path, env, depth + 1)
        merged = norm.overlay(base, svc)
        merged.extends = None
        return merged


def _finish(svc: Service, loader: _Loader, env: dict[str, str]) -> None:
    """env_file under environment, and the default network, as Compose normalises."""
    if svc.finished:
        return
    svc.finished = True
    resolved: dict[str, Value] = {}
    for entry in svc.env_files:
        base_dir, _, name = (entry.text or "").partition("\0")
        path = Path(base_dir) / name
        if not path.is_file():
            continue
        rel = loader.rel(path)
        for line in parse_env(path.read_text(encoding="utf-8", errors="replace"), env):
            resolved[line.key] = Value(line.value, Loc(rel, line.line, line.column))
    resolved.update(svc.written_env)
    svc.environment = resolved
    if svc.networks is None and svc.network_mode is None:
        svc.networks = {"default": []}
    mode = svc.network_mode
    if mode is not None and mode.text and mode.text.startswith("service:"):
        # Compose starts the service whose network this one shares first: an implicit depends_on.
        svc.depends_on.setdefault(mode.text.split(":", 1)[1], Value("service_started", mode.loc))


def load_project(
    paths: list[Path], root: Path, shell: Mapping[str, str]
) -> tuple[ComposeProject | None, list[Finding]]:
    """One project from its files in merge order; YAML and interpolation errors as findings."""
    loader = _Loader(root.resolve(), shell)
    env = loader.project_env(paths[0].parent)
    merged: dict[str, Service] = {}
    for path in paths:
        services = loader.services(path, env)
        if services is None:
            return None, loader.findings
        loader.extend(services, path, env)
        for name, svc in services.items():
            merged[name] = norm.overlay(merged[name], svc) if name in merged else svc
    for svc in merged.values():
        _finish(svc, loader, env)
    return ComposeProject([loader.rel(p) for p in paths], merged, env), loader.findings


def projects(files: list[Path], root: Path, shell: Mapping[str, str]) -> tuple[list[ComposeProject], list[Finding]]:
    """Every project among ``files`` (Compose files found by the walk, or named on the command line)."""
    by_dir: dict[str, list[str]] = {}
    for path in files:
        by_dir.setdefault(os.fspath(path.parent), []).append(path.name)
    out: list[ComposeProject] = []
    findings: list[Finding] = []
    for folder, names in sorted(by_dir.items()):
        for group in group_files(names):
            project, found = load_project([Path(folder) / n for n in group], root, shell)
            findings += found
            if project is not None:
                out.append(project)
    return out, findings
