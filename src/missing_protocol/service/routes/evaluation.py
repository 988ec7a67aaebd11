"""``POST /evaluate``, ``POST /explain`` and ``POST /evaluate/batch``: timelines in, duties out."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse

from missing_protocol.compiled import Protocol
from missing_protocol.errors import TimelineError
from missing_protocol.explain import explain_action
from missing_protocol.precision import evaluate_bounded as evaluate
from missing_protocol.results import Evaluation, to_jsonable
from missing_protocol.service.body import check_size, parse_record, read_text, read_timeline
from missing_protocol.service.problems import (
    ServiceProblem,
    from_library,
    problem_responses,
)
from missing_protocol.service.registry import Registry, parse_as_of, registry

from .params import AsOf, ProtocolId, ProtocolIds, timeline_body

__all__ = ["NDJSON", "evaluate_lines", "router"]

router = APIRouter(tags=["evaluation"])

NDJSON = "application/x-ndjson"
logger = logging.getLogger("missing_protocol.service")
_RECORD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


async def _evaluate(
    request: Request, reg: Registry, protocol: str, as_of: str | None
) -> tuple[Protocol, Evaluation]:
    """The protocol (404), ``as_of`` (400), the body's timeline (413, 422), evaluated."""
    compiled = reg.protocol(protocol)
    moment = parse_as_of(as_of)
    timeline = await read_timeline(request, reg.settings.max_body_bytes)
    return compiled, evaluate(compiled, timeline, moment)


@router.post(
    "/evaluate",
    summary="Evaluate one timeline under one protocol",
    openapi_extra=timeline_body(),
    responses={
        200: {
            "description": "The evaluation: the same versioned JSON as "
            "'missing-protocol evaluate'.",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Evaluation"}}
            },
        },
        **problem_responses(400, 404, 413, 422),
    },
)
async def evaluate_one(
    request: Request,
    protocol: ProtocolId,
    reg: Annotated[Registry, Depends(registry)],
    as_of: AsOf = None,
) -> JSONResponse:
    """Every action required, with its deadline, status and reasons."""
    _, evaluation = await _evaluate(request, reg, protocol, as_of)
    return JSONResponse(to_jsonable(evaluation))


@router.post(
    "/explain",
    summary="Why one action is required",
    openapi_extra=timeline_body(),
    responses={
        200: {
            "description": "The action as in the evaluation, and its explanation in words: "
            "the rule, the facts, the deadline arithmetic and the protocol's own words.",
        },
        **problem_responses(400, 404, 413, 422),
    },
)
async def explain_one(
    request: Request,
    protocol: ProtocolId,
    action: Annotated[str, Query(description="An action id from POST /evaluate.")],
    reg: Annotated[Registry, Depends(registry)],
    as_of: AsOf = None,
) -> JSONResponse:
    """The same account as ``missing-protocol explain``, with the action as data beside it."""
    compiled, evaluation = await _evaluate(request, reg, protocol, as_of)
    text = explain_action(compiled, evaluation, action)
    data = to_jsonable(evaluation)
    found = next(a for a in data["actions"] if a["id"] == action)
    return JSONResponse(
        {
            "schema_version": data["schema_version"],
            "protocol_id": data["protocol_id"],
            "protocol_version": data["protocol_version"],
            "child_id": data["child_id"],
            "as_of": data["as_of"],
            "action": found,
            "explanation": text,
        }
    )


def _record_id(line: str) -> str | None:
    """The child's record id in a line that failed, if it can be read and looks like one."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    child = data.get("child") if isinstance(data, dict) else None
    found = child.get("id") if isinstance(child, dict) else None
    return found if isinstance(found, str) and _RECORD_ID.fullmatch(found) else None


def _problem_line(problem: ServiceProblem, number: int, record: str | None, instance: str) -> str:
    # Each problem's line is the line of the batch (a record is one line).
    located = ServiceProblem(
        problem.status,
        problem.code,
        problem.detail,
        [(where, dataclasses.replace(p, line=number)) for where, p in problem.problems],
    )
    data = located.details(instance, line=number, record=record)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def _crashed(exc: Exception, number: int) -> ServiceProblem:
    # By its type alone: an exception's text could quote the record.
    logger.error("unexpected %s on line %d of a batch", type(exc).__name__, number)
    return ServiceProblem(500, "service.internal_error", "the service could not answer")


def evaluate_lines(
    protocols: Sequence[Protocol],
    lines: Iterable[str],
    as_of: dt.datetime,
    line_limit: int,
    instance: str = "/evaluate/batch",
) -> Iterator[str]:
    """JSON Lines out for JSON Lines in: per record, one evaluation per protocol, in order.

    A record that cannot be read gives one problem line (``line`` and, when
    readable, ``record``) and the rest go on; a record one protocol cannot
    evaluate gives a problem line for that protocol. Blank lines are skipped.
    """
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            check_size(len(line.encode("utf-8")), line_limit)
            timeline = parse_record(line, line=number)
        except ServiceProblem as exc:
            yield _problem_line(exc, number, _record_id(line), instance)
            continue
        except TimelineError as exc:
            yield _problem_line(from_library(exc), number, _record_id(line), instance)
            continue
        except Exception as exc:  # one record must not stop the batch
            yield _problem_line(_crashed(exc, number), number, _record_id(line), instance)
            continue
        for protocol in protocols:
            try:
                data = to_jsonable(evaluate(protocol, timeline, as_of))
            except TimelineError as exc:
                yield _problem_line(from_library(exc), number, timeline.child.id, instance)
                continue
            except Exception as exc:  # one record must not stop the batch
                yield _problem_line(_crashed(exc, number), number, timeline.child.id, instance)
                continue
            yield json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


@router.post(
    "/evaluate/batch",
    summary="Evaluate many timelines (JSON Lines in, JSON Lines out, streamed)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "One timeline as JSON per line.",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        }
    },
    responses={
        200: {
            "description": "One line per record and protocol, in the order given: an "
            "evaluation, or, for a record that failed, a problem object with its line "
            "(and record id when readable). A line with a 'type' member is a problem.",
            "content": {NDJSON: {"schema": {"type": "string"}}},
        },
        **problem_responses(400, 404, 413),
    },
)
async def evaluate_batch(
    request: Request,
    protocol: ProtocolIds,
    reg: Annotated[Registry, Depends(registry)],
    as_of: AsOf = None,
) -> StreamingResponse:
    """Each record under each protocol; a bad record does not stop the others."""
    compiled = [reg.protocol(p) for p in protocol]
    moment = parse_as_of(as_of)
    text = await read_text(request, reg.settings.max_batch_bytes)
    lines = evaluate_lines(
        compiled, text.splitlines(), moment, reg.settings.max_body_bytes, request.url.path
    )
    return StreamingResponse(_in_chunks(lines), media_type=NDJSON)


def _in_chunks(lines: Iterator[str], size: int = 32) -> Iterator[str]:
    """``size`` lines at a time: each chunk of a sync iterator costs a hop to a worker thread."""
    while chunk := "".join(itertools.islice(lines, size)):
        yield chunk
