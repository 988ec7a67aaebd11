"""The generated pages of docs/ match the code and the rule files (regenerate if not)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_generated_docs_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_every_verification_warning_of_a_bundled_protocol_is_accepted_with_a_reason() -> None:
    report = (ROOT / "docs" / "verification.md").read_text(encoding="utf-8")
    assert "not yet reviewed" not in report
    counts = [
        line for line in report.splitlines() if re.fullmatch(r"\d+ errors?, \d+ warnings?\.", line)
    ]
    assert counts
    assert all(line.startswith("0 errors, ") for line in counts)
