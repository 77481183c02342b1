"""Small value types without ``dataclasses`` or ``typing``: ``Record`` and ``Deadline``.

``health NAME`` is a container's healthcheck and must start as fast as ``redis-cli``.
Importing ``dataclasses`` (it imports ``inspect``) and ``typing`` costs about 15 ms,
several times a whole Redis PING on loopback, so the types that path builds (a service,
a probe's result, a check) derive from ``Record`` instead: fields are ``__slots__``,
equality and repr come from them, and each class writes its own ``__init__``. They
share one module because each module that path imports costs it about 0.3 ms.
"""

from __future__ import annotations

import time

#: Set by a shell asking Typer for completions: those are Typer's to answer.
COMPLETE_VAR = "_FOUNDRY_DISCOVER_COMPLETE"


class Record:
    """Equality and repr over ``__slots__``, as a dataclass would give them."""

    __slots__: tuple[str, ...] = ()

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Record) and self._values() == other._values()

    # Defining __eq__ makes a class unhashable, as a mutable dataclass is; a value that
    # never changes defines __hash__ itself.

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class FrozenRecord(Record):
    """A Record whose fields never change after ``__init__``, hashable like a frozen dataclass."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> None:
        if hasattr(self, name):
            raise AttributeError(f"{type(self).__name__}.{name} cannot be changed")
        object.__setattr__(self, name, value)


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
