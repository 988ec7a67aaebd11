"""YAML or JSON text -> plain data with a source map -> validated pydantic models.

PyYAML's ``safe_load`` is not enough for rule files written by people: it keeps
the last of two duplicate keys without a word, reads ``on``, ``yes`` and ``no``
as booleans (YAML 1.1), turns dates into ``datetime`` objects before our
validation can see them, and forgets where each value came from. This module
composes the node tree with a safe loader whose booleans are only
``true``/``false`` and whose timestamps stay text, builds plain data itself
while recording each value's 1-based line and column, reports duplicate keys
and merge keys, and turns pydantic's errors into :class:`~.errors.Problem`
objects that point at the line. All problems in a file are reported at once.

Timeline errors never echo the values found (they may be a child's details):
only the field path, position and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem, TimelineError
from .timeline import Timeline

__all__ = [
    "Located",
    "SourceMap",
    "format_path",
    "load_model",
    "load_timeline",
    "parse_document",
    "parse_timeline",
    "read_document",
    "read_source",
    "validate_document",
]

PathKey = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader with YAML 1.2-like scalars: only true/false are booleans,
    and timestamps stay strings for the schema to parse."""


_StrictLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass(frozen=True, slots=True)
class Located:
    """A 1-based position in a file."""

    line: int
    column: int


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

    def locate(self, path: Sequence[str | int], *, key: bool = False) -> Located | None:
        """The position of ``path``'s value (or its key), or of its nearest ancestor's."""
        wanted = tuple(path)
        if key and wanted in self.key_positions:
            return self.key_positions[wanted]
        while True:
            found = self.positions.get(wanted)
            if found is not None or not wanted:
                return found
            wanted = wanted[:-1]

    def problem(
        self,
        code: str,
        message: str,
        path: Sequence[str | int],
        *,
        show_source: bool = True,
        at_key: bool = False,
    ) -> Problem:
        where = self.locate(path, key=at_key)
        source_line = None
        if show_source and where is not None and 0 < where.line <= len(self.lines):
            source_line = self.lines[where.line - 1]
        return Problem(
            code=code,
            message=message,
            file=self.file,
            path=format_path(path),
            line=where.line if where else None,
            column=where.column if where else None,
            source_line=source_line,
        )


def format_path(path: Sequence[str | int]) -> str:
    """``('rules', 7, 'deadline')`` -> ``rules[7].deadline``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class _Builder:
    def __init__(self, loader: _StrictLoader, smap: SourceMap, show_source: bool) -> None:
        self.loader = loader
        self.smap = smap
        self.show_source = show_source
        self.problems: list[Problem] = []

    def _mark(self, node: yaml.Node, path: PathKey) -> None:
        self.smap.positions[path] = Located(node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self._mark(node, path)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node)

    def _mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self._problem(
                    key_node,
                    "yaml.merge_key",
                    "merge keys ('<<') are not supported; write the fields out",
                    path,
                )
                continue
            key = self.loader.construct_object(key_node)
            if not isinstance(key, str | int):
                self._problem(key_node, "yaml.bad_key", "expected a text key", path)
                continue
            if key in result:
                self._problem(
                    key_node,
                    "yaml.duplicate_key",
                    f"duplicate key {key!r} (first given at line {first_seen[key]}); "
                    "keep one of them",
                    (*path, key),
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            here = (*path, key)
            self.smap.key_positions[here] = Located(
                key_node.start_mark.line + 1, key_node.start_mark.column + 1
            )
            result[key] = self.build(value_node, here)
            # a block (mapping or list) is best shown at its key; a scalar at itself
            if not isinstance(value_node, yaml.ScalarNode):
                self.smap.positions[here] = self.smap.key_positions[here]
        return result

    def _problem(self, node: yaml.Node, code: str, message: str, path: PathKey) -> None:
        where = Located(node.start_mark.line + 1, node.start_mark.column + 1)
        source = self.smap.lines[where.line - 1] if self.show_source else None
        self.problems.append(
            Problem(
                code, message, self.smap.file, format_path(path), where.line, where.column, source
            )
        )


def parse_document(
    text: str, file: str, *, error: type[InputError], show_source: bool = True
) -> tuple[Any, SourceMap]:
    """Parse YAML (or JSON) text into plain data and its source map.

    Raises ``error`` for a syntax error. Duplicate and merge keys do not stop
    the reading (the first value is kept); they wait in ``smap.pending`` and
    :func:`validate_document` reports them with the schema's problems.
    """
    smap = SourceMap(file=file, lines=tuple(text.splitlines()))
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise error([Problem("yaml.empty", "the document is empty", file)])
        builder = _Builder(loader, smap, show_source)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        source = smap.lines[line - 1] if show_source and line and line <= len(smap.lines) else None
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
                    source,
                )
            ]
        ) from exc
    except yaml.YAMLError as exc:
        raise error([Problem("yaml.syntax", f"not valid YAML or JSON: {exc}", file)]) from exc
    finally:
        loader.dispose()
    smap.pending.extend(builder.problems)
    return data, smap


def read_source(path: Path, *, error: type[InputError]) -> str:
    """A file's text, or ``error`` with an ``io.unreadable`` problem naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
        else:
            reason = "not UTF-8 text"
        raise error(
            [Problem("io.unreadable", f"cannot read the file: {reason}", str(path))]
        ) from exc


def read_document(path: Path, *, error: type[InputError]) -> tuple[Any, SourceMap]:
    """Read and parse a file, reporting an unreadable file as a problem too."""
    text = read_source(path, error=error)
    return parse_document(text, str(path), error=error, show_source=error is not TimelineError)


# --- pydantic errors -> problems ---------------------------------------------

_CODES = {
    "missing": "schema.missing_field",
    "extra_forbidden": "schema.unknown_field",
    "enum": "schema.invalid_choice",
    "literal_error": "schema.invalid_choice",
    "string_pattern_mismatch": "schema.invalid_identifier",
    "invalid_duration": "schema.invalid_duration",
    "operator_count": "schema.invalid_operator",
    "invalid_condition": "schema.invalid_condition",
    "invalid_trigger": "schema.invalid_trigger",
    "invalid_deadline": "schema.invalid_deadline",
    "invalid_responsible": "schema.invalid_responsible",
    "too_short": "schema.too_short",
    "too_long": "schema.too_long",
}


_UNION_TAGS = frozenset(
    {
        "all",
        "any",
        "not",
        "fact",
        "episodes",
        "on",
        "missing_for",
        "every",
        "role",
        "allocation",
        "word",
        "within",
    }
)
_TYPE_TAGS = frozenset({"str", "int", "bool", "float", "list", "dict", "none"})


_ABSENT = object()


def _child(current: Any, part: str | int) -> Any:
    """``current[part]`` if the data has it, else ``_ABSENT``."""
    if isinstance(current, Mapping) and part in current:
        return current[part]
    if isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
        return current[part]
    return _ABSENT


def _strip_tags(loc: Sequence[str | int], data: Any) -> PathKey:
    """Drop the union tags pydantic inserts into ``loc``, following the real data.

    A tag such as ``fact`` may also be a real key, so both readings are tried
    and the one that follows the data furthest wins (skipping, on a tie).
    """

    def walk(parts: tuple[str | int, ...], current: Any, found: bool) -> tuple[int, PathKey]:
        if not parts:
            return 0, ()
        part, rest = parts[0], parts[1:]
        options: list[tuple[int, PathKey]] = []
        if isinstance(part, str) and (part in _UNION_TAGS or part in _TYPE_TAGS or "[" in part):
            options.append(walk(rest, current, found))
        child = _child(current, part) if found else _ABSENT
        if child is not _ABSENT:
            score, tail = walk(rest, child, True)
            options.append((score + 1, (part, *tail)))
        if not options:
            _, tail = walk(rest, None, False)
            options.append((0, (part, *tail)))
        return max(options, key=lambda option: option[0])

    return walk(tuple(loc), data, True)[1]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _message(err: Mapping[str, Any], path: PathKey, echo: bool) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return f"missing required field {path[-1]!r}; add it"
    if kind == "extra_forbidden":
        return f"unknown field {path[-1]!r}; remove it or check its spelling"
    msg = str(err["msg"])
    if kind in {"enum", "literal_error"}:
        msg = msg.replace("Input should be", "expected")
    elif msg.startswith("Input should be"):
        msg = "expected" + msg[len("Input should be") :]
    elif msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind in {"invalid_duration"} and not echo:
        msg = msg.split(", got")[0]
    if ", got" in msg or kind in {"operator_count", "missing"} or value is None:
        return msg
    got = repr(value) if echo and not isinstance(value, dict | list) else _describe(value)
    return f"{msg}, got {got}"


def validate_document(
    model: type[M],
    data: Any,
    smap: SourceMap,
    *,
    error: type[InputError],
    echo_values: bool = True,
) -> M:
    """Validate ``data`` against ``model``, raising ``error`` with every problem located."""
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        problems = []
        seen: set[tuple[str, str]] = set()
        for err in exc.errors(include_url=False):
            path = _strip_tags(err["loc"], data)
            code = _CODES.get(err["type"], f"schema.{err['type']}")
            message = _message(err, path, echo_values)
            if (format_path(path), message) in seen:
                continue
            seen.add((format_path(path), message))
            problems.append(
                smap.problem(
                    code,
                    message,
                    path,
                    show_source=echo_values,
                    at_key=err["type"] == "extra_forbidden",
                )
            )
        raise error([*smap.pending, *_prefer_specific(problems)]) from exc
    if smap.pending:
        raise error(smap.pending)
    return validated


def _prefer_specific(problems: list[Problem]) -> list[Problem]:
    """When a union reports a vague error and a precise one at the same path, keep the precise."""
    vague = {"schema.invalid_choice"}
    paths_with_specific = {p.path for p in problems if p.code not in vague}
    return [p for p in problems if p.code not in vague or p.path not in paths_with_specific]


def load_model(path: Path, model: type[M], *, error: type[InputError]) -> tuple[M, SourceMap]:
    """Read ``path`` and validate it as ``model``."""
    data, smap = read_document(path, error=error)
    echo = error is not TimelineError
    return validate_document(model, data, smap, error=error, echo_values=echo), smap


def parse_timeline(text: str, name: str = "<timeline>") -> Timeline:
    """Parse and validate a timeline given as YAML or JSON text."""
    data, smap = parse_document(text, name, error=TimelineError, show_source=False)
    return validate_document(Timeline, data, smap, error=TimelineError, echo_values=False)


def load_timeline(path: Path) -> Timeline:
    """Read and validate a timeline file (YAML or JSON)."""
    timeline, _ = load_model(path, Timeline, error=TimelineError)
    return timeline
