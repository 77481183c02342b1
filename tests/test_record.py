"""``lite.base.Record``: a dataclass's contract (fields once, defaults, eq, repr, frozen) without dataclasses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_discover.lite.base import FrozenRecord, Record


class Point(Record):
    x: int
    y: int = 0
    #: A comment on a field is where a dataclass keeps it too.
    label: str | None = None


class Key(FrozenRecord):
    kind: str
    detail: str = ""


class Labelled(Point):
    colour: str = "red"


def test_fields_come_from_annotations_in_order_with_defaults() -> None:
    assert Point._fields == ("x", "y", "label")
    assert Point(1) == Point(x=1, y=0, label=None)
    assert Point(1, label="a").label == "a"
    assert repr(Point(1, 2)) == "Point(x=1, y=2, label=None)"
    assert Labelled._fields == ("x", "y", "label", "colour")
    assert Labelled(3).colour == "red"


@given(st.integers(), st.integers(), st.one_of(st.none(), st.text()))
def test_equality_is_over_the_fields_and_the_type(x: int, y: int, label: str | None) -> None:
    assert Point(x, y, label) == Point(x, y, label=label)
    assert Point(x, y, label) != Point(x, y + 1, label)
    assert Point(x, y, label) != Labelled(x, y, label)


def test_bad_calls_fail_as_a_dataclass_would() -> None:
    with pytest.raises(TypeError, match="missing 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected or repeated argument 'x'"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="takes 3 arguments"):
        Point(1, 2, "a", 4)  # type: ignore[call-arg]


def test_a_frozen_record_is_hashable_and_cannot_change() -> None:
    key = Key("env", "SVC_X_HOST")
    assert {key: 1}[Key("env", "SVC_X_HOST")] == 1
    with pytest.raises(AttributeError, match="cannot be changed"):
        key.kind = "file"  # type: ignore[misc]


def test_a_mutable_default_or_a_misordered_field_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="mutable default"):

        class Bad(Record):
            items: list[str] = []  # noqa: RUF012

    with pytest.raises(TypeError, match="without a default follows"):

        class Misordered(Record):
            a: int = 0
            b: int  # type: ignore[misc]


def test_the_old_slots_spelling_is_refused() -> None:
    with pytest.raises(TypeError, match="fields are class annotations"):

        class Old(Record):
            __slots__ = ("a",)
