"""Hypothesis strategies for children, episodes, recorded events and whole timelines.

Install with the ``testing`` extra (``pip install missing_protocol[testing]``).
Everything generated is valid by construction: returns come after starts,
episodes never overlap, ages are 0 to 24 at every episode (care leavers are
supported to 25), recorded events
fall after the episode they serve began. Times are drawn so that the clock
changes and England's bank holidays come up often, because that is where
deadline arithmetic goes wrong.

A council testing its own rule file needs a few lines::

    from hypothesis import given
    from missing_protocol import evaluate, load_protocol
    from missing_protocol.strategies import evaluations_inputs

    protocol = load_protocol("rules/my_area.yaml")

    @given(evaluations_inputs(protocol))
    def test_deadlines_follow_triggers(case):
        timeline, as_of = case
        for action in evaluate(protocol, timeline, as_of).actions:
            assert action.due_at is None or action.due_at >= action.triggered_at

Each strategy says what it shrinks towards: in general one episode, no
events, the earliest allowed start, short absences, a child of the youngest
age allowed, and no flags.

Two promises hold for every example: the timeline model accepts it (times are
added and compared as instants, in UTC, so the October hour that happens twice
never puts a return "before" its start), and a seed replays the same examples
in any process (every choice is drawn from a sorted sequence, never by
iterating a set, so ``PYTHONHASHSEED`` does not matter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from .calendar import LONDON, UTC, bank_holidays
from .compiled import (
    FirstOf,
    PhasedTrigger,
    Protocol,
    Recorded,
    RecordedTrigger,
    RecurringTrigger,
    Rule,
)
from .facts import (
    AwayIncident,
    CareHolder,
    CaseStatus,
    CheckMethod,
    ChildFlag,
    Concern,
    FoundBy,
    LegalStatus,
    MissingFrom,
    PlacementType,
    PoliceRisk,
    RemovalPurpose,
    ReportedBy,
    SocialWorkArea,
)
from .limits import DEFAULT_LIMITS
from .timeline import Child, Episode, FactChange, Judgement, RecordedEvent, Timeline
from .vocabulary import ACTION_KINDS, JUDGEMENTS, ROLES, Outcome

__all__ = [
    "children",
    "episode_moments",
    "evaluations_inputs",
    "recorded_events",
    "timelines",
]

_EARLIEST = dt.datetime(2016, 1, 1, tzinfo=LONDON)
_LATEST = dt.datetime(2030, 12, 31, tzinfo=LONDON)

# Elapsed thresholds the protocols use, in minutes: absences are drawn near them.
_THRESHOLDS_MIN = (60, 24 * 60, 48 * 60, 72 * 60, 5 * 1440, 7 * 1440, 28 * 1440, 84 * 1440)


def _after(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """``moment`` plus elapsed time, as a London time: added in UTC, never on the wall clock."""
    return (moment.astimezone(UTC) + delta).astimezone(LONDON)


def _earliest(*moments: dt.datetime) -> dt.datetime:
    """The earliest of some moments, compared as instants."""
    return min(moments, key=lambda moment: moment.astimezone(UTC))


def _check_range(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware (use Europe/London)")
    if not start < end:
        raise ValueError(f"start ({start.isoformat()}) must be before end ({end.isoformat()})")
    # children are born up to 18 years before ``start``; absences and events run up to
    # a year past ``end``: both must stay in the years the model accepts
    earliest = DEFAULT_LIMITS.earliest_year + 18
    latest = DEFAULT_LIMITS.latest_year - 1
    if start.year < earliest or end.year > latest:
        raise ValueError(f"start and end must fall in the years {earliest} to {latest}")
    return start.astimezone(LONDON), end.astimezone(LONDON)


@lru_cache(maxsize=16)
def _interesting_moments(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Moments near clock changes and on bank holidays between start and end."""
    found: list[dt.datetime] = []
    for year in range(start.year, end.year + 1):
        for month in (3, 10):
            last_sunday = max(
                dt.date(year, month, day)
                for day in range(25, 32)
                if dt.date(year, month, day).weekday() == 6
            )
            for hour in (0, 1, 2, 22, 23):
                found.append(dt.datetime.combine(last_sunday, dt.time(hour, 30), LONDON))
                eve = last_sunday - dt.timedelta(days=1)
                found.append(dt.datetime.combine(eve, dt.time(hour, 30), LONDON))
        for holiday in bank_holidays(year):
            for hour in (9, 17, 23):
                eve = holiday - dt.timedelta(days=1)
                found.append(dt.datetime.combine(eve, dt.time(hour, 0), LONDON))
    # a wall-clock time in the spring gap does not exist: keep the real instant it stands for
    real = {moment.astimezone(UTC) for moment in found}
    return [m.astimezone(LONDON) for m in sorted(real) if start <= m <= end]


def episode_moments(
    start: dt.datetime = _EARLIEST, end: dt.datetime = _LATEST
) -> st.SearchStrategy[dt.datetime]:
    """London times between ``start`` and ``end``, often near clock changes and bank holidays.

    Shrinks towards ``start``.
    """
    start, end = _check_range(start, end)
    plain = st.datetimes(
        min_value=start.astimezone(UTC).replace(tzinfo=None),
        max_value=end.astimezone(UTC).replace(tzinfo=None),
        timezones=st.just(UTC),
    ).map(lambda moment: moment.replace(second=0, microsecond=0).astimezone(LONDON))
    interesting = _interesting_moments(start, end)
    if not interesting:
        return plain
    return st.one_of(plain, st.sampled_from(interesting))


_ABSENCES = st.one_of(
    st.integers(0, 120 * 1440).map(lambda minutes: dt.timedelta(minutes=minutes)),
    st.tuples(st.sampled_from(_THRESHOLDS_MIN), st.integers(-2, 2)).map(
        lambda pair: dt.timedelta(minutes=max(0, pair[0] + pair[1]))
    ),
)


def children(
    *, first_episode: dt.datetime | None = None, min_age: int = 0, max_age: int = 17
) -> st.SearchStrategy[Child]:
    """A child aged ``min_age`` to ``max_age`` on ``first_episode`` (default: 1 Jan 2016).

    Shrinks towards the youngest age, case status ``none``, no flags, nothing known.
    """
    oldest_allowed = DEFAULT_LIMITS.maximum_age
    if not 0 <= min_age <= max_age <= oldest_allowed:
        raise ValueError(
            f"need 0 <= min_age <= max_age <= {oldest_allowed}, got {min_age} and {max_age}"
        )
    on = (first_episode or _EARLIEST).astimezone(LONDON).date()

    def born(age_days: int) -> dt.date:
        return on - dt.timedelta(days=age_days)

    youngest = min_age * 366
    oldest = (max_age + 1) * 365 - 2
    return st.integers(youngest, max(youngest, oldest)).flatmap(
        lambda age_days: _child_facts(born(age_days))
    )


# Strategies built once: hypothesis validates each new strategy object, which is
# slow, so the composites below draw from these rather than building their own.
_BOOL = st.booleans()
_CHILD_NUMBER = st.integers(0, 999_999)
_CASE_STATUS = st.sampled_from(list(CaseStatus))
_MISSING_FROM = st.sampled_from(list(MissingFrom))
_POLICE_RISK = st.one_of(st.none(), st.sampled_from(list(PoliceRisk)))
_RISK_GRADE = st.sampled_from(list(PoliceRisk))


def _sets(values: Sequence[str], max_size: int) -> st.SearchStrategy[frozenset[Any]]:
    """Sets drawn as unique lists from an ordered sequence: no draw depends on set iteration."""
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size).map(frozenset)


_FLAGS = _sets(list(ChildFlag), 3)
_WHILE_AWAY = _sets(list(AwayIncident), 2)
_CONCERNS = _sets(list(Concern), 2)
_REMOVAL = st.one_of(st.none(), _sets(list(RemovalPurpose), 2))
_REPORT_DELAY = st.one_of(st.none(), st.integers(0, 6 * 60))
_GAP_MINUTES = st.integers(1, 60 * 1440)
# Children, and now and then a young adult (care leavers are supported to their 25th birthday).
_AGE_YEARS = st.one_of(
    st.sampled_from(range(18)), st.sampled_from(range(18, DEFAULT_LIMITS.maximum_age + 1))
)
# issue 10's recorded facts (timeline schema 3); each may be unknown (None)
_LEGAL_STATUS = st.one_of(st.none(), st.sampled_from(list(LegalStatus)))
_PLACEMENT_TYPE = st.one_of(st.none(), st.sampled_from(list(PlacementType)))
_FOUND_BY = st.one_of(st.none(), st.sampled_from(list(FoundBy)))
_IN_CARE_OF = st.one_of(st.none(), st.sampled_from(list(CareHolder)))
_SOCIAL_WORK_AREA = st.one_of(st.none(), st.sampled_from(list(SocialWorkArea)))
_METHOD = st.one_of(st.none(), st.sampled_from(list(CheckMethod)))
_MAYBE_BOOL = st.one_of(st.none(), st.booleans())
# days before the first episode the child became looked after (negative: after it began)
_LOOKED_AFTER_BEFORE = st.one_of(st.none(), st.integers(-3, 30), st.integers(0, 2000))
_DAY_IN_YEAR = st.integers(0, 364)


@st.composite
def _child_facts(draw: st.DrawFn, date_of_birth: dt.date) -> Child:
    return Child(
        id=f"C-{draw(_CHILD_NUMBER)}",
        date_of_birth=date_of_birth,
        case_status=draw(_CASE_STATUS),
        known_to_social_care=draw(_BOOL),
        has_allocated_worker=draw(_BOOL),
        attends_school=draw(_BOOL),
        attends_secondary_school=draw(_BOOL),
        placed_by_other_authority=draw(_BOOL),
        placed_out_of_area=draw(_BOOL),
        flags=draw(_FLAGS),
        subject_to_restrictions=draw(_MAYBE_BOOL),
        social_work_area=draw(_SOCIAL_WORK_AREA),
    )


_JUDGEMENT_COUNT = st.integers(0, 3)
_JUDGEMENT_DELAY = st.one_of(st.none(), st.integers(0, 20 * 1440))
_JUDGED_BY = st.one_of(st.none(), st.sampled_from(sorted(ROLES)))


@st.composite
def _judgements(
    draw: st.DrawFn, codes: Sequence[str], started: dt.datetime
) -> tuple[Judgement, ...]:
    """Up to three judgements (distinct codes), undated or made up to 20 days after the start."""
    chosen = draw(st.lists(st.sampled_from(codes), unique=True, max_size=draw(_JUDGEMENT_COUNT)))
    made = []
    for code in chosen:
        delay = draw(_JUDGEMENT_DELAY)
        at = None if delay is None else _after(started, dt.timedelta(minutes=delay))
        made.append(Judgement(judgement=code, at=at, by=draw(_JUDGED_BY)))
    return tuple(made)


@st.composite
def _episodes(
    draw: st.DrawFn,
    moments: st.SearchStrategy[dt.datetime],
    count: int,
    categories: st.SearchStrategy[str] | None,
    *,
    also: st.SearchStrategy[frozenset[str]] | None = None,
    judgement_codes: Sequence[str] = (),
) -> list[Episode]:
    episodes: list[Episode] = []
    moment = draw(moments)
    for number in range(1, count + 1):
        absence = draw(_ABSENCES)
        last = number == count
        returned = None if last and draw(_BOOL) else _after(moment, absence)
        reported = draw(_REPORT_DELAY)
        judged = draw(_judgements(judgement_codes, moment)) if judgement_codes else ()
        episodes.append(
            Episode(
                **({"judgements": judged} if judged else {}),
                id=f"E-{number}",
                missing_from=draw(_MISSING_FROM),
                category=draw(categories) if categories is not None else None,
                whereabouts_known=draw(_BOOL),
                police_risk=draw(_POLICE_RISK),
                started_at=moment,
                reported_at=(
                    None
                    if reported is None
                    else _earliest(
                        _after(moment, dt.timedelta(minutes=reported)),
                        *([] if returned is None else [returned]),
                    )
                ),
                returned_at=returned,
                while_away=draw(_WHILE_AWAY),
                concerns=draw(_CONCERNS),
                legal_status=draw(_LEGAL_STATUS),
                placement_type=draw(_PLACEMENT_TYPE),
                in_other_area=draw(_MAYBE_BOOL),
                found_by=draw(_FOUND_BY),
                in_care_of=draw(_IN_CARE_OF),
                feared_removal_from_uk=draw(_REMOVAL),
                **draw(_who_noticed(moment)),
                **draw(_police_told(returned)),
                **_also_field(draw(also) if also is not None else frozenset()),
                **_changes_field(draw(_fact_changes(moment, returned, categories))),
            )
        )
        if returned is None:
            break
        gap = draw(_GAP_MINUTES)
        moment = _after(returned, dt.timedelta(minutes=gap))
    return episodes


_NOTICED_DELAY = st.one_of(st.none(), st.integers(0, 12 * 60))
_AWARE_DELAY = st.one_of(st.none(), st.integers(0, 3 * 1440))
_REPORTED_BY = st.one_of(st.none(), st.sampled_from(list(ReportedBy)))


@st.composite
def _who_noticed(draw: st.DrawFn, start: dt.datetime) -> dict[str, Any]:
    """Timeline version 3's noticed_at, reported_by and professional_aware_at (each optional)."""
    noticed, aware = draw(_NOTICED_DELAY), draw(_AWARE_DELAY)
    found: dict[str, Any] = {
        "noticed_at": None if noticed is None else _after(start, dt.timedelta(minutes=noticed)),
        "reported_by": draw(_REPORTED_BY),
        "professional_aware_at": (
            None if aware is None else _after(start, dt.timedelta(minutes=aware))
        ),
    }
    return {name: value for name, value in found.items() if value is not None}


# The child's next review, in days from the first episode's start (a week before it to
# some months after): on, before and after the days duties arise.
_NEXT_REVIEW_AFTER = st.one_of(st.none(), st.integers(-7, 120))
_TOLD_DELAY = st.one_of(st.none(), st.integers(0, 36 * 60))


@st.composite
def _police_told(draw: st.DrawFn, returned: dt.datetime | None) -> dict[str, Any]:
    """Timeline version 3's police_told_of_return_at: optional, at or after the return."""
    delay = None if returned is None else draw(_TOLD_DELAY)
    if returned is None or delay is None:
        return {}
    return {"police_told_of_return_at": _after(returned, dt.timedelta(minutes=delay))}


_CHANGE_COUNT = st.integers(0, 2)
_CHANGE_DELAY = st.integers(0, 96 * 60)


@st.composite
def _fact_changes(
    draw: st.DrawFn,
    started: dt.datetime,
    returned: dt.datetime | None,
    categories: st.SearchStrategy[str] | None,
) -> tuple[FactChange, ...]:
    """Up to two changes of the police risk or the category, while the child is away."""
    changes = []
    for _ in range(draw(_CHANGE_COUNT)):
        at = _after(started, dt.timedelta(minutes=draw(_CHANGE_DELAY)))
        if returned is not None:
            at = _earliest(at, returned)
        category = draw(categories) if categories is not None and draw(_BOOL) else None
        risk = draw(_POLICE_RISK) if category is not None else draw(_RISK_GRADE)
        changes.append(FactChange(at=at, police_risk=risk, category=category))
    return tuple(changes)


def _changes_field(changes: tuple[FactChange, ...]) -> dict[str, tuple[FactChange, ...]]:
    """``changes`` only when there are some: set, it needs timeline version 3."""
    return {"changes": changes} if changes else {}


def _also_field(also: frozenset[str]) -> dict[str, frozenset[str]]:
    """``also_categories`` only when there are some: set, it needs timeline version 3."""
    return {"also_categories": also} if also else {}


_OUTCOME = st.sampled_from(list(Outcome))
_RECIPIENT = st.one_of(st.none(), st.sampled_from(sorted(ROLES)))
_EVENT_DELAY = st.integers(0, 30 * 1440)
_EVENT_COUNT = st.integers(0, 6)


@st.composite
def _events(
    draw: st.DrawFn, episodes: Sequence[Episode], kinds: st.SearchStrategy[str]
) -> list[RecordedEvent]:
    events = []
    for _ in range(draw(_EVENT_COUNT)):
        episode = episodes[draw(st.integers(0, len(episodes) - 1))]
        events.append(
            RecordedEvent(
                action=draw(kinds),
                at=_after(episode.started_at, dt.timedelta(minutes=draw(_EVENT_DELAY))),
                episode=episode.id if draw(_BOOL) else None,
                outcome=draw(_OUTCOME),
                recipient=draw(_RECIPIENT),
                method=draw(_METHOD),
            )
        )
    return events


# Kinds the rule files most often count from or accept in place of another (schema 2).
_OFTEN_NAMED = (
    "mash_referral",
    "return_home_interview",
    "risk_assessment",
    "stage_one_meeting",
    "strategy_meeting",
)


def _event_kinds(protocol: Protocol | None) -> st.SearchStrategy[str]:
    """Any action kind, or half the time one the rules name as an action or an anchor.

    Rules anchored on a recorded event (``{on: {recorded: strategy_meeting}}``)
    and rules with alternative kinds need those kinds among the events often
    enough for every path to be exercised; with no protocol, the kinds the
    bundled rule files most often name stand in.
    """
    kinds = sorted(protocol.action_kinds if protocol else ACTION_KINDS)
    named = set(_OFTEN_NAMED)
    if protocol is not None:
        named = {rule.action for rule in protocol.rules}
        for rule in protocol.rules:
            named.update(rule.alternative_actions)
            named.update(_anchor_kinds(rule))
    return st.one_of(st.sampled_from(kinds), st.sampled_from(sorted(named)))


def _anchor_kinds(rule: Rule) -> Iterator[str]:
    anchors: list[object] = [rule.deadline.anchor]
    trigger = rule.trigger
    if isinstance(trigger, RecordedTrigger):
        anchors.append(trigger.on)
    elif isinstance(trigger, RecurringTrigger | PhasedTrigger):
        anchors.append(trigger.anchor)
    elif isinstance(trigger, FirstOf):
        anchors.extend(
            a.trigger.on for a in trigger.alternatives if isinstance(a.trigger, RecordedTrigger)
        )
    yield from (anchor.kind for anchor in anchors if isinstance(anchor, Recorded))


def recorded_events(
    episodes: Sequence[Episode], kinds: Sequence[str] | None = None
) -> st.SearchStrategy[list[RecordedEvent]]:
    """Up to six events recorded against ``episodes``, each at or after its episode's start.

    Shrinks towards no events.
    """
    if not episodes:
        raise ValueError("recorded_events needs at least one episode")
    return _events(list(episodes), st.sampled_from(sorted(kinds or ACTION_KINDS)))


_VERSION_3 = frozenset(
    {"noticed_at", "reported_by", "professional_aware_at", "police_told_of_return_at"}
)


def timelines(
    protocol: Protocol | None = None,
    *,
    start: dt.datetime = _EARLIEST,
    end: dt.datetime = _LATEST,
    max_episodes: int = 4,
    with_categories: bool = False,
    with_events: bool = True,
) -> st.SearchStrategy[Timeline]:
    """Whole timelines: a child, 1 to ``max_episodes`` episodes, and recorded events.

    With ``protocol`` and ``with_categories``, episodes carry that protocol's
    categories (and, in timeline schema version 3, now and then categories they
    are also in); otherwise they carry none, so any protocol derives its own.
    Episodes carry up to three judgements of the protocol's (or the shared)
    vocabulary, undated or made after the start (the timeline is then schema
    version 3). Shrinks towards one episode starting at ``start``, no events
    and no judgements.
    """
    start, end = _check_range(start, end)
    if max_episodes < 1:
        raise ValueError(f"max_episodes must be at least 1, got {max_episodes}")
    if with_categories and protocol is None:
        raise ValueError("with_categories needs a protocol to take the categories from")
    categories = (
        st.sampled_from([c.id for c in protocol.categories])
        if protocol and with_categories
        else None
    )
    kinds_strategy = _event_kinds(protocol)
    # and now and then categories the episode is also in (timeline schema version 3)
    also = (
        _sets(sorted(c.id for c in protocol.categories), 2)
        if protocol and with_categories
        else None
    )
    kinds_strategy = st.sampled_from(sorted(protocol.action_kinds if protocol else ACTION_KINDS))
    judgement_codes = sorted(protocol.judgements if protocol else JUDGEMENTS)
    moments = episode_moments(start, end)  # built once: the clock-change list is long
    # whole years drawn evenly (hypothesis favours small integers), then a day within the year
    ages = st.tuples(_AGE_YEARS, _DAY_IN_YEAR).map(lambda pair: pair[0] * 365 + pair[1])

    @st.composite
    def build(draw: st.DrawFn) -> Timeline:
        count = draw(st.integers(1, max_episodes))
        episodes = draw(
            _episodes(moments, count, categories, also=also, judgement_codes=judgement_codes)
        )
        first_day = episodes[0].started_at.date()
        born = first_day - dt.timedelta(days=draw(ages))
        # no record holds a date before the earliest year (an old young adult near 1900)
        child = draw(_child_facts(max(born, dt.date(DEFAULT_LIMITS.earliest_year, 1, 1))))
        last_start = episodes[-1].started_at.date()
        if (last_start - child.date_of_birth).days >= 25 * 365:
            # keep the young person under 25 at the last episode (Limits.maximum_age)
            born = last_start - dt.timedelta(days=24 * 365)
            child = child.model_copy(update={"date_of_birth": born})
        before = draw(_LOOKED_AFTER_BEFORE)
        if before is not None:
            became = max(child.date_of_birth, first_day - dt.timedelta(days=before))
            child = child.model_copy(update={"looked_after_since": became})
        review = draw(_NEXT_REVIEW_AFTER)
        if review is not None:
            child = child.model_copy(
                update={"next_review_on": first_day + dt.timedelta(days=review)}
            )
        events = draw(_events(episodes, kinds_strategy)) if with_events else []
        version = (
            3
            if _records_version_3(child, episodes, events)
            or any(e.model_fields_set & _VERSION_3 for e in episodes)
            or any(e.also_categories or e.changes or e.judgements for e in episodes)
            else 1
        )
        return Timeline(schema_version=version, child=child, episodes=episodes, events=events)

    return build()


def _records_version_3(
    child: Child, episodes: Sequence[Episode], events: Sequence[RecordedEvent]
) -> bool:
    """Whether a generated timeline records any field of timeline schema version 3."""
    return (
        any(
            getattr(child, name) is not None
            for name in (
                "looked_after_since",
                "subject_to_restrictions",
                "social_work_area",
                "next_review_on",
            )
        )
        or any(
            getattr(episode, name) is not None
            for episode in episodes
            for name in (
                "legal_status",
                "placement_type",
                "in_other_area",
                "found_by",
                "in_care_of",
                "feared_removal_from_uk",
            )
        )
        or any(event.method is not None for event in events)
    )


def evaluations_inputs(
    protocol: Protocol | None = None, **options: object
) -> st.SearchStrategy[tuple[Timeline, dt.datetime]]:
    """A timeline and an ``as_of`` at or after its first episode's start.

    ``options`` are passed to :func:`timelines`. Shrinks towards ``as_of`` at
    the first episode's start.
    """

    histories = timelines(protocol, **options)  # type: ignore[arg-type]
    delays = st.integers(0, 200 * 1440)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Timeline, dt.datetime]:
        timeline = draw(histories)
        first = timeline.episodes[0].started_at
        return timeline, _after(first, dt.timedelta(minutes=draw(delays)))

    return build()
