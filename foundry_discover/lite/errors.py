"""The one error hierarchy: each class is one exit code.

Core modules raise these; the CLI layer turns them into a one-line message (or a JSON
envelope) and the class's exit code. Messages name the culprit, ``fix`` says what to do.
Neither may ever hold a secret value.
"""

from __future__ import annotations

import os

# Annotations only: `health NAME` starts without Typer and must not import typing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import ClassVar

EXIT_OK = 0
EXIT_NOT_OK = 1
EXIT_USAGE = 2
EXIT_CONFIG = 3
EXIT_UNREACHABLE = 4
EXIT_INTERNAL = 70
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

EXIT_CODES: dict[int, str] = {
    EXIT_OK: "ok",
    EXIT_NOT_OK: "the thing checked is not ok (unhealthy, does not resolve, not found)",
    EXIT_USAGE: "usage error (a bad flag, argument or option value)",
    EXIT_CONFIG: "configuration error (a bad value in the environment or a file, an unknown service)",
    EXIT_UNREACHABLE: "could not reach (refused, timed out, DNS server unreachable)",
    EXIT_INTERNAL: "internal error (a bug in foundry-discover: please report it)",
    EXIT_TIMEOUT: "time ran out: a --wait, or a doctor step that could not begin before --timeout",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_TERMINATED: "terminated (SIGTERM: a cancelled CI job, a stopping pod)",
}


#: How a suggested foundry-discover command begins: the command-line options it must
#: repeat to mean the same thing (``--registry FILE``), set by the CLI for each run.
_INVOCATION = ["foundry-discover"]


def suggest(command: str) -> str:
    """``foundry-discover COMMAND`` for a message's fix, run the way this run was.

    A service that only ``--registry FILE`` declares is unknown to a command run without
    it, so a suggestion that leaves it out would fail with "unknown service".
    """
    return " ".join([*_INVOCATION, command])


def invoked_with(registry_file: str | os.PathLike[str] | None) -> None:
    """The CLI's root options for this run (None: no ``--registry``; the variable carries over)."""
    del _INVOCATION[1:]
    if registry_file is not None:
        from shlex import quote

        _INVOCATION.extend(["--registry", quote(os.fspath(registry_file))])


#: When several checks fail differently, the one exit code that speaks for them all: a
#: broken configuration first (nothing else can be trusted), then the network, then a
#: service that answers but is not ok.
SEVERITY = (EXIT_CONFIG, EXIT_UNREACHABLE, EXIT_NOT_OK)


def most_severe(codes: Iterable[int]) -> int:
    found = set(codes)
    return next((code for code in SEVERITY if code in found), max(found, default=EXIT_OK))


def flat(text: str) -> str:
    """``a (b (c))`` as ``a (b, c)``: one level of parentheses, however the parts were joined.

    Messages are built from parts (a lookup's error inside a step's, a server's reply
    inside a check's), each with its own parentheses. Quoted spans ('...', `...`) are
    evidence or commands and are kept exactly.
    """
    if text.count("(") < 2:
        return text
    out: list[str] = []
    depth = 0
    quote = ""
    closed = False  # an inner ")" was dropped: a comma goes before what follows it
    previous = " "
    for char in text:
        if closed:
            closed = False
            if char not in "),;:":
                out.append(",")
        if quote:
            quote = "" if char == quote else quote
            out.append(char)
        elif char == "`" or (char == "'" and not previous.isalnum()):
            quote = char  # an apostrophe inside a word (the container's) opens nothing
            out.append(char)
        elif char == "(":
            depth += 1
            out.append("(" if depth == 1 else ", ")
        elif char == ")" and depth:
            depth -= 1
            if depth == 0:
                out.append(")")
            else:
                closed = True
        else:
            out.append(char)
        previous = char
    return "".join(out).replace(", , ", ", ").replace(" , ", ", ").replace(",,", ",")


def clauses(*parts: str | None) -> str:
    """Parts of one message or fix joined with "; ", each after the first starting in lower case.

    "Check X" + "Run `y`" reads "Check X; run `y`", not "Check X; Run `y`". A part that
    opens with a name (AWS_REGION, SVC_X_HOST, LocalStack) keeps its capitals.
    """
    out: list[str] = []
    for part in parts:
        if not part:
            continue
        word = part.split(" ", 1)[0]
        if out and word[:1].isupper() and word[1:].islower() and word.isalpha():
            part = part[0].lower() + part[1:]
        out.append(part)
    return "; ".join(out)


class FoundryError(Exception):
    """Base of every error foundry-discover reports on purpose."""

    exit_code: ClassVar[int] = EXIT_NOT_OK
    kind: ClassVar[str] = "error"

    def __init__(self, message: str, *, fix: str | None = None) -> None:
        message, fix = flat(message), (flat(fix) if fix else fix)
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        if not self.fix:
            return self.message
        # "did you mean X?" ends its own sentence.
        return f"{self.message} {self.fix}" if self.message.endswith(("?", ".")) else f"{self.message}. {self.fix}"


class NotOkError(FoundryError):
    """The thing checked exists in principle but is not ok: not found, not ready."""

    exit_code = EXIT_NOT_OK
    kind = "not_ok"


class UsageError(FoundryError):
    """A bad flag or argument value, found after Typer parsed it (Typer reports its own the same way)."""

    exit_code = EXIT_USAGE
    kind = "usage"


class ConfigError(FoundryError):
    """Configuration read from the environment or a file: a bad value, an unknown service, a bad registry file."""

    exit_code = EXIT_CONFIG
    kind = "config"


class UnreachableError(FoundryError):
    """The network said no: refused, timed out, reset, TLS failed, DNS unreachable."""

    exit_code = EXIT_UNREACHABLE
    kind = "unreachable"


class WaitTimeoutError(FoundryError):
    """A --wait ran out of time before the condition held."""

    exit_code = EXIT_TIMEOUT
    kind = "timeout"


class Interrupted(FoundryError):
    """Ctrl-C: what the command knew by then is reported, and it exits 130."""

    exit_code = EXIT_INTERRUPTED
    kind = "interrupted"


class TerminatedError(Interrupted):
    """SIGTERM (a cancelled CI job, a stopping pod): as Ctrl-C, with exit 143."""

    exit_code = EXIT_TERMINATED
    kind = "terminated"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's KeyboardInterrupt.

    A subclass, so every place that finishes a report on Ctrl-C does the same on SIGTERM;
    only the exit code differs (143, the shell's 128 + 15).
    """


def stop_error(stop: KeyboardInterrupt | str) -> Interrupted:
    """The error a stopped command reports: from the exception, or the signal name a report kept."""
    if isinstance(stop, Terminated) or stop == "SIGTERM":
        return TerminatedError("terminated (SIGTERM)")
    return Interrupted("interrupted")


class InternalError(FoundryError):
    """An exception nobody planned for: reported in one line, never with locals."""

    exit_code = EXIT_INTERNAL
    kind = "internal"
