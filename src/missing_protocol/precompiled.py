"""The compiled form of the bundled protocols, stored beside them as plain JSON data.

Compiling a rule file costs tens of milliseconds (reading YAML events into
plain data with a source map, pydantic validation, the compile passes), paid
by every command on its first protocol. The bundled rule files do not change
between releases, so ``tools/gen_precompiled.py`` writes each one's compiled
:class:`~.compiled.Protocol` to ``missing_protocol/compiled_rules/<id>.json``,
and :func:`~.protocols.load_protocol` reads that instead of compiling, when
the file's key matches. The key is the file's first line, a JSON object:

* ``format``: :data:`FORMAT`, the version of this encoding;
* ``rule_sha256``: the SHA-256 of the rule file's bytes that would be compiled;
* ``code_sha256``: the SHA-256 of the source of every module the compiler
  imports (``sources``, listed by the generator), so a change to the
  compiler, the schema or the compiled form makes the file stale too;
* ``body_sha256``: the SHA-256 of the rest of the file (its line ends read as
  ``\\n``), the encoded protocol, so that a damaged file is never read as
  another protocol.

A stale, missing, damaged or unreadable file is never an error and never
gives a different protocol: :func:`read_precompiled` returns ``None`` and the
protocol is compiled from its YAML as before, only slower. A test fails while
a file is stale (``python tools/gen_precompiled.py`` rewrites them).

The encoding (:func:`encode`) is generic over the compiled form, so that a new
dataclass or field in ``compiled.py`` needs no change here, only a rerun of
the generator. It is a table of the value's distinct parts, each written and
built once, every part before the values that hold it (a protocol repeats
many: citations, source files, facts, conditions, enum members). A JSON object:

* ``kinds``: the kinds of value in the table, each a list of its tag and, for
  a dataclass, the fields ``__init__`` takes, in order
  (``["compiled.Citation", "section", "quote"]``); an enum is
  ``["facts.PoliceRisk"]``; and ``["tuple"]``, ``["frozenset"]``,
  ``["mappingproxy"]``, ``["date"]`` and ``["time"]`` (a wall-clock time);
* ``scalars``: JSON's own values (text, whole and decimal numbers, booleans,
  null), each distinct one once: they are values number 0, 1, ...; written
  in ASCII (other characters as escapes), which reads faster than other UTF-8;
* ``values``: the other values, numbered on from the scalars, each written as
  numbers: its kind; for a tuple, a frozenset or a mapping, how many parts it
  has; then its parts, each the number of an earlier value: a dataclass's
  fields in order, an enum member's value, a tuple's or a frozenset's items (a
  frozenset's sorted, so the output is stable), a mapping's keys and values
  alternately, a date's or a time's ISO 8601 text. The numbers are written in
  hex digits, ``width`` (4 or 8) to a number, little-endian (``"0c00"`` is
  12), a value's to a line (so that a diff shows which values changed); they
  are read together as one array of whole numbers, none negative, without a
  Python object per value;
* ``root``: the number of the value encoded.

Decoding builds only the classes of an allow-list (:func:`allowed_classes`):
the dataclasses and enums that ``compiled.py`` defines, the enums of
``facts.py``, ``vocabulary.py`` and ``calendar.py``, and
:class:`~.calendar.Duration`. Nothing read can name any other class or run
any code (this is why it is not pickle). An unknown tag, fields other than
the class's, a number that is not an earlier value's, or a value a class
refuses is a :class:`DecodeError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from itertools import islice
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

FORMAT = 2
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
    return issubclass(cls, enum.Enum) or dataclasses.is_dataclass(cls)


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


def _init_fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)


# --- encoding -----------------------------------------------------------------


def encode(value: Any, where: str = "protocol") -> dict[str, Any]:
    """``value`` as JSON data (see the module docstring); :class:`EncodeError` if it cannot be.

    ``where`` names the value in the error message (``protocol.rules[3].trigger``).
    """
    return _Table(value, where).data()


def _sort_key(item: Any) -> str:
    return json.dumps(item, sort_keys=True, ensure_ascii=False)


def _tree(value: Any, where: str) -> Any:
    """``value`` as nested JSON data, each object tagged with its kind (what ``_Table`` reads)."""
    if isinstance(value, enum.Enum):
        return {TAG: _allowed_tag(type(value), where), "value": value.value}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {TAG: _allowed_tag(type(value), where)}
        for f in _init_fields(type(value)):
            out[f.name] = _tree(getattr(value, f.name), f"{where}.{f.name}")
        return out
    if isinstance(value, tuple):
        return {TAG: "tuple", "items": [_tree(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, frozenset):
        items = [_tree(v, f"{where}{{}}") for v in value]
        return {TAG: "frozenset", "items": sorted(items, key=_sort_key)}
    if isinstance(value, MappingProxyType):
        pairs = [[_tree(k, f"{where} key"), _tree(v, f"{where}[{k!r}]")] for k, v in value.items()]
        return {TAG: "mappingproxy", "items": [part for pair in pairs for part in pair]}
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


class _Table:
    """The distinct parts of a value, each once, parts before the values that hold them."""

    def __init__(self, value: Any, where: str) -> None:
        self.kinds: list[list[str]] = []
        self.kind_numbers: dict[str, int] = {}
        self.scalars: list[Any] = []
        self.scalar_numbers: dict[tuple[str, str], int] = {}
        # while the table is built, a scalar is numbered i >= 0, another value -1 - i
        self.values: list[tuple[int, ...]] = []
        self.value_numbers: dict[tuple[int, ...], int] = {}
        self.root = self.add(_tree(value, where))

    def kind(self, tag: str) -> int:
        number = self.kind_numbers.get(tag)
        if number is None:
            cls = allowed_classes().get(tag)
            fields = _init_fields(cls) if cls is not None and dataclasses.is_dataclass(cls) else ()
            self.kinds.append([tag, *(f.name for f in fields)])
            number = self.kind_numbers[tag] = len(self.kinds) - 1
        return number

    def add(self, node: Any) -> int:
        if type(node) is not dict:
            # by type and spelling: True, 1 and 1.0 are equal in Python, not here
            key = (type(node).__name__, json.dumps(node))
            number = self.scalar_numbers.get(key)
            if number is None:
                self.scalars.append(node)
                number = self.scalar_numbers[key] = len(self.scalars) - 1
            return number
        tag = node[TAG]
        kind = self.kind(tag)
        if "items" in node and tag in _OTHER_KINDS:
            parts = node["items"]
        elif "value" in node and len(self.kinds[kind]) == 1:
            parts = [node["value"]]  # an enum member, a date or a time
        else:
            parts = [node[name] for name in self.kinds[kind][1:]]
        entry = (kind, *(self.add(part) for part in parts))
        number = self.value_numbers.get(entry)
        if number is None:
            self.values.append(entry)
            number = self.value_numbers[entry] = -len(self.values)
        return number

    def number(self, number: int) -> int:
        """The final number of a value: the others are numbered on from the scalars."""
        return number if number >= 0 else len(self.scalars) - 1 - number

    def rows(self) -> list[list[int]]:
        """Each value's numbers: its kind, a container's number of parts, its parts."""
        out = []
        for kind, *parts in self.values:
            tag = self.kinds[kind][0]
            size = [len(parts)] if tag in _OTHER_KINDS and _OTHER_KINDS[tag][2] < 0 else []
            out.append([kind, *size, *map(self.number, parts)])
        return out

    def data(self) -> dict[str, Any]:
        rows = self.rows()
        largest = max((n for row in rows for n in row), default=0)
        width = next((w for w in _WIDTHS if largest < 16**w), None)
        if width is None:
            raise EncodeError(f"{largest + 1:,} values are more than the encoding numbers")
        return {
            "kinds": self.kinds,
            "scalars": self.scalars,
            "width": width,
            "values": [
                "".join(n.to_bytes(width // 2, "little").hex() for n in row) for row in rows
            ],
            "root": self.number(self.root),
        }

    def text(self) -> str:
        """:meth:`data` as JSON text, a line for each kind, scalar and value (for diffs)."""
        data = self.data()

        def lines(items: list[Any]) -> str:
            # ASCII: text of one-byte characters only is read much faster than UTF-8
            return ",\n".join(json.dumps(item, ensure_ascii=True) for item in items)

        return (
            f'{{"kinds": [\n{lines(data["kinds"])}\n],\n'
            f'"scalars": [\n{lines(data["scalars"])}\n],\n'
            f'"width": {data["width"]},\n"values": [\n{lines(data["values"])}\n],\n'
            f'"root": {data["root"]}}}\n'
        )


# --- decoding -----------------------------------------------------------------


_BODY = frozenset({"kinds", "scalars", "width", "values", "root"})

# Hex digits per number in ``values``: read as C's unsigned short or unsigned int.
_WIDTHS = (4, 8)
_SCALARS = frozenset({str, int, float, bool, type(None)})
_TEXTS = frozenset({str})

# How to build a value of a kind: from what, how (below), from how many parts (-1: a
# container, whose number of parts comes first), and for _FIELDS, the fields set.
Builder = tuple[Callable[..., Any], int, int, tuple[str, ...]]
_SPREAD = 0  # called with the parts as its arguments
_ITERATOR = 1  # called with an iterator of the parts
_FIELDS = 2  # a dataclass made and its fields set as its __init__ would (see _sets_fields_only)


def _mapping(parts: Iterator[Any]) -> MappingProxyType[Any, Any]:
    flat = list(parts)
    mapping = dict(zip(flat[::2], flat[1::2], strict=True))
    if 2 * len(mapping) != len(flat):
        raise DecodeError("a mappingproxy needs each key once, each followed by its value")
    return MappingProxyType(mapping)


def _time(text: str) -> dt.time:
    value = dt.time.fromisoformat(text)
    if value.tzinfo is not None:
        raise DecodeError("a time is a wall-clock time, without a zone")
    return value


# The kinds that are not classes of the allow-list.
_OTHER_KINDS: Mapping[str, Builder] = {
    "tuple": (tuple, _ITERATOR, -1, ()),
    "frozenset": (frozenset, _ITERATOR, -1, ()),
    "mappingproxy": (_mapping, _ITERATOR, -1, ()),
    "date": (dt.date.fromisoformat, _SPREAD, 1, ()),
    "time": (_time, _SPREAD, 1, ()),
}


@cache
def _builder(kind: tuple[str, ...]) -> Builder:
    """How to build a value of ``kind`` (a tag and, for a dataclass, its fields)."""
    tag, names = kind[0], kind[1:]
    cls = allowed_classes().get(tag)
    if cls is None:
        if tag in _OTHER_KINDS and not names:
            return _OTHER_KINDS[tag]
        raise DecodeError(f"unknown tag {tag!r}")
    if issubclass(cls, enum.Enum) or not dataclasses.is_dataclass(cls):
        if names:
            raise DecodeError(f"{tag} is not a dataclass: it has no fields")
        return (cls, _SPREAD, 1, ())
    fields = dataclasses.fields(cls)
    wanted = tuple([f.name for f in fields if f.init])
    if names != wanted:
        unknown = ", ".join(sorted(set(names) - set(wanted))) or "none"
        missing = ", ".join(sorted(set(wanted) - set(names))) or "none"
        raise DecodeError(
            f"{tag}: unknown fields {unknown}; missing fields {missing}; "
            f"the fields are {', '.join(wanted)}, in that order"
        )
    if len(wanted) == len(fields) and _sets_fields_only(cls):
        return (cls, _FIELDS, len(wanted), wanted)
    if any(f.kw_only for f in fields):

        def by_name(*parts: Any) -> Any:
            return cls(**dict(zip(wanted, parts, strict=True)))

        return (by_name, _SPREAD, len(wanted), ())
    return (cls, _SPREAD, len(wanted), ())


def _sets_fields_only(cls: type) -> bool:
    """Whether ``__init__`` of the dataclass ``cls``, given every field, only sets them.

    That of a frozen dataclass sets each with ``object.__setattr__`` (past the
    class's guard). Decoding makes the object and sets them the same way
    itself, without calling ``__init__``: a third fewer instructions for a
    20-field rule. Not for a class that is more (not frozen, a
    ``__post_init__``, its own ``__new__``): it is built by calling it. (A
    test builds every dataclass of the allow-list both ways, to equal objects.)
    """
    made_by: object = cls.__new__
    return (
        made_by is object.__new__
        and getattr(vars(cls).get("__dataclass_params__"), "frozen", False) is True
        and all("__post_init__" not in vars(base) for base in cls.__mro__)
    )


def _native(little_endian: bytes, size: int) -> bytes:
    """Numbers of ``size`` bytes each, in the machine's byte order."""
    if sys.byteorder == "little":
        return little_endian
    swapped = bytearray(len(little_endian))
    for at in range(size):
        swapped[at::size] = little_endian[size - 1 - at :: size]
    return bytes(swapped)


def decode(text: str | bytes) -> Any:
    """The value :func:`encode` gave the JSON ``text`` for; :class:`DecodeError` for anything else.

    Values are built in a loop, not by recursion: none nests too deep to decode.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # not JSON (or not UTF-8)
        raise DecodeError(str(exc)) from None
    return _decode(data)


def _decode(data: Any) -> Any:
    if type(data) is not dict or data.keys() != _BODY:
        raise DecodeError("expected an encoded value: kinds, scalars, width, values and root")
    kinds, scalars, width = data["kinds"], data["scalars"], data["width"]
    if type(kinds) is not list or not all(
        type(kind) is list and kind and _TEXTS.issuperset(map(type, kind)) for kind in kinds
    ):
        raise DecodeError("kinds must be lists of text: a tag, then a dataclass's fields")
    if type(scalars) is not list or not _SCALARS.issuperset(map(type, scalars)):
        raise DecodeError("scalars must be a list of text, numbers, booleans and nulls")
    root = data["root"]
    if type(width) is not int or width not in _WIDTHS or type(root) is not int or root < 0:
        raise DecodeError(f"the width must be one of {_WIDTHS}, the root a number")
    rows = data["values"]
    try:
        if type(rows) is not list:
            raise TypeError
        raw = bytes.fromhex("".join(rows))  # whole numbers, none negative, little-endian
        view = memoryview(_native(raw, width // 2))
        numbers = view.cast("H") if width == 4 else view.cast("I")
        if 2 * numbers.itemsize != width:
            raise ValueError  # a C compiler of unusual integer sizes
    except (TypeError, ValueError):
        raise DecodeError(f"values must be a list of text: {width} hex digits a number") from None
    table = [_builder(tuple(kind)) for kind in kinds]
    values = list(scalars)
    get = values.__getitem__
    append = values.append
    new: Callable[[Any], Any] = object.__new__
    setter = object.__setattr__.__get__  # of one object: its fields set past a frozen guard
    read = iter(numbers)
    used = 0
    try:
        for kind in read:
            make, how, size, fields = table[kind]
            if size < 0:
                size = next(read)
                used += 1
            parts = map(get, islice(read, size))
            if how == _FIELDS:
                value = new(make)
                any(map(setter(value), fields, parts))  # each gives None: sets every field
                append(value)
            else:
                append(make(parts) if how else make(*parts))
            used += 1 + size
        if used != len(numbers):
            raise DecodeError("the last value has fewer parts than its kind")
        return values[root]
    except DecodeError:
        raise
    except (IndexError, TypeError, ValueError, StopIteration) as exc:
        # a number past the values built so far, too many or few parts, a value refused
        raise DecodeError(f"value {len(values)}: {exc!r}") from None


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


def _body_sha256(body: bytes) -> str:
    return hashlib.sha256(body.replace(b"\r\n", b"\n") if b"\r" in body else body).hexdigest()


def precompiled_document(protocol: Protocol, data: bytes, sources: Iterable[str]) -> str:
    """The text of a precompiled file for ``protocol``, compiled from the rule file ``data``.

    ``sources`` are the modules (paths in the package) the compiler imports.
    """
    names = tuple(sorted(sources))
    code = code_sha256(names)
    if code is None:
        raise EncodeError(f"cannot read the compiler's sources: {', '.join(names)}")
    body = _Table(protocol, "protocol").text()
    key = {
        "format": FORMAT,
        "rule_sha256": rule_sha256(data),
        "sources": list(names),
        "code_sha256": code,
        "body_sha256": _body_sha256(body.encode()),
    }
    return json.dumps(key, ensure_ascii=False) + "\n" + body


def read_precompiled(path: Path, data: bytes) -> Protocol | None:
    """The protocol stored at ``path`` if its key matches the rule file ``data``, else ``None``.

    ``None`` for a missing, unreadable, stale or damaged file, or one of
    another format: the caller then compiles ``data`` itself.
    """
    try:
        head, _, body = path.read_bytes().partition(b"\n")
        key = json.loads(head)
    except (OSError, ValueError, RecursionError):
        return None
    if type(key) is not dict or key.get("format") != FORMAT:
        return None
    sources = key.get("sources")
    if (
        key.get("rule_sha256") != rule_sha256(data)
        or key.get("body_sha256") != _body_sha256(body)
        or type(sources) is not list
        or not all(type(s) is str for s in sources)
        or key.get("code_sha256") != code_sha256(tuple(sources))
    ):
        return None
    try:
        protocol = decode(body)
    except DecodeError:
        return None
    return protocol if type(protocol) is Protocol else None
