"""The schema-version gate: a file may use only the constructs of the version it declares."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, Field

from missing_protocol.versions import TooNew, newer_than, since, since_values


class _New(BaseModel):
    since_version: ClassVar[int] = 3
    x: int = 0


class _Inner(BaseModel):
    old: int = 0
    fresh: int | None = Field(default=None, json_schema_extra=since(2))


class _Outer(BaseModel):
    items: list[_Inner] = Field(default_factory=list)
    thing: _New | None = None
    renamed: int | None = Field(default=None, alias="in", json_schema_extra=since(2))


def test_a_file_of_the_newest_version_is_not_walked() -> None:
    model = _Outer.model_validate({"items": [{"fresh": 2}], "thing": {}, "in": 4})
    assert list(newer_than(model, 3)) == []
    assert list(newer_than(_Inner(old=1), 1)) == []
    assert list(newer_than(_Inner.model_validate({"fresh": 1}), 1)) == [
        TooNew(("fresh",), "fresh", 2)
    ]


def test_unset_new_fields_are_not_reported() -> None:
    model = _Outer.model_validate({"items": [{"old": 1}]})
    assert list(newer_than(model, 1)) == []


def test_each_new_construct_is_reported_at_its_path_with_the_version_it_needs() -> None:
    model = _Outer.model_validate({"items": [{"old": 1}, {"fresh": 2}], "thing": {}, "in": 4})
    found = list(newer_than(model, 1))
    assert found == [
        TooNew(("in",), "in", 2),
        TooNew(("items", 1, "fresh"), "fresh", 2),
        TooNew(("thing",), "_New", 3),
    ]
    assert list(newer_than(model, 2)) == [TooNew(("thing",), "_New", 3)]
    assert list(newer_than(model, 3)) == []


class _Colour(StrEnum):
    RED = "red"
    GREEN = "green"


since_values(2, _Colour.GREEN)


class _Painted(BaseModel):
    colours: list[_Colour] = Field(default_factory=list)
    left_out: int | None = Field(default=None, json_schema_extra=since(2))


def test_a_newer_enum_value_is_reported_where_it_is_used() -> None:
    model = _Painted.model_validate({"colours": ["red", "green"]})
    assert list(newer_than(model, 1)) == [TooNew(("colours", 1), "'green'", 2)]
    assert list(newer_than(model, 2)) == []


def test_an_explicit_null_is_the_field_left_out() -> None:
    assert list(newer_than(_Painted.model_validate({"left_out": None}), 1)) == []


class _Held(BaseModel):
    by_name: dict[str, _Colour] = Field(default_factory=dict)
    nested: list[list[_Inner]] = Field(default_factory=list)
    things: tuple[_New, ...] = ()
    plain: list[str] = Field(default_factory=list)


def test_constructs_in_mappings_nested_lists_and_tuples_are_found_in_order() -> None:
    model = _Held.model_validate(
        {
            "by_name": {"a": "red", "b": "green"},
            "nested": [[{"old": 1}], [{"old": 2}, {"fresh": 3}]],
            "things": [{}, {"x": 1}],
            "plain": ["green"],
        }
    )
    assert list(newer_than(model, 1)) == [
        TooNew(("by_name", "b"), "'green'", 2),
        TooNew(("nested", 1, 1, "fresh"), "fresh", 2),
        TooNew(("things", 0), "_New", 3),
        TooNew(("things", 1), "_New", 3),
    ]
    assert list(newer_than(model, 2)) == [
        TooNew(("things", 0), "_New", 3),
        TooNew(("things", 1), "_New", 3),
    ]
    assert list(newer_than(model, 3)) == []
    assert list(newer_than([model, [model]], 2, ("top",))) == [
        TooNew(("top", 0, "things", 0), "_New", 3),
        TooNew(("top", 0, "things", 1), "_New", 3),
        TooNew(("top", 1, 0, "things", 0), "_New", 3),
        TooNew(("top", 1, 0, "things", 1), "_New", 3),
    ]
