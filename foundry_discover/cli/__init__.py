"""The command line: ``main`` (the ``foundry-discover`` console script) and ``guarded``,
the error boundary every command runs inside.

``health`` in its plain one-shot forms is a container's healthcheck, run every few
seconds in every container of a stack, so it starts without Typer (``quick``, which
hands every other form over). Everything else is the Typer application in
``application``. Importing this package imports neither; ``from foundry_discover.cli
import app`` still gives the full Typer app, built on first use.

The boundary lives here, not in a module of its own, because both ways in need it and
each module a healthcheck imports costs it about 0.3 ms. Whatever a command raises
becomes one message and an exit code, in the same words whichever way it came in.
"""

from __future__ import annotations

import os
import sys

from foundry_discover.errors import EXIT_INTERNAL, EXIT_TERMINATED, FoundryError, Terminated, stop_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def main() -> None:
    from foundry_discover import signals
    from foundry_discover.cli import quick
    from foundry_discover.render import streams

    # First, so that a SIGTERM from here on is reported, and a closed pipe is not a crash.
    restore = signals.install()
    streams.install()
    try:
        plan = quick.parse(sys.argv[1:], os.environ)
        if plan is not None:
            raise SystemExit(quick.run(plan))
        from foundry_discover.cli.application import run_app

        run_app()
    finally:
        restore()
        code = signals.unhandled()
        if code is not None:
            # Stopped before any command could report it (while parsing flags, or printing --help).
            stop = stop_error(Terminated() if code == EXIT_TERMINATED else KeyboardInterrupt())
            sys.stderr.write(f"error: {stop}\n")
            raise SystemExit(code)


def __getattr__(name: str) -> Any:
    # `from foundry_discover.cli import app` (and COMMANDS, build_app): the Typer side, on first use.
    if name in ("app", "build_app", "COMMANDS", "invoked_command"):
        from foundry_discover.cli import application

        return getattr(application, name)
    raise AttributeError(name)


# ---- the error boundary ---------------------------------------------------------------


class InternalError(FoundryError):
    """An exception nobody planned for: reported in one line, never with locals."""

    exit_code = EXIT_INTERNAL
    kind = "internal"


def guarded(
    command: str,
    as_json: bool,
    action: Callable[[], Any],
    *,
    passthrough: tuple[type[BaseException], ...] = (),
) -> int:
    """Run a command's action; its exit code, or the code of what it raised, once reported.

    ``action`` renders its own result (only it knows which renderer fits) and returns the
    exit code. ``passthrough`` names exceptions the caller handles itself (Typer's Exit).

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
        return exc.exit_code
    except KeyboardInterrupt as exc:
        delivered = render.delivered()
        if delivered is not None:
            # The stop came as the JSON document was being written: it is whole, and it is the result.
            return delivered
        stop = stop_error(exc)
        render.emit_error(command, stop, as_json=as_json)
        return stop.exit_code
    except passthrough:
        raise
    except Exception as exc:
        if os.environ.get("FOUNDRY_DISCOVER_DEBUG"):
            raise
        err = InternalError(
            f"unexpected {type(exc).__name__} (a bug in foundry-discover)",
            fix="Please report it with the command you ran; set FOUNDRY_DISCOVER_DEBUG=1 to see the traceback",
        )
        render.emit_error(command, err, as_json=as_json)
        return EXIT_INTERNAL
    return int(code or 0)
