"""Finding and loading protocols: the bundled ones by id, or any rule file by path.

Bundled rule files ship inside the package (``missing_protocol/rules/*.yaml``);
in a source checkout that directory is the top-level ``rules/``. A protocol is
compiled once per file and content and then shared: compiled protocols are
immutable.
"""

from __future__ import annotations

import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .compile import compile_rule_file
from .compiled import Protocol
from .errors import RuleFileError, UnknownProtocolError
from .limits import DEFAULT_LIMITS, Limits
from .loading import COUNTED_LISTS, parse_bytes, validate_document
from .reading import read_bytes
from .schema import RuleFile

__all__ = [
    "bundled_protocol_ids",
    "bundled_rule_path",
    "compile_text",
    "is_rule_file_path",
    "load_protocol",
]


def _rules_dir() -> Path:
    return Path(str(resources.files("missing_protocol") / "rules"))


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


@lru_cache(maxsize=32)
def _compile_bytes(data: bytes, name: str, limits: Limits) -> Protocol:
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
    if is_rule_file_path(id_or_path):
        path = Path(id_or_path)
        display = str(path)
    else:
        path = bundled_rule_path(str(id_or_path))
        display = f"rules/{path.name}"
    data = read_bytes(path, display, error=RuleFileError, limit=limits.file_bytes)
    return _compile_bytes(data, display, limits)
