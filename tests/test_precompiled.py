"""The precompiled bundled protocols: current, equal to compiling, never trusted when stale."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
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
from missing_protocol import precompiled as precompiled_module
from missing_protocol import protocols as protocols_module
from missing_protocol.calendar import Duration, Unit
from missing_protocol.compiled import (
    Alternative,
    Citation,
    EventTrigger,
    Moment,
    Protocol,
    SourceRef,
)
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


def _document(protocol_id: str) -> tuple[dict[str, object], dict[str, object]]:
    """A precompiled file's key (its first line) and its encoded protocol."""
    head, body = precompiled_path(protocol_id).read_text("utf-8").split("\n", 1)
    key: dict[str, object] = json.loads(head)
    encoded: dict[str, object] = json.loads(body)
    return key, encoded


def _file_text(key: dict[str, object], encoded: dict[str, object]) -> str:
    """A precompiled file of ``key`` and ``encoded``, its ``body_sha256`` made to match."""
    body = json.dumps(encoded) + "\n"
    key = {**key, "body_sha256": hashlib.sha256(body.encode()).hexdigest()}
    return json.dumps(key) + "\n" + body


def _with_changed_title(protocol_id: str) -> tuple[dict[str, object], dict[str, object]]:
    key, encoded = _document(protocol_id)
    scalars = encoded["scalars"]
    assert isinstance(scalars, list)
    scalars[scalars.index(compile_bundled(protocol_id).title)] = "Not the real title"
    return key, encoded


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("rule_sha256", "0" * 64),
        ("code_sha256", "0" * 64),
        ("format", 1),
        ("sources", []),
        ("sources", ["../rules/camden.yaml"]),
    ],
)
def test_a_stale_precompiled_file_is_not_used(
    stored_elsewhere: Path, name: str, value: object
) -> None:
    key, encoded = _with_changed_title("camden")
    key[name] = value
    (stored_elsewhere / "camden.json").write_text(_file_text(key, encoded), encoding="utf-8")
    assert load_protocol("camden").title == compile_bundled("camden").title
    assert load_protocol("camden").title != "Not the real title"


def test_a_current_key_is_what_makes_a_file_used(stored_elsewhere: Path) -> None:
    text = _file_text(*_with_changed_title("camden"))
    (stored_elsewhere / "camden.json").write_text(text, encoding="utf-8")
    assert load_protocol("camden").title == "Not the real title"


def test_windows_line_ends_keep_a_file_current(stored_elsewhere: Path) -> None:
    text = _file_text(*_with_changed_title("camden"))
    (stored_elsewhere / "camden.json").write_bytes(text.replace("\n", "\r\n").encode())
    assert load_protocol("camden").title == "Not the real title"


def test_a_body_not_matching_its_hash_is_not_used(stored_elsewhere: Path) -> None:
    # the key is current, but the encoded protocol is not the one it was written with
    key, encoded = _with_changed_title("camden")
    text = json.dumps(key) + "\n" + json.dumps(encoded) + "\n"
    (stored_elsewhere / "camden.json").write_text(text, encoding="utf-8")
    assert load_protocol("camden") == compile_bundled("camden")
    assert load_protocol("camden").title != "Not the real title"


def test_any_damaged_byte_falls_back_to_compiling(stored_elsewhere: Path) -> None:
    data = precompiled_path("camden").read_bytes()
    compiled = compile_bundled("camden")
    for at in range(0, len(data), max(1, len(data) // 97)):
        damaged = bytearray(data)
        damaged[at] = ord("0") if damaged[at] != ord("0") else ord("1")
        (stored_elsewhere / "camden.json").write_bytes(bytes(damaged))
        protocols_module._precompiled.cache_clear()
        assert load_protocol("camden") == compiled, at


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", '{"format": 1}', "not json", '"\\ud800"', '{"format": 2}\n{}', "\n\n"],
)
def test_a_damaged_or_missing_file_falls_back_to_compiling(
    stored_elsewhere: Path, text: str
) -> None:
    (stored_elsewhere / "camden.json").write_text(text, encoding="utf-8")
    assert load_protocol("camden") == compile_bundled("camden")
    (stored_elsewhere / "camden.json").unlink()
    protocols_module._precompiled.cache_clear()
    assert load_protocol("camden") == compile_bundled("camden")


def test_a_file_of_the_previous_format_is_not_used(stored_elsewhere: Path) -> None:
    key, encoded = _with_changed_title("camden")
    old = {**key, "format": 1, "protocol": encoded}
    (stored_elsewhere / "camden.json").write_text(json.dumps(old, indent=0), encoding="utf-8")
    assert load_protocol("camden").title == compile_bundled("camden").title


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
    assert encode(frozenset({"b", "c", "a"})) == {
        "kinds": [["frozenset"]],
        "scalars": ["a", "b", "c"],
        "width": 4,
        "values": ["00000300000001000200"],  # kind 0, 3 items: values 0, 1 and 2
        "root": 3,
    }


def test_each_distinct_part_is_written_and_built_once() -> None:
    citation = Citation("1.2", "quote")
    value = (citation, Citation("1.2", "quote"), "1.2", (citation,), (citation,))
    encoded = encode(value)
    assert encoded["scalars"] == ["1.2", "quote"]
    assert len(encoded["values"]) == 3  # the citation, (citation,) and the whole
    back = _round_trip(value)
    assert back == value
    assert isinstance(back, tuple)
    assert back[0] is back[1]
    assert back[3] is back[4]


def test_parts_equal_only_by_comparison_are_kept_apart() -> None:
    # an alternative's source is not part of its meaning (compare=False): still kept
    trigger = EventTrigger(Moment.STARTED)
    first = Alternative(trigger, None, SourceRef("rules/x.yaml", 3, 5))
    second = Alternative(trigger, None, SourceRef("rules/x.yaml", 9, 5))
    assert first == second
    back = _round_trip((first, second))
    assert isinstance(back, tuple)
    assert [a.source for a in back] == [first.source, second.source]
    # and True, 1 and 1.0 are equal in Python, but not the same value
    numbers = _round_trip((True, 1, 1.0, False, 0))
    assert isinstance(numbers, tuple)
    assert [type(v) for v in numbers] == [bool, int, float, bool, int]


def test_a_table_of_more_than_4_hex_digits_of_values() -> None:
    value = tuple(range(70_000))
    encoded = encode(value)
    assert encoded["width"] == 8
    assert _round_trip(value) == value


def test_decoding_sets_fields_as_init_does() -> None:
    """Every dataclass of the allow-list, built from its fields by decoding, as by calling it."""
    for tag, cls in allowed_classes().items():
        if not dataclasses.is_dataclass(cls):
            continue
        assert precompiled_module._sets_fields_only(cls), tag  # decoding does not call it
        names = [f.name for f in dataclasses.fields(cls)]
        parts = [f"value of {name}" for name in names]
        encoded = {
            "kinds": [[tag, *names]],
            "scalars": parts,
            "width": 4,
            "values": [_hex(0, *range(len(parts)))],
            "root": len(parts),
        }
        back = decode(json.dumps(encoded))
        assert type(back) is cls
        assert back == cls(*parts), tag
        assert [getattr(back, name) for name in names] == parts
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(back, names[0], "changed")


def test_a_dataclass_whose_init_does_more_is_built_by_calling_it() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Plain:
        x: int

    @dataclasses.dataclass(frozen=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            assert self.x > 0

    @dataclasses.dataclass
    class Changing:
        x: int

    assert precompiled_module._sets_fields_only(Plain)
    assert not precompiled_module._sets_fields_only(Checked)
    assert not precompiled_module._sets_fields_only(Changing)


def test_numbers_are_read_little_endian_on_any_machine() -> None:
    raw = bytes.fromhex("01000302feff")
    assert list(memoryview(precompiled_module._native(raw, 2)).cast("H")) == [1, 515, 65534]
    raw = bytes.fromhex("0100000004030201")
    assert list(memoryview(precompiled_module._native(raw, 4)).cast("I")) == [1, 16909060]


def _hex(*numbers: int) -> str:
    return "".join(n.to_bytes(2, "little").hex() for n in numbers)


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


_CITATION = ["compiled.Citation", "section", "quote"]


def _encoded(
    kinds: object = (_CITATION,),
    scalars: object = ("1", "q"),
    values: object = (_hex(0, 0, 1),),
    root: object = 2,
    width: object = 4,
) -> str:
    def plain(value: object) -> object:
        return [plain(v) for v in value] if isinstance(value, tuple) else value

    return json.dumps(
        {
            "kinds": plain(kinds),
            "scalars": plain(scalars),
            "width": width,
            "values": plain(values),
            "root": root,
        }
    )


def test_the_encoding_the_refusals_start_from_decodes() -> None:
    assert decode(_encoded()) == Citation("1", "q")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (_encoded(kinds=(("builtins.eval",),)), "unknown tag 'builtins.eval'"),
        (_encoded(kinds=(("os.system",),)), "unknown tag 'os.system'"),
        (_encoded(kinds=(("compiled.Citation", "section"),)), "missing fields quote"),
        (_encoded(kinds=((*_CITATION, "page"),)), "unknown fields page"),
        (
            _encoded(kinds=(("compiled.Citation", "quote", "section"),)),
            "section, quote, in that order",
        ),
        (_encoded(kinds=(("facts.PoliceRisk", "value"),)), "not a dataclass"),
        (_encoded(kinds=(("tuple", "items"),)), "unknown tag 'tuple'"),
        (_encoded(kinds=((1,),)), "kinds must be lists of text"),
        (_encoded(kinds=((),)), "kinds must be lists of text"),
        (_encoded(kinds="compiled.Citation"), "kinds must be lists of text"),
        (_encoded(scalars=(["1"], "q")), "scalars must be a list of text"),
        (_encoded(scalars=({"a": 1}, "q")), "scalars must be a list of text"),
        (_encoded(values=(_hex(0, 0),)), "fewer parts than its kind"),
        (_encoded(values=(_hex(0, 0, 2),)), "index out of range"),  # not an earlier value
        (_encoded(values=(_hex(1, 0, 1),)), "index out of range"),  # no kind 1
        (_encoded(values=("00000000001",)), "hex digits"),
        (_encoded(values=("-0010000001",)), "hex digits"),
        (_encoded(values=("00g000000001",)), "hex digits"),
        (_encoded(values=("0000000000",)), "hex digits"),  # 2 1/2 numbers
        (_encoded(values=_hex(0, 0, 1)), "hex digits"),
        (_encoded(values=((0, 0, 1),)), "hex digits"),
        (_encoded(width=2), "width must be one of"),
        (_encoded(width=True), "width must be one of"),
        (_encoded(root=-1), "the root a number"),
        (_encoded(root=3), "index out of range"),
        (
            _encoded(
                kinds=(("facts.PoliceRisk",),), scalars=("extreme",), values=(_hex(0, 0),), root=1
            ),
            "is not a valid PoliceRisk",
        ),
        (
            _encoded(kinds=(("date",),), scalars=(20240101,), values=(_hex(0, 0),), root=1),
            "argument must be str",
        ),
        (
            _encoded(kinds=(("date",),), scalars=("2024-13-01",), values=(_hex(0, 0),), root=1),
            "month must be in 1..12",
        ),
        (
            _encoded(kinds=(("time",),), scalars=("12:00+01:00",), values=(_hex(0, 0),), root=1),
            "without a zone",
        ),
        (_encoded(kinds=(("mappingproxy",),), values=(_hex(0, 1, 0),), root=2), "zip"),
        (
            _encoded(kinds=(("mappingproxy",),), values=(_hex(0, 4, 0, 1, 0, 1),), root=2),
            "each key once",
        ),
        (
            _encoded(kinds=(("tuple",),), values=(_hex(0, 3, 0, 1),), root=2),
            "fewer parts than its kind",
        ),
        (
            _encoded(
                kinds=(("frozenset",), ("mappingproxy",)),
                values=(_hex(1, 2, 0, 1), _hex(0, 1, 2)),
                root=3,
            ),
            "unhashable",
        ),
        (
            '{"kinds": [], "scalars": [], "width": 4, "values": [], "root": 0, "extra": 1}',
            "expected an encoded value",
        ),
        ("[1, 2]", "expected an encoded value"),
        ('{"$": "compiled.Citation", "section": "1", "quote": "q"}', "expected an encoded value"),
        ("{", "Expecting property name"),
    ],
)
def test_decoding_refuses_anything_else(text: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode(text)
