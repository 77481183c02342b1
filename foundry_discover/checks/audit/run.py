"""One audit: find the files, build the models, run every rule, keep what is not ignored."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from foundry_discover.checks.audit import compose, ignores, kube
from foundry_discover.checks.audit.code import check_python, worth_parsing
from foundry_discover.checks.audit.compose_rules import check_compose
from foundry_discover.checks.audit.context import Context
from foundry_discover.checks.audit.cross import check_cross
from foundry_discover.checks.audit.discover import Found, kind_of, walk
from foundry_discover.checks.audit.findings import RULES, AuditReport, Finding
from foundry_discover.checks.audit.kube_rules import check_kube
from foundry_discover.lite.errors import ConfigError
from foundry_discover.lite.specs import ServiceSpec

STDIN = "-"


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return os.path.relpath(path.resolve(), root).replace(os.sep, "/")


def collect(paths: Sequence[str], root: Path) -> list[Found]:
    found: list[Found] = []
    for raw in paths:
        if raw == STDIN:
            continue
        path = Path(raw)
        if path.is_dir():
            prefix = _rel(path, root)
            prefix = "" if prefix == "." else prefix + "/"
            found += [Found(f.path, prefix + f.rel, f.kind) for f in walk(path)]
        elif path.is_file():
            kind = kind_of(path.name) or "yaml"
            found.append(Found(path, _rel(path, root), kind))
        else:
            raise ConfigError(
                f"path {raw!r} does not exist",
                fix="Give a folder, a file, or - to read Kubernetes manifests from stdin",
            )
    unique: dict[str, Found] = {}
    for f in found:
        unique.setdefault(f.rel, f)
    return list(unique.values())


def audit(
    paths: Sequence[str],
    specs: Mapping[str, ServiceSpec],
    env: Mapping[str, str],
    *,
    stdin_text: str | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> AuditReport:
    """Audit ``paths`` (folders, files, ``-``); ValueError for an unknown rule, ConfigError for a missing path."""
    chosen = ignores.expand(select) if select else {r.id for r in RULES}
    chosen -= ignores.expand(ignore)
    paths = list(paths) or ["."]
    folders = [Path(p) for p in paths if p != STDIN and Path(p).is_dir()]
    root = (folders[0] if len(paths) == 1 and folders else Path.cwd()).resolve()
    files = collect(paths, root)
    texts: dict[str, str] = {}
    findings: list[Finding] = []
    counts = {"compose": 0, "kubernetes": 0, "python": 0, "env": 0}

    projects, found = compose.projects([f.path for f in files if f.kind == "compose"], root, env)
    findings += found
    counts["compose"] = sum(f.kind == "compose" for f in files)
    model = kube.KubeModel()
    for f in files:
        if f.kind != "yaml":
            continue
        text = f.path.read_text(encoding="utf-8", errors="replace")
        if "apiVersion" not in text or "kind" not in text:
            continue
        before = model.documents
        findings += kube.read_manifests(model, text, f.rel)
        counts["kubernetes"] += model.documents > before
        texts[f.rel] = text
    if stdin_text is not None or STDIN in paths:
        text = stdin_text or ""
        texts[STDIN] = text
        findings += kube.read_manifests(model, text, STDIN)
        counts["kubernetes"] += 1
    ctx = Context(dict(specs), projects, model)
    findings += check_compose(ctx) + check_kube(ctx) + check_cross(ctx)
    for f in files:
        if f.kind == "python":
            counts["python"] += 1
            source = f.path.read_bytes()
            if worth_parsing(ctx, source):
                findings += check_python(ctx, f.rel, source)
                texts[f.rel] = source.decode("utf-8", "replace")
        elif f.kind == "env":
            counts["env"] += 1
    return AuditReport(str(root), _kept(findings, chosen, texts, root), len(files) + (STDIN in paths), counts)


def _kept(findings: list[Finding], chosen: set[str], texts: dict[str, str], root: Path) -> list[Finding]:
    lines: dict[str, dict[int, set[str]]] = {}
    out: set[Finding] = set()
    for finding in findings:
        if finding.rule not in chosen:
            continue
        if finding.file not in lines:
            text = texts.get(finding.file)
            if text is None:
                try:
                    text = (root / finding.file).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    text = ""
            lines[finding.file] = ignores.inline_ignores(text)
        if ignores.keep(finding, lines[finding.file]):
            out.add(finding)
    return sorted(out)
