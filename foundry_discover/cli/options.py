"""What every command shares: option types, the registry, and the error boundary.

Command modules import only this, typer and light modules at import time; anything
heavy (httpx, dnspython, boto3) is imported inside the command that needs it, so
`foundry-discover url` starts in the time of Typer itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from foundry_discover.lite.boundary import guarded
from foundry_discover.lite.registry import Registry

JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout (the versioned envelope in docs/json.md)."),
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
    from foundry_discover.checks.emulator.parse import parse_required

    try:
        return parse_required(values)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--require") from None


@dataclass
class State:
    """Root options, handed to every command through the Typer context."""

    registry_file: Path | None = None

    def registry(self) -> Registry:
        return Registry(registry_file=self.registry_file)


def reflow(text: str) -> str:
    """A command's help with each prose paragraph on one line, so it wraps to the terminal.

    Typer keeps the line breaks of every paragraph after the first; indented blocks
    (examples, command lines) keep theirs, so a command is never joined or split.
    """
    paragraphs = text.strip("\n").split("\n\n")
    return "\n\n".join(
        p if any(line.startswith("    ") for line in p.splitlines()) else " ".join(p.split()) for p in paragraphs
    )


def state(ctx: typer.Context) -> State:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, State) else State()


def run_command(command: str, as_json: bool, action: Callable[[], Any]) -> NoReturn:
    """Run a command's action inside the error boundary and exit with its code."""
    raise typer.Exit(guarded(command, as_json, action, passthrough=(typer.Exit,)))
