"""The example timeline the OpenAPI document and the ``/view`` form show.

A made-up child (record ids only), the same as ``examples/camden_looked_after_child.yaml``:
14, looked after, missing from a foster placement over Easter 2024.
"""

from __future__ import annotations

from typing import Any

__all__ = ["EXAMPLE_AS_OF", "EXAMPLE_PROTOCOL", "EXAMPLE_TIMELINE"]

EXAMPLE_PROTOCOL = "camden"
EXAMPLE_AS_OF = "2024-04-05T12:00"

EXAMPLE_TIMELINE: dict[str, Any] = {
    "schema_version": 1,
    "child": {
        "id": "C-1001",
        "date_of_birth": "2009-06-14",
        "case_status": "looked_after",
        "known_to_social_care": True,
        "has_allocated_worker": True,
        "attends_school": True,
        "attends_secondary_school": True,
    },
    "episodes": [
        {
            "id": "E-1",
            "missing_from": "care_placement",
            "whereabouts_known": False,
            "police_risk": "medium",
            "started_at": "2024-03-29T21:30",
            "reported_at": "2024-03-29T23:10",
            "returned_at": "2024-03-31T09:15",
        }
    ],
    "events": [
        {
            "action": "notify",
            "recipient": "edt",
            "at": "2024-03-29T23:30",
            "episode": "E-1",
        },
        {"action": "safe_and_well_check", "at": "2024-03-31T15:00", "episode": "E-1"},
        {
            "action": "return_home_interview",
            "outcome": "offered",
            "at": "2024-04-03T11:00",
            "episode": "E-1",
        },
    ],
}
