"""The protocols the service answers for, compiled once when the app is made.

Only bundled protocols are served, looked up by id in this registry: a request
can never make the service read a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.requests import Request

from missing_protocol.calendar import LONDON
from missing_protocol.compiled import Protocol
from missing_protocol.errors import Problem, UnknownProtocolError
from missing_protocol.protocols import bundled_protocol_ids, load_protocol
from missing_protocol.timeline import london_datetime

from .problems import ServiceProblem
from .settings import Settings

__all__ = ["Registry", "parse_as_of", "registry"]


@dataclass(frozen=True, slots=True)
class Registry:
    """The settings and the compiled protocols, shared by every request."""

    settings: Settings
    protocols: Mapping[str, Protocol]

    @classmethod
    def start(cls, settings: Settings) -> Registry:
        """Compile every bundled protocol, once."""
        ids = bundled_protocol_ids()
        return cls(settings, {protocol_id: load_protocol(protocol_id) for protocol_id in ids})

    def protocol(self, protocol_id: str) -> Protocol:
        """The protocol with that id, or 404."""
        try:
            return self.protocols[protocol_id]
        except KeyError:
            known = ", ".join(self.protocols)
            raise UnknownProtocolError(
                f"no protocol {protocol_id!r} here; the protocols served are: {known}"
            ) from None


async def registry(request: Request) -> Registry:
    """The app's registry (a FastAPI dependency; ``async`` so that it runs on the event
    loop, not in a worker thread: it only reads)."""
    found: Registry = request.app.state.registry
    return found


def parse_as_of(text: str | None) -> dt.datetime:
    """``as_of`` as an aware London time (now when not given); 400 if it is not ISO 8601."""
    if text is None:
        return dt.datetime.now(LONDON)
    try:
        return london_datetime(dt.datetime.fromisoformat(text))
    except ValueError:
        raise ServiceProblem(
            400,
            "request.bad_as_of",
            "as_of: expected an ISO 8601 date-time such as 2024-04-05T12:00 "
            "(no offset means London time)",
            [
                (
                    "query",
                    Problem("request.bad_as_of", "expected an ISO 8601 date-time", path="as_of"),
                )
            ],
        ) from None
