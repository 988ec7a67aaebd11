"""The query parameters several routes share, documented once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from missing_protocol.service.examples import EXAMPLE_AS_OF, EXAMPLE_PROTOCOL, EXAMPLE_TIMELINE

__all__ = ["AsOf", "ProtocolId", "ProtocolIds", "timeline_body"]

AsOf = Annotated[
    str | None,
    Query(
        description="ISO 8601 date-time to evaluate at; no offset means London time "
        "(default: now).",
        examples=[EXAMPLE_AS_OF],
    ),
]
ProtocolId = Annotated[
    str, Query(description="A protocol id from GET /protocols.", examples=[EXAMPLE_PROTOCOL])
]
ProtocolIds = Annotated[
    list[str],
    Query(
        min_length=1,
        description="Protocol ids from GET /protocols; repeat the parameter for several.",
        examples=[["camden", "brent"]],
    ),
]


def timeline_body(description: str = "A child's timeline (JSON or YAML).") -> dict[str, Any]:
    """The OpenAPI ``requestBody`` of a route that reads one timeline from its body."""
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Timeline"},
                    "example": EXAMPLE_TIMELINE,
                },
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    }
