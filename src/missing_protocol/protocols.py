"""Finding and loading protocols: the bundled ones by id, or any rule file by path.

Bundled rule files ship inside the package (``missing_protocol/rules/*.yaml``);
in a source checkout that directory is the top-level ``rules/``. A protocol is
compiled once per file and content and then shared: compiled protocols are
immutable.

A bundled protocol's compiled form also ships, precompiled, as plain JSON data
(``missing_protocol/compiled_rules/<id>.json``, written by
``tools/gen_precompiled.py``; see :mod:`missing_protocol.precompiled`). It is
used only when its key matches the rule file read now and the compiler's code;
otherwise the rule file is compiled as any other. Rule files given by path are
always compiled.
"""

from __future__ import annotations

import dataclasses
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import RuleFileError, UnknownProtocolError
from .limits import DEFAULT_LIMITS, Limits
from .reading import read_bytes

if TYPE_CHECKING:
    from .compiled import Protocol

__all__ = [
    "bundled_protocol_ids",
    "bundled_rule_path",
    "compile_bundled",
    "compile_text",
    "is_rule_file_path",
    "load_protocol",
    "precompiled_path",
]


# The package's own folder (importlib.resources says the same, for a tenth of start-up).
_PACKAGE = Path(__file__).parent


def _rules_dir() -> Path:
    return _PACKAGE / "rules"


def bundled_protocol_ids() -> tuple[str, ...]:
    """The ids of the protocols shipped with the package, sorted."""
    return tuple(sorted(path.stem for path in _rules_dir().glob("*.yaml")))


def bundled_rule_path(protocol_id: str) -> Path:
    """The path of a bundled rule file."""
    path = _rules_dir() / f"{protocol_id}.yaml"
    if not path.is_file():
        known = ", ".join(bundled_protocol_ids())
        raise UnknownProtocolError(
            f"no bundled protocol {protocol_id!r}; the bundled ones are: {known}"
        )
    return path


def precompiled_path(protocol_id: str) -> Path:
    """Where a bundled protocol's precompiled form is (or would be) kept."""
    return _PACKAGE / "compiled_rules" / f"{protocol_id}.json"


@lru_cache(maxsize=32)
def _compile_bytes(data: bytes, name: str, limits: Limits) -> Protocol:
    # imported here: a bundled protocol read from its precompiled form needs none of them
    from .compile import compile_rule_file  # noqa: PLC0415
    from .loading import COUNTED_LISTS, parse_bytes, validate_document  # noqa: PLC0415
    from .schema import RuleFile  # noqa: PLC0415

    parsed, smap = parse_bytes(
        data, name, error=RuleFileError, limits=limits, counted=COUNTED_LISTS["RuleFile"]
    )
    rule_file = validate_document(RuleFile, parsed, smap, error=RuleFileError, limits=limits)
    return compile_rule_file(rule_file, smap)


def compile_text(
    text: str | bytes, name: str = "<rules>", *, limits: Limits = DEFAULT_LIMITS
) -> Protocol:
    """Compile rule-file text (or its UTF-8 bytes); ``name`` is used in error messages.

    The text goes through the guarded reader (:mod:`missing_protocol.reading`)
    with ``limits``; compiled protocols are cached by content, name and limits.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return _compile_bytes(data, name, limits)


def is_rule_file_path(id_or_path: str | Path) -> bool:
    """Whether ``--protocol`` names a file rather than a bundled protocol id.

    A path is a :class:`~pathlib.Path`, anything with a folder separator, or a
    name ending in ``.yaml``, ``.yml`` or ``.json``.
    """
    text = str(id_or_path)
    return (
        isinstance(id_or_path, Path)
        or Path(text).suffix.lower() in (".yaml", ".yml", ".json")
        or "/" in text
        or (os.sep != "/" and os.sep in text)
    )


def load_protocol(id_or_path: str | Path, *, limits: Limits = DEFAULT_LIMITS) -> Protocol:
    """A bundled protocol by id (``"camden"``) or any rule file by path.

    Raises :class:`UnknownProtocolError` for an unknown id and
    :class:`RuleFileError` (with every problem, or ``io.unreadable``) for a bad
    or unreadable file. Every file is read within ``limits``.
    """
    bundled = not is_rule_file_path(id_or_path)
    if bundled:
        path = bundled_rule_path(str(id_or_path))
        display = f"rules/{path.name}"
    else:
        path = Path(id_or_path)
        display = str(path)
    data = read_bytes(path, display, error=RuleFileError, limit=limits.file_bytes)
    if bundled and _reads_rule_files_as_default(limits):
        found = _precompiled(path.stem, data)
        if found is not None:
            return found
    return _compile_bytes(data, display, limits)


def compile_bundled(protocol_id: str) -> Protocol:
    """A bundled protocol compiled from its rule file, never from its precompiled form.

    What ``tools/gen_precompiled.py`` stores; :func:`load_protocol` gives an equal protocol.
    """
    path = bundled_rule_path(protocol_id)
    display = f"rules/{path.name}"
    data = read_bytes(path, display, error=RuleFileError, limit=DEFAULT_LIMITS.file_bytes)
    return _compile_bytes(data, display, DEFAULT_LIMITS)


@lru_cache(maxsize=32)
def _precompiled(protocol_id: str, data: bytes) -> Protocol | None:
    from .precompiled import read_precompiled  # noqa: PLC0415

    return read_precompiled(precompiled_path(protocol_id), data)


# Limits that only timelines and evaluation meet: they cannot change how a rule file reads.
_TIMELINE_LIMITS = frozenset(
    {"record_bytes", "episodes", "events", "evaluation_span_days", "occurrences_per_rule"}
)


def _reads_rule_files_as_default(limits: Limits) -> bool:
    """Whether a rule file reads under ``limits`` as under the defaults (the generator's).

    Only the timeline limits may differ: any other (a lower ``rules``, a higher
    ``nesting_depth``) may refuse or accept a rule file differently, so the
    file is compiled under it instead. A limit added later counts as one that
    may matter until it is listed here.
    """
    if limits == DEFAULT_LIMITS:
        return True
    kept = {name: getattr(DEFAULT_LIMITS, name) for name in _TIMELINE_LIMITS}
    return dataclasses.replace(limits, **kept) == DEFAULT_LIMITS
