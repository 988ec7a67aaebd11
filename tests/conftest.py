"""Reports rule coverage of the golden cases at the end of every run."""

from __future__ import annotations

import pytest

from golden import all_cases, run_case
from missing_protocol import bundled_protocol_ids, load_protocol


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    fired: dict[str, set[str]] = {}
    for case in all_cases():
        if "expect" not in case.data:
            continue
        try:
            fired.setdefault(case.data["protocol"], set()).update(run_case(case))
        except AssertionError:
            continue  # the failing case is reported by its own test
    terminalreporter.section("rule coverage of the golden cases")
    for protocol_id in bundled_protocol_ids():
        rules = [rule.id for rule in load_protocol(protocol_id).rules]
        hit = fired.get(protocol_id, set())
        never = [rule for rule in rules if rule not in hit]
        line = f"{protocol_id}: {len(rules) - len(never)}/{len(rules)} rules fired"
        terminalreporter.write_line(line + (f"; never: {', '.join(never)}" if never else ""))
