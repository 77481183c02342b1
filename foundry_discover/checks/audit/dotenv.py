"""Compose's ``.env`` and ``env_file`` format: ``KEY=VALUE`` lines, with positions kept."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from foundry_discover.checks.audit.interpolate import interpolate


@dataclass(frozen=True)
class EnvLine:
    key: str
    value: str
    line: int
    #: Column of the value's first character (1-based), where a finding about it points.
    column: int


def parse_env(text: str, env: Mapping[str, str] | None = None) -> list[EnvLine]:
    """Every assignment in order. Unquoted and double-quoted values are interpolated from
    ``env`` and the earlier lines, as compose-go's dotenv does; single quotes are literal."""
    known: dict[str, str] = dict(env or {})
    out: list[EnvLine] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(stripped)
        if stripped.startswith("export "):
            indent += len("export ")
            stripped = stripped[len("export ") :].lstrip()
        sep = stripped.find("=")
        if sep <= 0:
            continue
        key = stripped[:sep].strip()
        rest = stripped[sep + 1 :]
        lead = len(rest) - len(rest.lstrip())
        rest = rest.lstrip()
        column = indent + sep + 2 + lead
        if rest[:1] == "'":
            end = rest.find("'", 1)
            value = rest[1:end] if end > 0 else rest[1:]
        elif rest[:1] == '"':
            end = rest.find('"', 1)
            body = rest[1:end] if end > 0 else rest[1:]
            value = interpolate(body.replace("\\n", "\n").replace('\\"', '"'), known)
        else:
            hash_at = rest.find(" #")
            value = interpolate((rest[:hash_at] if hash_at >= 0 else rest).strip(), known)
        known[key] = value
        out.append(EnvLine(key, value, number, column))
    return out


def env_map(text: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    return {line.key: line.value for line in parse_env(text, env)}
