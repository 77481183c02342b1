"""Value classes without ``dataclasses`` or ``typing``.

``health NAME`` is a container's healthcheck and must start as fast as ``redis-cli``.
Importing ``dataclasses`` (it imports ``inspect``) and ``typing`` costs about 15 ms,
several times a whole Redis PING on loopback, so the types that path builds (a service,
a probe's result, a check) derive from ``Record`` instead: fields are ``__slots__``,
equality and repr come from them, and each class writes its own ``__init__``.
"""

from __future__ import annotations


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
