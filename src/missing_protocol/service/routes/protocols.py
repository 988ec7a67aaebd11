"""``GET /health``, ``GET /protocols`` and ``GET /protocols/{id}``: what is served."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from missing_protocol import __version__
from missing_protocol.compiled import Citation, Protocol, Rule
from missing_protocol.conditions import describe
from missing_protocol.render import describe_deadline, describe_trigger
from missing_protocol.service.problems import problem_responses
from missing_protocol.service.registry import Registry, registry

__all__ = ["protocol_detail", "router"]

router = APIRouter(tags=["protocols"])


def _citation(c: Citation) -> dict[str, str]:
    return {"section": c.section, "quote": c.quote}


def _summary(p: Protocol) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "version": p.version,
        "effective": p.effective.isoformat() if p.effective else None,
        "rules": len(p.rules),
    }


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "topic": rule.topic.value,
        "action": rule.action,
        "obligation": rule.obligation.value,
        "responsible": rule.responsible,
        "allocation": rule.allocation,
        "recipients": list(rule.recipients),
        "when": describe(rule.when) if rule.when is not None else None,
        "trigger": describe_trigger(rule.trigger),
        "deadline": describe_deadline(rule.deadline),
        "satisfied_by": sorted(rule.satisfied_by),
        "citation": _citation(rule.citation),
        "see_also": [_citation(c) for c in rule.see_also],
        "note": rule.note,
        "source": str(rule.source),
    }


def protocol_detail(p: Protocol) -> dict[str, Any]:
    """A protocol's metadata, categories, risk floors and rules with their citations."""
    return {
        **_summary(p),
        "authorities": list(p.authorities),
        "source_document": p.source_document,
        "police_risk_levels": [level.value for level in p.police_risk_levels],
        "categories": [
            {
                "id": c.id,
                "label": c.label,
                "police_risk": [level.value for level in c.police_risk],
                "when": describe(c.when) if c.when is not None else None,
                "citation": _citation(c.citation),
                "note": c.note,
            }
            for c in p.categories
        ],
        "risk_floors": [
            {
                "id": f.id,
                "when": describe(f.when) if f.when is not None else None,
                "forbid": sorted(level.value for level in f.forbid),
                "raise_to": f.raise_to.value,
                "citation": _citation(f.citation),
                "note": f.note,
            }
            for f in p.floors
        ],
        "roles": dict(p.roles),
        "action_kinds": dict(p.action_kinds),
        "rules": [_rule(rule) for rule in p.rules],
    }


@router.get("/health", summary="Is the service up")
async def health(reg: Annotated[Registry, Depends(registry)]) -> dict[str, Any]:
    """``{"status": "ok"}`` with the version and the number of protocols compiled."""
    return {"status": "ok", "version": __version__, "protocols": len(reg.protocols)}


@router.get("/protocols", summary="The protocols served")
async def list_protocols(reg: Annotated[Registry, Depends(registry)]) -> dict[str, Any]:
    """Ids, titles, versions and rule counts, sorted by id."""
    return {"protocols": [_summary(p) for p in reg.protocols.values()]}


@router.get(
    "/protocols/{protocol_id}",
    summary="One protocol: metadata, categories and rules with citations",
    responses=problem_responses(404),
)
async def get_protocol(
    protocol_id: str, reg: Annotated[Registry, Depends(registry)]
) -> dict[str, Any]:
    """Everything a receiving system needs to show why an action is required."""
    return protocol_detail(reg.protocol(protocol_id))
