"""The fast evaluator means exactly what the reference evaluator means.

``tests/oracle_evaluate.py`` is the engine as it was before conditions became
closures, rules were indexed and explanations were made only on demand. It
stays as the test oracle: on every golden case and on thousands of generated
timelines per protocol, the two must give byte-identical JSON, and the compact
rows must be the full actions less their explanation.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle

import pytest
from hypothesis import HealthCheck, Phase, given, settings

import oracle_evaluate
from golden import Case, all_cases
from missing_protocol import (
    InputError,
    Timeline,
    TimelineError,
    bundled_protocol_ids,
    compile_text,
    evaluate,
    load_protocol,
    to_json,
    to_jsonable,
)
from missing_protocol.calendar import LONDON
from missing_protocol.compiled import Protocol
from missing_protocol.evaluate import evaluate_compact
from missing_protocol.facts import FactName
from missing_protocol.limits import DEFAULT_LIMITS
from missing_protocol.loading import parse_document, validate_document
from missing_protocol.plan import allocator, fact_tuple
from missing_protocol.strategies import evaluations_inputs

# 2,000 generated timelines per protocol in CI; more on demand.
EXAMPLES = int(os.environ.get("MISSING_PROTOCOL_EQUIVALENCE_EXAMPLES", "2000"))


def _answer(
    evaluator: object, protocol: Protocol, timeline: Timeline, as_of: dt.datetime
) -> object:
    """The evaluation as JSON-ready data (equal data is equal JSON text), or its problems."""
    try:
        return to_jsonable(evaluator(protocol, timeline, as_of))  # type: ignore[operator]
    except TimelineError as exc:
        return [(p.code, p.path, p.message) for p in exc.problems]


def _same(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> None:
    expected = _answer(oracle_evaluate.evaluate, protocol, timeline, as_of)
    assert _answer(evaluate, protocol, timeline, as_of) == expected
    if isinstance(expected, list):  # both refused the timeline, with the same problems
        return
    full = evaluate(protocol, timeline, as_of)
    compact = evaluate_compact(protocol, timeline, as_of)
    assert compact.episodes == full.episodes
    assert compact.upcoming == len(full.upcoming)
    assert compact.pending == len(full.pending)
    assert [tuple(row) for row in compact.rows] == [
        (
            a.id,
            a.episode_id,
            a.rule_id,
            a.kind,
            a.obligation,
            a.responsible,
            a.recipient,
            a.triggered_at,
            a.due_at,
            a.occurrence,
            a.status,
            a.met_at,
        )
        for a in full.actions
    ]


_SETTINGS = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "phases": [Phase.generate, Phase.shrink],
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
PROTOCOLS = [load_protocol(protocol_id) for protocol_id in bundled_protocol_ids()]


@pytest.mark.parametrize(
    "case", [c for c in all_cases() if "expect" in c.data], ids=lambda c: c.name
)
def test_every_golden_case_gives_the_reference_answer(case: Case) -> None:
    data, path = case.data, case.path
    _, smap = parse_document(path.read_text(encoding="utf-8"), str(path), error=InputError)
    timeline = validate_document(Timeline, data["timeline"], smap, error=TimelineError)
    as_of = dt.datetime.fromisoformat(str(data["as_of"]))
    protocol = load_protocol(data["protocol"])
    _same(protocol, timeline, as_of)
    fast = to_json(evaluate(protocol, timeline, as_of))
    assert fast == to_json(oracle_evaluate.evaluate(protocol, timeline, as_of))


@settings(max_examples=EXAMPLES, **_SETTINGS)  # type: ignore[arg-type]
@given(evaluations_inputs())
def test_generated_timelines_give_the_reference_answer_under_every_protocol(
    case: tuple[Timeline, dt.datetime],
) -> None:
    # Categories are derived, so one timeline serves every protocol: each sees EXAMPLES.
    for protocol in PROTOCOLS:
        _same(protocol, *case)


@pytest.mark.parametrize("protocol", PROTOCOLS, ids=lambda p: p.id)
def test_generated_timelines_with_each_protocols_categories_and_kinds(protocol: Protocol) -> None:
    @settings(max_examples=max(EXAMPLES // 10, 20), **_SETTINGS)  # type: ignore[arg-type]
    @given(evaluations_inputs(protocol, with_categories=True))
    def check(case: tuple[Timeline, dt.datetime]) -> None:
        _same(protocol, *case)

    check()


@pytest.mark.parametrize("protocol_id", bundled_protocol_ids())
def test_a_protocol_survives_pickling_and_evaluates_the_same(protocol_id: str) -> None:
    protocol = load_protocol(protocol_id)
    copy = pickle.loads(pickle.dumps(protocol))
    assert copy == protocol
    assert copy is not protocol
    timeline = Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2009-02-01", "case_status": "looked_after"},
            "episodes": [
                {
                    "id": "E-1",
                    "missing_from": "care_placement",
                    "police_risk": "medium",
                    "started_at": "2024-03-29T21:30",
                    "reported_at": "2024-03-29T23:10",
                    "returned_at": "2024-04-02T09:15",
                }
            ],
        }
    )
    as_of = dt.datetime(2024, 4, 20, 12, 0, tzinfo=LONDON)
    assert to_json(evaluate(copy, timeline, as_of)) == to_json(evaluate(protocol, timeline, as_of))


MINUTELY = """
schema_version: 1
protocol:
  id: minutely
  title: A rule file that asks for a review every minute
  version: "1"
  authorities: [Test]
  source_document: none
  source_text: camden.txt
risk:
  police_risk_levels: [low, medium, high]
  categories:
    - id: missing
      label: Missing
      police_risk: [low, medium, high]
      citation: {section: "6.1", quote: "must be reported"}
rules:
  - id: review_every_minute
    topic: reviews_while_missing
    action: strategy_meeting
    obligation: must
    responsible: allocated_social_worker
    trigger: {every: 1 minute, from: started}
    deadline: immediately
    citation: {section: "6.1", quote: "must be reported"}
"""


def test_a_recurrence_that_would_explode_stops_with_a_named_problem() -> None:
    cap = DEFAULT_LIMITS.occurrences_per_rule
    protocol = compile_text(MINUTELY, "minutely.yaml")
    timeline = Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2009-02-01"},
            "episodes": [{"id": "E-1", "category": "missing", "started_at": "2014-01-01T00:00"}],
        }
    )
    with pytest.raises(TimelineError) as raised:
        evaluate(protocol, timeline, dt.datetime(2024, 1, 1, tzinfo=LONDON))
    (problem,) = raised.value.problems
    assert problem.code == "limit.occurrences_per_rule"
    assert problem.path == "episodes[0]"
    assert problem.message == (
        f"rule review_every_minute would require more than {cap} occurrences for episode "
        "E-1 by the time evaluated; record the return, evaluate as at an earlier moment, or "
        "raise the limit occurrences_per_rule"
    )
    # Just under the cap is fine: the last allowed occurrence, and the next one upcoming.
    as_of = dt.datetime(2014, 1, 1, tzinfo=LONDON) + dt.timedelta(minutes=cap)
    result = evaluate(protocol, timeline, as_of)
    assert len(result.actions) == cap
    assert [u.occurrence for u in result.upcoming] == [cap + 1]


def test_the_allocation_step_alone_chooses_as_evaluation_does() -> None:
    protocol = load_protocol("camden")
    allocate = allocator(protocol, "rhi_conductor")
    for age, status in ((9, "child_in_need"), (12, "none"), (15, "looked_after")):
        values = fact_tuple(
            {
                FactName.AGE: age,
                FactName.CASE_STATUS: status,
                FactName.KNOWN_TO_SOCIAL_CARE: status != "none",
                FactName.ATTENDS_SCHOOL: True,
                FactName.ATTENDS_SECONDARY_SCHOOL: age >= 11,
                FactName.CHILD_FLAGS: frozenset(),
                FactName.MISSING_FROM: "home",
                FactName.CATEGORY: "missing",
                FactName.WHEREABOUTS_KNOWN: False,
                FactName.REPORTED_TO_POLICE: True,
                FactName.POLICE_RISK: 2,
                FactName.WHILE_AWAY: frozenset(),
                FactName.CONCERNS: frozenset(),
            }
        )
        born = dt.date(2024 - age - 1, 6, 1)
        timeline = Timeline.model_validate(
            {
                "child": {
                    "id": "C-1",
                    "date_of_birth": born.isoformat(),
                    "case_status": status,
                    "known_to_social_care": status != "none",
                    "attends_secondary_school": age >= 11,
                    "attends_school": True,
                },
                "episodes": [
                    {
                        "id": "E-1",
                        "police_risk": "medium",
                        "started_at": "2024-03-01T20:00",
                        "reported_at": "2024-03-01T21:00",
                        "returned_at": "2024-03-02T10:00",
                    }
                ],
            }
        )
        result = evaluate(protocol, timeline, dt.datetime(2024, 3, 10, tzinfo=LONDON))
        (rhi,) = [a for a in result.actions if a.kind == "return_home_interview"]
        assert allocate(values) == rhi.responsible


def test_an_evaluation_far_past_the_first_episode_is_refused() -> None:
    timeline = Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2009-02-01"},
            "episodes": [{"id": "E-1", "started_at": "2014-01-01T00:00"}],
        }
    )
    protocol = load_protocol("camden")
    with pytest.raises(TimelineError) as raised:
        evaluate(protocol, timeline, dt.datetime(2024, 6, 1, tzinfo=LONDON))
    (problem,) = raised.value.problems
    assert (problem.code, problem.path) == ("limit.evaluation_span", "episodes[0].started_at")
    assert problem.message == (
        "evaluating 3803 days after the first episode began is more than the limit of 3660 "
        "days; evaluate as at an earlier moment, or raise the limit evaluation_span_days"
    )
    longer = DEFAULT_LIMITS.with_values(evaluation_span_days=4000)
    assert evaluate(protocol, timeline, dt.datetime(2024, 6, 1, tzinfo=LONDON), limits=longer)


def test_a_moment_outside_the_calendar_s_range_is_refused_not_overflowed() -> None:
    timeline = Timeline.model_validate(
        {
            "child": {"id": "C-1", "date_of_birth": "2009-02-01"},
            "episodes": [{"id": "E-1", "started_at": "2014-01-01T00:00"}],
        }
    )
    with pytest.raises(TimelineError) as raised:
        evaluate(load_protocol("camden"), timeline, dt.datetime(9999, 12, 31, 23, 0))
    (problem,) = raised.value.problems
    assert (problem.code, problem.path) == ("limit.date_range", "as_of")
