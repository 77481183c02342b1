"""One deadline over a whole operation, retries included.

Its own module, with no imports but ``time``: ``health NAME`` starts without Typer and
must not pay for ``typing`` (which ``waiting``'s generic ``Polled`` needs) to get a clock.
"""

from __future__ import annotations

import time


class Deadline:
    """A point on the monotonic clock that a whole operation must finish by."""

    __slots__ = ("at", "seconds")

    def __init__(self, at: float, seconds: float) -> None:
        self.at = at
        #: The length it was given, for messages ("did not finish within 5s").
        self.seconds = seconds

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float:
        return max(0.0, self.at - time.monotonic())

    @property
    def expired(self) -> bool:
        return time.monotonic() >= self.at

    def cap(self, seconds: float) -> float:
        """``seconds`` or what is left of the deadline, whichever is smaller."""
        return min(seconds, self.remaining())

    def __repr__(self) -> str:
        return f"Deadline(at={self.at!r}, seconds={self.seconds!r})"
