"""solution_rules.records.NamedTuple builds the namedtuple typing.NamedTuple builds from the same
class body, without checking the annotations at run time."""

from __future__ import annotations

import pickle
import typing

import pytest

from solution_rules import records
from solution_rules.properties import EventParameter, Settings


def body(base):
    class Point(base):
        """A point."""

        x: int
        y: str | None
        z: tuple[int, ...] = ()

        def moved(self, by: int) -> Point:
            return self._replace(x=self.x + by)

    return Point


LIGHT = body(records.NamedTuple)
TYPED = body(typing.NamedTuple)


def test_it_is_the_namedtuple_typing_builds():
    assert LIGHT.__mro__[1:] == TYPED.__mro__[1:] == (tuple, object)
    same = ("_fields", "_field_defaults", "__doc__", "__module__", "__qualname__", "__slots__")
    for name in same:
        assert getattr(LIGHT, name) == getattr(TYPED, name), name
    assert list(LIGHT.__annotations__) == list(TYPED.__annotations__) == ["x", "y", "z"]
    assert typing.get_type_hints(LIGHT) == typing.get_type_hints(TYPED, localns={"Point": TYPED})


def test_it_behaves_as_the_namedtuple_typing_builds():
    light, typed = LIGHT(1, None), TYPED(1, None)
    assert light == typed == (1, None, ())
    assert hash(light) == hash(typed)
    assert repr(light) == repr(typed) == "Point(x=1, y=None, z=())"
    assert light.moved(2)._asdict() == typed.moved(2)._asdict() == {"x": 3, "y": None, "z": ()}
    assert LIGHT._make([1, "a", (2,)]) == TYPED._make([1, "a", (2,)])
    x, y, z = light
    assert (x, y, z) == (1, None, ())
    with pytest.raises(AttributeError):
        light.x = 2  # type: ignore[misc]


def test_the_handler_s_records_pickle_and_compare_as_tuples():
    settings = Settings(True, None, 7, (EventParameter("click", 0.5, 1.0),))
    assert pickle.loads(pickle.dumps(settings)) == settings  # noqa: S301 - our own bytes
    assert settings._replace(schedule_days=None) == (True, None, None, settings[3])
    assert isinstance(settings, tuple)
    assert (Settings.__doc__ or "").startswith("A solution's settings")


def test_it_refuses_what_typing_refuses():
    with pytest.raises(TypeError):

        class Late(records.NamedTuple):
            a: int = 0
            b: int

    with pytest.raises(AttributeError, match="_replace"):

        class Overwrites(records.NamedTuple):
            a: int

            def _replace(self, **changes: int) -> Overwrites:
                return self


def test_a_body_without_fields_is_left_to_typing():
    class Empty(records.NamedTuple):
        """No fields."""

    assert Empty() == ()
    assert Empty._fields == ()
    assert Empty.__doc__ == "No fields."
