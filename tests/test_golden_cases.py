"""Runs every golden case in tests/cases, and checks every bundled rule is exercised."""

from __future__ import annotations

import pytest

from golden import Case, all_cases, run_case
from missing_protocol import bundled_protocol_ids, load_protocol

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_case(case: Case) -> None:
    run_case(case)


@pytest.mark.parametrize("protocol_id", bundled_protocol_ids())
def test_every_rule_fires_in_some_golden_case(protocol_id: str) -> None:
    fired: set[str] = set()
    for case in CASES:
        if case.data["protocol"] == protocol_id and "expect" in case.data:
            fired |= run_case(case)
    rules = {rule.id for rule in load_protocol(protocol_id).rules}
    never = sorted(rules - fired)
    assert not never, f"{protocol_id}: rules no golden case exercises: {never}"
