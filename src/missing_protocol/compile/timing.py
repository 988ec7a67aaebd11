"""The passes on time: recurring triggers and phases, deadlines the rule can know, office
hours and out-of-hours routing, methods."""

from __future__ import annotations

from collections.abc import Iterator

from missing_protocol import schema as s
from missing_protocol.calendar import approximate_hours
from missing_protocol.errors import Problem

from .context import _closest, _Context


def check_timing(ctx: _Context) -> Iterator[Problem]:
    for i, rule in enumerate(ctx.file.rules):
        trigger = rule.trigger
        if isinstance(trigger, s.RecurringTrigger):
            if trigger.every.amount == 0:
                yield ctx.problem(
                    "bad_recurrence",
                    "a recurrence needs a positive interval",
                    ("rules", i, "trigger", "every"),
                )
            first = trigger.first or trigger.every
            if trigger.until is not None and approximate_hours(trigger.until) <= approximate_hours(
                first
            ):
                yield ctx.problem(
                    "bad_recurrence",
                    f"'until' ({trigger.until}) is not after the first occurrence ({first}); "
                    "no occurrence could ever fire",
                    ("rules", i, "trigger", "until"),
                )
        if isinstance(trigger, s.PhasedTrigger):
            yield from _check_phases(ctx, trigger, i)
        if rule.counts_work_from is s.Anchor.STARTED and isinstance(
            trigger, s.RecurringTrigger | s.PhasedTrigger
        ):
            yield ctx.problem(
                "bad_recurrence",
                "counts_work_from: started cannot be used with a recurring trigger: each "
                "occurrence counts work from its own trigger",
                ("rules", i, "counts_work_from"),
            )
        if (
            isinstance(rule.deadline, s.Deadline)
            and rule.deadline.from_ is s.Anchor.RETURNED
            and not (isinstance(trigger, s.EventTrigger) and trigger.on is s.Anchor.RETURNED)
        ):
            yield ctx.problem(
                "deadline_before_anchor",
                "a deadline from 'returned' needs a rule triggered on return "
                "({on: returned}); otherwise the deadline is unknown while the child is missing",
                ("rules", i, "deadline", "from"),
            )
        yield from _check_told_of_return_anchor(ctx, rule, i)
        yield from _check_office_opening_deadline(ctx, rule, i)


_AFTER_RETURN = (s.Anchor.RETURNED, s.Anchor.POLICE_TOLD_OF_RETURN)


def _check_office_opening_deadline(ctx: _Context, rule: s.Rule, i: int) -> Iterator[Problem]:
    """A deadline at the next opening of office hours needs the protocol's office hours."""
    if rule.deadline == s.DeadlineWord.NEXT_OFFICE_OPENING and ctx.file.office_hours is None:
        yield ctx.problem(
            "no_office_hours",
            "deadline next_office_opening needs the protocol's office hours: add a top-level "
            "office_hours (days, opens, closes, citation)",
            ("rules", i, "deadline"),
        )


def _check_told_of_return_anchor(ctx: _Context, rule: s.Rule, i: int) -> Iterator[Problem]:
    """A deadline from 'police_told_of_return' needs a rule that fires on or after the return."""
    trigger = rule.trigger
    if (
        isinstance(rule.deadline, s.Deadline)
        and rule.deadline.from_ is s.Anchor.POLICE_TOLD_OF_RETURN
        and not (isinstance(trigger, s.EventTrigger) and trigger.on in _AFTER_RETURN)
    ):
        yield ctx.problem(
            "deadline_before_anchor",
            "a deadline from 'police_told_of_return' needs a rule triggered on the return "
            "({on: returned} or {on: police_told_of_return}); otherwise the deadline is "
            "unknown while the child is missing",
            ("rules", i, "deadline", "from"),
        )


def _methods(rule: s.Rule) -> frozenset[str] | None:
    return None if rule.methods is None else frozenset(m.value for m in rule.methods)


def _check_phases(ctx: _Context, trigger: s.PhasedTrigger, i: int) -> Iterator[Problem]:
    """Each phase has a positive pace; each but the last stops, later than the one before."""
    last = len(trigger.phases) - 1
    stopped_at: float | None = None
    for j, phase in enumerate(trigger.phases):
        path = ("rules", i, "trigger", "phases", j)
        deadline = ctx.file.rules[i].deadline
        if phase.within is not None and not (
            isinstance(deadline, s.Deadline) and deadline.from_ is s.Anchor.TRIGGERED
        ):
            yield ctx.problem(
                "bad_recurrence",
                "a phase's 'within' is a deadline from each of its occurrences; give the rule a "
                "deadline from the trigger too ({within: <duration>}), used by the other phases",
                (*path, "within"),
            )
        if phase.every.amount == 0:
            yield ctx.problem(
                "bad_recurrence", "a recurrence needs a positive interval", (*path, "every")
            )
        if phase.until is None:
            if j < last:
                yield ctx.problem(
                    "bad_recurrence",
                    f"phase {j + 1} has no 'until', so phase {j + 2} could never begin; "
                    "give every phase but the last an 'until'",
                    path,
                )
            continue
        until = approximate_hours(phase.until)
        first = approximate_hours(phase.first or phase.every)
        if j == 0 and until <= first:
            yield ctx.problem(
                "bad_recurrence",
                f"'until' ({phase.until}) is not after the first occurrence "
                f"({phase.first or phase.every}); no occurrence could ever fire",
                (*path, "until"),
            )
        elif stopped_at is not None and until <= stopped_at:
            yield ctx.problem(
                "bad_recurrence",
                f"phase {j + 1} stops at {phase.until}, not after the phase before it; "
                "each phase's 'until' (from the trigger's anchor) must be later than the last",
                (*path, "until"),
            )
        stopped_at = until


def check_moments_and_hours(ctx: _Context) -> Iterator[Problem]:
    roles = ctx.roles
    for i, rule in enumerate(ctx.file.rules):
        deadline = rule.deadline
        if (
            isinstance(deadline, s.Deadline)
            and deadline.or_within is not None
            and deadline.or_within == deadline.within
        ):
            yield ctx.problem(
                "bad_dual_deadline",
                f"'or_within' ({deadline.or_within}) is the same as 'within': a dual deadline "
                "needs two different bounds; remove 'or_within' and 'use'",
                ("rules", i, "deadline", "or_within"),
            )
        ooh = rule.out_of_hours
        if ooh is None:
            continue
        path = ("rules", i, "out_of_hours")
        if ctx.file.office_hours is None:
            yield ctx.problem(
                "no_office_hours",
                "out_of_hours needs the protocol's office hours: add a top-level office_hours "
                "(days, opens, closes, citation)",
                path,
            )
        if isinstance(rule.trigger, s.RecurringTrigger):
            yield ctx.problem(
                "out_of_hours_recurring",
                "out_of_hours cannot be used with a recurring trigger: each occurrence would "
                "be routed differently; write the rule with a single trigger",
                path,
            )
        if ooh.recipients is not None and rule.recipients is None:
            yield ctx.problem(
                "out_of_hours_recipients",
                "out_of_hours gives recipients but the rule has none: give the rule's in-hours "
                "recipients, or route only 'responsible'",
                (*path, "recipients"),
            )
        if ooh.responsible is not None and ooh.responsible not in roles:
            yield ctx.problem(
                "unknown_role",
                f"unknown role {ooh.responsible!r}{_closest(ooh.responsible, roles)} "
                "(declare new roles under extra_roles)",
                (*path, "responsible"),
            )
        for j, recipient in enumerate(ooh.recipients or ()):
            if recipient not in roles:
                yield ctx.problem(
                    "unknown_role",
                    f"unknown recipient role {recipient!r}{_closest(recipient, roles)} "
                    "(declare new roles under extra_roles)",
                    (*path, "recipients", j),
                )
