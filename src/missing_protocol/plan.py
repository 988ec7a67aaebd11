"""The evaluation plan: a compiled protocol turned into closures and indexes, once.

:mod:`missing_protocol.compile` produces the compiled form (:mod:`.compiled`),
which is plain data that tools can read, compare and verify. Evaluating a
caseload needs something faster than walking that data for every episode, so
this module derives, once per protocol, a :class:`Plan`:

* every condition becomes two closures over a **fact tuple** (the facts of
  one episode, by position): ``test`` says whether it holds, and ``why``
  gives the facts that made it hold, in the words :func:`.conditions.holds`
  uses. Evaluation calls ``test`` for every episode and ``why`` only for the
  actions it keeps;
* episode counts ("3 episodes within 90 days") read the child's episodes
  through a :class:`History` that answers by binary search over sorted
  starts, so a child with 1,000 episodes costs no more per episode than a
  child with ten;
* which rules apply to an episode depends, for rules without episode counts,
  only on the fact tuple, and most episodes share a fact tuple with many
  others: the plan remembers the answer for each tuple it has seen;
* each rule's fixed parts (its citation, its condition in words, the sort
  order) are computed once.

The meaning is exactly that of :mod:`.conditions`: a fact whose value is not
known (``None``) satisfies no test, not even ``not_in``. The plan is derived
state, kept in a small cache keyed by the protocol object, never pickled:
a protocol sent to another process builds its plan there on first use.
"""

from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from threading import Lock

from .calendar import LONDON, UTC, Duration, shift_back
from .compiled import (
    AllOf,
    Alternative,
    Anchor,
    Cond,
    CountEpisodes,
    DeadlineKind,
    ElapsedTrigger,
    EventTrigger,
    FirstOf,
    Moment,
    NotOf,
    PhasedTrigger,
    Pred,
    Protocol,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
    Rule,
    Trigger,
)
from .conditions import atoms, describe, show_value
from .facts import FactName, police_risk_rank
from .results import CitationOut, FactUsed

__all__ = [
    "ELAPSED",
    "EVENT",
    "FACT_INDEX",
    "FIRST_OF",
    "MOMENTS",
    "PHASED",
    "RECORDED",
    "RECORDED_ANCHOR",
    "RECURRING",
    "TRIGGERED",
    "Applicable",
    "History",
    "Plan",
    "RulePlan",
    "Test",
    "Why",
    "allocator",
    "anchor_position",
    "code_subsets",
    "fact_tuple",
    "judgement_codes",
    "plan_for",
]

#: Positions of an episode's moments, and the moment a rule fired.
MOMENTS: dict[Moment, int] = {
    Moment.STARTED: 0,
    Moment.REPORTED: 1,
    Moment.RETURNED: 2,
    Moment.TRIGGERED: 3,
    Moment.NOTICED: 4,
    Moment.PROFESSIONAL_AWARE: 5,
    Moment.POLICE_TOLD_OF_RETURN: 6,
}
TRIGGERED = MOMENTS[Moment.TRIGGERED]
#: The position of an anchor that is a recorded event (schema 2): read from the events.
RECORDED_ANCHOR = -1
EVENT, ELAPSED, RECURRING = 0, 1, 2
RECORDED, PHASED, FIRST_OF = 3, 4, 5
TRIGGER_KINDS: dict[type, int] = {
    EventTrigger: EVENT,
    ElapsedTrigger: ELAPSED,
    RecurringTrigger: RECURRING,
    RecordedTrigger: RECORDED,
    PhasedTrigger: PHASED,
    FirstOf: FIRST_OF,
}


def anchor_position(anchor: Anchor) -> int:
    """The MOMENTS position of an anchor, or ``RECORDED_ANCHOR`` for a recorded event."""
    return RECORDED_ANCHOR if isinstance(anchor, Recorded) else MOMENTS[anchor]


def _trigger_anchor(trigger: Trigger) -> int:
    if isinstance(trigger, EventTrigger):
        return MOMENTS[trigger.on]
    if isinstance(trigger, RecordedTrigger | FirstOf):
        return RECORDED_ANCHOR if isinstance(trigger, RecordedTrigger) else TRIGGERED
    return anchor_position(trigger.anchor)


#: Position of each fact in a fact tuple.
FACT_INDEX: dict[FactName, int] = {name: i for i, name in enumerate(FactName)}

FactTuple = tuple[object, ...]


class History:
    """The child's classified episodes in order of their start, for episode counts.

    ``starts`` are UTC instants in non-decreasing order; ``count`` looks at the
    episodes up to and including position ``upto`` (the episode being judged),
    as :func:`.conditions.count_episodes` does with its history prefix.
    """

    __slots__ = (
        "_also",
        "_by_category",
        "_by_place",
        "_counted",
        "_members",
        "_since",
        "starts",
        "starts_london",
    )

    def __init__(self) -> None:
        self.starts: list[dt.datetime] = []
        self.starts_london: list[dt.datetime] = []
        self._by_category: dict[str, tuple[list[dt.datetime], list[int]]] = {}
        # by (category, where the child went missing from), for counts filtered by place
        self._by_place: dict[tuple[str, str], tuple[list[dt.datetime], list[int]]] = {}
        self._since: dict[tuple[int, Duration], dt.datetime] = {}
        # Episodes in more than one category (issue 10): every category of each position,
        # and, per set of categories counted, the episodes in any of them (built on demand).
        self._also: dict[int, frozenset[str]] = {}
        self._members: dict[frozenset[str], tuple[list[dt.datetime], list[int]]] = {}
        # Counts answered, by (the count's key, position): many rules count alike.
        self._counted: dict[tuple[int, int], int] = {}

    def add(
        self,
        start_utc: dt.datetime,
        start_london: dt.datetime,
        category: str,
        missing_from: str,
        also: frozenset[str] = frozenset(),
    ) -> int:
        """Append the next episode, of ``category`` and also of ``also``; returns its position."""
        position = len(self.starts)
        self.starts.append(start_utc)
        self.starts_london.append(start_london)
        instants, positions = self._by_category.setdefault(category, ([], []))
        instants.append(start_utc)
        positions.append(position)
        instants, positions = self._by_place.setdefault((category, missing_from), ([], []))
        instants.append(start_utc)
        positions.append(position)
        if also - {category}:
            self._also[position] = also | {category}
        if self._members:
            every = self._also.get(position, frozenset((category,)))
            for wanted, (member_instants, member_positions) in self._members.items():
                if not wanted.isdisjoint(every):
                    member_instants.append(start_utc)
                    member_positions.append(position)
        return position

    def _in_any(self, wanted: frozenset[str]) -> tuple[list[dt.datetime], list[int]]:
        """The episodes in any of ``wanted`` (each once), kept up to date by :meth:`add`."""
        found = self._members.get(wanted)
        if found is None:
            instants: list[dt.datetime] = []
            positions: list[int] = []
            for position in range(len(self.starts)):
                every = self._also.get(position)
                if every is None:
                    every = frozenset(c for c in wanted if self._has(c, position))
                if not wanted.isdisjoint(every):
                    instants.append(self.starts[position])
                    positions.append(position)
            found = self._members[wanted] = (instants, positions)
        return found

    def _has(self, category: str, position: int) -> bool:
        found = self._by_category.get(category)
        if found is None:
            return False
        positions = found[1]
        at = bisect_left(positions, position)
        return at < len(positions) and positions[at] == position

    def _month_start(self, upto: int) -> dt.datetime:
        """Midnight London time on the first of the month episode ``upto`` started in (UTC)."""
        start = self.starts_london[upto]
        return dt.datetime(start.year, start.month, 1, tzinfo=LONDON).astimezone(UTC)

    def _count_by_place(self, cond: CountEpisodes, upto: int, since: dt.datetime | None) -> int:
        """As :meth:`count`, for a count filtered by where the child went missing from."""
        assert cond.missing_from is not None
        total = 0
        for (category, place), (instants, positions) in self._by_place.items():
            if place not in cond.missing_from:
                continue
            end = bisect_right(positions, upto)
            first = 0 if since is None else bisect_left(instants, since, 0, end)
            if cond.categories is None or category in cond.categories:
                total += end - first
            elif self._also:  # in a wanted category only as one it is also in
                total += sum(
                    1
                    for position in positions[first:end]
                    if not cond.categories.isdisjoint(self._also.get(position, ()))
                )
        return total

    def _window_start(self, upto: int, within: Duration) -> dt.datetime:
        key = (upto, within)
        since = self._since.get(key)
        if since is None:
            since = self._since[key] = shift_back(self.starts_london[upto], within).astimezone(UTC)
        return since

    def counted(self, key: int, cond: CountEpisodes, upto: int) -> int:
        """:meth:`count`, remembered by ``key`` (the same for equal counts) and position.

        A count up to a position reads only the episodes at or before it, which do
        not change once added, so the answer stands for the rest of the evaluation.
        """
        found = self._counted.get((key, upto))
        if found is None:
            found = self._counted[key, upto] = self.count(cond, upto)
        return found

    def count(self, cond: CountEpisodes, upto: int) -> int:
        """Episodes at positions ``<= upto`` that start in ``cond``'s window and categories.

        ``upto`` is -1 where no episode is counted yet (deriving a category).
        """
        if upto < 0:
            return 0
        since = None if cond.within is None else self._window_start(upto, cond.within)
        if cond.calendar_month:
            since = self._month_start(upto)
        if cond.missing_from is not None:
            return self._count_by_place(cond, upto, since)
        if cond.categories is None:
            first = 0 if since is None else bisect_left(self.starts, since, 0, upto + 1)
            return upto + 1 - first
        if self._also:
            instants, positions = self._in_any(cond.categories)
            end = bisect_right(positions, upto)
            first = 0 if since is None else bisect_left(instants, since, 0, end)
            return end - first
        total = 0
        for category in cond.categories:
            found = self._by_category.get(category)
            if found is None:
                continue
            instants, positions = found
            end = bisect_right(positions, upto)
            first = 0 if since is None else bisect_left(instants, since, 0, end)
            total += end - first
        return total


# A test takes the fact tuple, the history and the episode's position in it.
Test = Callable[[FactTuple, History, int], bool]
Why = Callable[[FactTuple, History, int], tuple[FactUsed, ...]]


def _fact_used(pred: Pred) -> Callable[[object], FactUsed]:
    """FactUsed for each actual value of a predicate's fact, made once per value."""
    name = pred.fact.value
    text = describe(pred)
    made: dict[object, FactUsed] = {}

    def used(actual: object) -> FactUsed:
        key = (type(actual), actual)
        found = made.get(key)
        if found is None:
            found = made[key] = FactUsed(name, show_value(pred.fact, actual), text)
        return found

    return used


def _pred_test(pred: Pred) -> Test:
    i = FACT_INDEX[pred.fact]
    op, expected = pred.op, pred.value
    if op == "is":
        return lambda v, _h, _p: v[i] is not None and v[i] == expected
    if op == "in":
        assert isinstance(expected, frozenset)
        return lambda v, _h, _p: v[i] is not None and v[i] in expected
    if op == "not_in":
        assert isinstance(expected, frozenset)
        return lambda v, _h, _p: v[i] is not None and v[i] not in expected
    if op == "has":
        return lambda v, _h, _p: v[i] is not None and expected in v[i]  # type: ignore[operator]
    if op in ("has_any", "has_none"):
        assert isinstance(expected, frozenset)
        if op == "has_any":
            return lambda v, _h, _p: v[i] is not None and not expected.isdisjoint(v[i])  # type: ignore[arg-type]
        return lambda v, _h, _p: v[i] is not None and expected.isdisjoint(v[i])  # type: ignore[arg-type]
    assert isinstance(expected, int)
    if op == "lt":
        return lambda v, _h, _p: v[i] is not None and v[i] < expected  # type: ignore[operator]
    if op == "le":
        return lambda v, _h, _p: v[i] is not None and v[i] <= expected  # type: ignore[operator]
    if op == "gt":
        return lambda v, _h, _p: v[i] is not None and v[i] > expected  # type: ignore[operator]
    if op == "ge":
        return lambda v, _h, _p: v[i] is not None and v[i] >= expected  # type: ignore[operator]
    raise ValueError(f"unknown operator {op!r}")


def _count_holds(cond: CountEpisodes, number: int) -> bool:
    return number >= cond.at_least if cond.at_least is not None else number == cond.exactly


# A key per distinct count, for History.counted: counts of the same episodes share one,
# whatever number they then compare with ("exactly 3" and "at least 3" count alike).
_COUNT_KEYS: dict[CountEpisodes, int] = {}


def compile_test(cond: Cond) -> Test:
    """``cond`` as a closure: does it hold for this fact tuple and history position?"""
    if isinstance(cond, Pred):
        return _pred_test(cond)
    if isinstance(cond, CountEpisodes):
        key = _COUNT_KEYS.setdefault(replace(cond, at_least=None, exactly=None), len(_COUNT_KEYS))
        return lambda _v, h, p: _count_holds(cond, h.counted(key, cond, p))
    if isinstance(cond, NotOf):
        inner = compile_test(cond.item)
        return lambda v, h, p: not inner(v, h, p)
    parts = tuple(compile_test(item) for item in cond.items)
    return _joined(parts, every=isinstance(cond, AllOf))


def _joined(parts: tuple[Test, ...], *, every: bool) -> Test:
    """All (``every``) or any of ``parts``: two or three spelt out, more in a loop (each
    faster than all() or any() over a generator, and this runs per rule per episode)."""
    if len(parts) == 2:
        a, b = parts
        if every:
            return lambda v, h, p: a(v, h, p) and b(v, h, p)
        return lambda v, h, p: a(v, h, p) or b(v, h, p)
    if len(parts) == 3:
        a, b, c = parts
        if every:
            return lambda v, h, p: a(v, h, p) and b(v, h, p) and c(v, h, p)
        return lambda v, h, p: a(v, h, p) or b(v, h, p) or c(v, h, p)

    def joined(v: FactTuple, h: History, p: int) -> bool:
        for part in parts:
            if bool(part(v, h, p)) is not every:
                return not every  # one part decides: false for all of, true for any of
        return every

    return joined


def compile_why(cond: Cond) -> Why:
    """The facts that made ``cond`` hold (call only where it holds), as ``holds`` gives them."""
    if isinstance(cond, Pred):
        i = FACT_INDEX[cond.fact]
        used = _fact_used(cond)
        return lambda v, _h, _p: (used(v[i]),)
    if isinstance(cond, CountEpisodes):
        text = describe(cond)
        return lambda _v, h, p: (FactUsed("episode_count", str(h.count(cond, p)), text),)
    if isinstance(cond, NotOf):
        fixed = (FactUsed("condition", "false", describe(cond)),)
        return lambda _v, _h, _p: fixed
    whys = tuple(compile_why(item) for item in cond.items)
    if isinstance(cond, AllOf):
        return lambda v, h, p: tuple(used for why in whys for used in why(v, h, p))
    tests = tuple(compile_test(item) for item in cond.items)

    def first_holding(v: FactTuple, h: History, p: int) -> tuple[FactUsed, ...]:
        for test, why in zip(tests, whys, strict=True):
            if test(v, h, p):
                return why(v, h, p)
        raise AssertionError("why() called on a condition that does not hold")

    return first_holding


def _always(_v: FactTuple, _h: History, _p: int) -> bool:
    return True


def _nothing(_v: FactTuple, _h: History, _p: int) -> tuple[FactUsed, ...]:
    return ()


@dataclass(frozen=True, slots=True)
class CondPlan:
    """A condition (or none: always holds), compiled; ``counts`` if it reads the history."""

    test: Test
    why: Why
    counts: bool


def plan_condition(cond: Cond | None) -> CondPlan:
    """A :class:`CondPlan` for an optional condition."""
    if cond is None:
        return CondPlan(_always, _nothing, False)
    counts = any(isinstance(atom, CountEpisodes) for atom in atoms(cond))
    return CondPlan(compile_test(cond), compile_why(cond), counts)


@dataclass(frozen=True, slots=True)
class RulePlan:
    """One rule, ready to evaluate: its condition compiled, its fixed output parts made."""

    rule: Rule
    order: int
    when: CondPlan
    citation: CitationOut
    # The rule's enums as plain values, read for every action.
    action: str
    obligation: str
    topic: str
    trigger: int  # EVENT, ELAPSED or RECURRING
    anchor: int  # the moment the trigger counts from (MOMENTS position)
    deadline_anchor: int  # MOMENTS position, or TRIGGERED
    from_start: bool  # work since the episode started counts
    # Allocation options (condition, role, reason text); empty when the rule names its role.
    options: tuple[tuple[CondPlan, str, str], ...]
    unallocated_reason: str
    # schema 2: the action kinds whose events meet it (the first is ``action``; more only
    # with alternative kinds), other roles whose work meets it, a first_of trigger's
    # alternatives with their conditions compiled
    kinds: tuple[str, ...] = ()
    other_roles: frozenset[str] = frozenset()
    alternatives: tuple[tuple[Alternative, CondPlan], ...] = ()
    # The judgement codes the condition names, sorted, and every non-empty subset of
    # them, smallest first then in order: empty unless the condition tests judgements.
    judgements: tuple[str, ...] = ()
    judgement_subsets: tuple[tuple[str, ...], ...] = ()
    # Shapes evaluation takes a short cut for: an event trigger that fires at one of the
    # episode's moments, no recorded event needed; a deadline that sets no time.
    plain_event: bool = False
    no_deadline: bool = False
    # For a judgement rule whose condition is all of several parts: those parts that do not
    # test judgements. Where they fail, no judgement recorded could make the rule apply.
    judgement_gate: Test | None = None
    # For a rule that counts episodes, whose condition is all of several parts: those that
    # do not count, remembered per fact tuple like the rules that never count.
    count_gate: Test | None = None


def judgement_codes(cond: Cond | None) -> tuple[str, ...]:
    """The judgement codes a condition names (under any operator), sorted."""
    named: set[str] = set()
    for atom in atoms(cond):
        if isinstance(atom, Pred) and atom.fact is FactName.JUDGEMENTS:
            value = atom.value
            named |= {str(v) for v in value} if isinstance(value, frozenset) else {str(value)}
    return tuple(sorted(named))


def _gate(cond: Cond | None, leave_out: Callable[[Cond], bool]) -> Test | None:
    """The parts of an all-of condition with no atom to ``leave_out``, compiled, if any.

    Where they fail, the condition fails whatever the atoms left out say.
    """
    if not isinstance(cond, AllOf):
        return None
    parts = tuple(item for item in cond.items if not any(map(leave_out, atoms(item))))
    if not parts:
        return None
    return compile_test(parts[0] if len(parts) == 1 else AllOf(parts))


def _tests_judgements(atom: Cond) -> bool:
    return isinstance(atom, Pred) and atom.fact is FactName.JUDGEMENTS


def _counts(atom: Cond) -> bool:
    return isinstance(atom, CountEpisodes)


def code_subsets(codes: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every non-empty subset of ``codes`` (sorted), smallest first, then in order."""
    return tuple(
        combo for size in range(1, len(codes) + 1) for combo in itertools.combinations(codes, size)
    )


Awaited = tuple[tuple[RulePlan, tuple[tuple[str, ...], ...]], ...]


class AwaitedMemo:
    """Which judgement rules wait on what, per fact tuple: remembered, bounded, thread-safe."""

    __slots__ = ("_found", "_lock", "_size")

    def __init__(self, size: int = 4096) -> None:
        self._found: dict[FactTuple, Awaited] = {}
        self._lock = Lock()
        self._size = size

    def get(self, key: FactTuple, compute: Callable[[], Awaited]) -> Awaited:
        found = self._found.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self._found) >= self._size:
                    self._found.clear()
                self._found[key] = found
        return found


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything evaluation needs of one protocol, derived once."""

    protocol: Protocol
    categories: tuple[tuple[str, CondPlan, str], ...]  # id, condition, reason text
    category_ids: frozenset[str]
    floors: tuple[tuple[CondPlan, frozenset[int], int, str, str], ...]
    rules: tuple[RulePlan, ...]
    # Rules whose condition reads only the fact tuple, and those that also count episodes.
    static_rules: tuple[RulePlan, ...]
    counting_rules: tuple[RulePlan, ...]
    applicable: _Memo
    # Issue 10: the level an ungraded episode is held at (condition, rank, id, reason text).
    ungraded: tuple[tuple[CondPlan, int, str, str], ...] = ()
    # Issue 10: per category, the categories an episode of it is also in (id, condition, reason).
    also: Mapping[str, tuple[tuple[str, CondPlan, str], ...]] = field(default_factory=dict)
    # Rules whose condition tests judgements: they may be pending on one not recorded.
    judgement_rules: tuple[RulePlan, ...] = ()
    # For those that do not count episodes: which wait on what, per fact tuple.
    awaited: AwaitedMemo = field(default_factory=AwaitedMemo)


# For a fact tuple: the rules that never count episodes and apply, and the rules that count
# episodes and may apply (those whose parts that do not count hold).
Applicable = tuple[tuple[RulePlan, ...], tuple[RulePlan, ...]]


class _Memo:
    """Which rules apply (or may) to a fact tuple: remembered, bounded, thread-safe."""

    __slots__ = ("_found", "_lock", "_size")

    def __init__(self, size: int = 4096) -> None:
        self._found: dict[FactTuple, Applicable] = {}
        self._lock = Lock()
        self._size = size

    def get(self, key: FactTuple, compute: Callable[[], Applicable]) -> Applicable:
        found = self._found.get(key)
        if found is None:
            found = compute()
            with self._lock:
                if len(self._found) >= self._size:
                    self._found.clear()
                self._found[key] = found
        return found


# Deadlines that set no time: never due, whatever the anchor (a phase may set its own).
_NO_TIME = frozenset({DeadlineKind.UNSPECIFIED, DeadlineKind.WITHOUT_DELAY})


def _build(protocol: Protocol) -> Plan:
    rules = []
    for order, rule in enumerate(protocol.rules):
        options: tuple[tuple[CondPlan, str, str], ...] = ()
        reason = ""
        if rule.allocation is not None:
            allocation = protocol.allocations[rule.allocation]
            options = tuple(
                (
                    plan_condition(option.when),
                    option.role,
                    f"{allocation.id} option {number}: "
                    + ("otherwise" if option.when is None else describe(option.when)),
                )
                for number, option in enumerate(allocation.options, start=1)
            )
            reason = f"no option of {allocation.id} applies"
        trigger = rule.trigger
        codes = judgement_codes(rule.when)
        rules.append(
            RulePlan(
                rule=rule,
                order=order,
                when=plan_condition(rule.when),
                citation=CitationOut(protocol.id, rule.citation.section, rule.citation.quote),
                action=rule.action,
                obligation=rule.obligation.value,
                topic=rule.topic.value,
                trigger=TRIGGER_KINDS[type(trigger)],
                anchor=_trigger_anchor(trigger),
                deadline_anchor=anchor_position(rule.deadline.anchor),
                from_start=rule.work_from is Moment.STARTED,
                options=options,
                unallocated_reason=reason,
                kinds=(rule.action, *rule.alternative_actions),
                other_roles=frozenset(rule.alternative_responsible),
                alternatives=tuple(
                    (alternative, plan_condition(alternative.when))
                    for alternative in (
                        trigger.alternatives if isinstance(trigger, FirstOf) else ()
                    )
                ),
                judgements=codes,
                judgement_subsets=code_subsets(codes),
                plain_event=isinstance(trigger, EventTrigger)
                and not isinstance(rule.deadline.anchor, Recorded),
                no_deadline=rule.deadline.kind in _NO_TIME
                and rule.deadline.within is None
                and not isinstance(trigger, PhasedTrigger),
                judgement_gate=_gate(rule.when, _tests_judgements) if codes else None,
                count_gate=_gate(rule.when, _counts),
            )
        )
    floors = []
    for floor in protocol.floors:
        target = police_risk_rank(floor.raise_to)
        forbid = frozenset(police_risk_rank(level) for level in floor.forbid)
        reason_tail = (
            f"; raised to {floor.raise_to.value} by {floor.id} ({floor.citation.section}: "
            f'"{floor.citation.quote}")'
        )
        floors.append((plan_condition(floor.when), forbid, target, floor.id, reason_tail))
    return Plan(
        protocol=protocol,
        categories=tuple(
            (
                category.id,
                plan_condition(category.when),
                f"derived: {describe(category.when)} ({category.source})",
            )
            for category in protocol.categories
            if category.when is not None
        ),
        category_ids=frozenset(category.id for category in protocol.categories),
        floors=tuple(floors),
        rules=tuple(rules),
        static_rules=tuple(r for r in rules if not r.when.counts),
        counting_rules=tuple(r for r in rules if r.when.counts),
        applicable=_Memo(),
        judgement_rules=tuple(r for r in rules if r.judgements),
        ungraded=_ungraded(protocol),
        also=_also(protocol),
    )


def _also(protocol: Protocol) -> dict[str, tuple[tuple[str, CondPlan, str], ...]]:
    """Per category with ``also``: the other categories, their conditions and reason texts."""
    return {
        category.id: tuple(
            (
                also.category,
                plan_condition(also.when),
                "derived: "
                + ("always" if also.when is None else describe(also.when))
                + f' ({also.citation.section}: "{also.citation.quote}")',
            )
            for also in category.also
        )
        for category in protocol.categories
        if category.also
    }


def _ungraded(protocol: Protocol) -> tuple[tuple[CondPlan, int, str, str], ...]:
    """The protocol's statements of the level an ungraded episode is held at, planned."""
    return tuple(
        (
            plan_condition(item.when),
            police_risk_rank(item.held_at),
            item.id,
            f"no police risk recorded; held at {item.held_at.value} by {item.id} "
            f'({item.citation.section}: "{item.citation.quote}")',
        )
        for item in protocol.ungraded
    )


def fact_tuple(values: Mapping[FactName, object]) -> FactTuple:
    """A fact tuple from facts by name (a fact not given is unknown: ``None``)."""
    return tuple(values.get(name) for name in FACT_INDEX)


def allocator(protocol: Protocol, allocation_id: str) -> Callable[[FactTuple], str]:
    """The role an allocation chooses for a fact tuple, as evaluation chooses it.

    Options whose condition counts episodes see no earlier episodes here.
    """
    options = tuple(
        (plan_condition(option.when).test, option.role)
        for option in protocol.allocations[allocation_id].options
    )
    empty = History()

    def allocate(values: FactTuple) -> str:
        for test, role in options:
            if test(values, empty, -1):
                return role
        return "unallocated"

    return allocate


_PLANS: OrderedDict[int, tuple[Protocol, Plan]] = OrderedDict()
_PLANS_LOCK = Lock()
_PLANS_KEPT = 64


def plan_for(protocol: Protocol) -> Plan:
    """The plan of ``protocol``, built on first use and kept for the protocols used most lately.

    Keyed by the object's identity; the cache holds the protocol itself, so an
    identity cannot be reused by another object while its entry is kept.
    """
    key = id(protocol)
    entry = _PLANS.get(key)
    if entry is not None and entry[0] is protocol:
        return entry[1]
    plan = _build(protocol)
    with _PLANS_LOCK:
        _PLANS[key] = (protocol, plan)
        _PLANS.move_to_end(key)
        while len(_PLANS) > _PLANS_KEPT:
            _PLANS.popitem(last=False)
    return plan
