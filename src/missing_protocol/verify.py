"""Static checks of a compiled protocol against its source text.

``check_citations`` confirms that every quote a rule file gives occurs word for
word in the protocol text it cites (whitespace and typographic quotes
normalised), so that no rule can cite words the protocol does not contain.
The texts themselves are not shipped with the package: pass the text in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .compiled import Citation, Protocol, SourceRef

__all__ = ["Finding", "check_citations", "normalise_text"]

_TRANSLATE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def normalise_text(text: str) -> str:
    """Collapse whitespace and straighten typographic quotes."""
    return " ".join(text.translate(_TRANSLATE).split())


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem a static check found, located in the rule file."""

    code: str
    message: str
    source: SourceRef

    def __str__(self) -> str:
        return f"{self.source}: {self.message} [{self.code}]"


def _citations(protocol: Protocol) -> Iterator[tuple[str, Citation, SourceRef]]:
    for category in protocol.categories:
        yield f"category {category.id}", category.citation, category.source
    for floor in protocol.floors:
        yield f"floor {floor.id}", floor.citation, floor.source
    for allocation in protocol.allocations.values():
        for number, option in enumerate(allocation.options, start=1):
            yield f"allocation {allocation.id} option {number}", option.citation, option.source
    for rule in protocol.rules:
        yield f"rule {rule.id}", rule.citation, rule.source
        for extra in rule.see_also:
            yield f"rule {rule.id} (see also)", extra, rule.source
    for item in protocol.not_encoded:
        yield "not_encoded", item.citation, SourceRef(protocol.file, None, None)


def check_citations(protocol: Protocol, text: str) -> list[Finding]:
    """Every citation whose quote does not occur in ``text``."""
    haystack = normalise_text(text)
    return [
        Finding(
            "verify.quote_not_found",
            f"{what}: section {citation.section}: quote not found in "
            f"{protocol.source_text}: {citation.quote[:70]!r}",
            source,
        )
        for what, citation, source in _citations(protocol)
        if normalise_text(citation.quote) not in haystack
    ]
