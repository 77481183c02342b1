"""``main``, the ``foundry-discover`` console script: the healthcheck forms, or the Typer app.

``quick`` recognises the forms a Docker healthcheck runs (``health NAME``) and answers
them without importing Typer; anything else goes to ``foundry_discover.cli``. Either way
the command runs inside ``boundary.guarded``.
"""

from __future__ import annotations

import os
import sys

from foundry_discover.lite.errors import (
    EXIT_TERMINATED,
    Terminated,
    stop_error,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    pass


def main() -> None:
    from foundry_discover.lite import quick, signals, streams

    # First, so that a SIGTERM from here on is reported, and a closed pipe is not a crash.
    restore = signals.install()
    streams.install()
    try:
        plan = quick.parse(sys.argv[1:], os.environ)
        if plan is not None:
            raise SystemExit(quick.run_plan(plan))
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
