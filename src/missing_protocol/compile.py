"""Rule file (validated schema) -> compiled :class:`~.compiled.Protocol`, in named passes.

Each pass looks at the whole file and returns every problem it finds, located
by the source map; problems from all passes are reported together, sorted by
position, and nothing is built if there are any. The passes, in order:

``unique_ids``
    rule, category, floor and allocation ids are unique; extra roles and action
    kinds do not redefine canonical ones.
``resolve_names``
    every action kind, role, recipient, allocation and category a rule names
    exists.
``check_conditions``
    every comparison suits its fact: the operator is allowed for the fact's
    type and each value is in the fact's domain.
``check_risk``
    floors, categories and ungraded levels use only the protocol's police risk levels, and a
    floor never raises to a level it forbids.
``check_timing``
    recurring triggers start before they stop, and deadlines from the return
    are only set on rules that can know it.
``check_fact_versions``
    a condition tests only facts of the file's declared schema version (the
    facts a timeline of version 3 records are tested from rule-file version 2).
``check_moments_and_hours``
    out-of-hours routing has office hours to route by, names known roles, is
    not set on a recurring trigger, and changes recipients only of a rule that
    has them; a deadline's second bound is a different duration.
``check_judgement_rules``
    a rule's condition names at most a few judgements, and not on a recurring
    trigger. (``check_conditions`` checks each judgement named is shared or
    declared under ``extra_judgements``.)
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType

from . import compiled as c
from . import schema as s
from .calendar import approximate_hours
from .errors import Problem, RuleFileError
from .facts import FACTS, FactName, FactType, PoliceRisk, police_risk_rank
from .loading import SourceMap
from .vocabulary import ACTION_KINDS, JUDGEMENTS, ROLES

__all__ = ["PASSES", "compile_rule_file"]

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Context:
    file: s.RuleFile
    smap: SourceMap

    def problem(self, code: str, message: str, path: Path) -> Problem:
        return self.smap.problem(f"compile.{code}", message, path)

    @property
    def categories(self) -> set[str]:
        return {category.id for category in self.file.risk.categories}

    @property
    def roles(self) -> set[str]:
        return set(ROLES) | set(self.file.extra_roles)

    @property
    def kinds(self) -> set[str]:
        return set(ACTION_KINDS) | set(self.file.extra_action_kinds)

    @property
    def judgements(self) -> set[str]:
        return set(JUDGEMENTS) | set(self.file.extra_judgements)


def _conditions(ctx: _Context) -> Iterator[tuple[s.Condition, Path]]:
    """Every top-level condition in the file, with its path."""
    for i, category in enumerate(ctx.file.risk.categories):
        if category.when is not None:
            yield category.when, ("risk", "categories", i, "when")
        for j, also in enumerate(category.also):
            if also.when is not None:
                yield also.when, ("risk", "categories", i, "also", j, "when")
    for i, floor in enumerate(ctx.file.risk.floors):
        if floor.when is not None:
            yield floor.when, ("risk", "floors", i, "when")
    for i, ungraded in enumerate(ctx.file.risk.ungraded):
        if ungraded.when is not None:
            yield ungraded.when, ("risk", "ungraded", i, "when")
    for i, allocation in enumerate(ctx.file.allocations):
        for j, option in enumerate(allocation.options):
            if option.when is not None:
                yield option.when, ("allocations", i, "options", j, "when")
    for i, rule in enumerate(ctx.file.rules):
        if rule.when is not None:
            yield rule.when, ("rules", i, "when")
        yield from _alternative_conditions(rule, i)


def _alternative_conditions(rule: s.Rule, i: int) -> Iterator[tuple[s.Condition, Path]]:
    """The conditions of a ``first_of`` trigger's alternatives (schema 2)."""
    if isinstance(rule.trigger, s.FirstOfTrigger):
        for j, alternative in enumerate(rule.trigger.first_of):
            if alternative.when is not None:
                yield alternative.when, ("rules", i, "trigger", "first_of", j, "when")


def _walk(condition: s.Condition, path: Path) -> Iterator[tuple[s.Condition, Path]]:
    yield condition, path
    if isinstance(condition, s.AllOf):
        for i, item in enumerate(condition.all):
            yield from _walk(item, (*path, "all", i))
    elif isinstance(condition, s.AnyOf):
        for i, item in enumerate(condition.any):
            yield from _walk(item, (*path, "any", i))
    elif isinstance(condition, s.NotOf):
        yield from _walk(condition.not_, (*path, "not"))


def _duplicates(ctx: _Context, items: Sequence[tuple[str, Path]], what: str) -> Iterator[Problem]:
    first: dict[str, Path] = {}
    for ident, path in items:
        if ident in first:
            where = ctx.smap.locate(first[ident])
            line = f" (first at line {where.line})" if where else ""
            yield ctx.problem("duplicate_id", f"{what} id {ident!r} is used twice{line}", path)
        else:
            first[ident] = path


def unique_ids(ctx: _Context) -> Iterator[Problem]:
    f = ctx.file
    yield from _duplicates(ctx, [(r.id, ("rules", i, "id")) for i, r in enumerate(f.rules)], "rule")
    yield from _duplicates(
        ctx,
        [(x.id, ("risk", "categories", i, "id")) for i, x in enumerate(f.risk.categories)],
        "category",
    )
    yield from _duplicates(
        ctx, [(x.id, ("risk", "floors", i, "id")) for i, x in enumerate(f.risk.floors)], "floor"
    )
    yield from _duplicates(
        ctx, [(x.id, ("allocations", i, "id")) for i, x in enumerate(f.allocations)], "allocation"
    )
    yield from _duplicates(
        ctx,
        [(x.id, ("risk", "ungraded", i, "id")) for i, x in enumerate(f.risk.ungraded)],
        "ungraded risk",
    )
    for name in f.extra_roles:
        if name in ROLES:
            yield ctx.problem(
                "redefined_name",
                f"role {name!r} is already in the shared vocabulary; remove it from extra_roles",
                ("extra_roles", name),
            )
    for name in f.extra_action_kinds:
        if name in ACTION_KINDS:
            yield ctx.problem(
                "redefined_name",
                f"action kind {name!r} is already in the shared vocabulary; "
                "remove it from extra_action_kinds",
                ("extra_action_kinds", name),
            )
    yield from _redefined_judgements(ctx)


def _redefined_judgements(ctx: _Context) -> Iterator[Problem]:
    for name in ctx.file.extra_judgements:
        if name in JUDGEMENTS:
            yield ctx.problem(
                "redefined_name",
                f"judgement {name!r} is already in the shared vocabulary; "
                "remove it from extra_judgements",
                ("extra_judgements", name),
            )


def _closest(name: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""


def resolve_names(ctx: _Context) -> Iterator[Problem]:
    roles, kinds = ctx.roles, ctx.kinds
    allocations = {allocation.id for allocation in ctx.file.allocations}
    for i, rule in enumerate(ctx.file.rules):
        if rule.action not in kinds:
            yield ctx.problem(
                "unknown_action_kind",
                f"unknown action kind {rule.action!r}{_closest(rule.action, kinds)} "
                "(declare new kinds under extra_action_kinds)",
                ("rules", i, "action"),
            )
        if isinstance(rule.responsible, str):
            if rule.responsible not in roles:
                yield ctx.problem(
                    "unknown_role",
                    f"unknown role {rule.responsible!r}{_closest(rule.responsible, roles)} "
                    "(declare new roles under extra_roles)",
                    ("rules", i, "responsible"),
                )
        elif rule.responsible.allocation not in allocations:
            name = rule.responsible.allocation
            yield ctx.problem(
                "unknown_allocation",
                f"unknown allocation {name!r}{_closest(name, allocations)}",
                ("rules", i, "responsible", "allocation"),
            )
        for j, recipient in enumerate(rule.recipients or ()):
            if recipient not in roles:
                yield ctx.problem(
                    "unknown_role",
                    f"unknown recipient role {recipient!r}{_closest(recipient, roles)} "
                    "(declare new roles under extra_roles)",
                    ("rules", i, "recipients", j),
                )
        yield from _resolve_alternatives_and_recorded(ctx, rule, i)
    named = {rule.id for rule in ctx.file.rules} | allocations
    for i, accepted in enumerate(ctx.file.accepted_warnings):
        for j, name in enumerate(accepted.about):
            if name not in named:
                yield ctx.problem(
                    "unknown_rule",
                    f"accepted warning names {name!r}, which is no rule or allocation"
                    f"{_closest(name, named)}",
                    ("accepted_warnings", i, "about", j),
                )
    for i, allocation in enumerate(ctx.file.allocations):
        for j, option in enumerate(allocation.options):
            if option.role not in roles:
                yield ctx.problem(
                    "unknown_role",
                    f"unknown role {option.role!r}{_closest(option.role, roles)}",
                    ("allocations", i, "options", j, "role"),
                )


def _recorded_anchors(rule: s.Rule) -> Iterator[tuple[s.RecordedMoment, Path]]:
    """Every recorded event a rule's trigger or deadline counts from, with its path in the rule."""
    trigger = rule.trigger
    if isinstance(trigger, s.RecordedTrigger):
        yield trigger.on, ("trigger", "on")
    elif isinstance(trigger, s.RecurringTrigger | s.PhasedTrigger):
        if isinstance(trigger.from_, s.RecordedMoment):
            yield trigger.from_, ("trigger", "from")
    elif isinstance(trigger, s.FirstOfTrigger):
        for j, alternative in enumerate(trigger.first_of):
            if isinstance(alternative.trigger, s.RecordedTrigger):
                yield alternative.trigger.on, ("trigger", "first_of", j, "trigger", "on")
    if isinstance(rule.deadline, s.Deadline) and isinstance(rule.deadline.from_, s.RecordedMoment):
        yield rule.deadline.from_, ("deadline", "from")


def _resolve_alternatives_and_recorded(ctx: _Context, rule: s.Rule, i: int) -> Iterator[Problem]:
    """Alternative kinds and roles, and recorded-event anchors, name what the protocol has."""
    roles, kinds = ctx.roles, ctx.kinds
    for j, kind in enumerate(rule.alternative_actions or ()):
        if kind not in kinds:
            yield ctx.problem(
                "unknown_action_kind",
                f"unknown alternative action kind {kind!r}{_closest(kind, kinds)} "
                "(declare new kinds under extra_action_kinds)",
                ("rules", i, "alternative_actions", j),
            )
        elif kind == rule.action or kind in (rule.alternative_actions or [])[:j]:
            yield ctx.problem(
                "duplicate_alternative",
                f"alternative action kind {kind!r} is named twice (the rule's action is "
                f"{rule.action!r}); list each other kind once",
                ("rules", i, "alternative_actions", j),
            )
    for j, role in enumerate(rule.alternative_responsible or ()):
        if role not in roles:
            yield ctx.problem(
                "unknown_role",
                f"unknown alternative role {role!r}{_closest(role, roles)} "
                "(declare new roles under extra_roles)",
                ("rules", i, "alternative_responsible", j),
            )
    for recorded, path in _recorded_anchors(rule):
        if recorded.recipient is not None and recorded.recipient not in roles:
            yield ctx.problem(
                "unknown_role",
                f"unknown recipient role {recorded.recipient!r}"
                f"{_closest(recorded.recipient, roles)} (declare new roles under extra_roles)",
                ("rules", i, *path, "recipient"),
            )
        if recorded.recorded not in kinds:
            yield ctx.problem(
                "unknown_action_kind",
                "a trigger or deadline counts only from a recorded action kind of this "
                f"protocol: unknown kind {recorded.recorded!r}"
                f"{_closest(recorded.recorded, kinds)} (declare new kinds under "
                "extra_action_kinds)",
                ("rules", i, *path, "recorded"),
            )


_OPERATORS: dict[FactType, frozenset[str]] = {
    FactType.NUMBER: frozenset({"is", "lt", "le", "gt", "ge"}),
    FactType.BOOLEAN: frozenset({"is"}),
    FactType.ENUM: frozenset({"is", "in", "not_in"}),
    FactType.ORDERED: frozenset({"is", "in", "not_in", "lt", "le", "gt", "ge"}),
    FactType.SET: frozenset({"has", "has_any", "has_none"}),
    FactType.CATEGORY: frozenset({"is", "in", "not_in"}),
    FactType.CATEGORY_SET: frozenset({"has", "has_any", "has_none"}),
}


def _check_predicate(ctx: _Context, pred: s.Predicate, path: Path) -> Iterator[Problem]:
    spec = FACTS[pred.fact]
    op = pred.operator
    allowed = _OPERATORS[spec.type]
    if op not in allowed:
        yield ctx.problem(
            "bad_operator",
            f"fact {pred.fact.value!r} ({spec.type.value}) cannot be compared with {op!r}; "
            f"use one of {', '.join(sorted(allowed))}",
            (*path, op),
        )
        return
    if pred.fact is FactName.JUDGEMENTS:
        yield from _check_judgements(ctx, pred, path)
        return
    raw = pred.value
    values = raw if isinstance(raw, list) else [raw]
    for value in values:
        problem = _check_value(ctx, spec.type, spec.domain, pred.fact, value)
        if problem:
            yield ctx.problem("bad_value", problem, (*path, op))


def _check_value(
    ctx: _Context,
    kind: FactType,
    domain: tuple[str, ...] | None,
    fact: FactName,
    value: object,
) -> str | None:
    if kind is FactType.NUMBER:
        spec = FACTS[fact]
        if not isinstance(value, int) or isinstance(value, bool):
            return f"fact {fact.value!r} is a number, got {value!r}"
        if (
            spec.minimum is not None
            and spec.maximum is not None
            and not spec.minimum <= value <= spec.maximum + 1
        ):
            return (
                f"{fact.value} {value} is outside {spec.minimum}..{spec.maximum + 1}; "
                "the protocols cover children, and care leavers to their 25th birthday"
            )
        return None
    if kind is FactType.BOOLEAN:
        return None if isinstance(value, bool) else f"fact {fact.value!r} is true or false"
    if kind in (FactType.CATEGORY, FactType.CATEGORY_SET):
        if value not in ctx.categories:
            return (
                f"unknown category {value!r}{_closest(str(value), ctx.categories)}; "
                f"the categories are: {', '.join(sorted(ctx.categories))}"
            )
        return None
    assert domain is not None
    if not isinstance(value, str) or value not in domain:
        return (
            f"{value!r} is not a value of {fact.value!r}{_closest(str(value), domain)}; "
            f"expected one of {', '.join(domain)}"
        )
    return None


def _check_judgements(ctx: _Context, pred: s.Predicate, path: Path) -> Iterator[Problem]:
    """Each judgement named is shared or declared under extra_judgements."""
    raw = pred.value
    for value in raw if isinstance(raw, list) else [raw]:
        if value not in ctx.judgements:
            yield ctx.problem(
                "unknown_judgement",
                f"unknown judgement {value!r}{_closest(str(value), ctx.judgements)} "
                "(declare the protocol's own judgements under extra_judgements, with who "
                "makes each and where it is recorded)",
                (*path, pred.operator),
            )


#: The most judgement codes one rule's condition may name (pending rules try each subset).
MAX_JUDGEMENTS_PER_RULE = 6


def check_judgement_rules(ctx: _Context) -> Iterator[Problem]:
    """A rule names few judgements, and none on a recurring trigger (they would move its timing)."""
    for i, rule in enumerate(ctx.file.rules):
        if rule.when is None:
            continue
        named = {
            str(v)
            for node, _ in _walk(rule.when, ("rules", i, "when"))
            if isinstance(node, s.Predicate) and node.fact is FactName.JUDGEMENTS
            for v in (node.value if isinstance(node.value, list) else [node.value])
        }
        if not named:
            continue
        if len(named) > MAX_JUDGEMENTS_PER_RULE:
            yield ctx.problem(
                "too_many_judgements",
                f"the condition names {len(named)} judgements; at most "
                f"{MAX_JUDGEMENTS_PER_RULE} may be named in one rule: split the rule",
                ("rules", i, "when"),
            )
        if isinstance(rule.trigger, s.RecurringTrigger):
            yield ctx.problem(
                "judgement_on_recurring",
                "a condition on judgements cannot be used with a recurring trigger (a "
                "judgement moves the moment a duty arises, and a series has many); trigger "
                "the rule on an episode moment or on time elapsed",
                ("rules", i, "trigger"),
            )


def check_conditions(ctx: _Context) -> Iterator[Problem]:
    for root, root_path in _conditions(ctx):
        for node, path in _walk(root, root_path):
            if isinstance(node, s.Predicate):
                yield from _check_predicate(ctx, node, path)
            elif isinstance(node, s.EpisodeCount):
                for j, category in enumerate(node.episodes.categories or ()):
                    if category not in ctx.categories:
                        yield ctx.problem(
                            "bad_value",
                            f"unknown category {category!r}{_closest(category, ctx.categories)}",
                            (*path, "episodes", "categories", j),
                        )


def check_risk(ctx: _Context) -> Iterator[Problem]:
    levels = set(ctx.file.risk.police_risk_levels)
    yield from _check_also(ctx)
    for i, floor in enumerate(ctx.file.risk.floors):
        if floor.raise_to in floor.forbid:
            yield ctx.problem(
                "floor_raises_to_forbidden",
                f"floor {floor.id!r} raises to {floor.raise_to.value!r}, which it forbids",
                ("risk", "floors", i, "raise_to"),
            )
        if floor.raise_to not in levels:
            yield ctx.problem(
                "unused_risk_level",
                f"{floor.raise_to.value!r} is not one of this protocol's police_risk_levels",
                ("risk", "floors", i, "raise_to"),
            )
    for i, ungraded in enumerate(ctx.file.risk.ungraded):
        if ungraded.held_at not in levels:
            yield ctx.problem(
                "unused_risk_level",
                f"{ungraded.held_at.value!r} is not one of this protocol's police_risk_levels "
                f"({', '.join(level.value for level in ctx.file.risk.police_risk_levels)}); "
                "hold ungraded episodes at one of them",
                ("risk", "ungraded", i, "held_at"),
            )
    for i, category in enumerate(ctx.file.risk.categories):
        for j, level in enumerate(category.police_risk):
            if level not in levels:
                yield ctx.problem(
                    "unused_risk_level",
                    f"{level.value!r} is not one of this protocol's police_risk_levels",
                    ("risk", "categories", i, "police_risk", j),
                )


def _check_also(ctx: _Context) -> Iterator[Problem]:
    """Each category held together with another names a real, different category, once."""
    for i, category in enumerate(ctx.file.risk.categories):
        seen: set[str] = set()
        for j, also in enumerate(category.also):
            path = ("risk", "categories", i, "also", j, "category")
            if also.category not in ctx.categories:
                yield ctx.problem(
                    "bad_value",
                    f"unknown category {also.category!r}"
                    f"{_closest(also.category, ctx.categories)}; the categories are: "
                    f"{', '.join(sorted(ctx.categories))}",
                    path,
                )
            elif also.category == category.id:
                yield ctx.problem(
                    "bad_value",
                    f"category {category.id!r} names itself under also; name another category",
                    path,
                )
            elif also.category in seen:
                yield ctx.problem(
                    "duplicate_id",
                    f"category {also.category!r} is named twice under also; name it once, "
                    "with one condition (use any: for several)",
                    path,
                )
            seen.add(also.category)


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


def check_fact_versions(ctx: _Context) -> Iterator[Problem]:
    """A condition may test only the facts of the file's declared schema version."""
    version = ctx.file.schema_version
    for root, root_path in _conditions(ctx):
        for node, path in _walk(root, root_path):
            if isinstance(node, s.Predicate):
                needs = FACTS[node.fact].since_version
                if needs > version:
                    yield ctx.problem(
                        "needs_version",
                        f"fact {node.fact.value!r} is a fact of rule-file schema version "
                        f"{needs}; this file declares schema_version {version}: set "
                        f"schema_version to {needs}",
                        (*path, "fact"),
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


PASSES: tuple[tuple[str, Callable[[_Context], Iterable[Problem]]], ...] = (
    ("unique_ids", unique_ids),
    ("resolve_names", resolve_names),
    ("check_conditions", check_conditions),
    ("check_risk", check_risk),
    ("check_timing", check_timing),
    ("check_fact_versions", check_fact_versions),
    ("check_moments_and_hours", check_moments_and_hours),
    ("check_judgement_rules", check_judgement_rules),
)


# --- building the compiled form ---------------------------------------------


def _cond(node: s.Condition) -> c.Cond:
    if isinstance(node, s.AllOf):
        return c.AllOf(tuple(_cond(item) for item in node.all))
    if isinstance(node, s.AnyOf):
        return c.AnyOf(tuple(_cond(item) for item in node.any))
    if isinstance(node, s.NotOf):
        return c.NotOf(_cond(node.not_))
    if isinstance(node, s.EpisodeCount):
        cats = node.episodes.categories
        places = node.episodes.missing_from
        return c.CountEpisodes(
            node.episodes.within,
            frozenset(cats) if cats is not None else None,
            node.at_least,
            node.exactly,
            calendar_month=node.episodes.calendar_month is True,
            missing_from=frozenset(p.value for p in places) if places is not None else None,
        )
    value = node.value
    if node.fact is FactName.POLICE_RISK:
        if isinstance(value, list):
            return c.Pred(
                node.fact,
                node.operator,
                frozenset(police_risk_rank(PoliceRisk(str(v))) for v in value),
            )
        return c.Pred(node.fact, node.operator, police_risk_rank(PoliceRisk(str(value))))
    if isinstance(value, list):
        return c.Pred(node.fact, node.operator, frozenset(str(v) for v in value))
    return c.Pred(node.fact, node.operator, value)


def _optional(node: s.Condition | None) -> c.Cond | None:
    return None if node is None else _cond(node)


def _citation(citation: s.Citation) -> c.Citation:
    return c.Citation(citation.section, " ".join(citation.quote.split()))


_DEFAULT_OUTCOMES = frozenset(
    o.value for o in (s.Outcome.DONE, s.Outcome.OFFERED, s.Outcome.COMPLETED, s.Outcome.DECLINED)
)


def _anchor(anchor: s.Anchor | s.RecordedMoment) -> c.Anchor:
    if isinstance(anchor, s.RecordedMoment):
        outcomes = (
            frozenset(o.value for o in anchor.outcome) if anchor.outcome else _DEFAULT_OUTCOMES
        )
        return c.Recorded(anchor.recorded, outcomes, anchor.recipient)
    return c.Moment(anchor.value)


def _single(
    trigger: s.EventTrigger | s.ElapsedTrigger | s.RecordedTrigger,
) -> c.EventTrigger | c.ElapsedTrigger | c.RecordedTrigger:
    if isinstance(trigger, s.EventTrigger):
        return c.EventTrigger(c.Moment(trigger.on.value))
    if isinstance(trigger, s.ElapsedTrigger):
        return c.ElapsedTrigger(trigger.missing_for, c.Moment(trigger.from_.value))
    recorded = _anchor(trigger.on)
    assert isinstance(recorded, c.Recorded)
    return c.RecordedTrigger(recorded)


def _trigger(
    trigger: s.Trigger, alternative_source: Callable[[int], c.SourceRef] | None = None
) -> c.Trigger:
    if isinstance(trigger, s.EventTrigger | s.ElapsedTrigger | s.RecordedTrigger):
        return _single(trigger)
    if isinstance(trigger, s.PhasedTrigger):
        return c.PhasedTrigger(
            tuple(c.Phase(p.every, p.first or p.every, p.until, p.within) for p in trigger.phases),
            _anchor(trigger.from_),
        )
    if isinstance(trigger, s.FirstOfTrigger):
        return c.FirstOf(
            tuple(
                c.Alternative(
                    _single(alternative.trigger),
                    _optional(alternative.when),
                    alternative_source(j) if alternative_source else None,
                )
                for j, alternative in enumerate(trigger.first_of)
            )
        )
    return c.RecurringTrigger(
        trigger.every, _anchor(trigger.from_), trigger.first or trigger.every, trigger.until
    )


def _work_from(rule: s.Rule) -> c.Moment:
    if rule.counts_work_from is not None:
        return c.Moment(rule.counts_work_from.value)
    elapsed = isinstance(rule.trigger, s.ElapsedTrigger) or (
        isinstance(rule.trigger, s.FirstOfTrigger)
        and any(isinstance(a.trigger, s.ElapsedTrigger) for a in rule.trigger.first_of)
    )
    return c.Moment.STARTED if elapsed else c.Moment.TRIGGERED


_WEEKDAYS = tuple(s.Weekday)


def _office_hours(hours: s.OfficeHours | None, source: c.SourceRef) -> c.OfficeHours | None:
    if hours is None:
        return None
    return c.OfficeHours(
        frozenset(_WEEKDAYS.index(day) for day in hours.days),
        dt.time.fromisoformat(hours.opens),
        dt.time.fromisoformat(hours.closes),
        hours.closed_on_bank_holidays,
        _citation(hours.citation),
        hours.note,
        source,
    )


def _office_opening_deadline(hours: s.OfficeHours | None, source: c.SourceRef) -> c.Deadline:
    """``next_office_opening``, carrying the office hours it is set by."""
    return c.Deadline(c.DeadlineKind.NEXT_OFFICE_OPENING, office_hours=_office_hours(hours, source))


def _out_of_hours(ooh: s.OutOfHours | None) -> c.OutOfHours | None:
    if ooh is None:
        return None
    return c.OutOfHours(
        ooh.responsible,
        tuple(ooh.recipients) if ooh.recipients else None,
        ooh.required,
        ooh.in_hours_required,
    )


def _build(ctx: _Context) -> c.Protocol:
    f, smap = ctx.file, ctx.smap

    def ref(*path: str | int) -> c.SourceRef:
        where = smap.locate(path)
        return c.SourceRef(
            smap.file, where.line if where else None, where.column if where else None
        )

    rules = []
    for i, rule in enumerate(f.rules):
        if isinstance(rule.deadline, s.Deadline):
            deadline = c.Deadline(
                c.DeadlineKind.WITHIN,
                rule.deadline.within,
                _anchor(rule.deadline.from_),
                rule.deadline.or_within,
                rule.deadline.use,
            )
        elif rule.deadline == s.DeadlineWord.NEXT_OFFICE_OPENING:
            deadline = _office_opening_deadline(f.office_hours, ref("office_hours"))
        else:
            deadline = c.Deadline(c.DeadlineKind(rule.deadline))
        responsible = rule.responsible if isinstance(rule.responsible, str) else None
        allocation = None if isinstance(rule.responsible, str) else rule.responsible.allocation
        rules.append(
            c.Rule(
                id=rule.id,
                topic=rule.topic,
                action=rule.action,
                obligation=rule.obligation,
                responsible=responsible,
                allocation=allocation,
                recipients=tuple(rule.recipients) if rule.recipients else (None,),
                when=_optional(rule.when),
                trigger=_trigger(rule.trigger, partial(ref, "rules", i, "trigger", "first_of")),
                deadline=deadline,
                satisfied_by=frozenset(o.value for o in rule.satisfied_by),
                work_from=_work_from(rule),
                citation=_citation(rule.citation),
                see_also=tuple(_citation(x) for x in rule.see_also),
                note=rule.note,
                source=ref("rules", i),
                methods=_methods(rule),
                alternative_actions=tuple(rule.alternative_actions or ()),
                alternative_responsible=tuple(rule.alternative_responsible or ()),
                out_of_hours=_out_of_hours(rule.out_of_hours),
            )
        )
    allocations = {
        a.id: c.Allocation(
            a.id,
            a.description,
            tuple(
                c.AllocationOption(
                    _optional(o.when),
                    o.role,
                    _citation(o.citation),
                    o.note,
                    ref("allocations", i, "options", j),
                )
                for j, o in enumerate(a.options)
            ),
            ref("allocations", i),
        )
        for i, a in enumerate(f.allocations)
    }
    return c.Protocol(
        id=f.protocol.id,
        title=f.protocol.title,
        version=f.protocol.version,
        authorities=tuple(f.protocol.authorities),
        effective=f.protocol.effective,
        source_document=f.protocol.source_document,
        source_text=f.protocol.source_text,
        file=smap.file,
        police_risk_levels=tuple(f.risk.police_risk_levels),
        categories=tuple(
            c.Category(
                x.id,
                x.label,
                tuple(x.police_risk),
                _optional(x.when),
                _citation(x.citation),
                x.note,
                ref("risk", "categories", i),
                also=tuple(
                    c.AlsoCategory(
                        a.category,
                        _optional(a.when),
                        _citation(a.citation),
                        a.note,
                        ref("risk", "categories", i, "also", j),
                    )
                    for j, a in enumerate(x.also)
                ),
            )
            for i, x in enumerate(f.risk.categories)
        ),
        floors=tuple(
            c.RiskFloor(
                x.id,
                _optional(x.when),
                frozenset(x.forbid),
                x.raise_to,
                _citation(x.citation),
                x.note,
                ref("risk", "floors", i),
            )
            for i, x in enumerate(f.risk.floors)
        ),
        allocations=MappingProxyType(allocations),
        rules=tuple(rules),
        roles=MappingProxyType({**ROLES, **f.extra_roles}),
        action_kinds=MappingProxyType({**ACTION_KINDS, **f.extra_action_kinds}),
        not_encoded=tuple(c.NotEncoded(_citation(x.citation), x.reason) for x in f.not_encoded),
        ungraded=tuple(
            c.UngradedRisk(
                x.id,
                _optional(x.when),
                x.held_at,
                _citation(x.citation),
                x.note,
                ref("risk", "ungraded", i),
            )
            for i, x in enumerate(f.risk.ungraded)
        ),
        accepted_warnings=tuple(
            c.AcceptedWarning(x.code, frozenset(x.about), " ".join(x.reason.split()))
            for x in f.accepted_warnings
        ),
        office_hours=_office_hours(f.office_hours, ref("office_hours")),
        judgements=MappingProxyType({**JUDGEMENTS, **f.extra_judgements}),
    )


def compile_rule_file(rule_file: s.RuleFile, smap: SourceMap) -> c.Protocol:
    """Run every pass; raise :class:`RuleFileError` with all problems, or build the protocol."""
    ctx = _Context(rule_file, smap)
    problems = [problem for _, run in PASSES for problem in run(ctx)]
    if problems:
        raise RuleFileError(problems)
    return _build(ctx)
