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
from typing import Any, Literal, get_args

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


@dataclass(frozen=True, slots=True, eq=False)
class _Walk:
    """How to look into a model for constructs newer than a version (made once per pair)."""

    needs: int  # the version that introduced the model itself
    names: frozenset[str]  # the fields that can hold something newer
    # those fields, in _fields' order: name, the name shown, its version, its default
    fields: tuple[tuple[str, str, int, tuple[object] | None], ...]


# How to look into a value of a class read under a version: a model's walk, or its shape
# ("none": a model that can hold nothing newer, or a value that holds no construct).
_Look = _Walk | Literal["items", "mapping", "enum", "none"]
_LOOKS: dict[tuple[type, int], _Look] = {}


def _look(kind: type, version: int) -> _Look:
    """How to look into a value of class ``kind`` read under ``version`` (worked out once per
    pair: ``isinstance`` of a pydantic model runs Python code in its metaclass)."""
    look: _Look
    if issubclass(kind, BaseModel):
        if _newest(kind) <= version:
            look = "none"
        else:
            fields = tuple(
                (name, shown, needs, _default(kind, name))
                for name, shown, needs, inner in _fields(kind)
                if needs > version or inner > version
            )
            look = _Walk(_model_since(kind), frozenset(item[0] for item in fields), fields)
    elif issubclass(kind, list | tuple | frozenset):
        look = "items"
    elif issubclass(kind, dict):
        look = "mapping"
    elif issubclass(kind, Enum):
        look = "enum"
    else:
        look = "none"
    _LOOKS[kind, version] = look
    return look


def newer_than(value: object, version: int, loc: Loc = ()) -> Iterator[TooNew]:
    """Every construct in ``value`` (fields set, models used) newer than ``version``.

    What each model class can reach is worked out once per class and version, so
    a file of the newest version costs nothing and an older one only a look at
    the fields set that could hold something newer.
    """
    found: list[TooNew] = []
    _collect(value, version, loc, found)
    return iter(found)


def _collect(value: Any, version: int, loc: Loc, found: list[TooNew]) -> None:
    """Append to ``found`` every construct in ``value`` newer than ``version``, in order.

    ``value`` is what its look says (typed ``Any``: no ``isinstance`` to pay for).
    """
    # A model is looked into only if its class is newer or it sets a field that can hold
    # something newer: usually it is neither (and a list's models are looked at without a call).
    look = _LOOKS.get((type(value), version)) or _look(type(value), version)
    if isinstance(look, _Walk):
        if look.needs > version or not look.names.isdisjoint(value.__pydantic_fields_set__):
            _collect_model(value, look, version, loc, found)
    elif look == "items":
        for index, item in enumerate(value):
            inner = _LOOKS.get((type(item), version)) or _look(type(item), version)
            if isinstance(inner, _Walk):
                if inner.needs > version or not inner.names.isdisjoint(
                    item.__pydantic_fields_set__
                ):
                    _collect_model(item, inner, version, (*loc, index), found)
            elif inner != "none":
                _collect(item, version, (*loc, index), found)
    elif look == "mapping":
        for key, item in value.items():
            _collect(item, version, (*loc, str(key)), found)
    elif look == "enum":
        needs = _VALUES_SINCE.get(value, 1)
        if needs > version:
            found.append(TooNew(loc, repr(str(value.value)), needs))


def _collect_model(
    model: BaseModel, walk: _Walk, version: int, loc: Loc, found: list[TooNew]
) -> None:
    """:func:`_collect` for a model whose class has something newer to look for."""
    if walk.needs > version:
        found.append(TooNew(loc, type(model).__name__, walk.needs))
        return
    given = model.__pydantic_fields_set__
    for name, shown, needs, default in walk.fields:
        if name not in given:
            continue
        held = getattr(model, name)
        # a field written out as null or at its default (``judgements: []``, as a model dump
        # writes it) uses no newer construct: a model dumped whole reads back under its version
        if held is None or (default is not None and held == default[0]):
            continue
        at = (*loc, shown)
        if needs > version:
            found.append(TooNew(at, shown, needs))
        else:
            _collect(held, version, at, found)
