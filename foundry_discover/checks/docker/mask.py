"""Secret values out of a container's log lines, before any line is kept: pure, standard library.

Two nets, both applied to every line. The values a container was given in secret-looking
variables (its ``Config.Env``, and this process's own environment) are replaced wherever
they appear, however the program printed them; and the value part of what looks like a
secret assignment (``API_KEY=...``, ``"password": "..."``, ``Authorization: Bearer ...``,
``scheme://user:PASSWORD@host``) is replaced whatever it holds, for secrets no variable named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

MASK = "********"
#: A value this short is not a secret one can leak, and replacing it everywhere
#: ("1", "yes") would make the tail unreadable; the assignment patterns still catch it.
MIN_VALUE = 4
#: The words that make a variable or field name secret-looking, as parts of the name.
_WORDS = r"KEY|TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|PASS|PWD|CREDENTIALS?|AUTH|PRIVATE|SIGNATURE|COOKIE|SESSION"
_NAME = re.compile(rf"(?:{_WORDS})", re.IGNORECASE)
_SECRET_NAME = rf"[A-Za-z0-9_.-]*(?:{_WORDS})[A-Za-z0-9_.-]*"
_ASSIGNMENT = re.compile(
    rf"""(?P<head>\b{_SECRET_NAME}\s*=\s*)(?P<value>"[^"]*"|'[^']*'|[^\s"',;&]+)""",
    re.IGNORECASE,
)
_JSON_FIELD = re.compile(
    rf"""(?P<head>(?P<q>["'])\b{_SECRET_NAME}(?P=q)\s*:\s*)(?P<value>"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}}\]]+)""",
    re.IGNORECASE,
)
_AUTHORIZATION = re.compile(
    r"(?P<head>\b(?:proxy-)?authorization\s*[:=]\s*(?:(?:bearer|basic|token|digest|aws4-hmac-sha256)\s+)?)"
    r"(?P<value>[^\s,;\"']+)",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(?P<head>\bbearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@]+:)(?P<value>[^\s@/]+)(?=@)", re.IGNORECASE)
_PATTERNS = (_URL_PASSWORD, _AUTHORIZATION, _BEARER, _JSON_FIELD, _ASSIGNMENT)


def is_secret_name(name: str) -> bool:
    return _NAME.search(name) is not None


def secret_values(env: Iterable[str] | Mapping[str, str]) -> tuple[str, ...]:
    """The values of secret-looking variables: ``Config.Env`` (``NAME=value`` strings) or a mapping."""
    pairs = env.items() if isinstance(env, Mapping) else (e.partition("=")[::2] for e in env if isinstance(e, str))
    values = {v.strip() for k, v in pairs if is_secret_name(k) and len(v.strip()) >= MIN_VALUE}
    # Longest first: a value that holds a shorter one is replaced whole.
    return tuple(sorted(values, key=lambda v: (-len(v), v)))


def mask(line: str, values: Iterable[str] = ()) -> tuple[str, int]:
    """``line`` with the secrets replaced by ``MASK``, and how many were replaced."""
    count = 0
    for value in values:
        if value and value in line:
            count += line.count(value)
            line = line.replace(value, MASK)

    def hide(match: re.Match[str]) -> str:
        nonlocal count
        value = match.group("value")
        quote = value[0] if value[:1] in ("'", '"') and len(value) > 1 and value[-1] == value[0] else ""
        if value.strip(quote) in ("", MASK):
            return match.group(0)
        count += 1
        return f"{match.group('head')}{quote}{MASK}{quote}"

    for pattern in _PATTERNS:
        line = pattern.sub(hide, line)
    return line, count
