"""The passes on conditions and risk: every comparison suits its fact, risk levels are the
protocol's own, facts belong to the file's schema version, judgements are few and known."""

from __future__ import annotations

from collections.abc import Iterator

from missing_protocol import schema as s
from missing_protocol.errors import Problem
from missing_protocol.facts import FACTS, FactName, FactType

from .context import Path, _closest, _conditions, _Context, _walk

_OPERATORS: dict[FactType, frozenset[str]] = {
    FactType.NUMBER: frozenset({"is", "lt", "le", "gt", "ge"}),
    FactType.BOOLEAN: frozenset({"is"}),
    FactType.ENUM: frozenset({"is", "in", "not_in"}),
    FactType.ORDERED: frozenset({"is", "in", "not_in", "lt", "le", "gt", "ge"}),
    FactType.SET: frozenset({"has", "has_any", "has_none"}),
    FactType.CATEGORY: frozenset({"is", "in", "not_in"}),
    FactType.CATEGORY_SET: frozenset({"has", "has_any", "has_none"}),
}


def _check_predicate(ctx: _Context, pred: s.Predicate, path: Path) -> Iterator[Problem]:
    spec = FACTS[pred.fact]
    op = pred.operator
    allowed = _OPERATORS[spec.type]
    if op not in allowed:
        yield ctx.problem(
            "bad_operator",
            f"fact {pred.fact.value!r} ({spec.type.value}) cannot be compared with {op!r}; "
            f"use one of {', '.join(sorted(allowed))}",
            (*path, op),
        )
        return
    if pred.fact is FactName.JUDGEMENTS:
        yield from _check_judgements(ctx, pred, path)
        return
    raw = pred.value
    values = raw if isinstance(raw, list) else [raw]
    for value in values:
        problem = _check_value(ctx, spec.type, spec.domain, pred.fact, value)
        if problem:
            yield ctx.problem("bad_value", problem, (*path, op))


def _check_value(
    ctx: _Context,
    kind: FactType,
    domain: tuple[str, ...] | None,
    fact: FactName,
    value: object,
) -> str | None:
    if kind is FactType.NUMBER:
        spec = FACTS[fact]
        if not isinstance(value, int) or isinstance(value, bool):
            return f"fact {fact.value!r} is a number, got {value!r}"
        if (
            spec.minimum is not None
            and spec.maximum is not None
            and not spec.minimum <= value <= spec.maximum + 1
        ):
            return (
                f"{fact.value} {value} is outside {spec.minimum}..{spec.maximum + 1}; "
                "the protocols cover children, and care leavers to their 25th birthday"
            )
        return None
    if kind is FactType.BOOLEAN:
        return None if isinstance(value, bool) else f"fact {fact.value!r} is true or false"
    if kind in (FactType.CATEGORY, FactType.CATEGORY_SET):
        if value not in ctx.categories:
            return (
                f"unknown category {value!r}{_closest(str(value), ctx.categories)}; "
                f"the categories are: {', '.join(sorted(ctx.categories))}"
            )
        return None
    assert domain is not None
    if not isinstance(value, str) or value not in domain:
        return (
            f"{value!r} is not a value of {fact.value!r}{_closest(str(value), domain)}; "
            f"expected one of {', '.join(domain)}"
        )
    return None


def _check_judgements(ctx: _Context, pred: s.Predicate, path: Path) -> Iterator[Problem]:
    """Each judgement named is shared or declared under extra_judgements."""
    raw = pred.value
    for value in raw if isinstance(raw, list) else [raw]:
        if value not in ctx.judgements:
            yield ctx.problem(
                "unknown_judgement",
                f"unknown judgement {value!r}{_closest(str(value), ctx.judgements)} "
                "(declare the protocol's own judgements under extra_judgements, with who "
                "makes each and where it is recorded)",
                (*path, pred.operator),
            )


#: The most judgement codes one rule's condition may name (pending rules try each subset).
MAX_JUDGEMENTS_PER_RULE = 6


def check_judgement_rules(ctx: _Context) -> Iterator[Problem]:
    """A rule names few judgements, and none on a recurring trigger (they would move its timing)."""
    for i, rule in enumerate(ctx.file.rules):
        if rule.when is None:
            continue
        named = {
            str(v)
            for node, _ in _walk(rule.when, ("rules", i, "when"))
            if isinstance(node, s.Predicate) and node.fact is FactName.JUDGEMENTS
            for v in (node.value if isinstance(node.value, list) else [node.value])
        }
        if not named:
            continue
        if len(named) > MAX_JUDGEMENTS_PER_RULE:
            yield ctx.problem(
                "too_many_judgements",
                f"the condition names {len(named)} judgements; at most "
                f"{MAX_JUDGEMENTS_PER_RULE} may be named in one rule: split the rule",
                ("rules", i, "when"),
            )
        if isinstance(rule.trigger, s.RecurringTrigger):
            yield ctx.problem(
                "judgement_on_recurring",
                "a condition on judgements cannot be used with a recurring trigger (a "
                "judgement moves the moment a duty arises, and a series has many); trigger "
                "the rule on an episode moment or on time elapsed",
                ("rules", i, "trigger"),
            )


def check_conditions(ctx: _Context) -> Iterator[Problem]:
    for root, root_path in _conditions(ctx):
        for node, path in _walk(root, root_path):
            if isinstance(node, s.Predicate):
                yield from _check_predicate(ctx, node, path)
            elif isinstance(node, s.EpisodeCount):
                for j, category in enumerate(node.episodes.categories or ()):
                    if category not in ctx.categories:
                        yield ctx.problem(
                            "bad_value",
                            f"unknown category {category!r}{_closest(category, ctx.categories)}",
                            (*path, "episodes", "categories", j),
                        )


def check_risk(ctx: _Context) -> Iterator[Problem]:
    levels = set(ctx.file.risk.police_risk_levels)
    yield from _check_also(ctx)
    for i, floor in enumerate(ctx.file.risk.floors):
        if floor.raise_to in floor.forbid:
            yield ctx.problem(
                "floor_raises_to_forbidden",
                f"floor {floor.id!r} raises to {floor.raise_to.value!r}, which it forbids",
                ("risk", "floors", i, "raise_to"),
            )
        if floor.raise_to not in levels:
            yield ctx.problem(
                "unused_risk_level",
                f"{floor.raise_to.value!r} is not one of this protocol's police_risk_levels",
                ("risk", "floors", i, "raise_to"),
            )
    for i, ungraded in enumerate(ctx.file.risk.ungraded):
        if ungraded.held_at not in levels:
            yield ctx.problem(
                "unused_risk_level",
                f"{ungraded.held_at.value!r} is not one of this protocol's police_risk_levels "
                f"({', '.join(level.value for level in ctx.file.risk.police_risk_levels)}); "
                "hold ungraded episodes at one of them",
                ("risk", "ungraded", i, "held_at"),
            )
    for i, category in enumerate(ctx.file.risk.categories):
        for j, level in enumerate(category.police_risk):
            if level not in levels:
                yield ctx.problem(
                    "unused_risk_level",
                    f"{level.value!r} is not one of this protocol's police_risk_levels",
                    ("risk", "categories", i, "police_risk", j),
                )


def _check_also(ctx: _Context) -> Iterator[Problem]:
    """Each category held together with another names a real, different category, once."""
    for i, category in enumerate(ctx.file.risk.categories):
        seen: set[str] = set()
        for j, also in enumerate(category.also):
            path = ("risk", "categories", i, "also", j, "category")
            if also.category not in ctx.categories:
                yield ctx.problem(
                    "bad_value",
                    f"unknown category {also.category!r}"
                    f"{_closest(also.category, ctx.categories)}; the categories are: "
                    f"{', '.join(sorted(ctx.categories))}",
                    path,
                )
            elif also.category == category.id:
                yield ctx.problem(
                    "bad_value",
                    f"category {category.id!r} names itself under also; name another category",
                    path,
                )
            elif also.category in seen:
                yield ctx.problem(
                    "duplicate_id",
                    f"category {also.category!r} is named twice under also; name it once, "
                    "with one condition (use any: for several)",
                    path,
                )
            seen.add(also.category)


def check_fact_versions(ctx: _Context) -> Iterator[Problem]:
    """A condition may test only the facts of the file's declared schema version."""
    version = ctx.file.schema_version
    for root, root_path in _conditions(ctx):
        for node, path in _walk(root, root_path):
            if isinstance(node, s.Predicate):
                needs = FACTS[node.fact].since_version
                if needs > version:
                    yield ctx.problem(
                        "needs_version",
                        f"fact {node.fact.value!r} is a fact of rule-file schema version "
                        f"{needs}; this file declares schema_version {version}: set "
                        f"schema_version to {needs}",
                        (*path, "fact"),
                    )
