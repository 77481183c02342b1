"""Run checks side by side, and stop waiting for them the moment Ctrl-C or SIGTERM arrives.

``doctor`` and ``health --all`` check every service at once. A thread pool would do, but
its threads are joined when the interpreter exits, so an interrupted command would hang
until the slowest check gave up. Here each job runs in a daemon thread: the main thread
waits on them, an interrupt (KeyboardInterrupt, which ``errors.Terminated`` is) stops the
waiting, and the caller reports what finished and what did not.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Gathered(Generic[T]):
    """The jobs' results in order (None where a job had not finished), and the interrupt if any."""

    results: list[T | None]
    interrupt: KeyboardInterrupt | None


def gather(jobs: Sequence[Callable[[], T]], *, name: str = "check") -> Gathered[T]:
    """Run every job in its own daemon thread and wait for all of them, or for an interrupt.

    An exception raised by a job is re-raised here, in the caller's thread.
    """
    results: list[T | None] = [None] * len(jobs)
    errors: list[BaseException] = []
    done = threading.Event()
    left = [len(jobs)]
    lock = threading.Lock()

    def work(index: int, job: Callable[[], T]) -> None:
        try:
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 -- handed to the caller's thread
            errors.append(exc)
        finally:
            with lock:
                left[0] -= 1
                if left[0] == 0:
                    done.set()

    if not jobs:
        return Gathered(results, None)
    for index, job in enumerate(jobs):
        threading.Thread(target=work, args=(index, job), name=f"{name} {index}", daemon=True).start()
    try:
        # A wait with a timeout, in a loop: the main thread stays responsive to signals.
        while not done.wait(0.1):
            pass
    except KeyboardInterrupt as exc:
        return Gathered(list(results), exc)
    if errors:
        raise errors[0]
    return Gathered(results, None)
