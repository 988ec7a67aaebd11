"""The consistency laws hold for every bundled protocol, and catch protocols that break them."""

from __future__ import annotations

from pathlib import Path

import pytest

from missing_protocol import bundled_protocol_ids, load_protocol
from missing_protocol.properties import LAWS, check_law

UNLAWFUL = load_protocol(Path(__file__).parent / "data" / "unlawful.yaml")


@pytest.mark.parametrize("law", sorted(LAWS))
@pytest.mark.parametrize("protocol_id", bundled_protocol_ids())
def test_bundled_protocols_keep_the_law(protocol_id: str, law: str) -> None:
    protocol = load_protocol(protocol_id)
    failure = check_law(protocol, law)
    assert failure is None, f"{failure}\n\nAs a golden case:\n{failure.golden_case(protocol)}"


@pytest.mark.parametrize(
    ("law", "rule", "shrink"),
    [
        # one law shrinks its failure, as check-properties does; the others only show the
        # law fails (shrinking is most of the time a failure costs)
        ("deadline_after_trigger", "due_before_trigger", True),
        ("extra_episode_keeps_repeat_actions", "professionals_meeting", False),
        ("return_interview_after_missing", None, False),
    ],
)
def test_laws_catch_a_broken_protocol(law: str, rule: str | None, shrink: bool) -> None:
    failure = check_law(UNLAWFUL, law, max_examples=1000, shrink=shrink)
    assert failure is not None
    assert failure.law == law
    if rule is not None:
        assert rule in str(failure)
    case = failure.golden_case(UNLAWFUL)
    assert case.startswith("note: 'Found by the law " + law) or case.startswith(
        "note: Found by the law " + law
    )
    assert "protocol: unlawful" in case
    assert "timeline:" in case
