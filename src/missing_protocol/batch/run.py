"""Evaluating a caseload: every timeline under every protocol, streamed, on one or more cores.

:func:`evaluate_many` yields one :class:`BatchResult` per (record, protocol)
as it goes, holding no more than a few chunks of the caseload in memory.
With ``jobs > 1`` the chunks are evaluated by a ``multiprocessing`` pool and
yielded in input order, so the output is the same whatever the number of jobs.

Only a bounded number of chunks is in flight at once (``Pool.imap`` would read
the whole input ahead into its task queue); the protocols reach the workers
once, when the pool starts, not with every chunk.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from multiprocessing.pool import AsyncResult
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias, TypeVar

from missing_protocol.errors import InputError, Problem, TimelineError
from missing_protocol.limits import DEFAULT_LIMITS, Limits

from .records import Record, parse_record, record_id

if TYPE_CHECKING:
    from missing_protocol.compiled import Protocol
    from missing_protocol.results import CompactEvaluation, Evaluation
    from missing_protocol.timeline import Timeline

__all__ = [
    "CHUNK_SIZE",
    "BatchResult",
    "Failure",
    "Settings",
    "available_cores",
    "evaluate_many",
    "map_chunks",
]

T = TypeVar("T")

CHUNK_SIZE = 16  # records per task sent to a worker: small enough to share out evenly

# Chunks in flight per worker: enough to keep every worker busy, few enough to bound memory.
_AHEAD = 4


@dataclass(frozen=True, slots=True)
class Failure:
    """Why a record was not evaluated (under one protocol, or at all): every problem, located.

    ``record_id`` is the child's record id when one could be read, and the
    problems name the input file and line; no other value from the record is
    repeated.
    """

    record_id: str | None
    problems: tuple[Problem, ...]


class BatchResult(NamedTuple):
    """One record under one protocol: its evaluation, or why there is none.

    ``record`` is the record's line number (JSON Lines), file name (directory)
    or position from 1 (timelines given directly). ``protocol_id`` is ``None``
    when the record could not be read as a timeline at all.
    """

    record: str
    protocol_id: str | None
    result: Evaluation | CompactEvaluation | Failure


Item: TypeAlias = "Record | Timeline"


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class Settings:
    """How a batch evaluates each record: the moment, the limits, and whether compactly.

    ``compact`` gives each evaluation as rows without explanations
    (:func:`missing_protocol.evaluate_compact`): what a worklist or a count
    needs, at a fraction of the cost.
    """

    as_of: dt.datetime
    limits: Limits = DEFAULT_LIMITS
    compact: bool = False


def evaluate_item(
    protocols: Sequence[Protocol], settings: Settings, position: int, item: Item
) -> list[BatchResult]:
    """One record's results, one per protocol (or one failure if it is not a timeline)."""
    from missing_protocol.evaluate import (  # noqa: PLC0415 - imported when a batch runs
        evaluate,
        evaluate_compact,
    )

    run = evaluate_compact if settings.compact else evaluate
    if isinstance(item, Record):
        label = item.label
        try:
            timeline = parse_record(item, settings.limits)
        except TimelineError as exc:
            return [BatchResult(label, None, Failure(record_id(item), exc.problems))]
        source, line = item.source, item.line
    else:
        label, timeline, source, line = str(position), item, None, None
    results = []
    for protocol in protocols:
        try:
            evaluation: Evaluation | CompactEvaluation | Failure = run(
                protocol, timeline, settings.as_of, limits=settings.limits
            )
        except InputError as exc:
            problems = tuple(
                replace(p, file=p.file or source, line=p.line or line) for p in exc.problems
            )
            evaluation = Failure(timeline.child.id, problems)
        results.append(BatchResult(label, protocol.id, evaluation))
    return results


def _evaluate_chunk(
    protocols: Sequence[Protocol], settings: Settings, chunk: Sequence[tuple[int, Item]]
) -> list[BatchResult]:
    return [
        r for position, item in chunk for r in evaluate_item(protocols, settings, position, item)
    ]


# What each worker process keeps from the pool's start: (protocols, settings, reduce).
_WORKER: tuple[Sequence[Protocol], Settings, Callable[[list[BatchResult]], Any]] | None = None


def _start_worker(
    protocols: Sequence[Protocol],
    settings: Settings,
    reduce: Callable[[list[BatchResult]], Any],
) -> None:
    global _WORKER  # noqa: PLW0603 - a pool worker's state, set once when it starts
    _WORKER = (protocols, settings, reduce)
    # What the worker holds from now on lives for its whole life: keep the cyclic
    # garbage collector from traversing it again and again.
    gc.freeze()


def _work(chunk: Sequence[tuple[int, Item]]) -> Any:
    assert _WORKER is not None, "the pool's initializer sets the worker's state"
    protocols, settings, reduce = _WORKER
    return reduce(_evaluate_chunk(protocols, settings, chunk))


def _pool_context() -> Any:
    """``fork`` where the system has it: the workers inherit the compiled protocols unpickled."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def map_chunks(
    protocols: Sequence[Protocol],
    items: Iterable[Item],
    settings: Settings,
    reduce: Callable[[list[BatchResult]], T],
    *,
    jobs: int = 1,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[T]:
    """Evaluate ``items`` in chunks and yield ``reduce`` of each chunk's results, in input order.

    With ``jobs > 1``, ``reduce`` runs in the worker too, so that a worker can
    hand back rendered output instead of whole evaluations. ``reduce`` must be
    a module-level function (or a ``functools.partial`` of one) where workers
    are spawned rather than forked.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    chunks = _chunks(enumerate(items, 1), chunk_size)
    if jobs == 1:
        for chunk in chunks:
            yield reduce(_evaluate_chunk(protocols, settings, chunk))
        return
    context = _pool_context()
    with context.Pool(jobs, _start_worker, (tuple(protocols), settings, reduce)) as pool:
        pending: deque[AsyncResult[T]] = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_work, (chunk,)))
            if len(pending) >= _AHEAD * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def _keep(results: list[BatchResult]) -> list[BatchResult]:
    return results


def evaluate_many(
    protocols: Sequence[Protocol],
    timelines_or_records: Iterable[Timeline | Record],
    as_of: dt.datetime,
    *,
    jobs: int = 1,
    chunk_size: int = CHUNK_SIZE,
    limits: Limits = DEFAULT_LIMITS,
    compact: bool = False,
) -> Iterator[BatchResult]:
    """Every timeline under every protocol, streamed in input order.

    Yields, for each input in turn and each protocol in the order given, a
    :class:`BatchResult` holding the :class:`Evaluation` or a :class:`Failure`.
    A record that is not a valid timeline yields one failure (``protocol_id``
    ``None``); a timeline a protocol cannot evaluate (say, a category it does
    not have) yields a failure under that protocol only. Nothing is raised for
    a bad record: the rest are evaluated. With ``compact`` each result is a
    :class:`CompactEvaluation` (rows without explanations) instead.
    """
    settings = Settings(as_of, limits, compact)
    for results in map_chunks(
        protocols, timelines_or_records, settings, _keep, jobs=jobs, chunk_size=chunk_size
    ):
        yield from results


def _chunks(pairs: Iterator[tuple[int, Item]], size: int) -> Iterator[list[tuple[int, Item]]]:
    while chunk := list(itertools.islice(pairs, size)):
        yield chunk
