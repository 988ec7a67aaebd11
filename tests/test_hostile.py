"""Hostile and extreme input (issue 13): each class of break kept as a regression test.

Every case ends with exit code 1 (2 for a bad command line), every problem
located and coded, nothing on standard output, no traceback, and no more of a
file than its offending line (nothing at all of a timeline). Each test names
the class of the issue it keeps fixed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from missing_protocol import DEFAULT_LIMITS, Limits, RuleFileError, TimelineError, compile_text
from missing_protocol.cli import main
from missing_protocol.loading import parse_timeline, parse_timeline_record
from missing_protocol.verify import verify_protocol

ROOT = Path(__file__).parent.parent
MINI = (ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "examples" / "camden_looked_after_child.yaml").read_text(encoding="utf-8")
AS_OF = "2024-04-05T12:00"


def run(*argv: str, stdin: str | bytes = "") -> tuple[int, str, str]:
    """The command line with in-memory streams; a bytes ``stdin`` is given as its buffer."""
    out, err = io.StringIO(), io.StringIO()
    if isinstance(stdin, bytes):
        stream: io.TextIOBase = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    else:
        stream = io.StringIO(stdin)
    code = main(list(argv), stdout=out, stderr=err, stdin=stream)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Write a file in a fresh working directory, by name; errors then name it plainly."""
    monkeypatch.chdir(tmp_path)

    def put(name: str, content: str | bytes) -> str:
        data = content.encode("utf-8") if isinstance(content, str) else content
        (tmp_path / name).write_bytes(data)
        return name

    return put


def rules_with(old: str, new: str) -> str:
    assert old in MINI
    return MINI.replace(old, new, 1)


def timeline_with(old: str, new: str) -> str:
    assert old in EXAMPLE
    return EXAMPLE.replace(old, new, 1)


def failed(code: int, out: str, wanted: int = 1) -> None:
    assert (code, out) == (wanted, "")


# --- tracebacks instead of located errors ---------------------------------------------


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("deadline: {within: 999999999 days}", "999999999 days"),
        ("deadline: {within: 1000000000000000000000000 hours}", "1e24 hours"),
        ("deadline: {within: 999999999 months}", "999999999 months"),
        ("deadline: {within: 99999999 working days}", "99999999 working days"),
    ],
)
def test_huge_durations_are_refused_at_validation(write, written: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    name = write("r.yaml", rules_with("deadline: {within: 3 working days}", written))
    code, out, err = run("validate", name)
    failed(code, out)
    amount = written.split("within: ")[1].rstrip("}")
    assert err.splitlines()[2] == (
        f"r.yaml:52:24: rules[1].deadline.within: {amount} is longer than 3,660 days: over "
        "the limit duration_days; no protocol sets so long a time (raise the limit if this one "
        "does) [limit.duration]"
    ), shown


@pytest.mark.parametrize(
    "trigger", ["trigger: {missing_for: 999999999 days}", "trigger: {every: 999999999 weeks}"]
)
def test_huge_trigger_durations_are_refused(write, trigger: str) -> None:  # type: ignore[no-untyped-def]
    name = write("r.yaml", rules_with("trigger: {missing_for: 24 hours}", trigger))
    code, out, err = run("evaluate", "-", "--protocol", name, "--as-of", AS_OF, stdin=EXAMPLE)
    failed(code, out)
    assert "[limit.duration]" in err
    assert err.startswith("error: 1 problem in rule file:\nr.yaml:51:")


def test_nul_byte_in_rule_file(write) -> None:  # type: ignore[no-untyped-def]
    name = write("r.yaml", rules_with("title: Mini", "title: Mi\0ni"))
    code, out, err = run("validate", name)
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "r.yaml:5:12: a NUL byte is not allowed in YAML or JSON text; is this a binary file? "
        "[read.forbidden_character]\n"
    )


@pytest.mark.parametrize(("char", "shown"), [("\x07", "U+0007"), ("\x01", "U+0001")])
def test_control_characters_in_timeline(write, char: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    name = write("t.yaml", timeline_with("id: C-1001", f"id: C-10{char}01"))
    code, out, err = run("evaluate", name, "--as-of", AS_OF)
    failed(code, out)
    assert err == (
        "error: 1 problem in timeline:\n"
        f"t.yaml:5:11: the character {shown} is not allowed in YAML or JSON text; is this a "
        "binary file? [read.forbidden_character]\n"
    )


def test_u_fffe_is_refused(write) -> None:  # type: ignore[no-untyped-def]
    name = write("t.yaml", timeline_with("id: E-1", "id: E-\ufffe1"))
    code, out, err = run("validate", name)
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "t.yaml:13:11: the character U+FFFE is not allowed in YAML or JSON text; is this a "
        "binary file? [read.forbidden_character]\n"
    )


@pytest.mark.parametrize("document", ["{}", "[]\n", "just words\n", "a: b\n"])
def test_timeline_without_episodes_is_not_a_timeline(write, document: str) -> None:  # type: ignore[no-untyped-def]
    name = write("t.yaml", document)
    code, out, err = run("evaluate", name, "--as-of", AS_OF)
    failed(code, out)
    assert err == (
        "error: 1 problem in timeline:\n"
        "t.yaml: this is not a timeline: a timeline is a YAML or JSON mapping with "
        "schema_version, child, episodes and events (see docs/timeline.md) "
        "[schema.not_a_timeline]\n"
    )


def test_bundled_rules_saved_as_json_read_as_a_rule_file(write) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((ROOT / "rules" / "camden.yaml").read_text(encoding="utf-8"))
    name = write("camden.json", json.dumps(data, default=str, indent=1))
    code, out, err = run("evaluate", "-", "--protocol", name, "--as-of", AS_OF, stdin=EXAMPLE)
    failed(code, out)
    # YAML 1.1's safe_load turned the key 'on' into true: the JSON copy says "true"
    assert err.startswith("error: 49 problems in rule file:\ncamden.json:")
    assert "rules[0].trigger: expected a trigger:" in err
    code, out, err = run("validate", name)
    failed(code, out)
    assert err.splitlines()[1] == (
        "camden.json: read as a rule file because it has allocations, extra_action_kinds, "
        "extra_roles, not_encoded, protocol, risk, rules"
    )


@pytest.mark.parametrize("depth", [65, 500, 999])
def test_deep_nesting_is_a_limit_not_a_recursion_error(write, depth: int) -> None:  # type: ignore[no-untyped-def]
    name = write("deep.json", "[" * depth + "]" * depth)
    code, out, err = run("validate", name)
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "deep.json:1:65: mappings and lists nested more than 64 deep: over the limit "
        "nesting_depth; raise it with --limit nesting_depth=N if this input is genuine "
        "[limit.nesting_depth]\n"
    )


def test_nesting_past_the_parser_s_own_bound(write) -> None:  # type: ignore[no-untyped-def]
    # libyaml refuses 1000 levels itself, before any event reaches the reader
    name = write("deep.json", "[" * 100_000 + "]" * 100_000)
    code, out, err = run("validate", name, "--limit", "nesting_depth=200000")
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "deep.json:1:1001: not valid YAML or JSON: exceeded maximum nesting depth [yaml.syntax]\n"
    )


def test_non_utf8_rule_file_and_binary_protocol(write) -> None:  # type: ignore[no-untyped-def]
    name = write("r.yaml", MINI.encode("utf-8").replace(b"Mini test", b"Mini \xff test"))
    code, out, err = run("validate", name)
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "r.yaml:5:15: not UTF-8 text: byte 0xff cannot be read; rule files and timelines are "
        "UTF-8 YAML or JSON [read.not_utf8]\n"
    )
    binary = write("tool", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    code, out, err = run("evaluate", "-", "--protocol", "./" + binary, stdin=EXAMPLE)
    failed(code, out)
    assert err == (
        "error: 1 problem in rule file:\n"
        "tool:2:118: not UTF-8 text: byte 0x80 cannot be read; rule files and timelines are "
        "UTF-8 YAML or JSON [read.not_utf8]\n"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b"schema_version: 1\nchild: \xc3\x28\n",
            "<stdin>:2:8: not UTF-8 text: byte 0xc3 cannot be read; rule files and timelines "
            "are UTF-8 YAML or JSON [read.not_utf8]",
        ),
        (
            b"schema_version: 1\x00\n",
            "<stdin>:1:18: a NUL byte is not allowed in YAML or JSON text; is this a binary "
            "file? [read.forbidden_character]",
        ),
    ],
)
def test_bad_bytes_on_standard_input(data: bytes, message: str) -> None:
    code, out, err = run("evaluate", "-", "--as-of", AS_OF, stdin=data)
    failed(code, out)
    assert err == f"error: 1 problem in timeline:\n{message}\n"


@pytest.mark.parametrize(
    ("started", "line"),
    [("0001-01-01T00:30+05:00", 17), ("9999-12-31T23:00-05:00", 17)],
)
def test_moments_at_the_edge_of_the_calendar(write, started: str, line: int) -> None:  # type: ignore[no-untyped-def]
    name = write("t.yaml", timeline_with("started_at: 2024-03-29T21:30", f"started_at: {started}"))
    code, out, err = run("evaluate", name, "--as-of", AS_OF)
    failed(code, out)
    assert f"t.yaml:{line}:17: episodes[0].started_at: outside the years 1900 to 2100" in err
    assert "[limit.date_range]" in err


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:00-05:00", "0001-01-01T00:00+05:00", "3032-01-01"]
)
def test_as_of_at_the_edge_of_the_calendar(write, moment: str) -> None:  # type: ignore[no-untyped-def]
    name = write("t.yaml", EXAMPLE)
    code, out, err = run("evaluate", name, "--as-of", moment)
    failed(code, out, 2)
    assert err == (
        f"error: --as-of: '{moment}' is outside the years 1900 to 2100 that any record holds: "
        "check the year, or raise the limits earliest_year or latest_year\n"
    )


def test_dev_zero_is_refused_at_the_size_limit() -> None:
    code, out, err = run("evaluate", "/dev/zero", "--as-of", AS_OF)
    failed(code, out)
    assert err == (
        "error: 1 problem in timeline:\n"
        "/dev/zero: more than 10,000,000 bytes: over the limit file_bytes; raise it with "
        "--limit file_bytes=N if this input is genuine [limit.file_bytes]\n"
    )


def test_empty_and_closed_standard_input() -> None:
    code, out, err = run("evaluate", "-", "--as-of", AS_OF)
    failed(code, out)
    assert err == "error: 1 problem in timeline:\n<stdin>: the document is empty [yaml.empty]\n"
    code = main(
        ["evaluate", "-", "--as-of", AS_OF],
        stdout=io.StringIO(),
        stderr=(stderr := io.StringIO()),
        stdin=_closed(),
    )
    assert code == 1
    assert stderr.getvalue() == (
        "error: 1 problem in timeline:\n"
        "<stdin>: cannot read standard input: it is closed [io.unreadable]\n"
    )


def _closed() -> io.StringIO:
    stream = io.StringIO(EXAMPLE)
    stream.close()
    return stream


def test_closed_standard_output() -> None:
    out = io.StringIO()
    out.close()
    err = io.StringIO()
    code = main(["protocols"], stdout=out, stderr=err)
    assert code == 1
    assert err.getvalue() == (
        "error: cannot write to standard output (it is closed); nothing was written\n"
    )


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (
            "evaluate - <&-",
            "error: 1 problem in timeline:\n<stdin>: cannot read standard input: it is closed "
            "[io.unreadable]\n",
        ),
        (
            "protocols >&-",
            "error: cannot write to standard output (it is closed); nothing was written\n",
        ),
    ],
)
def test_closed_streams_in_a_real_process(command: str, message: str) -> None:
    line = f"{shlex.quote(sys.executable)} -m missing_protocol.cli {command}"
    # the shell is what closes the stream
    done = subprocess.run(line, shell=True, capture_output=True, check=False, timeout=60)
    assert (done.returncode, done.stderr.decode()) == (1, message)


# --- hangs and memory explosions --------------------------------------------------------

BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
)


def test_alias_bomb_is_refused(write) -> None:  # type: ignore[no-untyped-def]
    name = write("bomb.yaml", BILLION_LAUGHS)
    code, out, err = run("validate", name)
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "bomb.yaml:6:8: aliases expand to more than 100,000 values: over the limit "
        "yaml_expansion; raise it with --limit yaml_expansion=N if this input is genuine "
        "[limit.yaml_expansion]\n"
    )


def test_many_aliases_are_refused(write) -> None:  # type: ignore[no-untyped-def]
    name = write("many.yaml", "a: &a x\nb: [" + ", ".join(["*a"] * 1001) + "]\n")
    code, out, err = run("validate", name)
    failed(code, out)
    assert "more than 1000 aliases: over the limit yaml_aliases" in err


def nested_not(depth: int, leaf: str) -> str:
    return rules_with(
        "deadline: {within: 3 working days}",
        "deadline: {within: 3 working days}\n    when: " + "{not: " * depth + leaf + "}" * depth,
    )


def test_nested_conditions_with_a_typo_report_at_once(write) -> None:  # type: ignore[no-untyped-def]
    # the error path walk was exponential in depth: 12 levels took minutes
    name = write("r.yaml", nested_not(40, "{fakt: age, lt: 3}"))
    code, out, err = run("validate", name)
    failed(code, out)
    assert err.splitlines()[2] == (
        "r.yaml:53:246: rules[1].when" + ".not" * 40 + ": expected a condition: a mapping with "
        "'fact', 'episodes', 'all', 'any' or 'not', got a mapping [schema.invalid_condition]"
    )


def test_deeply_nested_valid_conditions_compile_and_verify() -> None:
    protocol = compile_text(nested_not(55, "{fact: age, lt: 3}"), "deep.yaml")
    assert [f.code for f in verify_protocol(protocol)] == []
    with pytest.raises(RuleFileError) as caught:
        compile_text(nested_not(300, "{fact: age, lt: 3}"), "deep.yaml")
    assert [p.code for p in caught.value.problems] == ["limit.nesting_depth"]
    # raised past the validator's own bound: still a located problem in our words
    limits = DEFAULT_LIMITS.with_values(nesting_depth=700)
    with pytest.raises(RuleFileError) as caught:
        compile_text(nested_not(300, "{fact: age, lt: 3}"), "deep.yaml", limits=limits)
    assert [p.code for p in caught.value.problems] == ["schema.recursion_depth_exceeded"]
    assert caught.value.problems[0].message == (
        "conditions nested too deep to check; write them with fewer levels"
    )


@pytest.mark.parametrize(
    ("what", "count", "item", "message"),
    [
        (
            "episodes",
            100_000,
            "  - id: E-{i}\n    started_at: 2024-01-01T00:00\n",
            "t.yaml:2013:5: episodes: more than 1,000 episodes",
        ),
        (
            "events",
            100_000,
            "  - action: notify\n    at: 2024-03-29T23:30\n",
            "t.yaml:20021:5: events: more than 10,000 events",
        ),
    ],
)
def test_too_many_episodes_or_events(write, what: str, count: int, item: str, message: str) -> None:  # type: ignore[no-untyped-def]
    head = EXAMPLE.split("episodes:\n")[0] if what == "episodes" else EXAMPLE.split("events:")[0]
    items = "".join(item.format(i=i) for i in range(count))
    name = write("t.yaml", f"{head}{what}:\n{items}")
    code, out, err = run("evaluate", name, "--as-of", AS_OF)
    failed(code, out)
    assert err == (
        f"error: 1 problem in timeline:\n{message}: over the limit {what}; raise it with "
        f"--limit {what}=N if this input is genuine [limit.{what}]\n"
    )


def test_too_many_rules_for_verify(write) -> None:  # type: ignore[no-untyped-def]
    head, rules = MINI.split("rules:\n", 1)
    one = rules.split("  - id: meeting_after_24h")[0]
    many = "".join(one.replace("id: report\n", f"id: report_{i}\n") for i in range(10_000))
    name = write("r.yaml", f"{head}rules:\n{many}")
    code, out, err = run("verify", name)
    failed(code, out)
    assert err == (
        "error: 1 problem in rule file:\n"
        "r.yaml:4537:5: rules: more than 500 rules: over the limit rules; raise it with "
        "--limit rules=N if this input is genuine [limit.rules]\n"
    )


def test_file_over_the_size_limit(write) -> None:  # type: ignore[no-untyped-def]
    name = write("t.yaml", EXAMPLE + "# " + "x" * 10_000_000 + "\n")
    code, out, err = run("evaluate", name, "--as-of", AS_OF)
    failed(code, out)
    assert err.endswith("[limit.file_bytes]\n")
    code, out, err = run("evaluate", name, "--as-of", AS_OF, "--limit", "file_bytes=20000000")
    assert (code, err) == (0, "")


def test_recurring_rule_occurrences_are_bounded_by_the_evaluator() -> None:
    from missing_protocol import evaluate  # noqa: PLC0415 - the evaluator's contract under test

    protocol = compile_text(rules_with("every: 7 days, until: 4 weeks", "every: 1 minute"))
    timeline = parse_timeline(timeline_with("    returned_at: 2024-03-31T09:15\n", ""))
    limits = DEFAULT_LIMITS.with_values(occurrences_per_rule=100)
    with pytest.raises(TimelineError) as caught:
        evaluate(protocol, timeline, dt.datetime(2024, 3, 30, 12, 0), limits=limits)
    assert [p.code for p in caught.value.problems] == ["limit.occurrences_per_rule"]


# --- accepted when it must be refused ---------------------------------------------------


@pytest.mark.parametrize("command", ["validate", "verify", "evaluate"])
def test_python_object_tag_is_refused(write, command: str) -> None:  # type: ignore[no-untyped-def]
    name = write("r.yaml", rules_with("risk:\n", "risk: !!python/object:os.system\n"))
    argv = ["evaluate", "-", "--protocol", name] if command == "evaluate" else [command, name]
    code, out, err = run(*argv, stdin=EXAMPLE)
    failed(code, out)
    assert (
        "r.yaml:10:7: risk: the tag '!!python/object:os.system' is not allowed: a rule file or "
        "timeline holds only plain data (mappings, lists, text, numbers, true/false); remove the "
        "tag [yaml.tag]\n"
        "    risk: !!python/object:os.system\n"
        "          ^\n"
    ) in err


@pytest.mark.parametrize(
    "tag", ["!custom", "!!set", "!!binary", "!!timestamp", "!<tag:x.y,2024:z>"]
)
def test_any_unknown_tag_is_refused(write, tag: str) -> None:  # type: ignore[no-untyped-def]
    name = write("t.yaml", timeline_with("case_status: looked_after", f"case_status: {tag} x"))
    code, out, err = run("validate", name)
    failed(code, out)
    assert "t.yaml:7:16: child.case_status: the tag" in err
    assert "[yaml.tag]" in err


@pytest.mark.parametrize(
    ("born", "started"),
    [
        ("0170-01-01", "0182-03-29T21:30"),
        ("0880-01-01", "0888-03-29T21:30"),
        ("1600-01-01", "1613-03-29T21:30"),
        ("3020-01-01", "3032-03-29T21:30"),
    ],
)
def test_dates_no_record_has(write, born: str, started: str) -> None:  # type: ignore[no-untyped-def]
    text = timeline_with("2009-06-14", born).replace("2024-03-29T21:30", started)
    code, out, err = run("validate", write("t.yaml", text))
    failed(code, out)
    range_error = (
        "outside the years 1900 to 2100 that any record holds: check the year, or raise the "
        "limits earliest_year or latest_year [limit.date_range]"
    )
    assert f"t.yaml:6:18: child.date_of_birth: {range_error}" in err
    assert f"t.yaml:17:17: episodes[0].started_at: {range_error}" in err


def test_child_aged_25_is_refused(write) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("validate", write("t.yaml", timeline_with("2009-06-14", "1999-01-01")))
    failed(code, out)
    assert err.splitlines()[2] == (
        "t.yaml:17:17: episodes[0].started_at: the child would be over 24 at episode E-1: no "
        "protocol covers that age; check the date of birth, or raise the limit maximum_age "
        "[limit.age]"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "known_to_social_care: true",
            "known_to_social_care: yes",
            "t.yaml:8:25: child.known_to_social_care: expected true or false, got text "
            "[schema.bool_type]",
        ),
        (
            "known_to_social_care: true",
            "known_to_social_care: on",
            "t.yaml:8:25: child.known_to_social_care: expected true or false, got text "
            "[schema.bool_type]",
        ),
        (
            "known_to_social_care: true",
            "known_to_social_care: 1",
            "t.yaml:8:25: child.known_to_social_care: expected true or false, got a whole number "
            "[schema.bool_type]",
        ),
        (
            "started_at: 2024-03-29T21:30",
            "started_at: 1_711_747_800",
            "t.yaml:17:17: episodes[0].started_at: expected a date-time such as 2024-03-29T21:30 "
            "(London time) or 2024-03-29T21:30+01:00, got text [schema.invalid_moment]",
        ),
        (
            "started_at: 2024-03-29T21:30",
            "started_at: 1711747800",
            "t.yaml:17:17: episodes[0].started_at: expected a date-time such as 2024-03-29T21:30 "
            "(London time) or 2024-03-29T21:30+01:00, got a whole number [schema.invalid_moment]",
        ),
        (
            "started_at: 2024-03-29T21:30",
            "started_at: 190:20:30",
            "t.yaml:17:17: episodes[0].started_at: expected a date-time such as 2024-03-29T21:30 "
            "(London time) or 2024-03-29T21:30+01:00, got text [schema.invalid_moment]",
        ),
        (
            "date_of_birth: 2009-06-14",
            "date_of_birth: 20090614",
            "t.yaml:6:18: child.date_of_birth: expected a date such as 2024-03-29, got a whole "
            "number [schema.invalid_date]",
        ),
        (
            "date_of_birth: 2009-06-14",
            "date_of_birth: 2009-06-14T10:00",
            "t.yaml:6:18: child.date_of_birth: expected a date such as 2024-03-29, got text "
            "[schema.invalid_date]",
        ),
    ],
)
def test_lax_coercions_are_refused(write, old: str, new: str, message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("validate", write("t.yaml", timeline_with(old, new)))
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "t.yaml: read as a timeline because it has child, episodes, events\n"
        f"{message}\n"
    )


def test_octal_in_a_rule_file_is_refused(write) -> None:  # type: ignore[no-untyped-def]
    text = rules_with("when: {fact: age, ge: 12}", "when: {fact: age, ge: 012}")
    code, out, err = run("validate", write("r.yaml", text))
    failed(code, out)
    assert err.splitlines()[2:] == [
        "r.yaml:31:31: allocations[0].options[0].when.ge: a number with a leading zero, "
        "underscores, a base prefix or colons is read differently by YAML 1.1 and 1.2; write a "
        "plain whole number, or put it in quotes if it is text [yaml.ambiguous_number]",
        "          - when: {fact: age, ge: 012}",
        "                                  ^",
    ]


def test_clock_change_fold_compares_instants(write) -> None:  # type: ignore[no-untyped-def]
    # 01:30 BST, then 01:15 GMT: 45 minutes later, in the repeated hour
    later = timeline_with("started_at: 2024-03-29T21:30", "started_at: 2023-10-29T01:30+01:00")
    later = later.replace("reported_at: 2024-03-29T23:10", "reported_at: 2023-10-29T01:10+00:00")
    later = later.replace("returned_at: 2024-03-31T09:15", "returned_at: 2023-10-29T01:15+00:00")
    code, out, err = run("validate", write("later.yaml", later))
    assert (code, out, err) == (0, "later.yaml: valid timeline\n", "")
    # 01:45 GMT, then 01:50 BST: 55 minutes earlier
    earlier = later.replace("2023-10-29T01:30+01:00", "2023-10-29T01:45+00:00")
    earlier = earlier.replace(
        "reported_at: 2023-10-29T01:10+00:00", "reported_at: 2023-10-29T01:50"
    )
    earlier = earlier.replace(
        "returned_at: 2023-10-29T01:15+00:00", "returned_at: 2023-10-29T01:50+01:00"
    )
    code, out, err = run("validate", write("earlier.yaml", earlier))
    failed(code, out)
    assert err.splitlines()[2:] == [
        "earlier.yaml:18:18: episodes[0].reported_at: reported_at is before started_at (last "
        "seen); check both [schema.time_order]",
        "earlier.yaml:19:18: episodes[0].returned_at: returned_at is before started_at (last "
        "seen); check both [schema.time_order]",
    ]


# --- leaks ------------------------------------------------------------------------------

NOTE = "".join(f"Dear colleague, line {i} of a private note about the child.\n" for i in range(199))


@pytest.mark.parametrize("command", ["evaluate", "verify", "validate"])
def test_a_text_file_is_not_a_rule_file_and_is_not_printed(write, command: str) -> None:  # type: ignore[no-untyped-def]
    name = write("note.txt", NOTE)
    argv = {
        "evaluate": ["evaluate", "-", "--protocol", "./" + name],
        "verify": ["verify", "./" + name],
        "validate": ["validate", "--kind", "rules", name],
    }[command]
    code, out, err = run(*argv, stdin=EXAMPLE)
    failed(code, out)
    assert "private note" not in err
    assert "this is not a rule file: a rule file is a YAML mapping with schema_version, " in err
    assert "[schema.not_a_rule_file]" in err


def test_etc_passwd_is_not_printed() -> None:
    code, out, err = run("evaluate", "-", "--protocol", "/etc/passwd", stdin=EXAMPLE)
    failed(code, out)
    assert err == (
        "error: 1 problem in rule file:\n"
        "/etc/passwd: this is not a rule file: a rule file is a YAML mapping with "
        "schema_version, protocol, risk and rules (see docs/rule-language.md) "
        "[schema.not_a_rule_file]\n"
    )


def test_validate_of_a_note_says_neither(write) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("validate", write("note.txt", NOTE))
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "note.txt: neither a rule file nor a timeline (it has none of the sections of either); "
        "a rule file has protocol, risk and rules, a timeline has child and episodes; give "
        "--kind rules or --kind timeline to check it as one [validate.unknown_kind]\n"
    )


def test_timeline_values_are_not_repeated(write) -> None:  # type: ignore[no-untyped-def]
    text = timeline_with("id: C-1001", "id: Jane Smith").replace(
        "case_status:", "Jane Smith lives at: 4 Privet Drive\n  case_status:"
    )
    code, out, err = run("evaluate", write("t.yaml", text), "--as-of", AS_OF)
    failed(code, out)
    assert err == (
        "error: 2 problems in timeline:\n"
        "t.yaml:5:7: child.id: expected a record id: letters, digits and . _ : - (no spaces; an "
        "id, never a name), got text [schema.invalid_identifier]\n"
        "t.yaml:7:3: child.Jane Smith lives at: unknown field; remove it or check its spelling "
        "[schema.unknown_field]\n"
    )


def test_check_properties_writes_nothing_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check-properties", str(ROOT / "tests" / "data" / "mini.yaml"))
    assert code == 0
    assert out.splitlines()[-1] == "mini: 9 laws hold, 0 broken"
    assert list(tmp_path.iterdir()) == []


# --- messages that mislead --------------------------------------------------------------


def test_timeline_with_a_stray_rules_key_is_read_as_a_timeline(write) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("validate", write("t.yaml", EXAMPLE + "rules: []\n"))
    failed(code, out)
    assert err == (
        "error: 1 problem in the input:\n"
        "t.yaml: read as a timeline because it has child, episodes, events\n"
        "t.yaml:32:1: rules: unknown field 'rules'; remove it or check its spelling "
        "[schema.unknown_field]\n"
    )


def test_kind_can_be_given(write) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("validate", "--kind", "rules", write("t.yaml", EXAMPLE))
    failed(code, out)
    assert err.splitlines()[:2] == [
        "error: 6 problems in the input:",
        "t.yaml: read as a rule file as asked (--kind)",
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "deadline: {within: 3 working days}",
            "deadline: {from: started}",
            "r.yaml:52:5: rules[1].deadline.within: missing required field 'within'; add it "
            "[schema.missing_field]",
        ),
        (
            "        role: childrens_society\n",
            "",
            "r.yaml:31:9: allocations[0].options[0].role: missing required field 'role'; add it "
            "[schema.missing_field]",
        ),
        (
            "title: Mini test protocol",
            "title: 5",
            "r.yaml:5:10: protocol.title: expected text, got 5 [schema.string_type]",
        ),
        (
            "authorities: [Test Borough]",
            "authorities: []",
            "r.yaml:6:3: protocol.authorities: expected at least 1 entry, got 0 [schema.too_short]",
        ),
    ],
)
def test_errors_name_the_right_field_in_our_words(write, old: str, new: str, message: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("validate", write("r.yaml", rules_with(old, new)))
    failed(code, out)
    assert err.splitlines()[2] == message
    for raw in ("got a int", "List should have", "Datetimes provided", "Input should"):
        assert raw not in err


def test_protocol_path_ending_json_is_a_path(write) -> None:  # type: ignore[no-untyped-def]
    write("x.json", "{}")
    code, out, err = run("evaluate", "-", "-p", "x.json", stdin=EXAMPLE)
    failed(code, out)
    assert err == (
        "error: 1 problem in rule file:\n"
        "x.json: this is not a rule file: a rule file is a YAML mapping with schema_version, "
        "protocol, risk and rules (see docs/rule-language.md) [schema.not_a_rule_file]\n"
    )


def test_validate_reads_standard_input() -> None:
    assert run("validate", "-", stdin=EXAMPLE) == (0, "<stdin>: valid timeline\n", "")


def test_unreadable_rule_file_has_a_code(tmp_path: Path) -> None:
    code, out, err = run("evaluate", "-", "-p", str(tmp_path / "none.yaml"), stdin=EXAMPLE)
    failed(code, out)
    assert err == (
        "error: 1 problem in rule file:\n"
        f"{tmp_path / 'none.yaml'}: cannot read the file: No such file or directory "
        "[io.unreadable]\n"
    )


# --- command line -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["garbage", ""])
def test_bad_as_of_exits_2_naming_the_option(write, value: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("evaluate", write("t.yaml", EXAMPLE), "--as-of", value)
    failed(code, out, 2)
    assert err == (
        "error: --as-of: expected an ISO 8601 date-time such as 2024-04-05T12:00 (London time) "
        f"or 2024-04-05T12:00+01:00, got {value!r}\n"
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            "nope=3",
            "error: --limit nope=3: expected NAME=NUMBER, where NAME is one of file_bytes, "
            "record_bytes, nesting_depth, yaml_aliases, yaml_expansion, rules, episodes, events, "
            "evaluation_span_days, occurrences_per_rule, earliest_year, latest_year, maximum_age, "
            "duration_days\n",
        ),
        ("episodes=0", "error: --limit episodes=0: expected a whole number of at least 1\n"),
        ("episodes=many", "error: --limit episodes=many: expected a whole number of at least 1\n"),
    ],
)
def test_bad_limit_option_exits_2(option: str, message: str) -> None:
    code, out, err = run("evaluate", "-", "--limit", option, stdin=EXAMPLE)
    failed(code, out, 2)
    assert err == message


def test_unknown_category_is_located(write) -> None:  # type: ignore[no-untyped-def]
    text = timeline_with(
        "missing_from: care_placement", "missing_from: care_placement\n    category: zzz"
    )
    code, out, err = run("evaluate", write("t.yaml", text), "--as-of", AS_OF)
    failed(code, out)
    assert err == (
        "error: 1 problem in timeline:\n"
        "t.yaml:15:15: episodes[0].category: 'zzz' is not a category of protocol 'camden' "
        "(abducted, absconded, concerning_absence, missing, unauthorised_absence); use one of "
        "them, or omit category to have the protocol derive it [timeline.unknown_category]\n"
    )


# --- the library's limits ---------------------------------------------------------------


def test_limits_are_raised_explicitly_only() -> None:
    assert Limits() == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.with_values(episodes=5000).episodes == 5000
    with pytest.raises(ValueError, match="unknown limit 'episode'"):
        DEFAULT_LIMITS.with_values(episode=5000)
    with pytest.raises(ValueError, match="limit episodes must be a whole number of at least 1"):
        DEFAULT_LIMITS.with_values(episodes=0)


def test_a_json_lines_record_is_bounded_and_located() -> None:
    record = json.dumps(yaml.safe_load(EXAMPLE), default=str).encode()
    assert parse_timeline_record(record, "caseload.jsonl", 7).child.id == "C-1001"
    with pytest.raises(TimelineError) as caught:
        parse_timeline_record(record.replace(b'"C-1001"', b'"C 1001"'), "caseload.jsonl", 7)
    assert caught.value.problems[0].format() == (
        "caseload.jsonl:7:39: child.id: expected a record id: letters, digits and . _ : - (no "
        "spaces; an id, never a name), got text [schema.invalid_identifier]"
    )
    small = DEFAULT_LIMITS.with_values(record_bytes=100)
    with pytest.raises(TimelineError) as caught:
        parse_timeline_record(record, "caseload.jsonl", 7, limits=small)
    assert caught.value.problems[0].format() == (
        "caseload.jsonl:7: a record of more than 100 bytes: over the limit record_bytes; raise "
        "it with --limit record_bytes=N if this input is genuine [limit.record_bytes]"
    )
