"""Errors as RFC 9457 problem details (``application/problem+json``), with our codes.

Every error the service returns is one JSON object::

    {"type": "https://missing-protocol.invalid/problems/timeline.invalid",
     "title": "The timeline cannot be evaluated", "status": 422,
     "detail": "2 problems in the timeline", "instance": "/evaluate",
     "code": "timeline.invalid",
     "problems": [{"code": "schema.missing_field", "message": "...",
                   "in": "body", "path": "child.id", "line": 3, "column": 3}]}

``code`` is stable and ``type`` is built from it; ``problems`` lists every
problem found, each with the library's own stable code and JSON path (the
same as the command line prints). Messages name record ids at most, never a
child's details: the library's timeline errors never echo values, and
parameter errors here never repeat what was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from missing_protocol.errors import (
    MissingProtocolError,
    Problem,
    TimelineError,
    UnknownActionError,
    UnknownProtocolError,
    UsageError,
)

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "TYPE_BASE",
    "ProblemDetails",
    "ProblemItem",
    "ServiceProblem",
    "from_library",
    "problem_responses",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://missing-protocol.invalid/problems/"

logger = logging.getLogger("missing_protocol.service")

Where = Literal["body", "query", "path"]


class ProblemItem(BaseModel):
    """One located problem: the library's stable code and the JSON path it is at."""

    model_config = ConfigDict(populate_by_name=True)

    code: str = Field(examples=["schema.missing_field"])
    message: str
    in_: Where = Field(alias="in", description="Where the problem is: body, query or path.")
    path: str = Field("", description="The field path, e.g. episodes[0].started_at.")
    line: int | None = Field(None, description="1-based line in the body (or batch line).")
    column: int | None = Field(None, description="1-based column in the body.")


class ProblemDetails(BaseModel):
    """An RFC 9457 problem object, extended with ``code`` and ``problems``."""

    type: str = Field(examples=[TYPE_BASE + "timeline.invalid"])
    title: str
    status: int
    detail: str
    instance: str | None = Field(None, description="The path of the request.")
    code: str = Field(description="Stable code of this kind of error.")
    problems: list[ProblemItem] = Field(default_factory=list)
    line: int | None = Field(None, description="Batch only: the line of the failed record.")
    record: str | None = Field(None, description="Batch only: the record (child) id, if readable.")


_TITLES = {
    "timeline.invalid": "The timeline cannot be evaluated",
    "protocol.unknown": "No such protocol",
    "action.unknown": "No such action in this evaluation",
    "request.invalid": "The request's parameters are wrong",
    "request.bad_as_of": "as_of is not an ISO 8601 date-time",
    "request.conflicting_options": "The request's parameters do not fit together",
    "request.not_utf8": "The body is not UTF-8 text",
    "request.body_too_large": "The body is larger than this service accepts",
    "request.not_found": "Nothing here",
    "request.method_not_allowed": "Method not allowed here",
    "service.internal_error": "The service failed",
}


class ServiceProblem(Exception):  # noqa: N818 - it is a problem object, raised
    """An error to answer with a problem object."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        problems: Iterable[tuple[Where, Problem]] = (),
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.problems = tuple(problems)

    def details(
        self, instance: str | None = None, *, line: int | None = None, record: str | None = None
    ) -> dict[str, Any]:
        """The problem object as JSON-ready data."""
        body = ProblemDetails(
            type=TYPE_BASE + self.code,
            title=_TITLES.get(self.code, "Error"),
            status=self.status,
            detail=self.detail,
            instance=instance,
            code=self.code,
            problems=[
                ProblemItem(
                    code=p.code,
                    message=p.message,
                    in_=where,
                    path=p.path,
                    line=p.line,
                    column=p.column,
                )
                for where, p in self.problems
            ],
            line=line,
            record=record,
        )
        return body.model_dump(mode="json", by_alias=True, exclude_none=True)


def _count(problems: Sequence[object], what: str) -> str:
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{len(problems)} {noun} in {what}"


def from_library(exc: MissingProtocolError) -> ServiceProblem:
    """The problem object for an error the library raised on purpose."""
    if isinstance(exc, TimelineError):
        return ServiceProblem(
            422,
            "timeline.invalid",
            _count(exc.problems, "the timeline"),
            [("body", p) for p in exc.problems],
        )
    if isinstance(exc, UnknownProtocolError):
        return ServiceProblem(404, "protocol.unknown", str(exc))
    if isinstance(exc, UnknownActionError):
        return ServiceProblem(404, "action.unknown", str(exc))
    if isinstance(exc, UsageError):
        return ServiceProblem(400, "request.conflicting_options", str(exc))
    # A bundled rule file that does not compile is the service's fault, not the caller's.
    logger.error("library error %s while serving a request", type(exc).__name__)
    return ServiceProblem(500, "service.internal_error", "the service could not answer")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses a route may return."""
    descriptions = {
        400: "A query parameter is wrong (for example as_of).",
        404: "Unknown protocol (or action, or path).",
        413: "The body is larger than the documented limit.",
        422: "The timeline is invalid; every problem is listed.",
    }
    return {
        status: {
            "description": descriptions[status],
            "content": {
                PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}
            },
        }
        for status in statuses
    }
