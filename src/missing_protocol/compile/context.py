"""What every compile pass reads (the validated file and its source map), and the walks
over rules and conditions the passes share."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from missing_protocol import schema as s
from missing_protocol.errors import Problem
from missing_protocol.loading import SourceMap
from missing_protocol.vocabulary import ACTION_KINDS, JUDGEMENTS, ROLES

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class _Context:
    file: s.RuleFile
    smap: SourceMap

    def problem(self, code: str, message: str, path: Path) -> Problem:
        return self.smap.problem(f"compile.{code}", message, path)

    @property
    def categories(self) -> set[str]:
        return {category.id for category in self.file.risk.categories}

    @property
    def roles(self) -> set[str]:
        return set(ROLES) | set(self.file.extra_roles)

    @property
    def kinds(self) -> set[str]:
        return set(ACTION_KINDS) | set(self.file.extra_action_kinds)

    @property
    def judgements(self) -> set[str]:
        return set(JUDGEMENTS) | set(self.file.extra_judgements)


def _conditions(ctx: _Context) -> Iterator[tuple[s.Condition, Path]]:
    """Every top-level condition in the file, with its path."""
    for i, category in enumerate(ctx.file.risk.categories):
        if category.when is not None:
            yield category.when, ("risk", "categories", i, "when")
        for j, also in enumerate(category.also):
            if also.when is not None:
                yield also.when, ("risk", "categories", i, "also", j, "when")
    for i, floor in enumerate(ctx.file.risk.floors):
        if floor.when is not None:
            yield floor.when, ("risk", "floors", i, "when")
    for i, ungraded in enumerate(ctx.file.risk.ungraded):
        if ungraded.when is not None:
            yield ungraded.when, ("risk", "ungraded", i, "when")
    for i, allocation in enumerate(ctx.file.allocations):
        for j, option in enumerate(allocation.options):
            if option.when is not None:
                yield option.when, ("allocations", i, "options", j, "when")
    for i, rule in enumerate(ctx.file.rules):
        if rule.when is not None:
            yield rule.when, ("rules", i, "when")
        yield from _alternative_conditions(rule, i)


def _alternative_conditions(rule: s.Rule, i: int) -> Iterator[tuple[s.Condition, Path]]:
    """The conditions of a ``first_of`` trigger's alternatives (schema 2)."""
    if isinstance(rule.trigger, s.FirstOfTrigger):
        for j, alternative in enumerate(rule.trigger.first_of):
            if alternative.when is not None:
                yield alternative.when, ("rules", i, "trigger", "first_of", j, "when")


def _walk(condition: s.Condition, path: Path) -> Iterator[tuple[s.Condition, Path]]:
    yield condition, path
    if isinstance(condition, s.AllOf):
        for i, item in enumerate(condition.all):
            yield from _walk(item, (*path, "all", i))
    elif isinstance(condition, s.AnyOf):
        for i, item in enumerate(condition.any):
            yield from _walk(item, (*path, "any", i))
    elif isinstance(condition, s.NotOf):
        yield from _walk(condition.not_, (*path, "not"))


def _duplicates(ctx: _Context, items: Sequence[tuple[str, Path]], what: str) -> Iterator[Problem]:
    first: dict[str, Path] = {}
    for ident, path in items:
        if ident in first:
            where = ctx.smap.locate(first[ident])
            line = f" (first at line {where.line})" if where else ""
            yield ctx.problem("duplicate_id", f"{what} id {ident!r} is used twice{line}", path)
        else:
            first[ident] = path


def _closest(name: str, known: Iterable[str]) -> str:
    match = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {match[0]!r}?" if match else ""
