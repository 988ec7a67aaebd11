"""What every comparison shares: protocols as columns, citation anchors, kind order.

A comparison names each protocol by a column key unique within it
(:func:`protocol_keys`) and by a short area name for sentences
(:func:`area_name`), and cites passages through :class:`CitationRef`, whose
anchor is the same wherever the passage is cited, so that the rules matrix,
the escalation ladder and their renderings can link to one another.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from missing_protocol.compiled import Citation, Protocol
from missing_protocol.explain import format_moment
from missing_protocol.vocabulary import ACTION_KINDS

__all__ = [
    "CitationRef",
    "ProtocolInfo",
    "area_name",
    "cite_ref",
    "describe_due",
    "infos",
    "kind_order",
    "protocol_keys",
    "row_anchor",
    "rule_anchor",
    "slug",
    "source_line",
]


@dataclass(frozen=True, slots=True)
class ProtocolInfo:
    """A protocol as a column: ``key`` is unique within one comparison, ``name`` is for prose."""

    key: str
    id: str
    title: str
    version: str
    file: str
    name: str


@dataclass(frozen=True, slots=True)
class CitationRef:
    """A cited passage, where it is encoded, and an anchor unique within a report."""

    protocol: str  # the protocol's column key
    item: str  # "rule report_missing", "category missing", "allocation x option 2"
    section: str
    quote: str
    source: str  # rule file and line, e.g. rules/camden.yaml:123
    anchor: str


def slug(text: str) -> str:
    """``text`` with every run of other characters than letters, digits and ``_`` as ``_``."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", text)


def protocol_keys(protocols: Sequence[Protocol]) -> tuple[str, ...]:
    """A unique column key per protocol: its id, with the version (and a number) if repeated."""
    ids = [p.id for p in protocols]
    keys = [f"{p.id}@{p.version}" if ids.count(p.id) > 1 else p.id for p in protocols]
    out = [
        key if keys.count(key) == 1 else f"{key}#{keys[:n].count(key) + 1}"
        for n, key in enumerate(keys)
    ]
    return tuple(out)


_AUTHORITY_WORDS = ("London Borough of ", "Royal Borough of ", "City of ")
_AUTHORITY_TAILS = (" Borough Council", " City Council", " County Council", " Council")


def area_name(protocol: Protocol) -> str:
    """A short name for sentences: the one authority's place name, else the id in words.

    ``London Borough of Camden`` gives ``Camden``; a protocol shared by several
    authorities is named from its id (``pan_beds`` gives ``Pan Beds``).
    """
    if len(protocol.authorities) == 1:
        name = protocol.authorities[0]
        for word in _AUTHORITY_WORDS:
            name = name.removeprefix(word)
        for tail in _AUTHORITY_TAILS:
            name = name.removesuffix(tail)
        return name
    return protocol.id.replace("_", " ").title()


def rule_anchor(key: str, rule_id: str) -> str:
    """The anchor of a rule's quoted passage in a report (see :func:`cite_ref`)."""
    return f"q-{slug(key)}-rule-{slug(rule_id)}"


def row_anchor(row_key: str) -> str:
    """The anchor of a rules-matrix row, e.g. ``r-notification_notify_parents``."""
    return f"r-{slug(row_key)}"


def cite_ref(key: str, kind: str, ident: str, citation: Citation, source: object) -> CitationRef:
    """The citation of ``kind ident`` (``rule report_missing``) of column ``key``."""
    return CitationRef(
        protocol=key,
        item=f"{kind} {ident}",
        section=citation.section,
        quote=citation.quote,
        source=str(source),
        anchor=f"q-{slug(key)}-{kind}-{slug(ident)}",
    )


def kind_order(kind: str) -> tuple[int, str]:
    """Canonical action kinds in vocabulary order, then an area's own kinds by name."""
    canonical = list(ACTION_KINDS)
    return (canonical.index(kind), "") if kind in canonical else (len(canonical), kind)


def infos(protocols: Sequence[Protocol]) -> tuple[ProtocolInfo, ...]:
    """Each protocol as a column, in the order given."""
    return tuple(
        ProtocolInfo(k, p.id, p.title, p.version, p.file, area_name(p))
        for p, k in zip(protocols, protocol_keys(protocols), strict=True)
    )


def source_line(source: str) -> int:
    """The line number of ``rules/x.yaml:123``; 0 when there is none."""
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def describe_due(moment: dt.datetime | None) -> str:
    """``due Sat 30 Mar 2024 22:00 GMT``, or ``no time limit``."""
    return f"due {format_moment(moment)}" if moment is not None else "no time limit"
