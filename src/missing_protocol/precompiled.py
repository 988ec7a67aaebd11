"""The compiled form of the bundled protocols, stored beside them as plain JSON data.

Compiling a rule file costs tens of milliseconds (reading YAML events into
plain data with a source map, pydantic validation, the compile passes), paid
by every command on its first protocol. The bundled rule files do not change
between releases, so ``tools/gen_precompiled.py`` writes each one's compiled
:class:`~.compiled.Protocol` to ``missing_protocol/compiled_rules/<id>.json``,
and :func:`~.protocols.load_protocol` reads that instead of compiling, when
the file's key matches:

* ``format``: :data:`FORMAT`, the version of this encoding;
* ``rule_sha256``: the SHA-256 of the rule file's bytes that would be compiled;
* ``code_sha256``: the SHA-256 of the source of every module the compiler
  imports (``sources``, listed in the file by the generator), so a change to
  the compiler, the schema or the compiled form makes the file stale too.

A stale, missing, damaged or unreadable file is never an error and never
gives a different protocol: :func:`read_precompiled` returns ``None`` and the
protocol is compiled from its YAML as before, only slower. A test fails while
a file is stale (``python tools/gen_precompiled.py`` rewrites them).

The encoding is generic over the compiled form, so that a new dataclass or
field in ``compiled.py`` needs no change here, only a rerun of the generator.
JSON's own values (text, whole and decimal numbers, booleans, null) stand for
themselves; anything else is an object tagged with ``"$"``:

* a dataclass: ``{"$": "compiled.Rule", "<field>": value, ...}``, every field
  that ``__init__`` takes, by name;
* an enum member: ``{"$": "facts.PoliceRisk", "value": "high"}``;
* ``{"$": "tuple", "items": [...]}``, ``{"$": "frozenset", "items": [...]}``
  (sorted, so the output is stable), ``{"$": "mappingproxy", "items": [[k, v], ...]}``
  and ``{"$": "date", "value": "2024-01-31"}`` (a wall-clock time likewise, ``"time"``).

Decoding builds only the classes of an allow-list (:func:`allowed_classes`):
the dataclasses and enums that ``compiled.py`` defines, the enums of
``facts.py``, ``vocabulary.py`` and ``calendar.py``, and
:class:`~.calendar.Duration`. Nothing read can name any other class or run
any code (this is why it is not pickle). An unknown tag, a missing or extra
field, or a value a class refuses is a :class:`DecodeError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType, ModuleType
from typing import Any

from .compiled import Protocol

__all__ = [
    "FORMAT",
    "DecodeError",
    "EncodeError",
    "allowed_classes",
    "code_sha256",
    "decode",
    "encode",
    "precompiled_document",
    "read_precompiled",
    "rule_sha256",
]

FORMAT = 1
"""The version of the encoding; a file of another version is not read."""

_PACKAGE = Path(__file__).resolve().parent

TAG = "$"


class EncodeError(TypeError):
    """A value the encoding cannot hold (the generator stops with this message)."""


class DecodeError(ValueError):
    """Data that is not an encoded compiled form (the caller compiles from YAML instead)."""


# --- the allow-list -----------------------------------------------------------


def _defined_in(module: ModuleType, want: Callable[[type], bool]) -> Iterable[type]:
    for value in vars(module).values():
        if isinstance(value, type) and value.__module__ == module.__name__ and want(value):
            yield value


def _is_enum(cls: type) -> bool:
    return issubclass(cls, enum.Enum)


def _is_dataclass_or_enum(cls: type) -> bool:
    return dataclasses.is_dataclass(cls) or issubclass(cls, enum.Enum)


def _tag(cls: type) -> str:
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}"


@cache
def allowed_classes() -> Mapping[str, type]:
    """The classes decoding may build, by tag: the compiled form and the enums it holds."""
    from . import calendar, compiled, facts, vocabulary  # noqa: PLC0415 - the compiled form's own modules

    found: list[type] = [
        *_defined_in(compiled, _is_dataclass_or_enum),
        *_defined_in(facts, _is_enum),
        *_defined_in(vocabulary, _is_enum),
        *_defined_in(calendar, _is_enum),
        calendar.Duration,
    ]
    return MappingProxyType({_tag(cls): cls for cls in found})


# --- encoding -----------------------------------------------------------------


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def encode(value: Any, where: str = "protocol") -> Any:
    """``value`` as JSON data (see the module docstring); :class:`EncodeError` if it cannot be.

    ``where`` names the value in the error message (``protocol.rules[3].trigger``).
    """
    if isinstance(value, enum.Enum):
        return {TAG: _allowed_tag(type(value), where), "value": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {TAG: _allowed_tag(type(value), where)}
        for f in dataclasses.fields(value):
            if f.init:
                out[f.name] = encode(getattr(value, f.name), f"{where}.{f.name}")
        return out
    if isinstance(value, tuple):
        return {TAG: "tuple", "items": [encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, frozenset):
        items = [encode(v, f"{where}{{}}") for v in value]
        return {TAG: "frozenset", "items": sorted(items, key=_sort_key)}
    if isinstance(value, MappingProxyType):
        return {
            TAG: "mappingproxy",
            "items": [
                [encode(k, f"{where} key"), encode(v, f"{where}[{k!r}]")] for k, v in value.items()
            ],
        }
    if type(value) is dt.date:
        return {TAG: "date", "value": value.isoformat()}
    if type(value) is dt.time and value.tzinfo is None:
        return {TAG: "time", "value": value.isoformat()}
    raise EncodeError(
        f"{where}: a {type(value).__qualname__} is not part of the compiled form's encoding; "
        "use a frozen dataclass, an enum, a tuple, a frozenset, a MappingProxyType, a date or a "
        "time (or extend missing_protocol/precompiled.py)"
    )


def _allowed_tag(cls: type, where: str) -> str:
    tag = _tag(cls)
    if allowed_classes().get(tag) is not cls:
        raise EncodeError(
            f"{where}: {cls.__module__}.{cls.__qualname__} is not in the allow-list of "
            "missing_protocol.precompiled (compiled.py's dataclasses and enums, the enums of "
            "facts.py, vocabulary.py and calendar.py, and calendar.Duration)"
        )
    return tag


# --- decoding -----------------------------------------------------------------


class _Untagged:
    """A JSON object without a tag: only the document around the encoded value may be one."""

    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data


_REFUSED = frozenset({list, _Untagged})
"""What cannot be part of a decoded value: a bare list or an untagged object."""


def _clean(values: Iterable[Any]) -> bool:
    return _REFUSED.isdisjoint(map(type, values))


def _items(data: dict[str, Any], tag: str) -> list[Any]:
    items = data.get("items")
    if len(data) != 2 or type(items) is not list or not _clean(items):
        raise DecodeError(f"a {tag} needs exactly one list of items, each a decoded value")
    return items


def _tuple(data: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(_items(data, "tuple"))


def _frozenset(data: dict[str, Any]) -> frozenset[Any]:
    return frozenset(_items(data, "frozenset"))


def _mappingproxy(data: dict[str, Any]) -> MappingProxyType[Any, Any]:
    pairs = data.get("items")
    if (
        len(data) != 2
        or type(pairs) is not list
        or not all(type(p) is list and len(p) == 2 and _clean(p) for p in pairs)
    ):
        raise DecodeError("a mappingproxy needs one list of items, each [key, value] decoded")
    return MappingProxyType(dict(pairs))


def _time(data: dict[str, Any]) -> dt.time:
    value = data.get("value")
    if set(data) != {TAG, "value"} or not isinstance(value, str):
        raise DecodeError("a time needs one value, ISO 8601 text")
    return dt.time.fromisoformat(value)


def _date(data: dict[str, Any]) -> dt.date:
    value = data.get("value")
    if len(data) != 2 or type(value) is not str:
        raise DecodeError("a date needs one value, ISO 8601 text")
    return dt.date.fromisoformat(value)


Builder = Callable[[dict[str, Any]], Any]


def _enum_builder(tag: str, cls: type[enum.Enum]) -> Builder:
    members = {member.value: member for member in cls}

    def build(data: dict[str, Any]) -> Any:
        value = data.get("value")
        if len(data) != 2 or type(value) not in (str, int) or value not in members:
            raise DecodeError(f"{tag} needs one value, one of {', '.join(map(str, members))}")
        return members[value]

    return build


def _dataclass_builder(tag: str, cls: type) -> Builder:
    names = frozenset(f.name for f in dataclasses.fields(cls) if f.init)

    def build(data: dict[str, Any]) -> Any:
        del data[TAG]
        if data.keys() != names:
            unknown = ", ".join(sorted(data.keys() - names)) or "none"
            missing = ", ".join(sorted(names - data.keys())) or "none"
            raise DecodeError(f"{tag}: unknown fields {unknown}; missing fields {missing}")
        if not _clean(data.values()):
            raise DecodeError(f"{tag}: a field holds a bare list or an untagged object")
        return cls(**data)

    return build


@cache
def _builders() -> Mapping[str, Builder]:
    """How to build each tag's value from its (already decoded) members."""
    builders: dict[str, Builder] = {
        "tuple": _tuple,
        "frozenset": _frozenset,
        "mappingproxy": _mappingproxy,
        "date": _date,
        "time": _time,
    }
    for tag, cls in allowed_classes().items():
        if issubclass(cls, enum.Enum):
            builders[tag] = _enum_builder(tag, cls)
        else:
            builders[tag] = _dataclass_builder(tag, cls)
    return builders


def decode(text: str | bytes) -> Any:
    """The value :func:`encode` gave the JSON ``text`` for; :class:`DecodeError` for anything else.

    Objects are built as the JSON is parsed, inside out. The outermost object
    may be untagged (a document around encoded values): it is returned as a
    dict. Inside a tagged object, a bare list or an untagged object is refused.
    """
    builders = _builders()

    def build(data: dict[str, Any]) -> Any:
        tag = data.get(TAG)
        if tag is None:
            return _Untagged(data)
        builder = builders.get(tag) if type(tag) is str else None
        if builder is None:
            raise DecodeError(f"unknown tag {tag!r}")
        return builder(data)

    try:
        value = json.loads(text, object_hook=build)
    except DecodeError:
        raise
    except (ValueError, TypeError, RecursionError) as exc:  # bad JSON, or a value a class refuses
        raise DecodeError(str(exc)) from None
    if type(value) is _Untagged:
        return value.data
    if type(value) is list:
        raise DecodeError("expected an encoded value, got a bare list")
    return value


# --- the files ------------------------------------------------------------------


def rule_sha256(data: bytes) -> str:
    """The key of a rule file's bytes."""
    return hashlib.sha256(data).hexdigest()


@cache
def code_sha256(sources: tuple[str, ...]) -> str | None:
    """The key of the compiler's code: its modules' sources (paths in the package), hashed.

    ``None`` if any of them cannot be read (then nothing precompiled is used).
    """
    digest = hashlib.sha256()
    folder = str(_PACKAGE)
    for name in sources:
        if name.startswith("/") or "\\" in name or ":" in name or ".." in name.split("/"):
            return None
        try:
            content = _whole_file(f"{folder}/{name}")
            if content is None:
                return None
            digest.update(b"%s\0%d\0" % (name.encode(), len(content)))
        except (OSError, ValueError):  # unreadable, or a name no file can have
            return None
        digest.update(content)
    return digest.hexdigest()


def _whole_file(path: str) -> bytes | None:
    """The bytes of the file at ``path``; ``None`` if it changed size while being read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        size = os.fstat(fd).st_size
        content = os.read(fd, size + 1)  # no bigger buffer than the file needs
    finally:
        os.close(fd)
    return content if len(content) == size else None


def precompiled_document(protocol: Protocol, data: bytes, sources: Iterable[str]) -> str:
    """The text of a precompiled file for ``protocol``, compiled from the rule file ``data``.

    ``sources`` are the modules (paths in the package) the compiler imports.
    """
    names = tuple(sorted(sources))
    code = code_sha256(names)
    if code is None:
        raise EncodeError(f"cannot read the compiler's sources: {', '.join(names)}")
    document = {
        "format": FORMAT,
        "rule_sha256": rule_sha256(data),
        "sources": list(names),
        "code_sha256": code,
        "protocol": encode(protocol),
    }
    return json.dumps(document, ensure_ascii=False, indent=0, sort_keys=False) + "\n"


def read_precompiled(path: Path, data: bytes) -> Protocol | None:
    """The protocol stored at ``path`` if its key matches the rule file ``data``, else ``None``.

    ``None`` for a missing, unreadable, stale or damaged file, or one of
    another format: the caller then compiles ``data`` itself.
    """
    try:
        document = decode(path.read_bytes())
    except (OSError, DecodeError):
        return None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return None
    sources = document.get("sources")
    if (
        document.get("rule_sha256") != rule_sha256(data)
        or not isinstance(sources, list)
        or not all(isinstance(s, str) for s in sources)
        or document.get("code_sha256") != code_sha256(tuple(sources))
    ):
        return None
    protocol = document.get("protocol")
    return protocol if isinstance(protocol, Protocol) else None
