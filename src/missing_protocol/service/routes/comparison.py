"""``POST /compare``: one timeline under several protocols, or an out-of-area placement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from missing_protocol.compare import compare_scenario, evaluate_placement
from missing_protocol.compare.render import comparison_jsonable
from missing_protocol.errors import UsageError
from missing_protocol.service.body import read_timeline
from missing_protocol.service.problems import problem_responses
from missing_protocol.service.registry import Registry, parse_as_of, registry

from .params import AsOf, timeline_body

__all__ = ["router"]

router = APIRouter(tags=["comparison"])


@router.post(
    "/compare",
    summary="One timeline under several protocols, or a child placed out of area",
    openapi_extra=timeline_body(),
    responses={
        200: {
            "description": "The same versioned JSON as 'missing-protocol compare --format "
            "json': a scenario comparison, or with placed_in a placement evaluation.",
        },
        **problem_responses(400, 404, 413, 422),
    },
)
async def compare_one(
    request: Request,
    reg: Annotated[Registry, Depends(registry)],
    protocol: Annotated[
        list[str] | None,
        Query(
            description="Protocol ids (repeat the parameter); default: every protocol served. "
            "With placed_in: exactly one, the responsible authority's.",
            examples=[["camden", "brent"]],
        ),
    ] = None,
    placed_in: Annotated[
        str | None,
        Query(description="The host area's protocol id: the child is placed in its area."),
    ] = None,
    as_of: AsOf = None,
) -> JSONResponse:
    """What each protocol requires for this child, aligned, with the differences."""
    names = list(protocol or reg.protocols)
    if placed_in is not None and (protocol is None or len(protocol) != 1):
        raise UsageError("placed_in needs exactly one protocol (the responsible authority's)")
    compiled = [reg.protocol(name) for name in names]
    host = reg.protocol(placed_in) if placed_in is not None else None
    moment = parse_as_of(as_of)
    timeline = await read_timeline(request, reg.settings.max_body_bytes)
    if host is not None:
        placement = evaluate_placement(compiled[0], host, timeline, moment)
        return JSONResponse(comparison_jsonable(placement))
    return JSONResponse(comparison_jsonable(compare_scenario(compiled, timeline, moment)))
