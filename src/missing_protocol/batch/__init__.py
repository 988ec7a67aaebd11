"""Batch evaluation of a caseload: many timelines, several protocols, one or more cores.

::

    from missing_protocol import load_protocol
    from missing_protocol.batch import evaluate_many, read_jsonl

    protocols = [load_protocol("camden"), load_protocol("brent")]
    for record, protocol_id, result in evaluate_many(protocols, read_jsonl(path), as_of, jobs=2):
        ...  # result is an Evaluation, or a Failure with located problems

``records`` reads the input (JSON Lines, a directory of timeline files, a
stream), ``run`` evaluates it as a stream (in a process pool when asked), and
``output`` renders what comes back (CSV of actions, JSON Lines of
evaluations, or a summary). See docs/batch.md, which also shows the same
functions under Dask and Spark.
"""

from __future__ import annotations

from .output import (
    CSV_COLUMNS,
    FORMATS,
    Format,
    Rendered,
    Totals,
    action_rows,
    atomic_file,
    format_failure,
    render_chunk,
    summary_table,
)
from .records import (
    Record,
    count_lines,
    parse_record,
    read_directory,
    read_jsonl,
    read_lines,
    record_id,
)
from .run import (
    BatchResult,
    Failure,
    Settings,
    available_cores,
    evaluate_item,
    evaluate_many,
    map_chunks,
)

__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "BatchResult",
    "Failure",
    "Format",
    "Record",
    "Rendered",
    "Settings",
    "Totals",
    "action_rows",
    "atomic_file",
    "available_cores",
    "count_lines",
    "evaluate_item",
    "evaluate_many",
    "format_failure",
    "map_chunks",
    "parse_record",
    "read_directory",
    "read_jsonl",
    "read_lines",
    "record_id",
    "render_chunk",
    "summary_table",
]
