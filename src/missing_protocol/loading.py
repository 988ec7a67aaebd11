"""YAML or JSON -> plain data with a source map -> validated pydantic models.

Reading is the guarded reader's (:mod:`missing_protocol.reading` and
:mod:`missing_protocol.building`: size, UTF-8, forbidden characters, plain-data
tags only, YAML 1.2 scalars, nesting and alias bounds, duplicate and merge keys,
every value's 1-based line and column). This
module validates the data against a model and turns pydantic's errors into
:class:`~.errors.Problem` objects in our own words, each at its line. All
problems in a file are reported at once.

Timeline errors never echo the values found (they may be a child's details):
only the field path, position and what was expected. Rule-file errors quote a
short value and the offending line, never more of the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem, TimelineError
from .limits import DEFAULT_LIMITS, Limits
from .reading import (
    Located,
    PathKey,
    SourceMap,
    decode_text,
    format_path,
    over_limit,
    read_bytes,
)
from .timeline import Timeline

__all__ = [
    "COUNTED_LISTS",
    "Located",
    "SourceMap",
    "format_path",
    "load_model",
    "load_timeline",
    "parse_bytes",
    "parse_document",
    "parse_timeline",
    "parse_timeline_json_first",
    "parse_timeline_located",
    "parse_timeline_record",
    "read_document",
    "read_source",
    "validate_document",
]

M = TypeVar("M", bound=BaseModel)


def parse_document(
    text: str,
    file: str,
    *,
    error: type[InputError],
    show_source: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Any, SourceMap]:
    """Parse YAML (or JSON) text into plain data and its source map.

    The same checks as :func:`parse_bytes` (the text is read as its UTF-8 bytes).
    Raises ``error`` for a syntax error or a limit passed; duplicate keys, tags
    and the like wait in ``smap.pending`` for :func:`validate_document` to
    report with the schema's problems.
    """
    data = text.encode("utf-8", "surrogatepass")
    return parse_bytes(data, file, error=error, show_source=show_source, limits=limits)


def parse_bytes(
    data: bytes,
    file: str,
    *,
    error: type[InputError],
    show_source: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    counted: Mapping[PathKey, str] | None = None,
) -> tuple[Any, SourceMap]:
    """Like :func:`parse_document` for raw bytes (a file, a request body, a JSON Lines record).

    The bytes must be UTF-8 and at most ``limits.file_bytes`` long. ``counted``
    names the lists bounded by a limit (:data:`COUNTED_LISTS`); reading stops at
    the first item over it.
    """
    from .building import build_document  # noqa: PLC0415 - YAML only when a document needs it

    if len(data) > limits.file_bytes:
        raise error([over_limit(file, "file_bytes", f"more than {limits.file_bytes:,} bytes")])
    text = decode_text(data, file, error=error)
    return build_document(
        text, file, error=error, show_source=show_source, limits=limits, counted=counted
    )


def read_source(path: Path, *, error: type[InputError], limits: Limits = DEFAULT_LIMITS) -> str:
    """A file's checked text (size, UTF-8, characters), or ``error`` naming the file."""
    data = read_bytes(path, str(path), error=error, limit=limits.file_bytes)
    return decode_text(data, str(path), error=error)


def read_document(
    path: Path,
    *,
    error: type[InputError],
    limits: Limits = DEFAULT_LIMITS,
    counted: Mapping[PathKey, str] | None = None,
) -> tuple[Any, SourceMap]:
    """Read and parse a file through the guarded reader."""
    data = read_bytes(path, str(path), error=error, limit=limits.file_bytes)
    return parse_bytes(
        data,
        str(path),
        error=error,
        show_source=error is not TimelineError,
        limits=limits,
        counted=counted,
    )


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

_DATE = "expected a date such as 2024-03-29"
_MOMENT = "expected a date-time such as 2024-03-29T21:30 (London time) or 2024-03-29T21:30+01:00"
_WHOLE = "expected a whole number"
# Our own words for pydantic's error kinds (its wording never reaches a reader).
_OWN_WORDS = {
    "string_type": "expected text",
    "int_type": _WHOLE,
    "int_parsing": _WHOLE,
    "int_from_float": _WHOLE,
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "dict_type": "expected a mapping of fields",
    "model_type": "expected a mapping of fields",
    "model_attributes_type": "expected a mapping of fields",
    "list_type": "expected a list",
    "set_type": "expected a list",
    "frozen_set_type": "expected a list",
    "tuple_type": "expected a list",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE + " (a date of birth has no time)",
    "datetime_type": _MOMENT,
    "datetime_parsing": _MOMENT,
    "datetime_from_date_parsing": _MOMENT,
    "datetime_object_invalid": _MOMENT,
    "hashable_type": "expected text",
    "recursion_depth_exceeded": "conditions nested too deep to check; write them with fewer levels",
}

_PATTERN_WORDS = {
    r"^[a-z][a-z0-9_]*$": "expected a snake_case name: lower-case letters, digits and _, "
    "starting with a letter",
    r"^[A-Za-z0-9][A-Za-z0-9._:-]*$": "expected a record id: letters, digits and . _ : - "
    "(no spaces; an id, never a name)",
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
        # schema 2 (issue 10): triggers and anchors
        "recorded",
        "phases",
        "first_of",
        "moment",
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

    A tag such as ``not`` may also be a real key, so both readings are tried
    and the one that follows the data furthest wins (skipping, on a tie). The
    readings are memoised by position in ``loc`` and in the data, so the work
    is linear in the depth, not exponential (12 nested ``not`` took minutes).
    """
    parts = tuple(loc)
    memo: dict[tuple[int, int], tuple[int, PathKey]] = {}
    nodes: list[Any] = []  # keeps the data walked alive, so ids stay unique

    def walk(index: int, current: Any) -> tuple[int, PathKey]:
        if index == len(parts):
            return 0, ()
        key = (index, id(current))
        if key in memo:
            return memo[key]
        nodes.append(current)
        part = parts[index]
        options: list[tuple[int, PathKey]] = []
        if isinstance(part, str) and (part in _UNION_TAGS or part in _TYPE_TAGS or "[" in part):
            options.append(walk(index + 1, current))
        child = _child(current, part) if current is not _ABSENT else _ABSENT
        if child is not _ABSENT:
            score, tail = walk(index + 1, child)
            options.append((score + 1, (part, *tail)))
        if not options:
            _, tail = walk(index + 1, _ABSENT)
            options.append((0, (part, *tail)))
        memo[key] = best = max(options, key=lambda option: option[0])
        return best

    return walk(0, data)[1]


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    return "text"


def _shown(value: Any) -> str:
    """A short rendering of a value found in a rule file (never of a timeline's)."""
    if isinstance(value, dict | list) or value is None or isinstance(value, bool):
        return _describe(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:56] + "...'"


def _own_words(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in _OWN_WORDS:
        return _OWN_WORDS[kind]
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return _PATTERN_WORDS.get(pattern, "expected text in the documented form")
    if kind in {"too_short", "too_long"}:
        bound = ctx.get("min_length" if kind == "too_short" else "max_length", 1)
        noun = "entry" if bound == 1 else "entries"
        least = "at least" if kind == "too_short" else "at most"
        return f"expected {least} {bound} {noun}, got {ctx.get('actual_length', 'none')}"
    if kind in {"string_too_short", "string_too_long"}:
        bound = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        least = "at least" if kind == "string_too_short" else "at most"
        return f"expected text of {least} {bound} characters"
    if kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        bound = next(iter(ctx.values()), "")
        return f"expected a number {words} {bound}"
    msg = str(err["msg"])
    if msg.startswith("Input should be"):
        return "expected" + msg[len("Input should be") :]
    return msg.removeprefix("Value error, ")


def _message(err: Mapping[str, Any], field_name: str | int, echo: bool) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "missing":
        return f"missing required field {field_name!r}; add it"
    if kind == "extra_forbidden":
        if echo or (
            isinstance(field_name, str) and field_name.isidentifier() and len(field_name) <= 40
        ):
            return f"unknown field {field_name!r}; remove it or check its spelling"
        return "unknown field; remove it or check its spelling"
    msg = _own_words(err)
    if kind == "invalid_duration" and not echo:
        msg = msg.split(", got")[0]
    if ", got" in msg or kind in {"operator_count", "too_short", "too_long"} or value is None:
        return msg
    if kind.startswith("limit.") or kind in {
        "time_order",
        "inconsistent",
        "recursion_depth_exceeded",
    }:
        return msg
    got = _shown(value) if echo else _describe(value)
    return f"{msg}, got {got}"


_DOCUMENTS = {
    "RuleFile": (
        "rule file",
        ("schema_version", "protocol", "risk", "rules"),
        "a rule file is a YAML mapping with schema_version, protocol, risk and rules "
        "(see docs/rule-language.md)",
    ),
    "Timeline": (
        "timeline",
        ("schema_version", "child", "episodes", "events"),
        "a timeline is a YAML or JSON mapping with schema_version, child, episodes and events "
        "(see docs/timeline.md)",
    ),
}

_COUNTED = {"RuleFile": ("rules",), "Timeline": ("episodes", "events")}
COUNTED_LISTS: dict[str, dict[PathKey, str]] = {
    kind: {(name,): name for name in names} for kind, names in _COUNTED.items()
}
"""The top-level lists each kind of document bounds with a limit, for :func:`parse_bytes`."""


def _not_this_kind(model: type[BaseModel], data: Any, smap: SourceMap) -> Problem | None:
    """A plain problem when ``data`` is not even shaped like ``model``'s document.

    Nothing of the file is quoted: a file given by mistake (a note, a password
    file) must not be printed back.
    """
    known = _DOCUMENTS.get(model.__name__)
    if known is None:
        return None
    name, keys, shape = known
    if isinstance(data, dict) and any(key in data for key in keys):
        return None
    return Problem(
        f"schema.not_a_{name.replace(' ', '_')}", f"this is not a {name}: {shape}", smap.file
    )


def _over_counts(
    model: type[BaseModel], data: Any, smap: SourceMap, limits: Limits
) -> list[Problem]:
    problems = []
    for name in _COUNTED.get(model.__name__, ()):
        items = data.get(name) if isinstance(data, dict) else None
        bound: int = getattr(limits, name)
        if isinstance(items, list) and len(items) > bound:
            problems.append(
                smap.problem(
                    f"limit.{name}",
                    f"more than {bound:,} {name} ({len(items):,}): over the limit {name}; raise "
                    f"it with --limit {name}=N if this input is genuine",
                    (name,),
                    show_source=False,
                )
            )
    return problems


def validate_document(
    model: type[M],
    data: Any,
    smap: SourceMap,
    *,
    error: type[InputError],
    echo_values: bool = True,
    limits: Limits = DEFAULT_LIMITS,
) -> M:
    """Validate ``data`` against ``model``, raising ``error`` with every problem located."""
    shape = _not_this_kind(model, data, smap)
    if shape is not None:
        raise error([shape])
    over = _over_counts(model, data, smap, limits)
    if over:
        raise error([*smap.pending, *over])
    try:
        validated = model.model_validate(data, context={"limits": limits})
    except ValidationError as exc:
        problems = []
        seen: set[tuple[str, str]] = set()
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            if err["type"] in {"missing", "extra_forbidden"} and loc:
                # the last part is the field itself, even when it shares a union tag's name
                path = (*_strip_tags(loc[:-1], data), loc[-1])
            else:
                path = _strip_tags(loc, data)
            kind = err["type"]
            code = kind if kind.startswith("limit.") else _CODES.get(kind, f"schema.{kind}")
            message = _message(err, path[-1] if path else "", echo_values)
            if (format_path(path), message) in seen:
                continue
            seen.add((format_path(path), message))
            problems.append(
                smap.problem(
                    code,
                    message,
                    path,
                    show_source=echo_values,
                    at_key=kind == "extra_forbidden",
                )
            )
        found = _prefer_specific(problems)
        # a value the schema refuses needs no second word about how YAML reads it
        refused = {p.path for p in found}
        pending = [
            p for p in smap.pending if p.code != "yaml.ambiguous_number" or p.path not in refused
        ]
        raise error([*pending, *found]) from None
    if smap.pending:
        raise error(smap.pending)
    return validated


def _prefer_specific(problems: list[Problem]) -> list[Problem]:
    """When a union reports a vague error and a precise one at the same path, keep the precise."""
    vague = {"schema.invalid_choice"}
    paths_with_specific = {p.path for p in problems if p.code not in vague}
    return [p for p in problems if p.code not in vague or p.path not in paths_with_specific]


def load_model(
    path: Path, model: type[M], *, error: type[InputError], limits: Limits = DEFAULT_LIMITS
) -> tuple[M, SourceMap]:
    """Read ``path`` through the guarded reader and validate it as ``model``."""
    data, smap = read_document(
        path, error=error, limits=limits, counted=COUNTED_LISTS.get(model.__name__)
    )
    echo = error is not TimelineError
    return validate_document(model, data, smap, error=error, echo_values=echo, limits=limits), smap


def parse_timeline(
    text: str | bytes, name: str = "<timeline>", *, limits: Limits = DEFAULT_LIMITS
) -> Timeline:
    """Parse and validate a timeline given as YAML or JSON text (or its UTF-8 bytes)."""
    return parse_timeline_located(text, name, limits=limits)[0]


def parse_timeline_located(
    text: str | bytes, name: str = "<timeline>", *, limits: Limits = DEFAULT_LIMITS
) -> tuple[Timeline, SourceMap]:
    """:func:`parse_timeline`, with the source map for locating later problems."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    parsed, smap = parse_bytes(
        data,
        name,
        error=TimelineError,
        show_source=False,
        limits=limits,
        counted=COUNTED_LISTS["Timeline"],
    )
    timeline = validate_document(
        Timeline, parsed, smap, error=TimelineError, echo_values=False, limits=limits
    )
    return timeline, smap


def parse_timeline_record(
    record: bytes, name: str, line: int, *, limits: Limits = DEFAULT_LIMITS
) -> Timeline:
    """One JSON Lines record (one child's timeline on line ``line`` of ``name``).

    For a caseload reader: the record is bounded by ``limits.record_bytes``
    (``limit.record_bytes``) and read by the guarded reader; every problem is
    located at ``name:line:column``.
    """
    if len(record) > limits.record_bytes:
        what = f"a record of more than {limits.record_bytes:,} bytes"
        raise TimelineError([over_limit(name, "record_bytes", what, line)])
    try:
        return parse_timeline(record, name, limits=limits)
    except TimelineError as exc:
        raise TimelineError([_on_line(problem, record, line) for problem in exc.problems]) from None


def parse_timeline_json_first(
    text: str | bytes,
    name: str = "<timeline>",
    *,
    line: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Timeline:
    """:func:`parse_timeline` (or, with ``line``, :func:`parse_timeline_record`), faster for JSON.

    A JSON object is first read by the standard library's JSON reader, about
    fifty times faster than the located reader, and validated by the same
    model. The JSON reader gives the same data as the located one for any JSON
    a timeline can hold; anything it might read differently or that breaks a
    rule (a syntax error, a duplicate key, a ``\\u`` escape, a character or a
    size the guarded reader refuses, more episodes or events than ``limits``
    allow, any problem in the data) goes to the located reader, which finds
    and places every problem by line and column. So the answer, timeline or
    problems, is the located reader's; only its cost differs.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    found = _from_json(data, limits.file_bytes if line is None else limits.record_bytes, limits)
    if found is not None:
        return found
    if line is not None:
        return parse_timeline_record(data, name, line, limits=limits)
    return parse_timeline(data, name, limits=limits)


class _DuplicateKeyError(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _DuplicateKeyError
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON, and YAML reads them as text


def _from_json(data: bytes, size_limit: int, limits: Limits) -> Timeline | None:
    """The timeline in ``data`` if it is a JSON object the fast path can read, else ``None``."""
    if len(data) > size_limit or not data.lstrip().startswith(b"{") or b"\\u" in data:
        return None
    try:
        text = decode_text(data, "", error=TimelineError)
        parsed = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (InputError, ValueError, RecursionError):
        return None
    for counted in _COUNTED["Timeline"]:
        items = parsed.get(counted)
        if isinstance(items, list) and len(items) > getattr(limits, counted):
            return None
    try:
        return Timeline.model_validate(parsed, context={"limits": limits})
    except (ValueError, RecursionError):  # pydantic's ValidationError is a ValueError
        return None


def _on_line(problem: Problem, record: bytes, line: int) -> Problem:
    """A problem in a record placed on the record's line of the caseload.

    A reader may find a problem just past the record's last line (an unclosed
    bracket is found at the end of the stream): it is placed at the end of
    the record's last line instead.
    """
    if problem.line is None:
        return replace(problem, line=line)
    lines = record.rstrip(b"\n").split(b"\n")
    if problem.line > len(lines):
        end = len(lines[-1].decode("utf-8", "replace")) + 1
        return replace(problem, line=line + len(lines) - 1, column=end)
    return replace(problem, line=line + problem.line - 1)


def load_timeline(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Timeline:
    """Read and validate a timeline file (YAML or JSON)."""
    timeline, _ = load_model(path, Timeline, error=TimelineError, limits=limits)
    return timeline
