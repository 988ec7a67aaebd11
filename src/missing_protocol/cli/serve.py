"""``serve``: the decision service over HTTP (needs the ``service`` extra)."""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from missing_protocol.errors import MissingProtocolError

from .common import Subparsers

__all__ = ["cmd_serve", "register"]

APP_FACTORY = "missing_protocol.service.app:create_app"


def cmd_serve(args: argparse.Namespace, stdin: TextIO) -> str:  # noqa: ARG001
    try:
        import uvicorn  # noqa: PLC0415 - only this command needs the service extra
    except ImportError:
        raise MissingProtocolError(
            "serve needs the service extra: pip install 'missing_protocol[service]'"
        ) from None
    from missing_protocol.service.settings import (  # noqa: PLC0415
        BATCH_LIMIT_VARIABLE,
        BODY_LIMIT_VARIABLE,
        Settings,
        log_config,
    )

    # Workers are separate processes that build the app themselves: they read these.
    if args.max_body_bytes is not None:
        os.environ[BODY_LIMIT_VARIABLE] = str(args.max_body_bytes)
    if args.max_batch_bytes is not None:
        os.environ[BATCH_LIMIT_VARIABLE] = str(args.max_batch_bytes)
    try:
        Settings.from_env()
    except ValueError as exc:
        raise MissingProtocolError(str(exc)) from None
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_config=log_config(),
        server_header=False,
    )
    return ""


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the decision service over HTTP (service extra)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--workers", type=_positive, default=1, help="worker processes (default: 1)")
    p.add_argument(
        "--max-body-bytes",
        type=_positive,
        help="largest timeline body accepted, and largest batch line (default: 1048576)",
    )
    p.add_argument(
        "--max-batch-bytes",
        type=_positive,
        help="largest /evaluate/batch body accepted (default: 67108864)",
    )
    p.set_defaults(run=cmd_serve)
