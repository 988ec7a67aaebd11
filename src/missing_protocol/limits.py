"""Every limit on what the library reads and evaluates, in one place.

An input past a limit is refused with a located problem carrying the limit's
stable code (``limit.<name>``), never truncated, never slowed down to a crawl.
The defaults are generous for real councils' files (the largest bundled rule
file is 80 KB with 90 rules; a busy child's timeline has tens of episodes) and
small enough that a hostile or broken file is refused within a second and a few
megabytes of memory.

A council that needs more raises a limit explicitly, never silently: pass
``limits=DEFAULT_LIMITS.with_values(episodes=5000)`` (or any :class:`Limits`) to
the public functions, or ``--limit episodes=5000`` on the command line.
``docs/limits-and-safety.md`` lists them with their reasons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "LIMIT_CODES", "Limits", "parse_limit_option"]


@dataclass(frozen=True, slots=True)
class Limits:
    """The limits in force. Every field is a positive whole number; see each comment for why."""

    file_bytes: int = 10_000_000
    """Bytes in one rule file or timeline (``limit.file_bytes``): the largest rule file
    is 80 KB; 10 MB holds thousands of episodes. Stops ``/dev/zero`` and runaway files."""

    record_bytes: int = 1_000_000
    """Bytes in one JSON Lines record of a caseload (``limit.record_bytes``): one child's
    timeline; a larger line is a broken export."""

    nesting_depth: int = 64
    """Mappings and lists inside each other (``limit.nesting_depth``): a rule file needs
    about 12 levels; deep nesting only serves to exhaust the stack."""

    yaml_aliases: int = 1_000
    """YAML aliases (``*name``) in one document (``limit.yaml_aliases``): our files use
    none; a few are harmless, thousands are an attack."""

    yaml_expansion: int = 100_000
    """Values that aliases may add once expanded (``limit.yaml_expansion``): nine aliases
    of nine aliases ("billion laughs") expand a 1 KB file to billions of values."""

    rules: int = 500
    """Rules in one rule file (``limit.rules``): the largest protocol has 90; static
    verification compares the rules of one action pairwise, so its work grows with
    the square of this number."""

    episodes: int = 1_000
    """Episodes in one timeline (``limit.episodes``): far beyond any child's record;
    rules that count episodes look at every earlier one."""

    events: int = 10_000
    """Recorded events in one timeline (``limit.events``)."""

    evaluation_span_days: int = 3_660
    """Days between a timeline's first episode and the moment evaluated
    (``limit.evaluation_span``): ten years. Checked by the evaluator."""

    occurrences_per_rule: int = 10_000
    """Occurrences of one recurring rule in one episode (``limit.occurrences_per_rule``):
    a daily review over a year missing is 365. Checked by the evaluator."""

    earliest_year: int = 1900
    """The earliest year of any date or moment (``limit.date_range``): no council
    record is older; calendar arithmetic near year 1 overflows."""

    latest_year: int = 2100
    """The latest year of any date or moment (``limit.date_range``)."""

    maximum_age: int = 24
    """The oldest age in whole years at the start of an episode (``limit.age``): the
    oldest any protocol covers is a care-experienced young person of 24 (Cumbria)."""

    duration_days: int = 3_660
    """The longest duration a rule file may give, in days (``limit.duration``), whatever
    its unit: ten years. No protocol sets more than a few months, and deadlines
    further away overflow the calendar."""

    def with_values(self, **values: int) -> Limits:
        """A copy with some limits raised (or lowered). Unknown names and values < 1 fail."""
        known = {f.name for f in dataclasses.fields(self)}
        for name, value in values.items():
            if name not in known:
                raise ValueError(
                    f"unknown limit {name!r}; the limits are: {', '.join(LIMIT_CODES)}"
                )
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {name} must be a whole number of at least 1")
        return dataclasses.replace(self, **values)

    @property
    def earliest(self) -> dt.date:
        return dt.date(self.earliest_year, 1, 1)

    @property
    def latest(self) -> dt.date:
        return dt.date(self.latest_year, 12, 31)

    def describe_date_range(self) -> str:
        return f"{self.earliest_year} to {self.latest_year}"


DEFAULT_LIMITS = Limits()

LIMIT_CODES: dict[str, str] = {
    "file_bytes": "limit.file_bytes",
    "record_bytes": "limit.record_bytes",
    "nesting_depth": "limit.nesting_depth",
    "yaml_aliases": "limit.yaml_aliases",
    "yaml_expansion": "limit.yaml_expansion",
    "rules": "limit.rules",
    "episodes": "limit.episodes",
    "events": "limit.events",
    "evaluation_span_days": "limit.evaluation_span",
    "occurrences_per_rule": "limit.occurrences_per_rule",
    "earliest_year": "limit.date_range",
    "latest_year": "limit.date_range",
    "maximum_age": "limit.age",
    "duration_days": "limit.duration",
}
"""The stable error code of each limit, by field name."""


def parse_limit_option(options: list[str] | None, base: Limits = DEFAULT_LIMITS) -> Limits:
    """``["episodes=5000", ...]`` (the ``--limit`` options) applied to ``base``.

    Raises :class:`ValueError` with a message naming the option for anything else.
    """
    values: dict[str, int] = {}
    for option in options or ():
        name, sep, text = option.partition("=")
        name = name.strip()
        if not sep or name not in LIMIT_CODES:
            raise ValueError(
                f"--limit {option}: expected NAME=NUMBER, where NAME is one of "
                f"{', '.join(LIMIT_CODES)}"
            )
        if not text.strip().isdigit() or int(text) < 1:
            raise ValueError(f"--limit {option}: expected a whole number of at least 1")
        values[name] = int(text)
    if not values:
        return base
    result = base.with_values(**values)
    if result.earliest_year > result.latest_year:
        raise ValueError("--limit: earliest_year is after latest_year")
    return result
