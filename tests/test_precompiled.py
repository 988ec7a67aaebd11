"""The precompiled bundled protocols: current, equal to compiling, never trusted when stale."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest

from golden import all_cases
from missing_protocol import (
    DEFAULT_LIMITS,
    InputError,
    RuleFileError,
    evaluate,
    load_protocol,
    to_json,
)
from missing_protocol import protocols as protocols_module
from missing_protocol.calendar import Duration, Unit
from missing_protocol.compiled import Citation, Protocol, SourceRef
from missing_protocol.facts import PoliceRisk
from missing_protocol.precompiled import (
    DecodeError,
    EncodeError,
    allowed_classes,
    code_sha256,
    decode,
    encode,
    read_precompiled,
)
from missing_protocol.protocols import (
    bundled_protocol_ids,
    bundled_rule_path,
    compile_bundled,
    precompiled_path,
)
from missing_protocol.timeline import Timeline, london_datetime

ROOT = Path(__file__).parent.parent
IDS = bundled_protocol_ids()


def _round_trip(value: object) -> object:
    return decode(json.dumps(encode(value)))


def test_the_precompiled_files_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_precompiled.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("protocol_id", IDS)
def test_decoding_the_encoding_gives_the_compiled_protocol_back(protocol_id: str) -> None:
    compiled = compile_bundled(protocol_id)
    assert _round_trip(compiled) == compiled


@pytest.mark.parametrize("protocol_id", IDS)
def test_load_protocol_reads_the_precompiled_form_equal_to_compiling(protocol_id: str) -> None:
    data = bundled_rule_path(protocol_id).read_bytes()
    stored = read_precompiled(precompiled_path(protocol_id), data)
    assert stored is not None
    assert stored == compile_bundled(protocol_id)
    assert load_protocol(protocol_id) == stored
    assert load_protocol(protocol_id) is load_protocol(protocol_id)


def _golden() -> Iterator[tuple[str, str, Timeline, dt.datetime]]:
    for case in all_cases():
        data = case.data
        try:
            timeline = Timeline.model_validate(data["timeline"])
        except ValueError:
            continue  # a case about a refused timeline
        as_of = london_datetime(dt.datetime.fromisoformat(str(data["as_of"])))
        yield case.name, data["protocol"], timeline, as_of


GOLDEN = list(_golden())


@pytest.mark.parametrize(
    ("name", "protocol_id", "timeline", "as_of"), GOLDEN, ids=[g[0] for g in GOLDEN]
)
def test_the_decoded_protocol_evaluates_as_the_compiled_one(
    name: str, protocol_id: str, timeline: Timeline, as_of: dt.datetime
) -> None:
    compiled = compile_bundled(protocol_id)
    decoded = _round_trip(compiled)
    assert isinstance(decoded, Protocol)
    assert _answer(decoded, timeline, as_of) == _answer(compiled, timeline, as_of), name


def _answer(protocol: Protocol, timeline: Timeline, as_of: dt.datetime) -> str:
    """The evaluation as JSON, or the error (some cases are about a refused timeline)."""
    try:
        return to_json(evaluate(protocol, timeline, as_of))
    except InputError as exc:
        return f"error: {exc}"


def test_a_command_that_loads_a_bundled_protocol_does_not_compile_it() -> None:
    code = (
        "import sys\n"
        "from missing_protocol import load_protocol\n"
        "load_protocol('camden')\n"
        "print(sorted(m for m in ('missing_protocol.compile', 'missing_protocol.schema', "
        "'yaml', 'holidays') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"


@pytest.fixture
def stored_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Bundled protocols' precompiled forms read from ``tmp_path`` (caches emptied around)."""
    monkeypatch.setattr(protocols_module, "precompiled_path", lambda i: tmp_path / f"{i}.json")
    protocols_module._precompiled.cache_clear()
    yield tmp_path
    protocols_module._precompiled.cache_clear()


def _document(protocol_id: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(precompiled_path(protocol_id).read_text("utf-8"))
    return document


def _changed_title(protocol_id: str) -> dict[str, object]:
    document = _document(protocol_id)
    protocol = document["protocol"]
    assert isinstance(protocol, dict)
    protocol["title"] = "Not the real title"
    return document


@pytest.mark.parametrize(
    ("key", "value"),
    [("rule_sha256", "0" * 64), ("code_sha256", "0" * 64), ("format", 0), ("sources", [])],
)
def test_a_stale_precompiled_file_is_not_used(
    stored_elsewhere: Path, key: str, value: object
) -> None:
    document = _changed_title("camden")
    document[key] = value
    (stored_elsewhere / "camden.json").write_text(json.dumps(document), encoding="utf-8")
    assert load_protocol("camden").title == compile_bundled("camden").title
    assert load_protocol("camden").title != "Not the real title"


def test_a_current_key_is_what_makes_a_file_used(stored_elsewhere: Path) -> None:
    (stored_elsewhere / "camden.json").write_text(
        json.dumps(_changed_title("camden")), encoding="utf-8"
    )
    assert load_protocol("camden").title == "Not the real title"


@pytest.mark.parametrize("text", ["", "{", "[]", '{"format": 1}', "not json", '"\\ud800"'])
def test_a_damaged_or_missing_file_falls_back_to_compiling(
    stored_elsewhere: Path, text: str
) -> None:
    (stored_elsewhere / "camden.json").write_text(text, encoding="utf-8")
    assert load_protocol("camden") == compile_bundled("camden")
    (stored_elsewhere / "camden.json").unlink()
    protocols_module._precompiled.cache_clear()
    assert load_protocol("camden") == compile_bundled("camden")


@pytest.mark.parametrize(
    "name",
    [
        "/etc/passwd",
        "../rules/camden.yaml",
        "compile/../compiled.py",
        "C:compiled.py",
        "compile\\build.py",
        "",
        "compile",
        "no_such_module.py",
        "\udc80.py",
        chr(0xD800) + ".py",  # not even escapable in a file name
        "nul\0.py",
    ],
)
def test_the_code_key_reads_only_files_of_the_package(name: str) -> None:
    assert code_sha256((name,)) is None
    assert code_sha256(("compiled.py", name)) is None


def test_lower_rule_file_limits_still_refuse_a_bundled_file() -> None:
    with pytest.raises(RuleFileError) as caught:
        load_protocol("camden", limits=DEFAULT_LIMITS.with_values(rules=5))
    assert [p.code for p in caught.value.problems] == ["limit.rules"]


def test_timeline_limits_keep_the_precompiled_form() -> None:
    raised = DEFAULT_LIMITS.with_values(episodes=5000, events=50_000)
    assert load_protocol("camden", limits=raised) is load_protocol("camden")
    other = DEFAULT_LIMITS.with_values(nesting_depth=100)
    assert load_protocol("camden", limits=other) is not load_protocol("camden")
    assert load_protocol("camden", limits=other) == load_protocol("camden")


# --- the encoding itself ---------------------------------------------------------


def test_values_of_each_kind_survive() -> None:
    values = [
        None,
        True,
        3,
        1.5,
        "text",
        PoliceRisk.HIGH,
        Duration(3, Unit.WORKING_DAYS),
        (1, "a", None),
        frozenset({"b", "a"}),
        frozenset({1, 2}),
        MappingProxyType({"a": SourceRef("f", 1, None), "b": Citation("1.2", "q")}),
        dt.date(2024, 2, 29),
    ]
    for value in values:
        back = _round_trip(value)
        assert back == value
        assert type(back) is type(value)


def test_frozensets_are_written_in_a_stable_order() -> None:
    assert encode(frozenset({"b", "c", "a"})) == {"$": "frozenset", "items": ["a", "b", "c"]}


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ([1, 2], "protocol: a list"),
        ({"a": 1}, "protocol: a dict"),
        (dt.datetime(2024, 1, 1), "protocol: a datetime"),
        ((1, {2: 3}), "protocol[1]: a dict"),
    ],
)
def test_encoding_refuses_what_it_cannot_hold(value: object, where: str) -> None:
    with pytest.raises(EncodeError, match=r"^" + where.replace("[", r"\[").replace("]", r"\]")):
        encode(value)


def test_encoding_refuses_a_dataclass_outside_the_allow_list() -> None:
    @dataclasses.dataclass(frozen=True)
    class Stranger:
        x: int

    with pytest.raises(EncodeError, match="not in the allow-list"):
        encode((Stranger(1),))


def test_the_allow_list_is_the_compiled_form_and_its_enums() -> None:
    modules = {cls.__module__ for cls in allowed_classes().values()}
    assert modules == {
        "missing_protocol.compiled",
        "missing_protocol.facts",
        "missing_protocol.vocabulary",
        "missing_protocol.calendar",
    }
    assert "compiled.Protocol" in allowed_classes()
    assert "calendar.Duration" in allowed_classes()
    assert "facts.FactSpec" not in allowed_classes()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"$": "builtins.eval", "value": "1"}', "unknown tag 'builtins.eval'"),
        ('{"$": "os.system", "value": "true"}', "unknown tag 'os.system'"),
        ('{"$": "compiled.Citation", "section": "1"}', "missing fields quote"),
        (
            '{"$": "compiled.Citation", "section": "1", "quote": "q", "page": 2}',
            "unknown fields page",
        ),
        ('{"$": "compiled.Citation", "section": [1], "quote": "q"}', "a bare list"),
        ('{"$": "compiled.Citation", "section": {"a": 1}, "quote": "q"}', "untagged object"),
        ('{"$": "facts.PoliceRisk", "value": "extreme"}', "one of no_apparent_risk, low"),
        ('{"$": "facts.PoliceRisk", "value": ["high"]}', "one of no_apparent_risk, low"),
        ('{"$": "tuple", "items": [[1]]}', "each a decoded value"),
        ('{"$": "tuple", "items": 1}', "one list of items"),
        ('{"$": "mappingproxy", "items": [[1, 2, 3]]}', r"each \[key, value\] decoded"),
        ('{"$": "date", "value": 20240101}', "ISO 8601"),
        ('{"$": ["compiled.Citation"]}', "unknown tag"),
        ('{"$": "date", "value": "2024-13-01"}', "month must be in 1..12"),
        ("[1, 2]", "a bare list"),
        ("{", "Expecting property name"),
    ],
)
def test_decoding_refuses_anything_else(text: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode(text)
