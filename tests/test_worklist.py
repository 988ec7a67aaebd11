"""Worklists: one VTODO per open action, parsed back with icalendar; and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from icalendar import Calendar

from missing_protocol.interop.worklist import (
    CSV_COLUMNS,
    OPEN,
    open_actions,
    worklist_csv,
    worklist_ical,
)
from missing_protocol.precision import evaluate_bounded
from test_report import AS_OF, CASELOAD, MINI


def expected_open() -> list[tuple[str, str, str]]:
    found = []
    for timeline in CASELOAD:
        for action in evaluate_bounded(MINI, timeline, AS_OF).actions:
            if action.status in OPEN:
                found.append((action.id, action.obligation, action.status.value))
    return found


def test_one_vtodo_per_open_action_parsed_back() -> None:
    data = worklist_ical(open_actions(MINI, CASELOAD, AS_OF), AS_OF)
    calendar = Calendar.from_ical(data)
    todos = calendar.walk("VTODO")
    expected = expected_open()
    assert len(todos) == len(expected) == 8  # C: 2, D: 3 interviews and the meeting, E: 2
    assert [str(todo["UID"]) for todo in todos] == [uid for uid, _, _ in expected]
    priority = {"must": 1, "should": 5, "consider": 9}
    assert [int(todo["PRIORITY"]) for todo in todos] == [priority[o] for _, o, _ in expected]
    assert {str(todo["STATUS"]) for todo in todos} == {"NEEDS-ACTION"}
    assert str(calendar["PRODID"]) == "-//missing_protocol//worklist//EN"
    assert str(calendar["VERSION"]) == "2.0"


def test_a_vtodo_carries_the_due_time_the_quote_and_no_personal_data() -> None:
    data = worklist_ical(open_actions(MINI, CASELOAD, AS_OF), AS_OF)
    todos = {str(t["UID"]): t for t in Calendar.from_ical(data).walk("VTODO")}
    interview = todos["mini:C:E1:interview"]
    assert interview.decoded("DUE") == dt.datetime(2024, 5, 4, 19, 0, tzinfo=dt.UTC)
    assert interview.decoded("DTSTAMP") == dt.datetime(2024, 6, 30, 11, 0, tzinfo=dt.UTC)
    assert str(interview["SUMMARY"]) == "return_home_interview: child C, episode E1"
    description = str(interview["DESCRIPTION"])
    assert description.splitlines()[-1] == (
        'mini 13.2: "offered an independent return interview within 72 hours of their return"'
    )
    assert "status as at evaluation: overdue" in description
    dated = todos["mini:E:E1:interview"]
    assert "due between 2024-07-01T00:00:00+01:00 and 2024-07-01T23:59:59+01:00" in str(
        dated["DESCRIPTION"]
    )
    assert b"2010-05-01" not in data
    meeting = todos["mini:D:E3:third_in_90_days"]
    assert int(meeting["PRIORITY"]) == 5


def test_a_worklist_re_exported_keeps_its_uids() -> None:
    first = worklist_ical(open_actions(MINI, CASELOAD, AS_OF), AS_OF)
    again = worklist_ical(open_actions(MINI, list(reversed(CASELOAD)), AS_OF), AS_OF)
    uids = sorted(str(t["UID"]) for t in Calendar.from_ical(first).walk("VTODO"))
    assert uids == sorted(str(t["UID"]) for t in Calendar.from_ical(again).walk("VTODO"))
    assert len(set(uids)) == len(uids)


def test_csv_worklist() -> None:
    table = list(csv.DictReader(io.StringIO(worklist_csv(open_actions(MINI, CASELOAD, AS_OF)))))
    assert tuple(table[0]) == CSV_COLUMNS
    assert [(row["action_id"], row["obligation"], row["status"]) for row in table] == [
        tuple(item) for item in expected_open()
    ]
    assert {row["child_id"] for row in table} == {"C", "D", "E"}
