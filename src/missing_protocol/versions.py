"""Which schema version introduced each construct, and the check that a file keeps to its own.

Rule files and timelines carry a ``schema_version``. A newer version may add
fields and constructs; an older file stays valid as it was written, and a file
that uses a construct its version does not have is refused with the path of
the construct and the version it needs (never silently read as if it were
newer).

A construct says which version introduced it in one of two ways:

* a field: ``Field(..., json_schema_extra=since(2))``;
* a model (for example a new kind of trigger in a union): a class attribute
  ``since_version: ClassVar[int] = 2``;
* a value of an enumeration (for example a new moment a trigger may name):
  :func:`since_values` registers the members a version introduced (at import
  of the module that defines them, before any file is read).

:func:`newer_than` walks a validated model and yields every construct, set in
the input, that is newer than the version the file declares.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import get_args

from pydantic import BaseModel
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo

__all__ = ["SINCE", "TooNew", "newer_than", "since", "since_values"]

SINCE = "since_version"

Loc = tuple[str | int, ...]


def since(version: int) -> JsonDict:
    """The ``json_schema_extra`` marking a field as introduced in schema ``version``."""
    return {SINCE: version}


# Enum members introduced after version 1, and the version that introduced each.
_VALUES_SINCE: dict[Enum, int] = {}


def since_values(version: int, *members: Enum) -> None:
    """Register enum ``members`` as values introduced in schema ``version``."""
    for member in members:
        _VALUES_SINCE[member] = version


@dataclass(frozen=True, slots=True)
class TooNew:
    """A construct used in a file whose declared version does not have it."""

    loc: Loc  # pydantic-style location: field names and list indexes
    name: str  # the field or model name, as a reader would look it up
    needs: int  # the version that introduced it


def _field_since(field: FieldInfo) -> int:
    extra = field.json_schema_extra
    if isinstance(extra, Mapping):
        found = extra.get(SINCE)
        if isinstance(found, int):
            return found
    return 1


@cache
def _model_since(model: type[BaseModel]) -> int:
    """The version that introduced ``model`` (read once per class: a class without the
    attribute is looked up through pydantic's metaclass, which is slow to say it is missing)."""
    found = getattr(model, SINCE, 1)
    return found if isinstance(found, int) else 1


def _newest_in(annotation: object) -> int:
    """The newest version a field's annotation can hold: its models, enums and literal
    enum values, in lists, unions and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _newest(annotation) if annotation not in _in_progress else 1
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return max((_VALUES_SINCE.get(member, 1) for member in annotation), default=1)
    if isinstance(annotation, Enum):  # a value of a Literal
        return _VALUES_SINCE.get(annotation, 1)
    return max((_newest_in(arg) for arg in get_args(annotation)), default=1)


@cache
def _newest(model: type[BaseModel]) -> int:
    """The newest version of any construct reachable from ``model`` (cycles read once)."""
    _in_progress.add(model)
    newest = _model_since(model)
    for field in model.model_fields.values():
        newest = max(newest, _field_since(field), _newest_in(field.annotation))
    _in_progress.discard(model)
    return newest


_in_progress: set[type[BaseModel]] = set()


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, str, int, int], ...]:
    """Per field, sorted by the name a reader writes: name, that name, its version, the
    newest version reachable inside it."""
    found = []
    for name, field in model.model_fields.items():
        inner = _newest_in(field.annotation)
        found.append((name, field.alias or name, _field_since(field), inner))
    return tuple(sorted(found, key=lambda item: item[1]))


def _at_default(model: type[BaseModel], name: str, value: object) -> bool:
    """Whether a field holds its default (``judgements: []``): that uses no newer construct.

    So a model written out whole (``model_dump_json``) reads back under its own version.
    """
    found = _default(model, name)
    return found is not None and bool(value == found[0])


@cache
def _default(model: type[BaseModel], name: str) -> tuple[object] | None:
    """A field's default (made once: only compared with, never handed out), or ``None``.

    Asking pydantic for a default made by a factory inspects the factory's
    signature every time, which cost more than the rest of a timeline's validation.
    """
    field = model.model_fields.get(name)
    if field is None or field.is_required():
        return None
    return (field.get_default(call_default_factory=True),)


@dataclass(frozen=True, slots=True)
class _Walk:
    """How to look into a model for constructs newer than a version (made once per pair)."""

    needs: int  # the version that introduced the model itself
    names: frozenset[str]  # the fields that can hold something newer
    fields: tuple[tuple[str, str, int], ...]  # those fields, in _fields' order: name, shown, needs


@cache
def _walk(model: type[BaseModel], version: int) -> _Walk | None:
    """What to look at in a ``model`` read under ``version``: ``None`` if nothing newer fits."""
    if _newest(model) <= version:
        return None
    fields = tuple(
        (name, shown, needs)
        for name, shown, needs, inner in _fields(model)
        if needs > version or inner > version
    )
    return _Walk(_model_since(model), frozenset(name for name, _, _ in fields), fields)


def newer_than(value: object, version: int, loc: Loc = ()) -> Iterator[TooNew]:
    """Every construct in ``value`` (fields set, models used) newer than ``version``.

    What each model class can reach is worked out once per class and version, so
    a file of the newest version costs nothing and an older one only a look at
    the fields set that could hold something newer.
    """
    found: list[TooNew] = []
    _collect(value, version, loc, found)
    return iter(found)


def _collect(value: object, version: int, loc: Loc, found: list[TooNew]) -> None:
    """Append to ``found`` every construct in ``value`` newer than ``version``, in order."""
    if isinstance(value, BaseModel):
        model = type(value)
        walk = _walk(model, version)
        if walk is None:
            return
        if walk.needs > version:
            found.append(TooNew(loc, model.__name__, walk.needs))
            return
        given = value.model_fields_set
        if walk.names.isdisjoint(given):
            return
        for name, shown, needs in walk.fields:
            if name not in given:
                continue
            held = getattr(value, name)
            if held is None or _at_default(model, name, held):
                continue  # written out as null or at its default (as a model dump does)
            at = (*loc, shown)
            if needs > version:
                found.append(TooNew(at, shown, needs))
            else:
                _collect(held, version, at, found)
    elif isinstance(value, list | tuple | frozenset):
        for index, item in enumerate(value):
            _collect(item, version, (*loc, index), found)
    elif isinstance(value, dict):
        for key, item in value.items():
            _collect(item, version, (*loc, str(key)), found)
    elif isinstance(value, Enum):
        needs = _VALUES_SINCE.get(value, 1)
        if needs > version:
            found.append(TooNew(loc, repr(str(value.value)), needs))
