"""Building the compiled form (:mod:`missing_protocol.compiled`) from a rule file every pass
has accepted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import partial
from types import MappingProxyType

from missing_protocol import compiled as c
from missing_protocol import schema as s
from missing_protocol.facts import FactName, PoliceRisk, police_risk_rank
from missing_protocol.vocabulary import ACTION_KINDS, JUDGEMENTS, ROLES

from .context import _Context
from .timing import _methods


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
