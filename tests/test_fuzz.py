"""Fuzzing: whatever arrives, a located error or a result; never a traceback, never a hang.

Hypothesis draws raw bytes, YAML-like text, JSON-like values, valid files with
one value replaced, and valid-but-extreme timelines, and sends them through the
library and the command line. The only exceptions allowed are the library's
input errors; the command line must exit 0 (with output) or 1 (with nothing on
standard output).

Each test is bounded: the ``fuzz-ci`` profile (derandomised, so CI repeats
itself) keeps the whole file to about 30 seconds. ``./run fuzz`` runs the
``fuzz-long`` profile (random, fifty times the examples) on demand:
``MISSING_PROTOCOL_FUZZ=long pytest -m fuzz --hypothesis-show-statistics``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missing_protocol import (
    RuleFileError,
    TimelineError,
    compile_text,
    evaluate,
    load_protocol,
    parse_timeline,
    verify_protocol,
)
from missing_protocol.calendar import LONDON
from missing_protocol.cli import main
from missing_protocol.errors import InputError
from missing_protocol.loading import parse_bytes
from missing_protocol.strategies import evaluations_inputs, timelines

pytestmark = pytest.mark.fuzz

ROOT = Path(__file__).parent.parent
MINI_TEXT = (ROOT / "tests" / "data" / "mini.yaml").read_text(encoding="utf-8")
EXAMPLE_TEXT = (ROOT / "examples" / "camden_looked_after_child.yaml").read_text(encoding="utf-8")
MINI = load_protocol(ROOT / "tests" / "data" / "mini.yaml")

_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
    "print_blob": True,
}
settings.register_profile("fuzz-ci", derandomize=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("fuzz-long", derandomize=False, **_COMMON)  # type: ignore[arg-type]
LONG = os.environ.get("MISSING_PROTOCOL_FUZZ") == "long"
PROFILE = settings.get_profile("fuzz-long" if LONG else "fuzz-ci")


def fuzz(examples: int) -> settings:
    """``examples`` in CI (the whole file in about 30 seconds); fifty times more when long."""
    return settings(PROFILE, max_examples=examples * (50 if LONG else 1))


def cli(argv: list[str], stdin: bytes) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    stream = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    code = main(argv, stdout=out, stderr=err, stdin=stream)
    return code, out.getvalue(), err.getvalue()


def assert_promise(code: int, out: str, err: str) -> None:
    """The command line's promise: success with output, or 1 and errors only on stderr."""
    if code == 0:
        assert err == ""
        assert out
    else:
        assert (code, out) == (1, "")
        assert err.startswith("error: ")
        assert "Traceback" not in err


# --- what to draw -------------------------------------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "2024-03-29T21:30",
            "0001-01-01T00:00+05:00",
            "9999-12-31T23:59-05:00",
            "2023-10-29T01:30",
            "999999999 days",
            "10 working days",
            "yes",
            "012",
            "1:30",
            "E-1",
            "looked_after",
            "",
        ]
    )
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)
_TOKENS = st.sampled_from(
    [
        "{", "}", "[", "]", ":", ", ", "- ", "\n", "  ", "&a ", "*a", "!!python/object ",
        "!x ", "<<: ", "'", '"', "#", "|\n", ">\n", "---\n", "...\n", "%YAML 1.1\n", "? ",
        "episodes", "child", "rules", "risk", "id", "yes", "012", "1_000", "~", "\t", "\0",
        "\ufffe", "\x85", "é", "\U0001f600", "2024-03-29T21:30", "9999-12-31",
    ]
)  # fmt: skip
YAML_LIKE = st.lists(_TOKENS, max_size=40).map("".join)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in plain data, in document order."""
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _paths(value, (*prefix, index))
    return found


def _replaced(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        return {**data, head: _replaced(data[head], rest, value)}
    copy = list(data)
    copy[head] = _replaced(copy[head], rest, value)
    return copy


def _plain(text: str) -> Any:
    return parse_bytes(text.encode(), "seed", error=InputError)[0]


EXAMPLE_DATA = _plain(EXAMPLE_TEXT)
MINI_DATA = _plain(MINI_TEXT)


def mutants(data: Any) -> st.SearchStrategy[Any]:
    """``data`` with one value (anywhere, the whole document included) replaced."""
    return st.tuples(st.sampled_from(_paths(data)[1:]), JSON_VALUES).map(
        lambda pair: _replaced(data, pair[0], pair[1])
    )


# --- the library ------------------------------------------------------------------------


@fuzz(100)
@given(st.binary(max_size=600))
def test_raw_bytes_as_a_timeline(data: bytes) -> None:
    with contextlib.suppress(TimelineError):
        parse_timeline(data, "fuzz")


@fuzz(100)
@given(st.binary(max_size=600))
def test_raw_bytes_as_a_rule_file(data: bytes) -> None:
    with contextlib.suppress(RuleFileError):
        compile_text(data, "fuzz")


@fuzz(60)
@given(YAML_LIKE)
def test_yaml_like_text_through_validate(text: str) -> None:
    assert_promise(*cli(["validate", "-"], text.encode("utf-8", "surrogatepass")))


@fuzz(30)
@given(JSON_VALUES)
def test_json_values_as_either_kind(value: Any) -> None:
    text = json.dumps(value)
    for kind in ("rules", "timeline"):
        assert_promise(*cli(["validate", "--kind", kind, "-"], text.encode()))


@fuzz(40)
@given(mutants(EXAMPLE_DATA))
def test_timeline_with_one_value_replaced_through_evaluate(data: Any) -> None:
    text = json.dumps(data)
    code, out, err = cli(["evaluate", "-", "--as-of", "2024-04-05T12:00"], text.encode())
    assert_promise(code, out, err)
    if code == 0:
        assert json.loads(out)["protocol_id"] == "camden"


@fuzz(30)
@given(mutants(MINI_DATA))
def test_rule_file_with_one_value_replaced_compiles_or_is_refused(data: Any) -> None:
    try:
        protocol = compile_text(json.dumps(data), "mutant.json")
    except RuleFileError:
        return
    verify_protocol(protocol)


# --- valid but extreme ------------------------------------------------------------------

_EDGES = (
    dt.datetime(1918, 1, 1, tzinfo=LONDON),
    dt.datetime(2099, 12, 31, tzinfo=LONDON),
)


@fuzz(12)
@given(evaluations_inputs(MINI, start=_EDGES[0], end=_EDGES[1]))
def test_extreme_dates_evaluate(case: tuple[Any, dt.datetime]) -> None:
    timeline, as_of = case
    evaluate(MINI, timeline, as_of)


# --- the public strategies --------------------------------------------------------------

# The October and March clock changes of 2023 and 2024, with a day either side; and years
# past the strategies' default end (a report once defaulted to before a late start).
_CHANGES = [
    (dt.datetime(2023, 10, 28, tzinfo=LONDON), dt.datetime(2023, 10, 30, tzinfo=LONDON)),
    (dt.datetime(2024, 3, 30, tzinfo=LONDON), dt.datetime(2024, 4, 1, tzinfo=LONDON)),
    (dt.datetime(2090, 1, 1, tzinfo=LONDON), dt.datetime(2099, 12, 31, tzinfo=LONDON)),
]


@pytest.mark.parametrize(("start", "end"), _CHANGES)
def test_strategies_only_draw_what_the_model_accepts(start: dt.datetime, end: dt.datetime) -> None:
    @fuzz(30)
    @given(timelines(MINI, start=start, end=end, max_episodes=4))
    def drawn(timeline: Any) -> None:
        again = parse_timeline(timeline.model_dump_json(), "drawn")
        assert again == timeline

    drawn()


_REPLAY = """
import json
from hypothesis import given, settings
from missing_protocol.strategies import timelines
seen = []
@settings(max_examples=4, derandomize=True, database=None, deadline=None)
@given(timelines())
def draw(timeline):
    seen.append(timeline.model_dump_json())
draw()
print(json.dumps(seen))
"""


def test_a_seed_replays_in_any_process(tmp_path: Path) -> None:
    runs = []
    for hash_seed in ("1", "2"):
        env = {
            **os.environ,
            "PYTHONHASHSEED": hash_seed,
            "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path),
        }
        done = subprocess.run(
            [sys.executable, "-c", _REPLAY],
            capture_output=True,
            check=True,
            env=env,
            timeout=120,
        )
        runs.append(json.loads(done.stdout))
    assert len(runs[0]) == 4
    assert runs[0] == runs[1]
