"""The JSON-first timeline reader gives the located reader's answer, and a command imports little.

``parse_timeline_json_first`` (the command line's and the service's reader) may
only be faster than ``parse_timeline``: the same timeline, or the same problems.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from missing_protocol import DEFAULT_LIMITS, TimelineError, loading, parse_timeline
from missing_protocol.batch.records import Record, parse_record
from missing_protocol.loading import parse_timeline_json_first, parse_timeline_record

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "camden_looked_after_child.yaml"


def _example() -> dict[str, Any]:
    return parse_timeline(EXAMPLE.read_bytes()).model_dump(mode="json", exclude_defaults=True)


def _answer(text: str, **kwargs: Any) -> object:
    try:
        return parse_timeline_json_first(text, "t.json", **kwargs)
    except TimelineError as exc:
        return exc.problems


def _located(text: str, **kwargs: Any) -> object:
    try:
        return parse_timeline(text, "t.json", **kwargs)
    except TimelineError as exc:
        return exc.problems


def test_a_json_timeline_reads_as_the_located_reader_reads_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = json.dumps(_example())
    expected = _located(text)
    assert not isinstance(expected, tuple)

    def not_called(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the located reader read a valid JSON timeline")

    monkeypatch.setattr(loading, "parse_timeline", not_called)
    assert _answer(text) == expected


EXAMPLE_TEXT = json.dumps(_example())


def _first(member: str) -> str:
    """The example with ``member`` written first in its outermost object."""
    return "{" + member + ", " + EXAMPLE_TEXT[1:]


TRICKY = {
    "duplicate key": _first('"child": {}'),
    "syntax error": EXAMPLE_TEXT[:-1],
    "NaN": _first('"x": NaN'),
    "escaped surrogate": EXAMPLE_TEXT.replace('"C-1001"', '"C-\\ud800"'),
    "escaped character": EXAMPLE_TEXT.replace('"C-1001"', '"C-\\u0041"'),
    "forbidden character": EXAMPLE_TEXT.replace('"C-1001"', '"C-\ufffe"'),
    "unknown field": _first('"colour": 1'),
    "not an object": "[" + EXAMPLE_TEXT + "]",
    "deep": "{" + '"a": [' * 200 + "]" * 200 + "}",
}


@pytest.mark.parametrize("name", TRICKY)
def test_anything_the_fast_path_might_read_differently_gets_the_located_answer(name: str) -> None:
    assert TRICKY[name] != EXAMPLE_TEXT
    assert _answer(TRICKY[name]) == _located(TRICKY[name])


def test_the_limits_hold_on_the_fast_path() -> None:
    data = _example()
    data["episodes"] = data["episodes"] * 3
    data["episodes"] = [dict(e, id=f"E-{i}") for i, e in enumerate(data["episodes"])]
    data["events"] = [dict(e, episode=data["episodes"][0]["id"]) for e in data["events"]]
    text = json.dumps(data)
    limits = DEFAULT_LIMITS.with_values(episodes=2)
    got = _answer(text, limits=limits)
    assert got == _located(text, limits=limits)
    assert isinstance(got, tuple)
    assert [p.code for p in got] == ["limit.episodes"]
    small = DEFAULT_LIMITS.with_values(file_bytes=100)
    assert _answer(text, limits=small) == _located(text, limits=small)


def test_a_json_lines_record_is_placed_on_its_line() -> None:
    broken = TRICKY["unknown field"]
    with pytest.raises(TimelineError) as fast:
        parse_timeline_json_first(broken, "caseload.jsonl", line=7)
    with pytest.raises(TimelineError) as located:
        parse_timeline_record(broken.encode(), "caseload.jsonl", 7)
    assert fast.value.problems == located.value.problems
    assert fast.value.problems[0].line == 7


def test_evaluating_a_json_timeline_imports_neither_yaml_nor_the_compiler(tmp_path: Path) -> None:
    timeline = tmp_path / "t.json"
    timeline.write_text(EXAMPLE_TEXT, encoding="utf-8")
    code = (
        "import io, sys\n"
        "from missing_protocol.cli import main\n"
        "out = io.StringIO()\n"
        f"code = main(['evaluate', {str(timeline)!r}, '--as-of', '2024-04-05T12:00'], stdout=out)\n"
        "assert code == 0 and out.getvalue().startswith('{'), code\n"
        # holidays may load: Camden's notices are routed by office hours, closed on bank holidays
        "unwanted = ('missing_protocol.compile', 'yaml', 'missing_protocol.compare', "
        "'missing_protocol.service', 'hypothesis')\n"
        "print(sorted(m for m in unwanted if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


def test_a_batch_record_with_a_duplicate_key_is_refused_as_the_located_reader_refuses_it() -> None:
    record = Record("caseload.jsonl", "3", TRICKY["duplicate key"], 3)
    with pytest.raises(TimelineError) as batch:
        parse_record(record)
    with pytest.raises(TimelineError) as located:
        parse_timeline_record(TRICKY["duplicate key"].encode(), "caseload.jsonl", 3)
    assert batch.value.problems == located.value.problems
    assert "yaml.duplicate_key" in [p.code for p in batch.value.problems]
