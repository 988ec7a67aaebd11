"""``export ical|csv``: the open required actions of a timeline or caseload, as a worklist."""

from __future__ import annotations

import argparse
from typing import TextIO

from .caseload import caseload_args, deliver, progress, read_caseload_args
from .common import Subparsers, read_protocol

__all__ = ["cmd_export", "register"]


def cmd_export(args: argparse.Namespace, stdin: TextIO) -> str:
    del stdin  # the caseload is read from files
    from missing_protocol.interop.worklist import (  # noqa: PLC0415 - imported when run
        open_actions,
        worklist_csv,
        worklist_ical,
    )

    protocol = read_protocol(args)
    timelines, moment = read_caseload_args(args)
    actions = open_actions(protocol, progress(timelines), moment)
    if args.format == "ical":
        return deliver(worklist_ical(actions, moment), args.output)
    return deliver(worklist_csv(actions), args.output)


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export", help="open required actions as a worklist (iCalendar or CSV)")
    p.add_argument("format", choices=("ical", "csv"), help="ical: one VTODO per action; csv")
    caseload_args(p)
    p.set_defaults(run=cmd_export)
