"""SIGTERM and Ctrl-C as exceptions in the main thread, and output no signal cuts in half.

CI runners cancel jobs and Kubernetes stops pods with SIGTERM, whose default action kills
the process before it can say anything. ``install()`` makes SIGTERM raise
``errors.Terminated`` (a KeyboardInterrupt) in the main thread, so every place that
finishes a report on Ctrl-C does the same on SIGTERM. Python runs signal handlers in the
main thread only; worker threads carry on until the main thread stops waiting for them.

Three rules keep the output whole:

* ``held()`` wraps a write that must be complete (the JSON document): a signal that
  arrives inside it takes effect when it ends, so stdout never holds half a document.
* The first signal raises; the report is then being finished, and a second one must not
  cut that short with a traceback. A second signal therefore ends the process at once,
  with the exit code of the signals seen and no more output (even mid-write: a writer
  blocked on a reader that never reads must not outlive it): the usual "press Ctrl-C
  again to force".
* A signal the parent set to be ignored (``nohup``, a background job) stays ignored, and
  a handler someone else installed is left alone.

Standard library only: the CLI installs this before anything else runs.
"""

from __future__ import annotations

import os
import sys

from foundry_discover.lite.errors import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated

# Every command imports this first, `health NAME` too, which must start as fast as
# redis-cli: so no typing, and `_signal`, the C module `signal` wraps (`signal` turns its
# constants into three enums at import, about a millisecond). Type-checked as `signal`,
# whose functions these are; handlers and constants are plain ints here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import signal
    from collections.abc import Callable
    from types import FrameType
else:
    import _signal as signal


class _State:
    def __init__(self) -> None:
        self.held = 0
        #: The stop raised (or to raise when the hold ends); None until a signal came.
        self.stop: KeyboardInterrupt | None = None
        self.raised = False
        #: Held from install() until a command's error boundary is ready for it.
        self.starting = False
        self.finished = False


_state = _State()


def _stop_for(signum: int) -> KeyboardInterrupt:
    return Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()


def exit_code(stop: BaseException | None) -> int:
    """143 for SIGTERM, 130 for Ctrl-C."""
    return EXIT_TERMINATED if isinstance(stop, Terminated) else EXIT_INTERRUPTED


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _state.stop is not None:
        # Already stopping: a later SIGTERM still counts as a termination.
        os._exit(EXIT_TERMINATED if signum == signal.SIGTERM else exit_code(_state.stop))
    _state.stop = _stop_for(signum)
    if _state.held:
        return
    _state.raised = True
    raise _state.stop


# A class, not a contextlib.contextmanager: contextlib is not imported on the healthcheck path.
class held:
    """Delay SIGTERM/Ctrl-C until the block ends, so what it writes is written whole."""

    def __enter__(self) -> None:
        _state.held += 1

    def __exit__(self, *exc: object) -> None:
        _release()


def ready() -> None:
    """A command's error boundary is in place: a stop that came during start-up is raised now."""
    if _state.starting:
        _state.starting = False
        _release()


def done() -> None:
    """The command's work is over and its result is out (or going out): a later stop changes nothing."""
    if not _state.finished:
        _state.finished = True
        _state.held += 1


def stopped() -> bool:
    """Whether a SIGTERM or Ctrl-C came: what is left to do at exit should then be skipped."""
    return _state.stop is not None


def unhandled() -> int | None:
    """The exit code of a stop that came before any command could handle it (say, during parsing)."""
    return exit_code(_state.stop) if _state.stop is not None and _state.starting else None


def _release() -> None:
    _state.held -= 1
    if not _state.held and _state.stop is not None and not _state.raised:
        _state.raised = True
        raise _state.stop


def install() -> Callable[[], None]:
    """Take over SIGTERM and SIGINT in this process; returns a function that restores them.

    Signals are held until ``ready()``: parsing flags and importing the command are not
    worth a traceback. Does nothing outside the main thread (Python refuses handlers
    there) and leaves a signal alone when it is ignored or has a handler that is not
    Python's default.
    """
    global _state
    # No other thread runs Python code before `threading` is imported, and `health NAME`
    # starts without it (about a millisecond): ask it only when it is there.
    threading = sys.modules.get("threading")
    if threading is not None and threading.current_thread() is not threading.main_thread():
        return lambda: None
    _state = _State()
    _state.starting = True
    _state.held = 1
    defaults = {signal.SIGTERM: signal.SIG_DFL, signal.SIGINT: signal.default_int_handler}
    previous: dict[int, Callable[[int, FrameType | None], object] | int | None] = {}
    for signum, default in defaults.items():
        current = signal.getsignal(signum)
        if current == default:
            previous[signum] = current
            signal.signal(signum, _on_signal)

    def restore() -> None:
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    return restore
