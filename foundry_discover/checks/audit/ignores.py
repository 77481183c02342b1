"""Which findings stand: inline ``# foundry-discover: ignore[RULE]``, ``--select`` and ``--ignore``.

An inline ignore covers its own line, or the line below when the comment stands alone
(YAML lists and long calls have no room at the end of the line). Without ``[RULE]`` it
covers every rule. Rules are named by id (``FD201``), id prefix (``FD2``) or name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from foundry_discover.checks.audit.findings import RULES, Finding

_IGNORE_RE = re.compile(r"#\s*foundry-discover:\s*ignore(?:\[([A-Za-z0-9_,\s-]*)\])?")
ALL = "*"


def inline_ignores(text: str) -> dict[int, set[str]]:
    """Line (1-based) -> the rules ignored on it."""
    if "foundry-discover:" not in text:
        return {}
    out: dict[int, set[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE_RE.search(line)
        if not match:
            continue
        rules = {r.strip().upper() for r in (match.group(1) or "").split(",") if r.strip()} or {ALL}
        out.setdefault(number, set()).update(rules)
        if line[: match.start()].strip() == "":
            out.setdefault(number + 1, set()).update(rules)
    return out


def expand(names: Iterable[str]) -> set[str]:
    """Rule ids for ``--select``/``--ignore`` values; ValueError names an unknown one."""
    ids: set[str] = set()
    for raw in names:
        for part in raw.split(","):
            key = part.strip()
            if not key:
                continue
            matched = {r.id for r in RULES if r.id.startswith(key.upper()) or r.name == key.lower()}
            if not matched:
                raise ValueError(f"unknown rule {key!r}: rules are FD001..FD401 (see `foundry-discover audit --help`)")
            ids |= matched
    return ids


def keep(finding: Finding, ignored_lines: dict[int, set[str]]) -> bool:
    rules = ignored_lines.get(finding.line)
    if not rules:
        return True
    return not (ALL in rules or finding.rule in rules)
