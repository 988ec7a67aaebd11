"""``to_json`` through pydantic's ``dump_json``: the same bytes as ``json.dumps`` with an indent."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from golden import Case, all_cases
from missing_protocol import evaluate, load_protocol, to_json, to_jsonable
from missing_protocol.results import Evaluation
from missing_protocol.timeline import Timeline, london_datetime

CASES = [case for case in all_cases() if "expect" in case.data]


def evaluation_of(case: Case) -> Evaluation:
    as_of = london_datetime(dt.datetime.fromisoformat(str(case.data["as_of"])))
    timeline = Timeline.model_validate(case.data["timeline"])
    return evaluate(load_protocol(case.data["protocol"]), timeline, as_of)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_indented_json_is_byte_identical_to_json_dumps(case: Case) -> None:
    evaluation = evaluation_of(case)
    expected = json.dumps(to_jsonable(evaluation), indent=2, ensure_ascii=False)
    assert to_json(evaluation) == expected
    assert to_json(evaluation, indent=4) == json.dumps(
        to_jsonable(evaluation), indent=4, ensure_ascii=False
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_compact_json_is_one_line_with_the_same_meaning(case: Case) -> None:
    evaluation = evaluation_of(case)
    compact = to_json(evaluation, indent=None)
    assert "\n" not in compact
    assert compact == json.dumps(to_jsonable(evaluation), separators=(",", ":"), ensure_ascii=False)
