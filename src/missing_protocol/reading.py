"""The guarded reader: every input's bytes -> checked text -> plain data with positions.

Every input path (a rule file, a timeline file, standard input, one JSON Lines
record, an HTTP body) goes through :func:`read_bytes` (a size cap, also on
``/dev/zero`` and pipes), :func:`decode_text` (UTF-8 only; no NUL, no control
character or non-character YAML forbids, each refused at its line and column)
and :func:`build_document`, which turns YAML or JSON into plain data while:

* keeping only plain data: mappings, lists, text, whole and decimal numbers,
  ``true``/``false`` and null. Any other tag (``!!python/object``, ``!!set``,
  ``!custom``) is refused at its position; so are merge keys;
* reading scalars as YAML 1.2 does, not 1.1: ``yes``, ``on``, ``y`` stay text,
  timestamps stay text for the schema to parse, and numbers 1.1 and 1.2 read
  differently (``012``, ``0x1A``, ``1_000``, ``1:30``) are refused as ambiguous;
* bounding nesting depth, alias count and alias expansion ("billion laughs")
  with the :class:`~.limits.Limits` in force, without recursion: it walks the
  parser's events, so no input can raise ``RecursionError``.

It uses libyaml's C parser when PyYAML has it (about ten times faster), and
PyYAML's own parser otherwise. A problem never quotes more of a file than its
own line, and nothing at all of a file read with ``show_source=False``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from .errors import InputError, Problem
from .limits import DEFAULT_LIMITS, LIMIT_CODES, Limits

__all__ = [
    "Located",
    "PathKey",
    "SourceMap",
    "build_document",
    "decode_text",
    "format_path",
    "read_bytes",
    "read_stream",
]

PathKey = tuple[str | int, ...]

_Parser: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Located:
    """A 1-based position in a file."""

    line: int
    column: int


def format_path(path: tuple[str | int, ...] | list[str | int]) -> str:
    """``('rules', 7, 'deadline')`` -> ``rules[7].deadline``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass(slots=True)
class SourceMap:
    """Where each value of a document came from, by its path."""

    file: str
    lines: tuple[str, ...]
    positions: dict[PathKey, Located] = field(default_factory=dict)
    key_positions: dict[PathKey, Located] = field(default_factory=dict)
    pending: list[Problem] = field(default_factory=list)
    """Problems found while reading (duplicate keys) that did not stop it; reported
    together with the schema's problems."""
    show_source: bool = True
    """Whether problems may quote the offending line (never for timelines)."""

    def locate(
        self, path: tuple[str | int, ...] | list[str | int], *, key: bool = False
    ) -> Located | None:
        """The position of ``path``'s value (or its key), or of its nearest ancestor's."""
        wanted = tuple(path)
        if key and wanted in self.key_positions:
            return self.key_positions[wanted]
        while True:
            found = self.positions.get(wanted)
            if found is not None or not wanted:
                return found
            wanted = wanted[:-1]

    def line_text(self, line: int | None) -> str | None:
        """The text of one line, if this file may be quoted."""
        if not self.show_source or line is None or not 0 < line <= len(self.lines):
            return None
        return self.lines[line - 1]

    def problem(
        self,
        code: str,
        message: str,
        path: tuple[str | int, ...] | list[str | int],
        *,
        show_source: bool = True,
        at_key: bool = False,
    ) -> Problem:
        where = self.locate(path, key=at_key)
        line = where.line if where else None
        return Problem(
            code=code,
            message=message,
            file=self.file,
            path=format_path(path),
            line=line,
            column=where.column if where else None,
            source_line=self.line_text(line) if show_source else None,
        )


# --- bytes and text ------------------------------------------------------------


def read_bytes(
    source: Path | IO[bytes], name: str, *, error: type[InputError], limit: int
) -> bytes:
    """At most ``limit`` bytes of a file or binary stream; ``error`` if there are more.

    Reads ``limit + 1`` bytes and no more, so ``/dev/zero`` and endless pipes
    are refused at once. An unreadable file is ``io.unreadable``.
    """
    try:
        if isinstance(source, Path):
            with source.open("rb") as stream:
                data = stream.read(limit + 1)
        else:
            data = source.read(limit + 1)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or "the stream is closed or not readable"
        raise error([Problem("io.unreadable", f"cannot read the file: {reason}", name)]) from exc
    if len(data) > limit:
        raise error([_over_limit(name, "file_bytes", f"more than {limit:,} bytes")])
    return data


def read_stream(stream: IO[str] | None, name: str, *, error: type[InputError], limit: int) -> bytes:
    """Standard input (or any text stream) as at most ``limit`` bytes.

    A closed or missing stream (the command started with ``<&-``) is ``io.unreadable``.
    """
    if stream is None or getattr(stream, "closed", False):
        raise error([Problem("io.unreadable", "cannot read standard input: it is closed", name)])
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        return read_bytes(binary, name, error=error, limit=limit)
    try:
        text = stream.read(limit + 1)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise error(
            [Problem("io.unreadable", "cannot read standard input as UTF-8 text", name)]
        ) from exc
    data = text.encode("utf-8", errors="surrogatepass")
    if len(text) > limit or len(data) > limit:
        raise error([_over_limit(name, "file_bytes", f"more than {limit:,} bytes")])
    return data


def _over_limit(
    name: str, limit: str, what: str, line: int | None = None, column: int | None = None
) -> Problem:
    return Problem(
        LIMIT_CODES[limit],
        f"{what}: over the limit {limit}; raise it with --limit {limit}=N if this input is genuine",
        name,
        "",
        line,
        column,
    )


# YAML's printable characters: TAB, LF, CR, the printable ASCII, NEL and the
# rest of Unicode but surrogates and the non-characters U+FFFE and U+FFFF.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _position(text: str, offset: int) -> Located:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return Located(line, offset - start + 1)


def decode_text(data: bytes, name: str, *, error: type[InputError]) -> str:
    """UTF-8 bytes as text (a leading byte-order mark dropped), or ``error`` at the first bad byte.

    Codes: ``read.not_utf8`` and ``read.forbidden_character``. The offending
    text is never quoted: a binary file has nothing worth showing.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        head = data[: exc.start].decode("utf-8", errors="replace")
        where = _position(head, len(head))
        raise error(
            [
                Problem(
                    "read.not_utf8",
                    f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be read; "
                    "rule files and timelines are UTF-8 YAML or JSON",
                    name,
                    "",
                    where.line,
                    where.column,
                )
            ]
        ) from None
    text = text.removeprefix("\ufeff")
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        where = _position(text, bad.start())
        code_point = ord(bad.group())
        what = "a NUL byte" if code_point == 0 else f"the character U+{code_point:04X}"
        raise error(
            [
                Problem(
                    "read.forbidden_character",
                    f"{what} is not allowed in YAML or JSON text; is this a binary file?",
                    name,
                    "",
                    where.line,
                    where.column,
                )
            ]
        )
    return text


# --- YAML events -> plain data -------------------------------------------------

_CORE = "tag:yaml.org,2002:"
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(
    r"[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
)
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
# Plain scalars YAML 1.1 reads as numbers and YAML 1.2 as text or another number.
_AMBIGUOUS = re.compile(
    r"[-+]?(?:0[0-9_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9][0-9_]*_[0-9_]*"
    r"|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)"
)
_ALLOWED_TAGS = frozenset(
    {"!", *(_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))}
)


class _StopError(Exception):
    """A problem after which reading cannot go on."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass(slots=True)
class _Frame:
    container: dict[Any, Any] | list[Any]
    path: PathKey
    anchor: str | None
    size_at_start: int
    logs_at_start: tuple[int, int]
    key: Any = None
    key_mark: Located | None = None
    expecting_key: bool = True
    skip_value: bool = False


@dataclass(slots=True)
class _Anchored:
    value: Any
    size: int
    path: PathKey
    positions: tuple[int, int]
    key_positions: tuple[int, int]
    """Ranges of the builder's position logs that this node's subtree wrote."""


class _Builder:
    """Plain data from a stream of parser events, iteratively, with every bound checked."""

    def __init__(self, smap: SourceMap, limits: Limits, counted: Mapping[PathKey, str]) -> None:
        self.smap = smap
        self.limits = limits
        self.counted = counted
        self.stack: list[_Frame] = []
        self.anchors: dict[str, _Anchored] = {}
        self.problems: list[Problem] = []
        self.size = 0
        self.aliases = 0
        self.expanded = 0
        self.root: Any = None
        self.pos_log: list[tuple[PathKey, Located]] = []
        self.key_log: list[tuple[PathKey, Located]] = []
        self.skipping = 0  # depth inside a complex key being skipped

    def _at(self, mark: Any) -> Located:
        return Located(mark.line + 1, mark.column + 1)

    def _pos(self, path: PathKey, where: Located) -> None:
        self.smap.positions[path] = where
        self.pos_log.append((path, where))

    def _key_pos(self, path: PathKey, where: Located) -> None:
        self.smap.key_positions[path] = where
        self.key_log.append((path, where))

    def _problem(self, code: str, message: str, where: Located, path: PathKey) -> Problem:
        return Problem(
            code,
            message,
            self.smap.file,
            format_path(path),
            where.line,
            where.column,
            self.smap.line_text(where.line),
        )

    def run(self, events: Iterator[Any]) -> Any:
        documents = 0
        for event in events:
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise _StopError(
                        self._problem(
                            "yaml.several_documents",
                            "more than one document ('---'); give one per file",
                            self._at(event.start_mark),
                            (),
                        )
                    )
            elif isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent | yaml.AliasEvent):
                self._node(event)
            elif isinstance(event, yaml.CollectionEndEvent):
                self._end()
        if documents == 0:
            raise _StopError(Problem("yaml.empty", "the document is empty", self.smap.file))
        return self.root

    # where the next node goes
    def _slot(self, where: Located) -> tuple[PathKey, bool] | None:
        """The path of the node about to be read, and whether it is a mapping key.

        ``None`` when the node is to be skipped (the value of a refused key).
        """
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container)), False
        if top.expecting_key:
            top.key_mark = where
            return top.path, True
        if top.skip_value:
            return None
        return (*top.path, top.key), False

    def _check_tag(self, event: Any, where: Located, path: PathKey) -> bool:
        tag = event.tag
        if tag is None or tag in _ALLOWED_TAGS:
            return True
        self.problems.append(
            self._problem(
                "yaml.tag",
                f"the tag {_short_tag(tag)} is not allowed: a rule file or timeline holds only "
                "plain data (mappings, lists, text, numbers, true/false); remove the tag",
                where,
                path,
            )
        )
        return False

    def _node(self, event: Any) -> None:
        where = self._at(event.start_mark)
        if self.skipping:
            if isinstance(event, yaml.CollectionStartEvent):
                self.skipping += 1
            return
        slot = self._slot(where)
        is_collection = isinstance(event, yaml.CollectionStartEvent)
        if slot is None or (slot[1] and is_collection):
            if slot is not None:  # a mapping or list used as a key
                self.problems.append(
                    self._problem("yaml.bad_key", "expected a text key", where, slot[0])
                )
                self.stack[-1].expecting_key = False
                self.stack[-1].skip_value = True
            if is_collection:
                self.skipping = 1
            else:
                self._after_value()
            return
        path, is_key = slot
        if isinstance(event, yaml.AliasEvent):
            value = self._alias(event, where, path)
        elif is_collection:
            self._check_tag(event, where, path)
            if len(self.stack) >= self.limits.nesting_depth:
                raise _StopError(
                    _over_limit(
                        self.smap.file,
                        "nesting_depth",
                        f"mappings and lists nested more than {self.limits.nesting_depth} deep",
                        where.line,
                        where.column,
                    )
                )
            self.size += 1
            logs = (len(self.pos_log), len(self.key_log))
            self._pos(path, where)
            container: dict[Any, Any] | list[Any] = (
                {} if isinstance(event, yaml.MappingStartEvent) else []
            )
            self.stack.append(_Frame(container, path, event.anchor, self.size, logs))
            return
        else:
            value = self._scalar(event, where, path)
            self.size += 1
            if event.anchor is not None:
                start = len(self.pos_log)
                self._pos(path, where)
                self.anchors[event.anchor] = _Anchored(value, 1, path, (start, start + 1), (0, 0))
        if is_key:
            self._key(value, where)
        else:
            if not isinstance(event, yaml.AliasEvent):
                self._pos(path, where)
            self._place(value)

    def _alias(self, event: Any, where: Located, path: PathKey) -> Any:
        self.aliases += 1
        if self.aliases > self.limits.yaml_aliases:
            raise _StopError(
                _over_limit(
                    self.smap.file,
                    "yaml_aliases",
                    f"more than {self.limits.yaml_aliases} aliases",
                    where.line,
                    where.column,
                )
            )
        anchored = self.anchors.get(event.anchor)
        if anchored is None:
            raise _StopError(
                self._problem(
                    "yaml.unknown_alias",
                    "this alias names no anchor given before it",
                    where,
                    path,
                )
            )
        self.expanded += anchored.size
        if self.expanded > self.limits.yaml_expansion:
            raise _StopError(
                _over_limit(
                    self.smap.file,
                    "yaml_expansion",
                    f"aliases expand to more than {self.limits.yaml_expansion:,} values",
                    where.line,
                    where.column,
                )
            )
        self.size += anchored.size
        parent = self.stack[-1] if self.stack else None
        if parent is None or (isinstance(parent.container, dict) and parent.expecting_key):
            return anchored.value  # a key, or the whole document: nothing below to locate
        depth = len(anchored.path)
        for logged, log, put in (
            (anchored.positions, self.pos_log, self._pos),
            (anchored.key_positions, self.key_log, self._key_pos),
        ):
            for below, located in log[logged[0] : logged[1]]:
                put((*path, *below[depth:]), located)
        key_mark = self.smap.key_positions.get(path)
        block = isinstance(anchored.value, dict | list) and isinstance(parent.container, dict)
        self._pos(path, key_mark if block and key_mark is not None else where)
        return anchored.value

    def _scalar(self, event: Any, where: Located, path: PathKey) -> Any:
        text: str = event.value
        tag = event.tag
        if not self._check_tag(event, where, path):
            return text
        plain = event.implicit[0] and not event.style
        if tag in (None, "!") and not plain:
            return text
        if tag is None:
            if text in _NULL:
                return None
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            if _INT.fullmatch(text):
                return int(text)
            if _FLOAT.fullmatch(text):
                return float(text)
            if _AMBIGUOUS.fullmatch(text):
                self.problems.append(
                    self._problem(
                        "yaml.ambiguous_number",
                        "a number with a leading zero, underscores, a base prefix or colons "
                        "is read differently by YAML 1.1 and 1.2; write a plain whole number, "
                        "or put it in quotes if it is text",
                        where,
                        path,
                    )
                )
            return text
        return self._tagged(tag, text, where, path)

    def _tagged(self, tag: str, text: str, where: Located, path: PathKey) -> Any:
        kind = tag.removeprefix(_CORE)
        if kind in ("str", "!"):
            return text
        parsed: dict[str, Any] = {
            "int": int(text) if _INT.fullmatch(text) else None,
            "float": float(text) if _FLOAT.fullmatch(text) or _INT.fullmatch(text) else None,
            "bool": True if text in _TRUE else False if text in _FALSE else None,
        }
        if kind == "null" and text in _NULL:
            return None
        if kind in parsed and parsed[kind] is not None:
            return parsed[kind]
        self.problems.append(
            self._problem(
                "yaml.tag",
                f"the tag {_short_tag(tag)} does not fit its value; remove the tag",
                where,
                path,
            )
        )
        return text

    def _key(self, key: Any, where: Located) -> None:
        top = self.stack[-1]
        assert isinstance(top.container, dict)
        top.expecting_key = False
        top.skip_value = False
        if key == "<<" and top.key_mark is not None:
            self.problems.append(
                self._problem(
                    "yaml.merge_key",
                    "merge keys ('<<') are not supported; write the fields out",
                    where,
                    top.path,
                )
            )
            top.skip_value = True
            return
        if isinstance(key, bool) or not isinstance(key, str | int):
            self.problems.append(
                self._problem("yaml.bad_key", "expected a text key", where, top.path)
            )
            top.skip_value = True
            return
        if key in top.container:
            first = self.smap.key_positions.get((*top.path, key))
            first_line = f" (first given at line {first.line})" if first else ""
            shown = repr(key) if self.smap.show_source and _is_word(key) else "here"
            self.problems.append(
                self._problem(
                    "yaml.duplicate_key",
                    f"duplicate key {shown}{first_line}; keep one of them",
                    where,
                    (*top.path, key),
                )
            )
            top.skip_value = True
            return
        top.key = key
        self._key_pos((*top.path, key), where)

    def _place(self, value: Any) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            self._append(top, value)
        else:
            top.container[top.key] = value
        self._after_value()

    def _append(self, frame: _Frame, value: Any) -> None:
        """Add to a list, stopping at once when a counted list (rules, episodes) is too long."""
        frame.container.append(value)  # type: ignore[union-attr]
        name = self.counted.get(frame.path)
        if name is None:
            return
        bound: int = getattr(self.limits, name)
        if len(frame.container) > bound:
            where = self.smap.positions.get((*frame.path, bound)) or Located(0, 0)
            raise _StopError(
                _over_limit(
                    self.smap.file,
                    name,
                    f"{format_path(frame.path)}: more than {bound:,} {name}",
                    where.line or None,
                    where.column or None,
                )
            )

    def _after_value(self) -> None:
        top = self.stack[-1]
        top.expecting_key = True
        top.skip_value = False

    def _end(self) -> None:
        if self.skipping:
            self.skipping -= 1
            if self.skipping == 0:
                self._after_value()
            return
        frame = self.stack.pop()
        if self.stack and isinstance(self.stack[-1].container, dict):
            # a block (mapping or list) is best shown at its key
            mark = self.smap.key_positions.get(frame.path)
            if mark is not None:
                self._pos(frame.path, mark)
        if frame.anchor is not None:
            self.anchors[frame.anchor] = _Anchored(
                frame.container,
                self.size - frame.size_at_start + 1,
                frame.path,
                (frame.logs_at_start[0], len(self.pos_log)),
                (frame.logs_at_start[1], len(self.key_log)),
            )
        if self.stack and isinstance(self.stack[-1].container, dict):
            top = self.stack[-1]
            top.container[top.key] = frame.container
            self._after_value()
        elif self.stack:
            self._append(self.stack[-1], frame.container)
        else:
            self.root = frame.container


def _is_word(key: object) -> bool:
    return isinstance(key, int) or (
        isinstance(key, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,39}", key) is not None
    )


def _short_tag(tag: str) -> str:
    shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
    return repr(shown[:40] + ("..." if len(shown) > 40 else ""))


def build_document(
    text: str,
    file: str,
    *,
    error: type[InputError],
    show_source: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    counted: Mapping[PathKey, str] | None = None,
) -> tuple[Any, SourceMap]:
    """Parse checked YAML or JSON text into plain data and its source map.

    ``counted`` maps the paths of lists bounded by a limit to the limit's name
    (``{("rules",): "rules"}``): reading stops at the first item too many.

    Raises ``error`` for a syntax error or a limit passed. Other problems
    (duplicate keys, tags, ambiguous numbers) do not stop the reading; they
    wait in ``smap.pending`` to be reported with the schema's problems.
    """
    smap = SourceMap(file=file, lines=tuple(text.splitlines()), show_source=show_source)
    builder = _Builder(smap, limits, counted or {})
    parser = _Parser(text)
    try:
        data = builder.run(iter(parser.get_event, None))
    except _StopError as stop:
        raise error([*builder.problems, stop.problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        reason = exc.problem or exc.context or "not valid YAML or JSON"
        raise error(
            [
                Problem(
                    "yaml.syntax",
                    f"not valid YAML or JSON: {reason}",
                    file,
                    "",
                    line,
                    column,
                    smap.line_text(line),
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise error([Problem("yaml.syntax", f"not valid YAML or JSON: {exc}", file)]) from None
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose is not None:
            dispose()
    smap.pending.extend(builder.problems)
    return data, smap
