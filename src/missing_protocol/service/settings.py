"""What an operator may set: the body-size limits, from the environment.

``missing-protocol serve`` passes its options to its workers through these
variables, so a worker process started by uvicorn reads the same settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["BATCH_LIMIT_VARIABLE", "BODY_LIMIT_VARIABLE", "Settings", "log_config"]

BODY_LIMIT_VARIABLE = "MISSING_PROTOCOL_MAX_BODY_BYTES"
BATCH_LIMIT_VARIABLE = "MISSING_PROTOCOL_MAX_BATCH_BYTES"


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if text is None or text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number of bytes, got {text!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be more than 0, got {value}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    """The service's limits.

    ``max_body_bytes`` caps one timeline (``/evaluate``, ``/explain``,
    ``/compare``, ``/view``) and each line of a batch; ``max_batch_bytes`` caps
    a whole ``/evaluate/batch`` body. A request past its limit gets 413.
    """

    max_body_bytes: int = 1_048_576  # 1 MiB: a timeline is a few kilobytes
    max_batch_bytes: int = 67_108_864  # 64 MiB

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``MISSING_PROTOCOL_MAX_BODY_BYTES`` and ``..._MAX_BATCH_BYTES``."""
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            max_body_bytes=_positive(env, BODY_LIMIT_VARIABLE, defaults.max_body_bytes),
            max_batch_bytes=_positive(env, BATCH_LIMIT_VARIABLE, defaults.max_batch_bytes),
        )


def log_config(level: str = "INFO") -> dict[str, object]:
    """uvicorn's logging: one line per request from our access log (method, path, status,
    time; never the query string or the body), and uvicorn's own access log off."""
    handler = {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "missing_protocol": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }
