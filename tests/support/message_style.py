"""The house style of a message, checked mechanically: what a tired engineer reads at a glance.

One style for every message: the cause first, in words; the culprit named in full; then a
fix that fits the case. What a machine can check of that is here; the suite records every
error, warning and doctor fix it makes (FOUNDRY_DISCOVER_MESSAGE_LOG, see conftest.py) and
fails when one breaks a rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

#: A fix that opens with a pronoun leaves the reader to find its noun on another line.
_PRONOUN_FIX = re.compile(r"^(it|this|that|they|them)\b", re.IGNORECASE)
#: "...; Run `x`": a clause after a semicolon continues the sentence.
_CAPITAL_CLAUSE = re.compile(r"; ([A-Z][a-z]+)\b")
#: A verdict or state in its JSON spelling, not in words.
_SNAKE_VERDICT = re.compile(r"\b(not_ready|not_ok|not_reached|tcp_only|wrong_protocol|no_reply)\b")
#: The longest line a message may make (message and fix together, after "error: "). Long,
#: because a Kubernetes fix carries the kubectl commands to copy; doctor's table keeps a
#: step's detail and its fix on lines of their own.
MAX_LINE = 1000


def nested_parentheses(text: str) -> bool:
    """Parentheses inside parentheses, outside quoted spans ('...', `...`: evidence and commands)."""
    depth = 0
    quote = ""
    previous = " "
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char == "`" or (char == "'" and not previous.isalnum()):
            quote = char
        elif char == "(":
            depth += 1
            if depth > 1:
                return True
        elif char == ")":
            depth = max(depth - 1, 0)
        previous = char
    return False


def problems(message: str, fix: str | None) -> list[str]:
    """What breaks the style in one message and its fix (empty when it is fine)."""
    found = []
    for part, text in (("message", message), ("fix", fix or "")):
        if nested_parentheses(text):
            found.append(f"nested parentheses in the {part}")
        if _SNAKE_VERDICT.search(text.replace("`", " ")) and "--json" not in text and "_PORT" not in text:
            found.append(f"a state in its JSON spelling in the {part}")
        clause = _CAPITAL_CLAUSE.search(text)
        if clause and clause.group(1) not in {"LocalStack", "MiniStack", "Docker", "Compose", "Kubernetes", "Redis"}:
            found.append(f"'; {clause.group(1)}' starts a clause with a capital in the {part}")
    if fix and _PRONOUN_FIX.match(fix.strip()):
        found.append("the fix opens with a pronoun")
    if fix and re.match(r"^set it\b", fix.strip(), re.IGNORECASE):
        found.append("the fix says 'Set it' without naming what")
    if len(message) + len(fix or "") + 9 > MAX_LINE:
        found.append(f"longer than {MAX_LINE} characters")
    return found


def read_log(path: Path) -> Iterator[dict[str, object]]:
    if not path.exists():
        return
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            yield json.loads(raw)


def violations(entries: Iterable[dict[str, object]]) -> list[str]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for entry in entries:
        message, fix = str(entry["message"]), entry.get("fix")
        key = (message, fix if isinstance(fix, str) else None)
        if key in seen:
            continue
        seen.add(key)
        for problem in problems(*key):
            out.append(f"{problem}: {message!r} / fix {key[1]!r} (from {' '.join(map(str, entry.get('argv') or []))})")
    return out
