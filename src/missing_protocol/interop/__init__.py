"""Council data in and out: SSDA903 and SSD importers, worklists as iCalendar and CSV.

Importers read a council's extract row by row, check every row in the spirit
of the DfE's 903 validator, leave out each child with a problem (every problem
reported by file, row, column, record id and a stable code) and build one
timeline (schema 2) per remaining child::

    from missing_protocol.interop import import_ssda903

    result = import_ssda903("missing.csv")
    for timeline in result.timelines:
        ...
    print(result.report.summary())

The field-by-field mapping, and what each format cannot say: docs/interop.md.
"""

from missing_protocol.interop.jsonl import read_jsonl, write_jsonl
from missing_protocol.interop.problems import (
    ImportProblem,
    ImportReport,
    ImportResult,
    SourceFileError,
)
from missing_protocol.interop.ssd import import_ssd
from missing_protocol.interop.ssda903 import import_ssda903

__all__ = [
    "ImportProblem",
    "ImportReport",
    "ImportResult",
    "SourceFileError",
    "import_ssd",
    "import_ssda903",
    "read_jsonl",
    "write_jsonl",
]
