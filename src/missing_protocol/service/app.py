"""``create_app``: the FastAPI application, its error handlers, access log and OpenAPI document.

Run it with ``missing-protocol serve``, or under any ASGI server as the factory
``missing_protocol.service.app:create_app``. Everything a request needs is built
here once (the settings and the compiled protocols); requests share it and
change nothing, so any number of workers or copies can serve side by side.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from missing_protocol import __version__
from missing_protocol.errors import MissingProtocolError, Problem
from missing_protocol.evaluate import evaluate
from missing_protocol.results import evaluation_json_schema, to_jsonable
from missing_protocol.timeline import Timeline

from .examples import EXAMPLE_AS_OF, EXAMPLE_PROTOCOL, EXAMPLE_TIMELINE
from .problems import (
    PROBLEM_MEDIA_TYPE,
    ProblemDetails,
    ServiceProblem,
    Where,
    from_library,
    problem_responses,
)
from .registry import Registry, parse_as_of
from .routes import comparison, evaluation, view
from .routes import protocols as protocol_routes
from .routes import schema as schema_routes
from .settings import Settings

__all__ = ["ACCESS_LOGGER", "create_app"]

ACCESS_LOGGER = "missing_protocol.service.access"
_access = logging.getLogger(ACCESS_LOGGER)
_log = logging.getLogger("missing_protocol.service")


class AccessLog:
    """The outermost layer of our own: one log line per request, and no traceback ever.

    Logs ``METHOD path status milliseconds``: never the query string (it may
    carry a timeline on ``GET /view``), the body, or the client's address. An
    exception nothing else handled is answered with a 500 problem object and
    logged by its type alone: a traceback could quote the input (pydantic's
    errors repeat the values they reject).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def record(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, record)
        except Exception as exc:  # answered and logged without its text
            _log.error("unexpected %s on %s %s", type(exc).__name__, scope["method"], scope["path"])
            if not response_started:
                problem = ServiceProblem(
                    500, "service.internal_error", "the service could not answer"
                )
                response = JSONResponse(
                    problem.details(scope["path"]), status_code=500, media_type=PROBLEM_MEDIA_TYPE
                )
                await response(scope, receive, send)
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            _access.info("%s %s %d %.1fms", scope["method"], scope["path"], status, elapsed)


def _problem(request: Request, problem: ServiceProblem) -> JSONResponse:
    return JSONResponse(
        problem.details(request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
    )


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceProblem)
    return _problem(request, exc)


async def _on_library_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MissingProtocolError)
    return _problem(request, from_library(exc))


def _where(loc: Iterable[Any]) -> tuple[Where, str]:
    parts = list(loc)
    where: Where = parts[0] if parts and parts[0] in ("query", "path", "body") else "query"
    return where, ".".join(str(part) for part in parts[1:])


async def _on_invalid_request(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's parameter errors, without repeating what was sent.

    A bad path parameter (``/schema/nothing``) names nothing that exists: 404.
    Anything else (a missing or malformed query parameter) is 400.
    """
    assert isinstance(exc, RequestValidationError)
    problems: list[tuple[Where, Problem]] = []
    for error in exc.errors():
        where, path = _where(error.get("loc", ()))
        message = str(error.get("msg", "invalid"))
        problems.append(
            (where, Problem(f"request.{error.get('type', 'invalid')}", message, path=path))
        )
    if any(where == "path" for where, _ in problems):
        detail = f"nothing at {request.url.path}"
        return _problem(request, ServiceProblem(404, "request.not_found", detail, problems))
    noun = "problem" if len(problems) == 1 else "problems"
    detail = f"{len(problems)} {noun} in the query"
    return _problem(request, ServiceProblem(400, "request.invalid", detail, problems))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    codes = {404: "request.not_found", 405: "request.method_not_allowed"}
    code = codes.get(exc.status_code, f"request.http_{exc.status_code}")
    detail = f"nothing at {request.url.path}" if exc.status_code == 404 else str(exc.detail)
    response = _problem(request, ServiceProblem(exc.status_code, code, detail))
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _components(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Schemas with ``$defs`` as OpenAPI components, and their references rewritten."""
    found: dict[str, Any] = {}
    for name, schema in schemas.items():
        text = json.dumps(schema).replace('"#/$defs/', '"#/components/schemas/')
        data = json.loads(text)
        data.pop("$id", None)
        for def_name, definition in data.pop("$defs", {}).items():
            if def_name in found and found[def_name] != definition:
                raise ValueError(f"two different schemas are both called {def_name}")
            found[def_name] = definition
        found[name] = data
    return found


def _openapi(app: FastAPI, reg: Registry) -> dict[str, Any]:
    if app.openapi_schema is not None:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = document.setdefault("components", {}).setdefault("schemas", {})
    # FastAPI documents its own 422 for bad parameters; this service answers 400 (or 404).
    for operation in (op for path in document["paths"].values() for op in path.values()):
        default = operation["responses"].get("422", {})
        if "HTTPValidationError" in json.dumps(default):
            del operation["responses"]["422"]
            operation["responses"].update({str(k): v for k, v in problem_responses(400).items()})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components.update(
        _components(
            {
                "Timeline": Timeline.model_json_schema(),
                "Evaluation": evaluation_json_schema(),
                "ProblemDetails": ProblemDetails.model_json_schema(by_alias=True),
            }
        )
    )
    if EXAMPLE_PROTOCOL in reg.protocols:
        # The example answer is computed, so it cannot drift from the library.
        from .body import parse_record  # noqa: PLC0415 - only when the document is built

        example = to_jsonable(
            evaluate(
                reg.protocols[EXAMPLE_PROTOCOL],
                parse_record(json.dumps(EXAMPLE_TIMELINE)),
                parse_as_of(EXAMPLE_AS_OF),
            )
        )
        ok = document["paths"]["/evaluate"]["post"]["responses"]["200"]
        ok["content"]["application/json"]["example"] = example
    app.openapi_schema = document
    return document


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, with ``settings`` (default: from the environment) and every bundled
    protocol compiled now."""
    reg = Registry.start(settings or Settings.from_env())
    app = FastAPI(
        title="missing_protocol decision service",
        version=__version__,
        description="English councils' protocols for children missing from home or care, "
        "as a service: a child's timeline in, every required action out, with its deadline, "
        "status and reasons. Errors are RFC 9457 problem objects carrying the library's "
        "stable codes and JSON paths. See docs/service.md.",
        # Swagger UI and ReDoc would load their scripts from a CDN: the document is enough.
        docs_url=None,
        redoc_url=None,
    )
    app.state.registry = reg
    for router in (
        protocol_routes.router,
        evaluation.router,
        comparison.router,
        schema_routes.router,
        view.router,
    ):
        app.include_router(router)
    app.add_exception_handler(ServiceProblem, _on_problem)
    app.add_exception_handler(MissingProtocolError, _on_library_error)
    app.add_exception_handler(RequestValidationError, _on_invalid_request)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_middleware(AccessLog)
    app.openapi = lambda: _openapi(app, reg)  # type: ignore[method-assign]
    return app
