"""``protocols`` and ``schema``: what is bundled, and the JSON Schemas of inputs and outputs."""

from __future__ import annotations

import argparse
import json
from typing import TextIO

from .common import Subparsers

__all__ = ["cmd_protocols", "cmd_schema", "register"]


def cmd_protocols(args: argparse.Namespace, stdin: TextIO | None) -> str:  # noqa: ARG001
    from missing_protocol.protocols import bundled_protocol_ids, load_protocol  # noqa: PLC0415

    rows = [("ID", "VERSION", "EFFECTIVE", "RULES", "TITLE")]
    for protocol_id in bundled_protocol_ids():
        p = load_protocol(protocol_id)
        effective = p.effective.isoformat() if p.effective else "-"
        rows.append((p.id, p.version, effective, str(len(p.rules)), p.title))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True))
        + "  "
        + row[-1]
        for row in rows
    ]
    return "\n".join(lines) + "\n"


def cmd_schema(args: argparse.Namespace, stdin: TextIO | None) -> str:  # noqa: ARG001
    from missing_protocol.results import evaluation_json_schema  # noqa: PLC0415
    from missing_protocol.schema import RuleFile  # noqa: PLC0415
    from missing_protocol.timeline import Timeline  # noqa: PLC0415

    schemas = {
        "rules": RuleFile.model_json_schema,
        "timeline": Timeline.model_json_schema,
        "result": evaluation_json_schema,
    }
    return json.dumps(schemas[args.which](), indent=2, ensure_ascii=False) + "\n"


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("protocols", help="list the bundled protocols")
    p.set_defaults(run=cmd_protocols)

    p = sub.add_parser("schema", help="print a JSON Schema")
    p.add_argument("which", choices=("rules", "timeline", "result"))
    p.set_defaults(run=cmd_schema)
