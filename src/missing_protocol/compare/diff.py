"""What changed between two versions of a rule file.

:func:`diff_protocols` lists rules added, removed and changed field by field,
and changes to the risk model, allocations and metadata.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from missing_protocol.compiled import Citation, Protocol, Rule
from missing_protocol.conditions import describe
from missing_protocol.render import describe_deadline, describe_trigger

from .common import ProtocolInfo, infos
from .matrix import describe_recipients, describe_who

__all__ = ["FieldChange", "ItemChange", "ProtocolDiff", "diff_protocols"]


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class ItemChange:
    """A rule, category, floor or allocation: ``added``, ``removed`` or ``changed``."""

    item: str  # e.g. "rule report_missing", "category missing"
    status: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class ProtocolDiff:
    old: ProtocolInfo
    new: ProtocolInfo
    metadata: tuple[FieldChange, ...]
    rules: tuple[ItemChange, ...]
    risk_and_allocations: tuple[ItemChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.metadata or self.rules or self.risk_and_allocations)


def _cite(c: Citation) -> str:
    return f"§{c.section}: {c.quote}"


def _rule_fields(protocol: Protocol, rule: Rule) -> dict[str, str]:
    return {
        "topic": rule.topic.value,
        "action": rule.action,
        "trigger": describe_trigger(rule.trigger),
        "condition": describe(rule.when) if rule.when is not None else "always",
        "deadline": describe_deadline(rule.deadline),
        "responsible": describe_who(protocol, rule),
        "obligation": rule.obligation.value,
        "recipients": describe_recipients(rule),
        "satisfied_by": ", ".join(sorted(rule.satisfied_by)),
        "citation": _cite(rule.citation),
        "see_also": " | ".join(_cite(c) for c in rule.see_also) or "-",
        "note": " ".join(rule.note.split()) if rule.note else "-",
    }


def _changes(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(k, old[k], new[k]) for k in old if old[k] != new[k])


def _diff_items(
    kind: str, old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]
) -> list[ItemChange]:
    out: list[ItemChange] = []
    for ident in old:
        if ident not in new:
            out.append(ItemChange(f"{kind} {ident}", "removed", ()))
        elif changes := _changes(old[ident], new[ident]):
            out.append(ItemChange(f"{kind} {ident}", "changed", changes))
    out += [ItemChange(f"{kind} {i}", "added", ()) for i in new if i not in old]
    return out


def _risk_items(p: Protocol) -> dict[str, dict[str, dict[str, str]]]:
    categories = {
        c.id: {
            "position": str(n),
            "label": c.label,
            "police_risk": ", ".join(r.value for r in c.police_risk) or "-",
            "condition": describe(c.when) if c.when is not None else "never derived",
            "citation": _cite(c.citation),
            "note": " ".join(c.note.split()) if c.note else "-",
        }
        for n, c in enumerate(p.categories, start=1)
    }
    floors = {
        f.id: {
            "condition": describe(f.when) if f.when is not None else "always",
            "forbid": ", ".join(sorted(r.value for r in f.forbid)),
            "raise_to": f.raise_to.value,
            "citation": _cite(f.citation),
            "note": " ".join(f.note.split()) if f.note else "-",
        }
        for f in p.floors
    }
    allocations = {
        a.id: {
            "description": a.description,
            **{
                f"option {n}": (
                    (f"{o.role} if {describe(o.when)}" if o.when else f"otherwise {o.role}")
                    + f" [{_cite(o.citation)}]"
                )
                for n, o in enumerate(a.options, start=1)
            },
        }
        for a in p.allocations.values()
    }
    ungraded = {
        u.id: {
            "condition": describe(u.when) if u.when is not None else "always",
            "held_at": u.held_at.value,
            "citation": _cite(u.citation),
            "note": " ".join(u.note.split()) if u.note else "-",
        }
        for u in p.ungraded
    }
    return {
        "category": categories,
        "floor": floors,
        "allocation": allocations,
        "ungraded": ungraded,
    }


def _metadata(p: Protocol) -> dict[str, str]:
    return {
        "id": p.id,
        "title": p.title,
        "version": p.version,
        "authorities": ", ".join(p.authorities),
        "effective": p.effective.isoformat() if p.effective else "-",
        "source_document": p.source_document,
        "source_text": p.source_text,
        "police_risk_levels": ", ".join(r.value for r in p.police_risk_levels),
    }


def _padded(fields: Mapping[str, str], keys: Iterable[str]) -> dict[str, str]:
    return {k: fields.get(k, "-") for k in keys}


def diff_protocols(old: Protocol, new: Protocol) -> ProtocolDiff:
    """What changed from ``old`` to ``new``: rules by id, field by field, risk and allocations."""
    columns = infos([old, new])
    old_rules = {r.id: _rule_fields(old, r) for r in old.rules}
    new_rules = {r.id: _rule_fields(new, r) for r in new.rules}
    rules = _diff_items("rule", old_rules, new_rules)
    risk: list[ItemChange] = []
    old_risk, new_risk = _risk_items(old), _risk_items(new)
    for kind in ("category", "floor", "allocation", "ungraded"):
        o, n = old_risk[kind], new_risk[kind]
        if kind == "allocation":  # options may be added or removed: compare over all keys
            for ident in o.keys() & n.keys():
                keys = list(dict.fromkeys([*o[ident], *n[ident]]))
                o[ident], n[ident] = _padded(o[ident], keys), _padded(n[ident], keys)
        risk += _diff_items(kind, o, n)
    return ProtocolDiff(
        columns[0],
        columns[1],
        _changes(_metadata(old), _metadata(new)),
        tuple(rules),
        tuple(risk),
    )
