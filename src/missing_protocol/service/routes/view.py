"""``GET /view`` and ``POST /view``: a child's timeline drawn, as one self-contained page.

``GET /view`` with no ``timeline`` gives a small form; ``GET /view?timeline=...``
(JSON or YAML, URL-encoded) or ``POST /view`` (the form, or a timeline as the
body with ``protocol`` and ``as_of`` in the query) gives the picture. Errors
are problem objects, as everywhere else.
"""

from __future__ import annotations

import json
from html import escape
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from missing_protocol.precision import evaluate_bounded as evaluate
from missing_protocol.service.body import check_size, parse_record, read_text
from missing_protocol.service.examples import EXAMPLE_AS_OF, EXAMPLE_TIMELINE
from missing_protocol.service.problems import ServiceProblem, problem_responses
from missing_protocol.service.registry import Registry, parse_as_of, registry
from missing_protocol.service.view import CONTENT_SECURITY_POLICY, render_view

from .params import AsOf

__all__ = ["router"]

router = APIRouter(tags=["view"])

_FORM_TYPE = "application/x-www-form-urlencoded"
_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY}


def _form(reg: Registry) -> str:
    options = "".join(
        f'<option value="{escape(p.id)}">{escape(p.title)} (version {escape(p.version)})</option>'
        for p in reg.protocols.values()
    )
    example = escape(json.dumps(EXAMPLE_TIMELINE, indent=2))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Draw a child's timeline</title><style>body{font:15px system-ui,sans-serif;"
        "margin:1.5rem;max-width:60rem}textarea{width:100%;font:13px monospace}"
        "label{display:block;margin:.6rem 0 .2rem;font-weight:600}</style></head><body>"
        "<h1>Draw a child's timeline</h1>"
        '<form method="post" action="/view">'
        f'<label for="protocol">Protocol</label><select id="protocol" name="protocol">'
        f"{options}</select>"
        '<label for="as_of">As at (ISO 8601; empty for now; no offset means London time)</label>'
        f'<input id="as_of" name="as_of" value="{EXAMPLE_AS_OF}">'
        '<label for="timeline">Timeline (JSON or YAML)</label>'
        f'<textarea id="timeline" name="timeline" rows="24">{example}</textarea>'
        '<p><button type="submit">Draw</button></p></form></body></html>\n'
    )


def _draw(reg: Registry, protocol: str | None, text: str, as_of: str | None) -> HTMLResponse:
    if not protocol:
        raise ServiceProblem(400, "request.invalid", "protocol: give a protocol id")
    compiled = reg.protocol(protocol)
    moment = parse_as_of(as_of or None)
    timeline = parse_record(text)
    page = render_view(compiled, timeline, evaluate(compiled, timeline, moment))
    return HTMLResponse(page, headers=_HEADERS)


_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"description": "An HTML page.", "content": {"text/html": {}}}
}


@router.get(
    "/view",
    summary="A form, or with ?timeline= the timeline drawn",
    response_class=HTMLResponse,
    responses={**_PAGE, **problem_responses(400, 404, 413, 422)},
)
async def view_get(
    reg: Annotated[Registry, Depends(registry)],
    timeline: Annotated[
        str | None, Query(description="A timeline (JSON or YAML); omit to get the form.")
    ] = None,
    protocol: Annotated[str | None, Query(description="A protocol id.")] = None,
    as_of: AsOf = None,
) -> HTMLResponse:
    """The page; the query is never logged."""
    if timeline is None:
        return HTMLResponse(_form(reg), headers=_HEADERS)
    check_size(len(timeline.encode("utf-8")), reg.settings.max_body_bytes)
    return _draw(reg, protocol, timeline, as_of)


@router.post(
    "/view",
    summary="The timeline drawn: from the form, or a timeline body",
    response_class=HTMLResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                _FORM_TYPE: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "timeline": {"type": "string"},
                            "protocol": {"type": "string"},
                            "as_of": {"type": "string"},
                        },
                        "required": ["timeline", "protocol"],
                    }
                },
                "application/json": {"schema": {"$ref": "#/components/schemas/Timeline"}},
            },
        }
    },
    responses={**_PAGE, **problem_responses(400, 404, 413, 422)},
)
async def view_post(
    request: Request,
    reg: Annotated[Registry, Depends(registry)],
    protocol: Annotated[str | None, Query(description="A protocol id (with a raw body).")] = None,
    as_of: AsOf = None,
) -> HTMLResponse:
    """The page for a posted form (fields ``timeline``, ``protocol``, ``as_of``) or timeline."""
    text = await read_text(request, reg.settings.max_body_bytes)
    if request.headers.get("content-type", "").startswith(_FORM_TYPE):
        fields = parse_qs(text, keep_blank_values=True)
        text = fields.get("timeline", [""])[0]
        protocol = fields.get("protocol", [protocol or ""])[0]
        as_of = fields.get("as_of", [as_of or ""])[0]
    return _draw(reg, protocol, text, as_of)
