"""Office hours: whether a moment falls in a protocol's day-time service hours.

A protocol may say when its offices are open (``office_hours`` in the rule
file: weekdays, an opening and a closing London wall-clock time, and whether
England's bank holidays are closed). A rule with ``out_of_hours`` routing is
then done by, or sent to, other roles when it fires out of hours: "notify the
child's social worker (or EDT out of hours)". The moment that decides is the
moment the rule's trigger fires, read on the London wall clock, so 16:59 is in
hours and 17:00 out (for offices closing at 17:00) whether it is GMT or BST.
"""

from __future__ import annotations

import datetime as dt

from .calendar import LONDON, bank_holidays, to_london
from .compiled import OfficeHours, OutOfHours

__all__ = ["describe_office_hours", "in_office_hours", "next_opening", "routing_reason"]

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def in_office_hours(hours: OfficeHours, moment: dt.datetime) -> bool:
    """Whether ``moment`` (aware) is within ``hours``, on the London wall clock."""
    local = to_london(moment)
    if local.weekday() not in hours.days:
        return False
    if hours.closed_on_bank_holidays and local.date() in bank_holidays(local.year):
        return False
    return hours.opens <= local.time() < hours.closes


def next_opening(hours: OfficeHours, moment: dt.datetime) -> dt.datetime:
    """The first moment at or after ``moment`` in ``hours`` (London time): ``moment``
    itself when in office hours, otherwise the opening of the next open day (weekends,
    closed days and, where closed, England's bank holidays skipped)."""
    if in_office_hours(hours, moment):
        return to_london(moment)
    local = to_london(moment)
    day = local.date() if local.time() < hours.opens else local.date() + dt.timedelta(days=1)
    for _ in range(_SEARCH_DAYS):
        open_day = day.weekday() in hours.days and not (
            hours.closed_on_bank_holidays and day in bank_holidays(day.year)
        )
        if open_day:
            return to_london(dt.datetime.combine(day, hours.opens, tzinfo=LONDON))
        day += dt.timedelta(days=1)
    raise ValueError("office hours open on no day")  # compile refuses empty days


# Enough days to pass a weekend and any run of bank holidays, for any set of open weekdays.
_SEARCH_DAYS = 31


def _days(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if ordered == list(range(ordered[0], ordered[-1] + 1)) and len(ordered) > 2:
        return f"{_DAY_NAMES[ordered[0]]} to {_DAY_NAMES[ordered[-1]]}"
    return ", ".join(_DAY_NAMES[day] for day in ordered)


def describe_office_hours(hours: OfficeHours) -> str:
    """``Monday to Friday 09:00-17:00, closed on England's bank holidays``."""
    text = f"{_days(hours.days)} {hours.opens:%H:%M}-{hours.closes:%H:%M}"
    if hours.closed_on_bank_holidays:
        text += ", closed on England's bank holidays"
    return text


def routing_reason(hours: OfficeHours, ooh: OutOfHours, moment: dt.datetime, in_hours: bool) -> str:
    """Why a routed rule went to its in-hours or out-of-hours roles, for the explanation."""
    local = to_london(moment)
    when = f"{_DAY_NAMES[local.weekday()]} {local:%Y-%m-%d %H:%M}"
    where = f"office hours {describe_office_hours(hours)}"
    if in_hours:
        if not ooh.in_hours_required:
            return f"triggered in office hours ({when}; {where}): not required"
        return f"triggered in office hours ({when}; {where})"
    routed = []
    if ooh.responsible is not None:
        routed.append(f"done by {ooh.responsible}")
    if ooh.recipients is not None:
        routed.append("sent to " + ", ".join(ooh.recipients))
    if not ooh.required:
        routed.append("not required")
    return f"triggered out of office hours ({when}; {where}): {' and '.join(routed)}"
