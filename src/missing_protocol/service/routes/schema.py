"""``GET /schema/{rules|timeline|result}``: the JSON Schemas of inputs and outputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter

from missing_protocol.results import evaluation_json_schema
from missing_protocol.schema import RuleFile
from missing_protocol.service.problems import problem_responses
from missing_protocol.timeline import Timeline

__all__ = ["SCHEMAS", "router"]

router = APIRouter(tags=["schema"])

SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "rules": RuleFile.model_json_schema,
    "timeline": Timeline.model_json_schema,
    "result": evaluation_json_schema,
}


@router.get(
    "/schema/{which}",
    summary="A JSON Schema: of rule files, of timelines, or of evaluation results",
    responses=problem_responses(404),
)
async def get_schema(which: Literal["rules", "timeline", "result"]) -> dict[str, Any]:
    """The same schema as ``missing-protocol schema WHICH``."""
    return SCHEMAS[which]()
