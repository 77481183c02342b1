"""Which files an audit reads: Compose files, other YAML, Python sources and ``.env`` files.

Folders are walked as a linter walks them: ``.gitignore`` files (at every level, with
negation, anchors and ``**``) and the usual vendored or generated folders are skipped.
Helm chart templates are not YAML until rendered: audit ``helm template`` output on stdin.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Kind = Literal["compose", "yaml", "python", "env"]

#: Folders no linter reads: VCS, virtualenvs, caches, vendored and built code (ruff's list, mostly).
SKIPPED_DIRS = frozenset(
    {
        ".bzr", ".direnv", ".eggs", ".git", ".hg", ".svn", ".jj", ".mypy_cache", ".nox", ".pytest_cache",
        ".ruff_cache", ".tox", ".venv", ".pytype", ".ipynb_checkpoints", "__pypackages__", "__pycache__",
        "_build", "buck-out", "build", "dist", "node_modules", "site-packages", "venv", "vendor", "third_party",
    }
)  # fmt: skip

_COMPOSE_RE = re.compile(r"^(docker-)?compose([.\-_][^/]*)?\.ya?ml$")


def kind_of(name: str) -> Kind | None:
    if _COMPOSE_RE.match(name):
        return "compose"
    if name.endswith((".yaml", ".yml")):
        return "yaml"
    if name.endswith(".py"):
        return "python"
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return "env"
    return None


@dataclass
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        elif glob[i] == "[":
            end = glob.find("]", i + 1)
            if end < 0:
                out.append(re.escape("["))
                i += 1
            else:
                body = glob[i + 1 : end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = end + 1
        elif glob[i] == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)


def parse_gitignore(text: str) -> list[_Pattern]:
    patterns: list[_Pattern] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if negate:
            line = line[1:]
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        body = _translate(line)
        regex = re.compile(("^" if anchored else "^(?:.*/)?") + body + "$")
        patterns.append(_Pattern(regex, negate, dir_only))
    return patterns


@dataclass
class _Ignores:
    """The .gitignore patterns in force in one folder: (folder relative to root, patterns)."""

    layers: list[tuple[str, list[_Pattern]]] = field(default_factory=list)

    def ignored(self, rel: str, is_dir: bool) -> bool:
        result = False
        for base, patterns in self.layers:
            sub = rel[len(base) + 1 :] if base else rel
            for p in patterns:
                if (not p.dir_only or is_dir) and p.regex.match(sub):
                    result = not p.negate
        return result


@dataclass(frozen=True)
class Found:
    path: Path
    rel: str
    kind: Kind


def walk(root: Path) -> list[Found]:
    """Every file of interest under ``root``, in a stable order."""
    found: list[Found] = []
    _walk(root, "", _Ignores(), found)
    return found


def _walk(folder: Path, rel: str, ignores: _Ignores, found: list[Found]) -> None:
    gitignore = folder / ".gitignore"
    if gitignore.is_file():
        try:
            text = gitignore.read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
        ignores = _Ignores([*ignores.layers, (rel, parse_gitignore(text))])
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    helm_chart = any(e.name == "Chart.yaml" for e in entries)
    for entry in entries:
        child = f"{rel}/{entry.name}" if rel else entry.name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
        except OSError:
            continue
        if is_dir:
            if entry.name in SKIPPED_DIRS or entry.name.endswith(".egg-info") or ignores.ignored(child, True):
                continue
            if helm_chart and entry.name == "templates":
                continue
            _walk(Path(entry.path), child, ignores, found)
            continue
        kind = kind_of(entry.name)
        if kind is None or not entry.is_file() or ignores.ignored(child, False):
            continue
        found.append(Found(Path(entry.path), child, kind))
