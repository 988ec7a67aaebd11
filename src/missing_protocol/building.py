"""YAML or JSON events -> plain data and a source map, with every bound checked.

The second half of the guarded reader (:mod:`missing_protocol.reading` checks
the bytes and text first). It walks the parser's events iteratively, so no
input can raise ``RecursionError``, and keeps only plain data: mappings, lists,
text, whole and decimal numbers, ``true``/``false`` and null. Any other tag is
refused where it stands, and so are merge keys and duplicate keys. Scalars are
read as YAML 1.2 reads them; numbers YAML 1.1 reads differently (``012``,
``1_000``, ``1:30``) are refused as ambiguous. Nesting depth, aliases and what
aliases expand to are bounded by the :class:`~.limits.Limits` in force, and a
list bounded by a limit (rules, episodes, events) stops at its first item too
many. libyaml's C parser is used when PyYAML has it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import InputError, Problem
from .limits import DEFAULT_LIMITS, Limits
from .reading import Located, PathKey, SourceMap, format_path, over_limit

__all__ = ["build_document"]

_Parser: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader

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
                    over_limit(
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
                over_limit(
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
                over_limit(
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
                over_limit(
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
