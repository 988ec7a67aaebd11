"""``report``: the caseload compliance report under one protocol (HTML, CSV or JSON)."""

from __future__ import annotations

import argparse
from typing import TextIO

from .caseload import caseload_args, deliver, progress, read_caseload_args
from .common import Subparsers, read_protocol

__all__ = ["cmd_report", "register"]


def cmd_report(args: argparse.Namespace, stdin: TextIO) -> str:
    del stdin  # the caseload is read from files
    from missing_protocol.report import (  # noqa: PLC0415 - imported when run
        build_report,
        report_csv,
        report_html,
        report_json,
    )

    protocol = read_protocol(args)
    timelines, moment = read_caseload_args(args)
    report = build_report(protocol, timelines, moment, progress=progress)
    render = {"html": report_html, "csv": report_csv, "json": report_json}[args.format]
    return deliver(render(report), args.output)


def register(sub: Subparsers[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("report", help="caseload compliance under a protocol (html, csv, json)")
    caseload_args(p)
    p.add_argument("--format", "-f", choices=("html", "csv", "json"), default="html")
    p.set_defaults(run=cmd_report)
