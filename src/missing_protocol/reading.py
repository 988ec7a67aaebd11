"""The guarded reader: every input's bytes -> checked text -> plain data with positions.

Every input path (a rule file, a timeline file, standard input, one JSON Lines
record, an HTTP body) goes through :func:`read_bytes` (a size cap, also on
``/dev/zero`` and pipes), :func:`decode_text` (UTF-8 only; no NUL, no control
character or non-character YAML forbids, each refused at its line and column)
and :func:`~.building.build_document`, which turns YAML or JSON into plain data
while:

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .errors import InputError, Problem
from .limits import LIMIT_CODES

__all__ = [
    "Located",
    "PathKey",
    "SourceMap",
    "decode_text",
    "format_path",
    "over_limit",
    "read_bytes",
    "read_stream",
]

PathKey = tuple[str | int, ...]


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
        raise error([over_limit(name, "file_bytes", f"more than {limit:,} bytes")])
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
        raise error([over_limit(name, "file_bytes", f"more than {limit:,} bytes")])
    return data


def over_limit(
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
