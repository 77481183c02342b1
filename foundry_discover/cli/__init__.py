"""The command line: ``main`` is the ``foundry-discover`` console script.

``health NAME`` in its plain forms is a container's healthcheck, run every few seconds
in every container of a stack, so it starts without Typer (``quick``, which hands every
other form over). Everything else is the Typer application in ``application``. Importing this
package imports neither; ``from foundry_discover.cli import app`` still gives the full
Typer app, built on first use.
"""

from __future__ import annotations

import os
import sys

from foundry_discover.errors import EXIT_TERMINATED, Terminated, stop_error

TYPE_CHECKING = False
if TYPE_CHECKING:
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
