"""Batch evaluation: the library's stream, its readers and writers, and the ``batch`` command."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import pickle
import shutil
from collections import Counter
from pathlib import Path

import pytest

from missing_protocol import evaluate, evaluate_compact, load_protocol, load_timeline, to_jsonable
from missing_protocol.batch import (
    CSV_COLUMNS,
    BatchResult,
    Failure,
    Record,
    action_rows,
    atomic_file,
    evaluate_many,
    parse_record,
    read_directory,
    read_jsonl,
    read_lines,
    render_chunk,
)
from missing_protocol.calendar import LONDON
from missing_protocol.cli import main
from missing_protocol.results import ActionRow, ActionStatus, CompactEvaluation, Evaluation
from missing_protocol.timeline import Timeline

ROOT = Path(__file__).parent.parent
CASELOAD = ROOT / "examples" / "caseload.jsonl"
EXAMPLE = ROOT / "examples" / "camden_looked_after_child.yaml"
AS_OF = dt.datetime(2025, 1, 15, 12, 0, tzinfo=LONDON)
EXAMPLE_AS_OF = "2024-04-05T12:00"

# A record for each way a line can fail: its own values must never be echoed.
BAD_LINES = [
    '{"child":{"id":"C-1","date_of_birth":"Jane Smith"},"episodes":[{"id":"E-1",'
    '"started_at":"2024-01-01T10:00","returned_at":"2023-01-01T10:00"}]}',
    "",
    '{"child": {"id": "C-2"}',
    "[1]",
    '{"child":{"id":"Jane Smith!","date_of_birth":"2010-01-01"},"episodes":[]}',
]
BAD_REPORT = [
    "bad.jsonl:1:38: record C-1: child.date_of_birth: expected a date such as 2024-03-29, got "
    "text [schema.invalid_date]",
    "bad.jsonl:1:122: record C-1: episodes[0].returned_at: returned_at is before started_at "
    "(last seen); check both [schema.time_order]",
    "bad.jsonl:3:24: record id unreadable: not valid YAML or JSON: did not find expected ',' or "
    "'}' [yaml.syntax]",
    "bad.jsonl:4: record id unreadable: this is not a timeline: a timeline is a YAML or JSON "
    "mapping with schema_version, child, episodes and events (see docs/timeline.md) "
    "[schema.not_a_timeline]",
    "bad.jsonl:5:16: record id unreadable: child.id: expected a record id: letters, digits and "
    ". _ : - (no spaces; an id, never a name), got text [schema.invalid_identifier]",
    "bad.jsonl:5:60: record id unreadable: episodes: expected at least 1 entry, got 0 "
    "[schema.too_short]",
]


def first_lines(count: int) -> list[str]:
    with CASELOAD.open(encoding="utf-8") as stream:
        return [next(stream) for _ in range(count)]


def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, stdin=io.StringIO(stdin))
    return code, out.getvalue(), err.getvalue()


def as_data(results: list[BatchResult]) -> list[tuple[str, str | None, object]]:
    return [
        (
            r.record,
            r.protocol_id,
            to_jsonable(r.result) if isinstance(r.result, Evaluation) else r.result,
        )
        for r in results
    ]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("caseload") / "sample.jsonl"
    path.write_text("".join(first_lines(12)), encoding="utf-8")
    return path


def test_evaluate_many_is_evaluate_per_record_and_protocol(sample: Path) -> None:
    protocols = [load_protocol("camden"), load_protocol("brent")]
    results = list(evaluate_many(protocols, read_jsonl(sample), AS_OF))
    timelines = [Timeline.model_validate_json(line) for line in first_lines(12)]
    expected = [
        BatchResult(str(n), p.id, evaluate(p, t, AS_OF))
        for n, t in enumerate(timelines, 1)
        for p in protocols
    ]
    assert results == expected


def test_timelines_given_directly_are_numbered_from_one() -> None:
    timelines = [Timeline.model_validate_json(line) for line in first_lines(2)]
    results = list(evaluate_many([load_protocol("camden")], timelines, AS_OF))
    assert [(r.record, r.protocol_id) for r in results] == [("1", "camden"), ("2", "camden")]


def test_two_jobs_give_the_same_stream_as_one(sample: Path) -> None:
    protocols = [load_protocol("cumbria"), load_protocol("pan_beds")]
    one = list(evaluate_many(protocols, read_jsonl(sample), AS_OF, jobs=1, chunk_size=5))
    two = list(evaluate_many(protocols, read_jsonl(sample), AS_OF, jobs=2, chunk_size=5))
    assert as_data(two) == as_data(one)
    assert len(one) == 24


def test_jobs_must_be_positive() -> None:
    with pytest.raises(ValueError, match=r"^jobs must be at least 1, got 0$"):
        list(evaluate_many([load_protocol("camden")], [], AS_OF, jobs=0))


def test_timelines_and_evaluations_pickle() -> None:
    protocol = load_protocol("tower_hamlets")
    for line in first_lines(5):
        timeline = Timeline.model_validate_json(line)
        again = pickle.loads(pickle.dumps(timeline))
        assert again == timeline
        evaluation = evaluate(protocol, again, AS_OF)
        assert evaluation == evaluate(protocol, timeline, AS_OF)
        assert pickle.loads(pickle.dumps(evaluation)) == evaluation


@pytest.mark.parametrize("protocol_id", ["camden", "cumbria"])
def test_protocols_pickle(protocol_id: str) -> None:
    protocol = load_protocol(protocol_id)
    again = pickle.loads(pickle.dumps(protocol))
    timeline = Timeline.model_validate_json(first_lines(3)[2])
    assert evaluate(again, timeline, AS_OF) == evaluate(protocol, timeline, AS_OF)


def test_a_bad_record_is_located_by_line_and_the_rest_are_evaluated(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    good = first_lines(1)[0]
    path.write_text("\n".join([*BAD_LINES, good]), encoding="utf-8")
    results = list(evaluate_many([load_protocol("camden")], read_jsonl(path), AS_OF))
    assert [(r.record, r.protocol_id, type(r.result)) for r in results] == [
        ("1", None, Failure),
        ("3", None, Failure),
        ("4", None, Failure),
        ("5", None, Failure),
        ("6", "camden", Evaluation),
    ]
    assert isinstance(results[0].result, Failure)
    assert results[0].result.record_id == "C-1"
    assert [p.code for p in results[0].result.problems] == [
        "schema.invalid_date",
        "schema.time_order",
    ]


def test_a_line_that_is_not_utf8_is_reported() -> None:
    records = list(read_lines([b'{"a": 1}\n', b"\xff\xfe\n", b"  \n"], "in.jsonl"))
    assert [(r.label, r.unreadable) for r in records] == [("1", None), ("2", "not UTF-8 text")]
    with pytest.raises(ValueError, match=r"in\.jsonl:2: cannot read the record: not UTF-8 text"):
        parse_record(records[1])


def test_a_record_a_protocol_cannot_classify_fails_under_that_protocol_only() -> None:
    data = json.loads(first_lines(1)[0])
    data["episodes"][0]["category"] = "absent"  # Brent's own category; Camden has none by that name
    record = Record("x.jsonl", "7", json.dumps(data), 7)
    results = list(
        evaluate_many([load_protocol("camden"), load_protocol("brent")], [record], AS_OF)
    )
    assert [(r.protocol_id, type(r.result)) for r in results] == [
        ("camden", Failure),
        ("brent", Evaluation),
    ]
    failure = results[0].result
    assert isinstance(failure, Failure)
    assert [(p.file, p.line, p.path, p.code) for p in failure.problems] == [
        ("x.jsonl", 7, "episodes[0].category", "timeline.unknown_category")
    ]


def test_a_directory_is_read_by_file_name_and_yaml_is_located(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "b.yaml")
    (tmp_path / "a.json").write_text(first_lines(1)[0], encoding="utf-8")
    (tmp_path / "c.yml").write_text("child:\n  id: C-9\nepisodes: []\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a timeline", encoding="utf-8")
    records = list(read_directory(tmp_path))
    assert [(r.label, r.is_json) for r in records] == [
        ("a.json", True),
        ("b.yaml", False),
        ("c.yml", False),
    ]
    with pytest.raises(ValueError, match="problems") as info:
        parse_record(records[2])
    assert [p.format() for p in info.value.problems] == [  # type: ignore[attr-defined]
        f"{tmp_path / 'c.yml'}:1:1: child.date_of_birth: missing required field "
        "'date_of_birth'; add it [schema.missing_field]",
        f"{tmp_path / 'c.yml'}:3:1: episodes: expected at least 1 entry, got 0 [schema.too_short]",
    ]


def test_command_actions_csv_on_a_directory(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path)
    code, out, err = run("batch", str(tmp_path), "-p", "camden", "--as-of", EXAMPLE_AS_OF)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS)
    assert CSV_COLUMNS == (
        "record", "child_id", "protocol", "episode_id", "kind", "obligation", "responsible",
        "recipient", "triggered_at", "due_at", "status", "met_at", "rule_id", "action_id",
    )  # fmt: skip
    # times as UTC instants; the action's stable id last
    assert (
        "camden_looked_after_child.yaml,C-1001,camden,E-1,return_home_interview,must,"
        "childrens_society,,2024-03-31T08:15:00Z,2024-04-03T08:15:00Z,met_late,"
        "2024-04-03T10:00:00Z,return_interview_72h,camden:C-1001:E-1:return_interview_72h"
    ) in lines
    assert (
        "camden_looked_after_child.yaml,C-1001,camden,E-1,report_to_police,must,carer,,"
        "2024-03-29T21:30:00Z,,met,2024-03-29T23:10:00Z,report_missing_from_placement,"
        "camden:C-1001:E-1:report_missing_from_placement"
    ) in lines
    as_of = dt.datetime.fromisoformat(EXAMPLE_AS_OF).replace(tzinfo=LONDON)
    expected = evaluate(load_protocol("camden"), load_timeline(EXAMPLE), as_of)
    rows = [line.split(",") for line in lines[1:]]
    assert [r[13] for r in rows] == [a.id for a in expected.actions]
    assert [dt.datetime.fromisoformat(r[8]) for r in rows] == [
        a.triggered_at for a in expected.actions
    ]


@pytest.mark.parametrize("record", ["7", "a,b.json", 'say "hi".json', "line\nbreak.json"])
def test_csv_rows_are_written_as_the_csv_writer_writes_them(record: str) -> None:
    timeline = load_timeline(EXAMPLE)
    as_of = dt.datetime.fromisoformat(EXAMPLE_AS_OF).replace(tzinfo=LONDON)
    results = [
        BatchResult(record, p.id, evaluate_compact(load_protocol(p.id), timeline, as_of))
        for p in (load_protocol("camden"), load_protocol("brent"))
    ]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for result in results:
        assert not isinstance(result.result, Failure)
        writer.writerows(action_rows(result.record, result.result))
    assert render_chunk("actions-csv", results).text == text.getvalue()


def test_csv_times_are_utc_instants_through_the_october_change() -> None:
    # 01:12 London time happens twice on 27 October 2024: BST (00:12Z), then GMT (01:12Z)
    first = dt.datetime(2024, 10, 27, 1, 12, tzinfo=LONDON)
    second = first.replace(fold=1)
    assert first == second  # equal as datetimes: the CSV must still tell them apart
    rows = [
        ActionRow(f"p:C-1:E-1:r#{n}", "E-1", "r", "notify", "must", "police", None,
                  moment, None, n, ActionStatus.DUE, None)
        for n, moment in enumerate((first, second, first), 1)
    ]  # fmt: skip
    evaluation = CompactEvaluation("p", "1", "C-1", first, (), tuple(rows), 0)
    assert [(r[8], r[13]) for r in action_rows("1", evaluation)] == [
        ("2024-10-27T00:12:00Z", "p:C-1:E-1:r#1"),
        ("2024-10-27T01:12:00Z", "p:C-1:E-1:r#2"),
        ("2024-10-27T00:12:00Z", "p:C-1:E-1:r#3"),
    ]


def test_command_jsonl_is_one_compact_evaluation_per_line_per_protocol(sample: Path) -> None:
    code, out, err = run(
        "batch", str(sample), "-p", "camden", "-p", "brent", "--as-of", "2025-01-15T12:00",
        "--format", "jsonl", "--jobs", "1",
    )  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert len(lines) == 24
    timelines = [Timeline.model_validate_json(line) for line in first_lines(12)]
    for n, timeline in enumerate(timelines):
        for k, protocol_id in enumerate(("camden", "brent")):
            line = lines[2 * n + k]
            assert line.startswith('{"schema_version":3,"protocol_id":')
            evaluation = evaluate(load_protocol(protocol_id), timeline, AS_OF)
            assert json.loads(line) == to_jsonable(evaluation)


def test_command_summary_with_two_jobs(sample: Path) -> None:
    args = ("batch", str(sample), "--all", "--as-of", "2025-01-15T12:00", "--format", "summary")
    code, out, err = run(*args, "--jobs", "2")
    assert (code, err) == (0, "")
    assert run(*args, "--jobs", "1") == (code, out, err)
    ids = ("brent", "camden", "cumbria", "pan_beds", "tower_hamlets")
    lines = out.splitlines()
    assert lines[:2] == [f"12 records under 5 protocols ({', '.join(ids)}); 0 failed", ""]
    assert lines[2].split() == ["PROTOCOL", "KIND", "STATUS", "ACTIONS"]
    table = {tuple(row.split()[:3]): int(row.split()[3]) for row in lines[3 : -len(ids)]}
    timelines = [Timeline.model_validate_json(line) for line in first_lines(12)]
    expected: Counter[tuple[str, ...]] = Counter()
    for protocol_id in ids:
        for timeline in timelines:
            evaluation = evaluate(load_protocol(protocol_id), timeline, AS_OF)
            expected.update((protocol_id, a.kind, a.status.value) for a in evaluation.actions)
    assert table == dict(expected)
    assert list(table) == sorted(table)
    assert lines[-len(ids) :] == [
        f"{pid}: {sum(n for key, n in expected.items() if key[0] == pid)} actions" for pid in ids
    ]


def test_command_reports_failed_records_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([*BAD_LINES, first_lines(1)[0]]), encoding="utf-8")
    output, errors = tmp_path / "out.csv", tmp_path / "errors.txt"
    code, out, err = run(
        "batch", str(path), "-p", "camden", "--as-of", "2025-01-15T12:00",
        "--output", str(output), "--errors", str(errors),
    )  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        f"error: 4 of 5 records could not be evaluated (reported to {errors}); "
        "the others were written\n"
    )
    assert errors.read_text(encoding="utf-8").splitlines() == [
        f"{path}:{line.removeprefix('bad.jsonl:')}" for line in BAD_REPORT
    ]
    rows = output.read_text(encoding="utf-8").splitlines()
    assert rows[0] == ",".join(CSV_COLUMNS)
    assert {row.split(",")[0] for row in rows[1:]} == {"6"}
    assert "Jane" not in errors.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "errors.txt", "out.csv"]


def test_command_reads_standard_input() -> None:
    code, out, err = run(
        "batch", "-", "-p", "camden", "--as-of", "2025-01-15T12:00", "--format", "summary",
        stdin="".join(first_lines(3)),
    )  # fmt: skip
    assert (code, err) == (0, "")
    assert out.startswith("3 records under 1 protocol (camden); 0 failed\n")


def test_command_usage_errors_exit_2(sample: Path) -> None:
    code, out, err = run("batch", str(sample))
    assert (code, out) == (2, "")
    assert err.endswith("error: one of the arguments --protocol/-p --all is required\n")
    code, out, err = run("batch", str(sample), "--all", "--jobs", "0")
    assert (code, out, err) == (2, "", "error: --jobs must be at least 1, got 0\n")
    code, out, err = run("batch", str(EXAMPLE), "--all")
    assert (code, out) == (2, "")
    assert err == (
        f"error: {EXAMPLE} looks like one timeline file; batch reads JSON Lines (one timeline "
        "per line), a directory of timeline files, or -; use 'evaluate' for one timeline\n"
    )


def test_command_input_that_cannot_be_read_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "none.jsonl"
    code, out, err = run("batch", str(missing), "--all", "--output", str(tmp_path / "out.csv"))
    assert (code, out) == (1, "")
    assert err == (
        "error: 1 problem in timeline:\n"
        f"{missing}: cannot read the file: No such file or directory [io.unreadable]\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_command_progress_is_on_standard_error_only_when_asked(sample: Path) -> None:
    args = ("batch", str(sample), "-p", "camden", "--as-of", "2025-01-15T12:00", "-f", "summary")
    code, _, err = run(*args, "--jobs", "1", "--progress")
    assert code == 0
    assert "12/12" in err
    assert "record/s" in err
    assert run(*args, "--jobs", "1", "--no-progress")[2] == ""
    assert run(*args, "--jobs", "1")[2] == ""  # standard error is not a terminal here


def test_command_output_ending_gz_is_compressed(sample: Path, tmp_path: Path) -> None:
    args = ("batch", str(sample), "-p", "brent", "--as-of", "2025-01-15T12:00", "--jobs", "1")
    code, plain, _ = run(*args)
    assert code == 0
    target = tmp_path / "actions.csv.gz"
    assert run(*args, "--output", str(target)) == (0, "", "")
    assert gzip.decompress(target.read_bytes()).decode("utf-8") == plain
    assert [p.name for p in tmp_path.iterdir()] == ["actions.csv.gz"]


def test_atomic_file_leaves_nothing_when_the_run_fails(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"

    def fail() -> None:
        with atomic_file(target) as out:
            out.write("half")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert list(tmp_path.iterdir()) == []
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    with atomic_file(target) as out:
        out.write("new")
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
