"""Which schema version introduced each construct, and the check that a file keeps to its own.

Rule files and timelines carry a ``schema_version``. A newer version may add
fields and constructs; an older file stays valid as it was written, and a file
that uses a construct its version does not have is refused with the path of
the construct and the version it needs (never silently read as if it were
newer).

A construct says which version introduced it in one of two ways:

* a field: ``Field(..., json_schema_extra=since(2))``;
* a model (for example a new kind of trigger in a union): a class attribute
  ``since_version: ClassVar[int] = 2``.

:func:`newer_than` walks a validated model and yields every construct, set in
the input, that is newer than the version the file declares.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import get_args

from pydantic import BaseModel
from pydantic.fields import FieldInfo

__all__ = ["SINCE", "TooNew", "newer_than", "since"]

SINCE = "since_version"

Loc = tuple[str | int, ...]


def since(version: int) -> dict[str, int]:
    """The ``json_schema_extra`` marking a field as introduced in schema ``version``."""
    return {SINCE: version}


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


def _model_since(model: type[BaseModel]) -> int:
    found = getattr(model, SINCE, 1)
    return found if isinstance(found, int) else 1


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """The model classes a field's annotation can hold (in lists, unions, mappings...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models_in(arg)


@cache
def _newest(model: type[BaseModel]) -> int:
    """The newest version of any construct reachable from ``model`` (cycles read once)."""
    _in_progress.add(model)
    newest = _model_since(model)
    for field in model.model_fields.values():
        newest = max(newest, _field_since(field))
        for inner in _models_in(field.annotation):
            if inner not in _in_progress:
                newest = max(newest, _newest(inner))
    _in_progress.discard(model)
    return newest


_in_progress: set[type[BaseModel]] = set()


@cache
def _fields(model: type[BaseModel]) -> tuple[tuple[str, str, int, int], ...]:
    """Per field, sorted by the name a reader writes: name, that name, its version, the
    newest version reachable inside it."""
    found = []
    for name, field in model.model_fields.items():
        inner = max((_newest(m) for m in _models_in(field.annotation)), default=1)
        found.append((name, field.alias or name, _field_since(field), inner))
    return tuple(sorted(found, key=lambda item: item[1]))


def newer_than(value: object, version: int, loc: Loc = ()) -> Iterator[TooNew]:
    """Every construct in ``value`` (fields set, models used) newer than ``version``.

    What each model class can reach is worked out once per class, so a file of
    the newest version costs nothing and an older one only a look at the fields
    that could hold something newer.
    """
    if isinstance(value, BaseModel):
        model = type(value)
        if _newest(model) <= version:
            return
        needs = _model_since(model)
        if needs > version:
            yield TooNew(loc, model.__name__, needs)
            return
        given = value.model_fields_set
        for name, shown, needs, inner in _fields(model):
            if name not in given or (needs <= version and inner <= version):
                continue
            at = (*loc, shown)
            if needs > version:
                yield TooNew(at, shown, needs)
            else:
                yield from newer_than(getattr(value, name), version, at)
    elif isinstance(value, list | tuple | frozenset):
        for index, item in enumerate(value):
            yield from newer_than(item, version, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from newer_than(item, version, (*loc, str(key)))
