"""What every command shares: option types, the registry, and the error boundary.

Command modules import only this, typer and light modules at import time; anything
heavy (httpx, dnspython, boto3) is imported inside the command that needs it, so
`foundry-discover url` starts in the time of Typer itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from foundry_discover.errors import EXIT_INTERNAL, FoundryError, stop_error
from foundry_discover.registry import Registry

JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout (the versioned envelope in the README)."),
]

RequireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--require",
        metavar="SERVICE[,SERVICE]",
        help="LocalStack services that must be available or running; only they decide the verdict. Repeatable.",
    ),
]


def seconds(timeout: float | None, *, wait: bool, default: float, wait_default: float) -> float:
    """--timeout, validated, or the command's default for one pass or for a --wait."""
    if timeout is not None and not timeout > 0:
        raise typer.BadParameter("must be a number of seconds above 0", param_hint="--timeout")
    return timeout or (wait_default if wait else default)


def required_services(values: list[str] | None) -> list[str]:
    """--require values as a list of AWS service names (a usage error when malformed)."""
    if not values:
        return []  # the usual case: `health redis` need not import the emulator check
    from foundry_discover.health import parse_required

    try:
        return parse_required(values)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--require") from None


class State:
    """Root options, handed to every command through the Typer context."""

    # A plain class, not a dataclass: every command pays for its creation at start-up.
    def __init__(self, registry_file: Path | None = None) -> None:
        self.registry_file = registry_file

    def registry(self) -> Registry:
        return Registry(registry_file=self.registry_file)


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


class InternalError(FoundryError):
    """An exception nobody planned for: reported in one line, never with locals."""

    exit_code = EXIT_INTERNAL
    kind = "internal"


def run(command: str, as_json: bool, action: Callable[[], Any]) -> NoReturn:
    """Run a command's action and turn everything it raises into a message and exit code.

    ``action`` returns an ``Outcome`` already emitted, or its exit code: the action
    renders its own result, because only it knows which renderer fits.

    SIGTERM and Ctrl-C (held since start-up by ``signals.install``) take effect from here
    on; once the action is over, a late one changes nothing: the result is out.
    """
    from foundry_discover import render, signals

    render.forget_delivered()
    try:
        signals.ready()
        try:
            code = action()
        finally:
            signals.done()
    except FoundryError as exc:
        render.emit_error(command, exc, as_json=as_json)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt as exc:
        delivered = render.delivered()
        if delivered is not None:
            # The stop came as the JSON document was being written: it is whole, and it is the result.
            raise typer.Exit(delivered) from None
        stop = stop_error(exc)
        render.emit_error(command, stop, as_json=as_json)
        raise typer.Exit(stop.exit_code) from None
    except typer.Exit:
        raise
    except Exception as exc:
        err = InternalError(
            f"unexpected {type(exc).__name__} (a bug in foundry-discover)",
            fix="Please report it with the command you ran; set FOUNDRY_DISCOVER_DEBUG=1 to see the traceback",
        )
        import os

        if os.environ.get("FOUNDRY_DISCOVER_DEBUG"):
            raise
        render.emit_error(command, err, as_json=as_json)
        raise typer.Exit(EXIT_INTERNAL) from None
    raise typer.Exit(int(code or 0))
