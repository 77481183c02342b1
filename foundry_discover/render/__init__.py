"""The one place output is made: a JSON envelope for machines, text for people.

Core modules return dataclasses; the CLI hands them here. People get rich tables and
colour on a terminal, plain aligned text when the stream is not a terminal or
``NO_COLOR`` is set. rich is imported only on the colour path, so a piped ``url`` stays
as light as Typer itself.

Results go to stdout; warnings, errors and progress go to stderr.
"""

from __future__ import annotations

import os
import sys
import time

from foundry_discover import __version__
from foundry_discover.lite.base import Record
from foundry_discover.lite.errors import FoundryError, flat

# Annotations only: `health NAME` renders through here and starts without typing, and
# without dataclasses, enum or pathlib, which to_jsonable needs only for objects of theirs.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import IO, Any

    from rich.console import Console

#: Bumped only when a key is removed or changes meaning; adding keys is not a break.
SCHEMA_VERSION = 1
SCHEMA = f"foundry-discover/v{SCHEMA_VERSION}"

#: A table cell: plain text, or (text, style) where style is a rich style name.
Cell = str | tuple[str, str]


class Outcome(Record):
    """What a command produced: the result, its exit code and any warnings."""

    command: str
    result: Any
    exit_code: int
    warnings: list[str]

    def __init__(self, command: str, result: Any, exit_code: int = 0, warnings: list[str] | None = None) -> None:
        self.command = command
        self.result = result
        self.exit_code = exit_code
        self.warnings = [] if warnings is None else warnings


# ---- terminals ------------------------------------------------------------------------


def use_color(stream: IO[str]) -> bool:
    """Colour and box drawing only for a terminal, and never under NO_COLOR or TERM=dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _console(stream: IO[str], *, soft_wrap: bool = False) -> Console:
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=soft_wrap)


def line(text: str = "", style: str | None = None, *, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    if style and use_color(out):
        from rich.text import Text

        # soft_wrap: the terminal wraps a long line; rich would break it, and a host,
        # URL or command in it could no longer be copied whole.
        _console(out, soft_wrap=True).print(Text(text, style=style))
    else:
        out.write(text + "\n")


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    title: str | None = None,
    stream: IO[str] | None = None,
) -> None:
    """A table: rich on a terminal, columns aligned with spaces otherwise."""
    out = stream or sys.stdout
    cells: list[list[Cell]] = [list(r) for r in rows]
    if use_color(out):
        console = _console(out)
        if _table_width(columns, cells) > console.width:
            _stacked(console, columns, cells, title)
            return
        from rich.table import Table
        from rich.text import Text

        t = Table(title=title, title_justify="left", header_style="bold")
        for col in columns:
            t.add_column(col, no_wrap=True)
        for row in cells:
            t.add_row(*(Text(c[0], style=c[1]) if isinstance(c, tuple) else Text(c) for c in row))
        console.print(t)
        return
    texts = [[_text(c) for c in row] for row in cells]
    widths = [max([len(col)] + [len(r[i]) for r in texts]) for i, col in enumerate(columns)]
    if title:
        out.write(title + "\n")
    for plain in [list(columns), *texts]:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(plain, widths, strict=False)).rstrip() + "\n")


def _text(cell: Cell) -> str:
    return cell[0] if isinstance(cell, tuple) else cell


def _table_width(columns: Sequence[str], rows: list[list[Cell]]) -> int:
    """What rich's default box needs for every cell whole: the cells, a space either side, the rules."""
    widths = [max([len(col)] + [len(_text(r[i])) for r in rows if i < len(r)]) for i, col in enumerate(columns)]
    return sum(widths) + 3 * len(widths) + 1


def _stacked(console: Console, columns: Sequence[str], rows: list[list[Cell]], title: str | None) -> None:
    """Too narrow for the table: one ``key: value`` block per row, as ``kubectl describe`` does,
    so no value is ever cut or folded (the terminal wraps a long one; copying still works)."""
    from rich.text import Text

    if title:
        console.print(Text(title, style="bold"), soft_wrap=True)
    keys = [col.lower() for col in columns]
    pad = max(len(k) for k in keys) + 1
    for index, row in enumerate(rows):
        if index or title:
            console.print()
        for key, cell in zip(keys, row, strict=False):
            if not _text(cell):
                continue
            line_text = Text(f"{key + ':':<{pad}} ", style="bold")
            line_text.append(_text(cell), style=cell[1] if isinstance(cell, tuple) else "")
            console.print(line_text, soft_wrap=True)


def warn(message: str) -> None:
    message = flat(message)
    record_message("warning", message)
    line(f"warning: {message}", "yellow", stream=sys.stderr)


def error(exc: FoundryError) -> None:
    record_message("error", exc.message, exc.fix)
    line(f"error: {exc}", "bold red", stream=sys.stderr)


def record_message(kind: str, message: str, fix: str | None = None) -> None:
    """With FOUNDRY_DISCOVER_MESSAGE_LOG set, append the message to that file (JSON lines).

    The test suite sets it and checks every message it made against the house style
    (tests/test_message_style.py); nothing is recorded otherwise.
    """
    path = os.environ.get("FOUNDRY_DISCOVER_MESSAGE_LOG")
    if not path:
        return
    import json

    with open(path, "a", encoding="utf-8") as log:
        log.write(json.dumps({"kind": kind, "message": message, "fix": fix, "argv": sys.argv[1:]}) + "\n")


# ---- progress for anything that waits --------------------------------------------------


class Progress:
    """What a wait is waiting for, on stderr: a live line on a terminal, plain lines elsewhere.

    Plain mode prints when the message changes, and at most every ``every`` seconds
    otherwise, so a CI log shows progress without a line per poll.
    """

    def __init__(self, every: float = 5.0, enabled: bool = True) -> None:
        self.enabled = enabled
        self.every = every
        self._started = time.monotonic()
        self._last_text: str | None = None
        self._last_at = 0.0
        self._status: Any = None

    def __enter__(self) -> Progress:
        if self.enabled and use_color(sys.stderr):
            from rich.status import Status

            self._status = Status("", console=_console(sys.stderr))
            self._status.start()
        return self

    def update(self, text: str) -> None:
        if not self.enabled:
            return
        elapsed = time.monotonic() - self._started
        message = f"{text} ({elapsed:.1f}s)"
        if self._status is not None:
            self._status.update(message)
            return
        now = time.monotonic()
        if text != self._last_text or now - self._last_at >= self.every:
            sys.stderr.write(f"waiting: {message}\n")
            sys.stderr.flush()
            self._last_text, self._last_at = text, now

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()


# ---- JSON ---------------------------------------------------------------------------------


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, enums, paths and containers as plain JSON values.

    An object with a ``to_json()`` method decides its own shape (that is how a secret
    result leaves its value out unless asked).
    """
    if hasattr(obj, "to_json"):
        return to_jsonable(obj.to_json())
    if hasattr(type(obj), "__dataclass_fields__") and not isinstance(obj, type):
        import dataclasses  # already loaded: obj is one of its dataclasses

        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.repr}
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    enum = sys.modules.get("enum")
    if enum is not None and isinstance(obj, enum.Enum):  # no Enum exists unless enum was imported
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return round(obj, 6)
    if isinstance(obj, FoundryError):
        return error_json(obj)
    return obj


def error_json(exc: FoundryError) -> dict[str, Any]:
    return {"type": exc.kind, "exit_code": exc.exit_code, "message": exc.message, "fix": exc.fix}


def envelope(
    command: str,
    *,
    exit_code: int,
    result: Any = None,
    error: FoundryError | None = None,
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """The versioned document every ``--json`` prints, success or failure alike."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "foundry-discover", "version": __version__},
        "command": command,
        "ok": exit_code == 0,
        "exit_code": exit_code,
        "warnings": list(warnings),
        "result": to_jsonable(result),
        "error": error_json(error) if error else None,
    }


#: The exit code of the JSON document on stdout, once one is written whole.
_delivered: list[int] = []


def delivered() -> int | None:
    """The exit code of the JSON document already written, if any: it is the run's result."""
    return _delivered[-1] if _delivered else None


def forget_delivered() -> None:
    """A new run starts (several run in one process under tests)."""
    _delivered.clear()


def write_json(doc: dict[str, Any]) -> None:
    import json  # not at module level: a plain `url` never needs it

    from foundry_discover.lite import signals

    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    # A SIGTERM or Ctrl-C mid-write waits for the end: stdout holds one whole document.
    with signals.held():
        sys.stdout.write(text)
        sys.stdout.flush()
        _delivered.append(int(doc["exit_code"]))


def emit(outcome: Outcome, *, as_json: bool, human: Callable[[Any], None]) -> None:
    if outcome.exit_code != 0:
        # The contract: a failing result carries its error (JSON `error`, text `error:` on stderr).
        raise ValueError(f"{outcome.command}: exit {outcome.exit_code} without an error: use deliver()")
    if as_json:
        write_json(
            envelope(outcome.command, exit_code=outcome.exit_code, result=outcome.result, warnings=outcome.warnings)
        )
        return
    for message in outcome.warnings:
        warn(message)
    human(outcome.result)
    sys.stdout.flush()


def deliver(
    command: str,
    result: Any,
    exit_code: int,
    problem: FoundryError | None,
    *,
    as_json: bool,
    human: Callable[[Any], None],
    warnings: Sequence[str] = (),
) -> None:
    """A result that may be not ok: the envelope carries both the result and the error;
    people get the result on stdout and the one-line error on stderr."""
    if exit_code == 0 or problem is None:
        emit(Outcome(command, result, exit_code, list(warnings)), as_json=as_json, human=human)
        return
    if as_json:
        write_json(envelope(command, exit_code=exit_code, result=result, error=problem, warnings=warnings))
    else:
        for message in warnings:
            warn(message)
        human(result)
        sys.stdout.flush()
    error(problem)


def emit_error(command: str, exc: FoundryError, *, as_json: bool, warnings: Sequence[str] = ()) -> None:
    """A failure: the JSON envelope on stdout (so scripts parse one thing), the line on stderr."""
    if as_json:
        write_json(envelope(command, exit_code=exc.exit_code, error=exc, warnings=warnings))
    else:
        for message in warnings:
            warn(message)
    error(exc)
