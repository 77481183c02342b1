"""A call with a time limit: the package's one "thread plus timeout".

Some blocking calls have no timeout of their own (getaddrinfo, a botocore call with its
retries, a Docker API exchange). Each runs in a thread of its own; the caller waits at
most the time it has and, when that is up, reports it and leaves the thread to end with
the process. A Ctrl-C or SIGTERM reaches the waiting caller at once: a lock's timed
wait is interrupted by signals.

On ``_thread``, not ``threading``: ``threading`` would import collections, functools and
more into every healthcheck of a service by name, and a ``_thread`` thread is one the
interpreter does not wait for at exit, like a daemon thread. Standard library only: this
is the healthcheck tier (see ``foundry_discover.lite``).
"""

from __future__ import annotations

import _thread

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    T = TypeVar("T")


class Late(Exception):
    """The call had not finished when its time was up (it goes on in its thread, unwaited)."""


class Pending:
    """A call under way in its own thread; ``wait`` collects its result."""

    __slots__ = ("_finished", "_outcome")

    def __init__(self, call: Callable[[], Any]) -> None:
        self._outcome: list[tuple[bool, Any]] = []
        self._finished = _thread.allocate_lock()
        self._finished.acquire()
        _thread.start_new_thread(self._work, (call,))

    def _work(self, call: Callable[[], Any]) -> None:
        try:
            self._outcome.append((True, call()))
        except BaseException as exc:  # noqa: BLE001 -- handed to the waiting caller, who re-raises it
            self._outcome.append((False, exc))
        finally:
            self._finished.release()

    def wait(self, timeout: float) -> Any:
        """The call's result, or its exception re-raised; ``Late`` when it has not finished in ``timeout`` s."""
        if not self._outcome:
            self._finished.acquire(True, max(timeout, 0.0))
        if not self._outcome:
            raise Late
        ok, value = self._outcome[0]
        if ok:
            return value
        raise value


def start(call: Callable[[], Any]) -> Pending:
    """Begin ``call`` now, to be collected later with ``wait`` (work beside other work)."""
    return Pending(call)


def within(call: Callable[[], T], timeout: float) -> T:
    """``call()``'s result within ``timeout`` seconds, its exception, or ``Late``."""
    return Pending(call).wait(timeout)  # type: ignore[no-any-return]
