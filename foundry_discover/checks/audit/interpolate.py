"""Compose's interpolation, as the Compose Specification defines it.

``$$`` is a literal ``$``; ``$VAR`` and ``${VAR}`` substitute (empty when unset, as
Compose does after its warning); ``${VAR:-d}``/``${VAR-d}`` default when unset or empty /
unset; ``${VAR:?e}``/``${VAR?e}`` fail likewise; ``${VAR:+r}``/``${VAR+r}`` replace when
set and non-empty / set. Defaults and replacements may hold further ``${...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Missing:
    """A required variable that is not set: the variable and Compose's own message."""

    variable: str
    message: str


def _is_name_char(ch: str, first: bool) -> bool:
    return ch == "_" or ch.isalpha() or (not first and ch.isdigit())


def _closing(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` whose body starts at ``start``, or -1."""
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def interpolate(text: str, env: Mapping[str, str], missing: list[Missing] | None = None) -> str:
    """``text`` with every variable substituted; required-but-unset ones go to ``missing``."""
    if "$" not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "$" or i + 1 >= len(text):
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            end = _closing(text, i + 2)
            if end < 0:  # Compose rejects it; keep the text as written
                out.append(text[i:])
                break
            out.append(_braced(text[i + 2 : end], env, missing))
            i = end + 1
        elif _is_name_char(nxt, True):
            j = i + 1
            while j < len(text) and _is_name_char(text[j], False):
                j += 1
            out.append(env.get(text[i + 1 : j], ""))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _braced(body: str, env: Mapping[str, str], missing: list[Missing] | None) -> str:
    j = 0
    while j < len(body) and _is_name_char(body[j], j == 0):
        j += 1
    name, rest = body[:j], body[j:]
    value = env.get(name)
    if not rest:
        return value or ""
    colon = rest.startswith(":")
    op = rest[1:2] if colon else rest[:1]
    arg = rest[2:] if colon else rest[1:]
    unset = value is None or (colon and value == "")
    if op == "-":
        return interpolate(arg, env, missing) if unset else (value or "")
    if op == "+":
        return "" if unset else interpolate(arg, env, missing)
    if op == "?":
        if unset:
            if missing is not None:
                reason = interpolate(arg, env, None) or f"{name} is not set"
                missing.append(Missing(name, reason))
            return ""
        return value or ""
    return value or ""
