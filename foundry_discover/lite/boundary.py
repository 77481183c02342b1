"""``guarded``, the one error boundary every command runs inside.

Whichever way a command came in (the hand parser of the healthcheck forms in ``quick``,
or the Typer application in ``foundry_discover.cli``), whatever it raises becomes one
message and an exit code, in the same words. It is in the healthcheck tier because
``health NAME`` must reach it without Typer; ``render`` is imported only when it runs.
"""

from __future__ import annotations

import os

from foundry_discover.lite.errors import EXIT_INTERNAL, FoundryError, InternalError, stop_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


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
    from foundry_discover import render
    from foundry_discover.lite import signals

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
