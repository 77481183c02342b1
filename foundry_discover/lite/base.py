"""Small value types without ``dataclasses`` or ``typing``: ``Record`` and ``Deadline``.

``health NAME`` is a container's healthcheck and must start as fast as ``redis-cli``.
Importing ``dataclasses`` (it imports ``inspect``) and ``typing`` costs about 15 ms,
several times a whole Redis PING on loopback, and generating a dataclass's methods
costs about half a millisecond per class. So the types that path builds (a service, a
probe's result, a check) derive from ``Record``: fields are written once, as class
annotations (with defaults, as in a dataclass), and one generic ``__init__``, equality
and repr work from them. mypy sees a dataclass (``dataclass_transform``); ``render``
turns any Record into JSON from its fields.
"""

from __future__ import annotations

import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar

    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_options):  # annotations-only at run time: no typing import
        return lambda cls: cls


#: Set by a shell asking Typer for completions: those are Typer's to answer.
COMPLETE_VAR = "_FOUNDRY_DISCOVER_COMPLETE"


class Fields:
    """The machinery of ``Record`` and ``FrozenRecord``: fields from the annotations, in order.

    Defaults must be immutable (a list would be shared between instances); a field that
    needs a fresh list takes ``None`` and the caller passes one.
    """

    _fields: ClassVar[tuple[str, ...]] = ()
    _defaults: ClassVar[dict[str, object]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__slots__" in cls.__dict__:
            # The old spelling would leave the class with no fields: equal to any other.
            raise TypeError(f"{cls.__name__}: a Record's fields are class annotations, not __slots__")
        fields = list(cls._fields)
        defaults = dict(cls._defaults)
        # With `from __future__ import annotations` these are strings, never evaluated.
        for name, annotation in cls.__dict__.get("__annotations__", {}).items():  # noqa: RUF063 -- inspect is ms
            if str(annotation).startswith("ClassVar"):
                continue
            if name not in fields:
                fields.append(name)
            if name in cls.__dict__:
                value = cls.__dict__[name]
                if isinstance(value, (list, dict, set)):
                    raise TypeError(f"{cls.__name__}.{name}: a mutable default would be shared")
                defaults[name] = value
            elif defaults and name not in defaults:
                raise TypeError(f"{cls.__name__}.{name}: a field without a default follows one with a default")
        cls._fields = tuple(fields)
        cls._defaults = defaults

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, {len(args)} given")
        values = dict(zip(fields, args, strict=False))  # the rest from keywords and defaults
        for name, value in kwargs.items():
            if name not in fields or name in values:
                raise TypeError(f"{type(self).__name__}() got an unexpected or repeated argument {name!r}")
            values[name] = value
        for name in fields:
            if name in values:
                object.__setattr__(self, name, values[name])
            elif name in self._defaults:
                object.__setattr__(self, name, self._defaults[name])
            else:
                raise TypeError(f"{type(self).__name__}() is missing {name!r}")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and isinstance(other, Fields) and self._values() == other._values()

    # Defining __eq__ makes a class unhashable, as a mutable dataclass is; a value that
    # never changes is a FrozenRecord, which is hashable.

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({fields})"


@dataclass_transform(eq_default=True)
class Record(Fields):
    """A dataclass without ``dataclasses``: its fields are its class annotations."""


@dataclass_transform(eq_default=True, frozen_default=True)
class FrozenRecord(Fields):
    """A Record whose fields never change after ``__init__``, hashable like a frozen dataclass."""

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__}.{name} cannot be changed")


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
