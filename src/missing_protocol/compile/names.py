"""The passes ``unique_ids`` and ``resolve_names``: ids are unique, and every action kind,
role, recipient, allocation, category and recorded anchor a rule names exists."""

from __future__ import annotations

from collections.abc import Iterator

from missing_protocol import schema as s
from missing_protocol.errors import Problem
from missing_protocol.vocabulary import ACTION_KINDS, JUDGEMENTS, ROLES

from .context import Path, _closest, _Context, _duplicates


def unique_ids(ctx: _Context) -> Iterator[Problem]:
    f = ctx.file
    yield from _duplicates(ctx, [(r.id, ("rules", i, "id")) for i, r in enumerate(f.rules)], "rule")
    yield from _duplicates(
        ctx,
        [(x.id, ("risk", "categories", i, "id")) for i, x in enumerate(f.risk.categories)],
        "category",
    )
    yield from _duplicates(
        ctx, [(x.id, ("risk", "floors", i, "id")) for i, x in enumerate(f.risk.floors)], "floor"
    )
    yield from _duplicates(
        ctx, [(x.id, ("allocations", i, "id")) for i, x in enumerate(f.allocations)], "allocation"
    )
    yield from _duplicates(
        ctx,
        [(x.id, ("risk", "ungraded", i, "id")) for i, x in enumerate(f.risk.ungraded)],
        "ungraded risk",
    )
    for name in f.extra_roles:
        if name in ROLES:
            yield ctx.problem(
                "redefined_name",
                f"role {name!r} is already in the shared vocabulary; remove it from extra_roles",
                ("extra_roles", name),
            )
    for name in f.extra_action_kinds:
        if name in ACTION_KINDS:
            yield ctx.problem(
                "redefined_name",
                f"action kind {name!r} is already in the shared vocabulary; "
                "remove it from extra_action_kinds",
                ("extra_action_kinds", name),
            )
    yield from _redefined_judgements(ctx)


def _redefined_judgements(ctx: _Context) -> Iterator[Problem]:
    for name in ctx.file.extra_judgements:
        if name in JUDGEMENTS:
            yield ctx.problem(
                "redefined_name",
                f"judgement {name!r} is already in the shared vocabulary; "
                "remove it from extra_judgements",
                ("extra_judgements", name),
            )


def resolve_names(ctx: _Context) -> Iterator[Problem]:
    roles, kinds = ctx.roles, ctx.kinds
    allocations = {allocation.id for allocation in ctx.file.allocations}
    for i, rule in enumerate(ctx.file.rules):
        if rule.action not in kinds:
            yield ctx.problem(
                "unknown_action_kind",
                f"unknown action kind {rule.action!r}{_closest(rule.action, kinds)} "
                "(declare new kinds under extra_action_kinds)",
                ("rules", i, "action"),
            )
        if isinstance(rule.responsible, str):
            if rule.responsible not in roles:
                yield ctx.problem(
                    "unknown_role",
                    f"unknown role {rule.responsible!r}{_closest(rule.responsible, roles)} "
                    "(declare new roles under extra_roles)",
                    ("rules", i, "responsible"),
                )
        elif rule.responsible.allocation not in allocations:
            name = rule.responsible.allocation
            yield ctx.problem(
                "unknown_allocation",
                f"unknown allocation {name!r}{_closest(name, allocations)}",
                ("rules", i, "responsible", "allocation"),
            )
        for j, recipient in enumerate(rule.recipients or ()):
            if recipient not in roles:
                yield ctx.problem(
                    "unknown_role",
                    f"unknown recipient role {recipient!r}{_closest(recipient, roles)} "
                    "(declare new roles under extra_roles)",
                    ("rules", i, "recipients", j),
                )
        yield from _resolve_alternatives_and_recorded(ctx, rule, i)
    named = {rule.id for rule in ctx.file.rules} | allocations
    for i, accepted in enumerate(ctx.file.accepted_warnings):
        for j, name in enumerate(accepted.about):
            if name not in named:
                yield ctx.problem(
                    "unknown_rule",
                    f"accepted warning names {name!r}, which is no rule or allocation"
                    f"{_closest(name, named)}",
                    ("accepted_warnings", i, "about", j),
                )
    for i, allocation in enumerate(ctx.file.allocations):
        for j, option in enumerate(allocation.options):
            if option.role not in roles:
                yield ctx.problem(
                    "unknown_role",
                    f"unknown role {option.role!r}{_closest(option.role, roles)}",
                    ("allocations", i, "options", j, "role"),
                )


def _recorded_anchors(rule: s.Rule) -> Iterator[tuple[s.RecordedMoment, Path]]:
    """Every recorded event a rule's trigger or deadline counts from, with its path in the rule."""
    trigger = rule.trigger
    if isinstance(trigger, s.RecordedTrigger):
        yield trigger.on, ("trigger", "on")
    elif isinstance(trigger, s.RecurringTrigger | s.PhasedTrigger):
        if isinstance(trigger.from_, s.RecordedMoment):
            yield trigger.from_, ("trigger", "from")
    elif isinstance(trigger, s.FirstOfTrigger):
        for j, alternative in enumerate(trigger.first_of):
            if isinstance(alternative.trigger, s.RecordedTrigger):
                yield alternative.trigger.on, ("trigger", "first_of", j, "trigger", "on")
    if isinstance(rule.deadline, s.Deadline) and isinstance(rule.deadline.from_, s.RecordedMoment):
        yield rule.deadline.from_, ("deadline", "from")


def _resolve_alternatives_and_recorded(ctx: _Context, rule: s.Rule, i: int) -> Iterator[Problem]:
    """Alternative kinds and roles, and recorded-event anchors, name what the protocol has."""
    roles, kinds = ctx.roles, ctx.kinds
    for j, kind in enumerate(rule.alternative_actions or ()):
        if kind not in kinds:
            yield ctx.problem(
                "unknown_action_kind",
                f"unknown alternative action kind {kind!r}{_closest(kind, kinds)} "
                "(declare new kinds under extra_action_kinds)",
                ("rules", i, "alternative_actions", j),
            )
        elif kind == rule.action or kind in (rule.alternative_actions or [])[:j]:
            yield ctx.problem(
                "duplicate_alternative",
                f"alternative action kind {kind!r} is named twice (the rule's action is "
                f"{rule.action!r}); list each other kind once",
                ("rules", i, "alternative_actions", j),
            )
    for j, role in enumerate(rule.alternative_responsible or ()):
        if role not in roles:
            yield ctx.problem(
                "unknown_role",
                f"unknown alternative role {role!r}{_closest(role, roles)} "
                "(declare new roles under extra_roles)",
                ("rules", i, "alternative_responsible", j),
            )
    for recorded, path in _recorded_anchors(rule):
        if recorded.recipient is not None and recorded.recipient not in roles:
            yield ctx.problem(
                "unknown_role",
                f"unknown recipient role {recorded.recipient!r}"
                f"{_closest(recorded.recipient, roles)} (declare new roles under extra_roles)",
                ("rules", i, *path, "recipient"),
            )
        if recorded.recorded not in kinds:
            yield ctx.problem(
                "unknown_action_kind",
                "a trigger or deadline counts only from a recorded action kind of this "
                f"protocol: unknown kind {recorded.recorded!r}"
                f"{_closest(recorded.recorded, kinds)} (declare new kinds under "
                "extra_action_kinds)",
                ("rules", i, *path, "recorded"),
            )
