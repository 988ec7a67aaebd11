"""The exceptions ``missing_protocol`` raises, and the located problems they carry.

The tree::

    MissingProtocolError                 base of everything raised on purpose
    ├── InputError (ValueError)          something a person wrote is wrong
    │   ├── RuleFileError                a rule file: YAML, schema or compile problems
    │   └── TimelineError                a timeline: JSON/YAML, schema or consistency problems
    ├── UsageError                       options that do not fit together (exit code 2)
    ├── UnknownProtocolError (LookupError)
    │                                    no bundled protocol of that name
    └── UnknownActionError (LookupError) no action with that id in an evaluation

Input errors never stop at the first problem: they carry every :class:`Problem`
found, sorted by position, each with a stable ``code`` (for example
``schema.invalid_duration``) that tools and tests can rely on. Messages name
record ids only, never a child's personal details.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "InputError",
    "MissingProtocolError",
    "Problem",
    "RuleFileError",
    "TimelineError",
    "UnknownActionError",
    "UnknownProtocolError",
    "UsageError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can.

    ``line`` and ``column`` are 1-based. ``path`` is the field path in the
    document, e.g. ``rules[7].deadline``. ``source_line`` is the text of the
    offending line, shown under the message with a caret.
    """

    code: str
    message: str
    file: str | None = None
    path: str = ""
    line: int | None = None
    column: int | None = None
    source_line: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.file or "", self.line or 0, self.column or 0, self.path, self.code)

    def format(self) -> str:
        """``file:line:col: path: message [code]``, then the line and a caret."""
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        head = f"{where}: {self.path + ': ' if self.path else ''}{self.message} [{self.code}]"
        if self.source_line is None or self.column is None:
            return head
        text, column = _window(self.source_line.rstrip("\n"), self.column)
        caret = " " * (column - 1) + "^"
        return f"{head}\n    {text}\n    {caret}"


_WIDTH = 100


def _window(text: str, column: int) -> tuple[str, int]:
    """At most about ``_WIDTH`` characters of a line around ``column`` (a JSON file may be
    one long line: the whole file is never shown), and the column within them."""
    if len(text) <= _WIDTH:
        return text, column
    start = max(0, min(column - 1 - _WIDTH // 2, len(text) - _WIDTH))
    shown = text[start : start + _WIDTH]
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + _WIDTH < len(text) else ""
    return prefix + shown + suffix, column - start + len(prefix)


class MissingProtocolError(Exception):
    """Base of every error this library raises on purpose."""

    exit_code = 1


class InputError(MissingProtocolError, ValueError):
    """Something a person wrote (a rule file, a timeline) is wrong; see ``problems``."""

    kind = "the input"

    def __init__(self, problems: Iterable[Problem], *, notes: Iterable[str] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems, key=Problem.sort_key))
        self.notes: tuple[str, ...] = tuple(notes)
        """Context printed before the problems, such as how a file was read."""
        if not self.problems:
            raise ValueError("an InputError needs at least one problem")
        super().__init__(self._summary())

    def _summary(self) -> str:
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        body = "\n".join([*self.notes, *(p.format() for p in self.problems)])
        return f"{count} {noun} in {self.kind}:\n{body}"


class RuleFileError(InputError):
    """A rule file cannot be used; every problem found is in ``problems``."""

    kind = "rule file"


class TimelineError(InputError):
    """A timeline cannot be evaluated; every problem found is in ``problems``."""

    kind = "timeline"


class UsageError(MissingProtocolError):
    """Command-line options that do not fit together; the CLI exits with 2."""

    exit_code = 2


class UnknownProtocolError(MissingProtocolError, LookupError):
    """No bundled protocol has that id."""


class UnknownActionError(MissingProtocolError, LookupError):
    """No required action has that id in the evaluation."""
