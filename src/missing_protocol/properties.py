"""Consistency laws every protocol should satisfy, and a hypothesis runner for them.

Each law is a plain function ``law(protocol, timeline, as_of)`` that raises
:class:`PropertyFailedError` when the evaluation breaks it. :func:`check_properties`
runs every law over generated timelines (:mod:`missing_protocol.strategies`)
and returns the failures, each with the smallest timeline hypothesis found,
printable as a ready-to-paste golden case. Requires the ``testing`` extra.

The laws:

``deadline_after_trigger``
    no deadline falls before the moment its action was triggered.
``deterministic``
    evaluating twice, or with episodes and events in reverse order, gives the
    same result, ids included.
``unique_ids``
    no two required actions share an id.
``statuses_consistent``
    met only with a recorded time no later than the deadline (and no earlier than
    the rule counts work from: its trigger, or the start of the episode); met
    late only after it; overdue only when the deadline has passed and nothing was done;
    due only when nothing was done and the deadline has not passed.
``recurring_stops_on_return``
    no occurrence of a recurring action is triggered at or after the return.
``no_forbidden_risk``
    no episode is held at a police risk level a floor that applies forbids.
``return_interview_after_missing``
    a child whose episode falls (at the return) in a category the protocol maps
    to high risk, who was reported to the police and has returned, is owed a
    return home interview (applies when the protocol has return home interview
    rules).
``longer_absence_keeps_escalations``
    returning later never removes a kind of action that time elapsed required
    (another rule may require it instead, as a "must" replaces a "consider").
``extra_episode_keeps_repeat_actions``
    one more episode before the last never removes, from the timeline, a kind
    of action that a rule counting episodes required.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Literal

import yaml
from hypothesis import HealthCheck, Phase, given, reject, settings

from .compiled import (
    CountEpisodes,
    ElapsedTrigger,
    Moment,
    PhasedTrigger,
    Protocol,
    RecurringTrigger,
)
from .conditions import atoms, holds
from .errors import TimelineError
from .evaluate import episode_facts, evaluate
from .facts import FactName, PoliceRisk, police_risk_rank
from .results import ActionStatus, Evaluation, to_jsonable
from .strategies import evaluations_inputs
from .timeline import Timeline

__all__ = ["LAWS", "PropertyFailedError", "check_law", "check_properties"]


class PropertyFailedError(AssertionError):
    """A law broken by a concrete timeline."""

    def __init__(self, law: str, message: str, timeline: Timeline, as_of: dt.datetime) -> None:
        super().__init__(f"{law}: {message}")
        self.law = law
        self.detail = message
        self.timeline = timeline
        self.as_of = as_of

    def golden_case(self, protocol: Protocol) -> str:
        """The failing timeline as a golden case (tests/cases/<area>/*.yaml), expect included.

        The expectation is what the evaluator answers now: correct it to what
        the protocol says before committing the case.
        """
        result = evaluate(protocol, self.timeline, self.as_of)
        case = {
            "note": f"Found by the law {self.law}: {self.detail}",
            "protocol": protocol.id,
            "as_of": self.as_of.isoformat(),
            "timeline": self.timeline.model_dump(mode="json", exclude_defaults=True),
            "expect": {
                "actions": [
                    {
                        "id": a.id,
                        "status": a.status.value,
                        "due": a.due_at.isoformat() if a.due_at else None,
                        "responsible": a.responsible,
                    }
                    for a in result.actions
                ],
                "upcoming": [
                    {"rule": u.rule_id, "at": u.triggers_at.isoformat()} for u in result.upcoming
                ],
            },
        }
        return yaml.safe_dump(case, sort_keys=False, allow_unicode=True, width=100)


Law = Callable[[Protocol, Timeline, dt.datetime], None]


def _fail(law: str, message: str, timeline: Timeline, as_of: dt.datetime) -> None:
    raise PropertyFailedError(law, message, timeline, as_of)


def deadline_after_trigger(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    for a in evaluate(protocol, timeline, as_of).actions:
        if a.due_at is not None and a.due_at < a.triggered_at:
            _fail(
                "deadline_after_trigger", f"{a.id} is due before it is triggered", timeline, as_of
            )


def deterministic(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    first = to_jsonable(evaluate(protocol, timeline, as_of))
    again = to_jsonable(evaluate(protocol, timeline, as_of))
    flipped = timeline.model_copy(
        update={
            "episodes": list(reversed(timeline.episodes)),
            "events": list(reversed(timeline.events)),
        }
    )
    if first != again:
        _fail("deterministic", "two evaluations of the same input differ", timeline, as_of)
    if first != to_jsonable(evaluate(protocol, flipped, as_of)):
        _fail("deterministic", "reversing the input order changes the result", timeline, as_of)


def unique_ids(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    ids = [a.id for a in evaluate(protocol, timeline, as_of).actions]
    if len(ids) != len(set(ids)):
        _fail("unique_ids", "two actions share an id", timeline, as_of)


def statuses_consistent(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    result = evaluate(protocol, timeline, as_of)
    started = {e.episode_id: e.started_at for e in result.episodes}
    for a in result.actions:
        done, due = a.met_at, a.due_at
        # work counts from the trigger, or since the child went missing where the rule says so
        since = (
            started[a.episode_id]
            if protocol.rule(a.rule_id).work_from is Moment.STARTED
            else a.triggered_at
        )
        ok = {
            ActionStatus.MET: done is not None and (due is None or done <= due),
            ActionStatus.MET_LATE: done is not None and due is not None and done > due,
            ActionStatus.OVERDUE: done is None and due is not None and result.as_of > due,
            ActionStatus.DUE: done is None and (due is None or result.as_of <= due),
        }[a.status]
        if not ok or (done is not None and done < since):
            _fail(
                "statuses_consistent",
                f"{a.id} is {a.status.value} but met_at={done} due_at={due}",
                timeline,
                as_of,
            )


def recurring_stops_on_return(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    result = evaluate(protocol, timeline, as_of)
    returned = {e.episode_id: e.returned_at for e in result.episodes}
    for a in result.actions:
        back = returned[a.episode_id]
        if a.occurrence is not None and back is not None and a.triggered_at >= back:
            _fail(
                "recurring_stops_on_return", f"{a.id} triggered after the return", timeline, as_of
            )


def no_forbidden_risk(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    for episode_id, facts in episode_facts(protocol, timeline, as_of).items():
        risk = facts.values[FactName.POLICE_RISK]
        if not isinstance(risk, int) or isinstance(risk, bool):
            continue
        for floor in protocol.floors:
            forbidden = {police_risk_rank(level) for level in floor.forbid}
            applies = floor.when is None or holds(floor.when, facts)[0]
            if applies and risk in forbidden:
                _fail(
                    "no_forbidden_risk",
                    f"episode {episode_id} is held at a level {floor.id} forbids",
                    timeline,
                    as_of,
                )


def return_interview_after_missing(
    protocol: Protocol, timeline: Timeline, as_of: dt.datetime
) -> None:
    if not any(rule.action == "return_home_interview" for rule in protocol.rules):
        return
    high = police_risk_rank(PoliceRisk.HIGH)
    missing = {
        c.id for c in protocol.categories if any(police_risk_rank(r) >= high for r in c.police_risk)
    }
    result = evaluate(protocol, timeline, as_of)
    owed = {a.episode_id for a in result.actions if a.kind == "return_home_interview"}
    facts = episode_facts(protocol, timeline, as_of)
    for episode in result.episodes:
        reported = facts[episode.episode_id].values[FactName.REPORTED_TO_POLICE]
        # the category at the return: after the last change, if the facts changed (issue 10)
        category = episode.changes[-1].category if episode.changes else episode.category
        if (
            category in missing
            and reported
            and episode.returned_at is not None
            and episode.episode_id not in owed
        ):
            _fail(
                "return_interview_after_missing",
                f"episode {episode.episode_id} "
                f"({episode.category}) returned with no return home interview",
                timeline,
                as_of,
            )


def _time_rules(protocol: Protocol) -> set[str]:
    return {
        r.id
        for r in protocol.rules
        if isinstance(r.trigger, ElapsedTrigger | RecurringTrigger | PhasedTrigger)
    }


def _kinds(
    result: Evaluation, *, episode_id: str | None = None, rules: set[str] | None = None
) -> set[tuple[str, str | None]]:
    """The (action kind, recipient) pairs required, optionally for one episode or some rules."""
    return {
        (a.kind, a.recipient)
        for a in result.actions
        if (episode_id is None or a.episode_id == episode_id)
        and (rules is None or a.rule_id in rules)
    }


def longer_absence_keeps_escalations(
    protocol: Protocol, timeline: Timeline, as_of: dt.datetime
) -> None:
    last = max(timeline.episodes, key=lambda e: e.started_at)
    if last.returned_at is None:
        return
    timed = _time_rules(protocol)
    later = last.model_copy(update={"returned_at": last.returned_at + dt.timedelta(days=30)})
    longer = timeline.model_copy(
        update={"episodes": [later if e.id == last.id else e for e in timeline.episodes]}
    )
    judge_at = max(as_of, later.returned_at or as_of) + dt.timedelta(days=1)
    before = _kinds(evaluate(protocol, timeline, judge_at), episode_id=last.id, rules=timed)
    after = _kinds(evaluate(protocol, longer, judge_at), episode_id=last.id)
    if not before <= after:
        _fail(
            "longer_absence_keeps_escalations",
            f"returning 30 days later removes {sorted(before - after)}",
            timeline,
            as_of,
        )


def extra_episode_keeps_repeat_actions(
    protocol: Protocol, timeline: Timeline, as_of: dt.datetime
) -> None:
    ordered = sorted(timeline.episodes, key=lambda e: e.started_at)
    last = ordered[-1]
    previous_end = ordered[-2].returned_at if len(ordered) > 1 else None
    start = last.started_at - dt.timedelta(hours=3)
    if previous_end is not None and previous_end >= start:
        return
    counting = {
        r.id for r in protocol.rules if any(isinstance(a, CountEpisodes) for a in atoms(r.when))
    }
    if not counting:
        return
    extra = last.model_copy(
        update={
            "id": "E-extra",
            "started_at": start,
            "reported_at": None,
            "returned_at": start + dt.timedelta(hours=1),
        }
    )
    busier = timeline.model_copy(update={"episodes": [*timeline.episodes, extra]})
    judge_at = max(as_of, last.started_at)
    before = _kinds(evaluate(protocol, timeline, judge_at), rules=counting)
    after = _kinds(evaluate(protocol, busier, judge_at))
    if not before <= after:
        _fail(
            "extra_episode_keeps_repeat_actions",
            f"one more episode removes {sorted(before - after)}",
            timeline,
            as_of,
        )


LAWS: dict[str, Law] = {
    "deadline_after_trigger": deadline_after_trigger,
    "deterministic": deterministic,
    "unique_ids": unique_ids,
    "statuses_consistent": statuses_consistent,
    "recurring_stops_on_return": recurring_stops_on_return,
    "no_forbidden_risk": no_forbidden_risk,
    "return_interview_after_missing": return_interview_after_missing,
    "longer_absence_keeps_escalations": longer_absence_keeps_escalations,
    "extra_episode_keeps_repeat_actions": extra_episode_keeps_repeat_actions,
}

PROFILES: dict[str, int] = {"quick": 40, "thorough": 1000}


def check_law(
    protocol: Protocol,
    name: str,
    *,
    profile: Literal["quick", "thorough"] = "quick",
    max_examples: int | None = None,
    shrink: bool = True,
) -> PropertyFailedError | None:
    """Run one law over generated timelines; the shrunk failure, or ``None``.

    ``quick`` (40 examples, derandomised so CI is repeatable) or ``thorough``
    (1000 random examples); ``max_examples`` overrides either. ``shrink=False``
    gives the first failure as generated, unshrunk: much faster, for checking
    that a law fails at all (shrinking is most of the time a failure costs).
    """
    law = LAWS[name]

    @settings(
        max_examples=max_examples or PROFILES[profile],
        phases=tuple(Phase) if shrink else tuple(p for p in Phase if p is not Phase.shrink),
        deadline=None,
        database=None,
        derandomize=profile == "quick",
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=False,
    )
    @given(evaluations_inputs(protocol))
    def run(case: tuple[Timeline, dt.datetime]) -> None:
        try:
            law(protocol, *case)
        except TimelineError as error:
            # an episode this protocol cannot classify is not a valid input for it
            if any(p.code != "timeline.no_category" for p in error.problems):
                raise
            reject()

    try:
        run()
    except PropertyFailedError as failure:
        return failure
    return None


def check_properties(
    protocol: Protocol, *, profile: Literal["quick", "thorough"] = "quick"
) -> list[PropertyFailedError]:
    """Every law over generated timelines; the failures, each shrunk to a small case."""
    return [f for name in LAWS if (f := check_law(protocol, name, profile=profile)) is not None]
