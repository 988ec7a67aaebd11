"""The one place where the service reads a request body: capped, decoded, parsed.

:func:`read_text` reads at most a limit of bytes (refusing a larger body with
413 as soon as its ``Content-Length`` or its bytes say so, without reading the
rest) and decodes UTF-8. :func:`parse_record` turns text into a
:class:`~missing_protocol.timeline.Timeline` with every problem located (a
JSON object takes a fast path first; see there).
:func:`read_timeline` is the two together, as ``/evaluate``, ``/explain``,
``/compare`` and ``POST /view`` use it; ``/evaluate/batch`` reads its body
with :func:`read_text` and parses each line with :func:`parse_record`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

from missing_protocol.loading import parse_timeline_json_first

from .problems import ServiceProblem

if TYPE_CHECKING:
    from missing_protocol.timeline import Timeline

__all__ = ["BODY_NAME", "check_size", "parse_record", "read_text", "read_timeline"]

BODY_NAME = "<body>"


def _too_large(limit: int) -> ServiceProblem:
    return ServiceProblem(
        413, "request.body_too_large", f"the body is larger than the limit of {limit} bytes"
    )


def check_size(size: int, limit: int) -> None:
    """413 if ``size`` bytes are more than ``limit``."""
    if size > limit:
        raise _too_large(limit)


async def read_text(request: Request, limit: int) -> str:
    """The body as text; 413 past ``limit`` bytes, 400 if it is not UTF-8."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        check_size(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        check_size(size, limit)
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceProblem(400, "request.not_utf8", "the body must be UTF-8 text") from None


def parse_record(text: str, name: str = BODY_NAME, line: int | None = None) -> Timeline:
    """A timeline from YAML or JSON text (raises ``TimelineError`` with every problem).

    A JSON object is first read by the standard library's JSON reader, about
    fifty times faster than the YAML reader that records every value's line;
    anything it cannot take cleanly goes to the full reader (the guarded one,
    with the documented limits), whose problems are located by line and
    column, as on the command line (:func:`~missing_protocol.loading.parse_timeline_json_first`,
    which the command line uses too). ``line`` says the text is that line of a
    JSON Lines body.
    """
    return parse_timeline_json_first(text, name, line=line)


async def read_timeline(request: Request, limit: int) -> Timeline:
    """The timeline in the body: capped at ``limit`` bytes, parsed, validated."""
    return parse_record(await read_text(request, limit))
