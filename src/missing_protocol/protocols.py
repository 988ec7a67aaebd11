"""Finding and loading protocols: the bundled ones by id, or any rule file by path.

Bundled rule files ship inside the package (``missing_protocol/rules/*.yaml``);
in a source checkout that directory is the top-level ``rules/``. A protocol is
compiled once per file and content and then shared: compiled protocols are
immutable.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .compile import compile_rule_file
from .compiled import Protocol
from .errors import RuleFileError, UnknownProtocolError
from .loading import parse_document, validate_document
from .schema import RuleFile

__all__ = ["bundled_protocol_ids", "bundled_rule_path", "compile_text", "load_protocol"]


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
def _compile_text(text: str, name: str, digest: str) -> Protocol:  # noqa: ARG001 - cache key
    data, smap = parse_document(text, name, error=RuleFileError)
    rule_file = validate_document(RuleFile, data, smap, error=RuleFileError)
    return compile_rule_file(rule_file, smap)


def compile_text(text: str, name: str = "<rules>") -> Protocol:
    """Compile rule-file text; ``name`` is used in error messages."""
    return _compile_text(text, name, hashlib.sha256(text.encode()).hexdigest())


def load_protocol(id_or_path: str | Path) -> Protocol:
    """A bundled protocol by id (``"camden"``) or any rule file by path.

    Raises :class:`UnknownProtocolError` for an unknown id and
    :class:`RuleFileError` (with every problem) for a bad file.
    """
    candidate = Path(id_or_path)
    if (
        isinstance(id_or_path, Path)
        or candidate.suffix in (".yaml", ".yml")
        or "/" in str(id_or_path)
    ):
        path = candidate
        display = str(candidate)
    else:
        path = bundled_rule_path(str(id_or_path))
        display = f"rules/{path.name}"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UnknownProtocolError(f"cannot read rule file {display}: {exc.strerror}") from exc
    return compile_text(text, display)
