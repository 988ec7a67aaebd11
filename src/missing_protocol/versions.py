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
from typing import Any

from pydantic import BaseModel

__all__ = ["SINCE", "TooNew", "newer_than", "since"]

SINCE = "since_version"

Loc = tuple[str | int, ...]


def since(version: int) -> dict[str, Any]:
    """The ``json_schema_extra`` marking a field as introduced in schema ``version``."""
    return {SINCE: version}


@dataclass(frozen=True, slots=True)
class TooNew:
    """A construct used in a file whose declared version does not have it."""

    loc: Loc  # pydantic-style location: field names and list indexes
    name: str  # the field or model name, as a reader would look it up
    needs: int  # the version that introduced it


def _field_since(model: type[BaseModel], name: str) -> int:
    field = model.model_fields.get(name)
    extra = None if field is None else field.json_schema_extra
    if isinstance(extra, Mapping):
        found = extra.get(SINCE)
        if isinstance(found, int):
            return found
    return 1


def _at_default(model: type[BaseModel], name: str, value: object) -> bool:
    """Whether a field holds its default (``judgements: []``): that uses no newer construct.

    So a model written out whole (``model_dump_json``) reads back under its own version.
    """
    field = model.model_fields.get(name)
    if field is None or field.is_required():
        return False
    default = field.get_default(call_default_factory=True)
    return bool(value == default)


def _alias(model: type[BaseModel], name: str) -> str:
    field = model.model_fields.get(name)
    return field.alias if field is not None and field.alias else name


def newer_than(value: object, version: int, loc: Loc = ()) -> Iterator[TooNew]:
    """Every construct in ``value`` (fields set, models used) newer than ``version``."""
    if isinstance(value, BaseModel):
        model = type(value)
        needs = getattr(model, SINCE, 1)
        if isinstance(needs, int) and needs > version:
            yield TooNew(loc, model.__name__, needs)
            return
        for name in sorted(value.model_fields_set):
            at = (*loc, _alias(model, name))
            needs = _field_since(model, name)
            if needs > version and not _at_default(model, name, getattr(value, name)):
                yield TooNew(at, _alias(model, name), needs)
                continue
            yield from newer_than(getattr(value, name), version, at)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from newer_than(item, version, (*loc, index))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from newer_than(item, version, (*loc, str(key)))
