"""Poll a check until it holds, under ONE deadline for the whole wait.

``health --wait`` and ``doctor`` both wait for something to become true. The interval
starts short so a wait returns promptly once the thing is ready, and backs off to a
small cap so a long wait does not hammer the server. Every attempt is handed the same
``Deadline``, so an attempt that hangs cannot stretch the wait past it: the deadline
caps the whole command, retries included, never each retry.

Standard library only; the caller reports progress through ``on_progress``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from foundry_discover.lite.base import Deadline

__all__ = ["Deadline", "Polled", "poll"]

T = TypeVar("T")

#: First pause between attempts, its growth factor and its cap (seconds). The cap bounds
#: how late a wait notices readiness (plus one attempt's round trip).
FIRST_INTERVAL = 0.05
BACKOFF = 1.5
MAX_INTERVAL = 0.1


@dataclass
class Polled(Generic[T]):
    """How a wait ended: the last value seen, and whether it was what we waited for."""

    last: T
    done: bool
    #: True when ``give_up`` said waiting longer cannot help (e.g. an init script failed).
    gave_up: bool
    attempts: int
    elapsed: float

    @property
    def timed_out(self) -> bool:
        return not self.done and not self.gave_up


def poll(
    check: Callable[[Deadline], T],
    is_done: Callable[[T], bool],
    deadline: Deadline,
    *,
    on_progress: Callable[[T, float], None] | None = None,
    give_up: Callable[[T], bool] | None = None,
    first_interval: float = FIRST_INTERVAL,
    max_interval: float = MAX_INTERVAL,
    backoff: float = BACKOFF,
    sleep: Callable[[float], None] = time.sleep,
) -> Polled[T]:
    """Call ``check(deadline)`` until ``is_done`` holds, ``give_up`` holds, or time runs out.

    ``check`` runs at least once, even when the deadline has already passed, and must
    bound its own blocking by ``deadline`` (it is given it for that). ``on_progress``
    gets each value that is not done yet and the seconds elapsed.
    """
    started = time.monotonic()
    interval = first_interval
    attempts = 0
    while True:
        value = check(deadline)
        attempts += 1
        elapsed = time.monotonic() - started
        if is_done(value):
            return Polled(value, True, False, attempts, elapsed)
        if give_up is not None and give_up(value):
            return Polled(value, False, True, attempts, elapsed)
        if on_progress is not None:
            on_progress(value, elapsed)
        pause = deadline.cap(interval)
        if pause <= 0:
            return Polled(value, False, False, attempts, elapsed)
        sleep(pause)
        if deadline.expired:
            # An attempt begun with no time left could only fail for want of it.
            return Polled(value, False, False, attempts, elapsed)
        interval = min(max_interval, interval * backoff)
