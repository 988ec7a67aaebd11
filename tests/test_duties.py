"""The second readings (docs/protocols/<area>-duties.yaml) cannot drift from the rule files.

Each duty an independent reader found in a protocol text says how the rule
file treats it: encoded (by named rules or risk floors, which must exist),
deliberately not encoded (with a reason), or waiting for a construct of the
rule language (named from a fixed list, with the rules that approximate it,
which must exist). Every quote occurs in the text (when the texts are here).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from missing_protocol import bundled_protocol_ids, load_protocol

ROOT = Path(__file__).parent.parent
TEXTS = Path(os.environ.get("MISSING_PROTOCOL_TEXTS", ROOT.parent / "shared" / "protocols"))

CONSTRUCTS = {
    "without_delay",
    "alternatives",
    "calendar_month_window",
    "anchored_on_event",
    "count_by_missing_from",
    "mixed_recurrence",
    "duration_condition",
    "changing_facts",
    "judgement_or_outcome",
    "age_over_17",
    "two_categories",
    "dual_deadline",
    "ungraded_risk",
    "office_hours",
    "who_reported",
    "other_fact",
}


def _reading(area: str) -> dict[str, Any]:
    path = ROOT / "docs" / "protocols" / f"{area}-duties.yaml"
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("area", bundled_protocol_ids())
def test_every_duty_of_the_second_reading_says_how_it_is_encoded(area: str) -> None:
    protocol = load_protocol(area)
    known = {r.id for r in protocol.rules} | {f.id for f in protocol.floors}
    known |= {u.id for u in protocol.ungraded}
    reading = _reading(area)
    assert reading["protocol"] == area
    ids = [duty["id"] for duty in reading["duties"]]
    assert len(ids) == len(set(ids)), "duty ids are unique"
    for duty in reading["duties"]:
        encoding = duty["encoding"]
        status = encoding["status"]
        assert status in {"encoded", "not_encoded", "needs_language"}, duty["id"]
        if status == "encoded":
            assert encoding["rules"], duty["id"]
            assert set(encoding["rules"]) <= known, (duty["id"], encoding["rules"])
        else:
            assert encoding["reason"].strip(), duty["id"]
        if status == "needs_language":
            assert encoding["construct"] in CONSTRUCTS, duty["id"]
            assert set(encoding.get("approximated_by") or ()) <= known, duty["id"]


@pytest.mark.parametrize("area", bundled_protocol_ids())
def test_every_quote_of_the_second_reading_is_in_the_text(area: str) -> None:
    source = TEXTS / f"{area}.txt"
    if not source.is_file():
        pytest.skip(f"protocol texts not found at {TEXTS} (set MISSING_PROTOCOL_TEXTS)")
    text = " ".join(source.read_text(encoding="utf-8").split())
    missing = [
        duty["id"]
        for duty in _reading(area)["duties"]
        if " ".join(duty["quote"].split()) not in text
    ]
    assert missing == []
