"""Headless Chromium for the page tests: found, or the test skipped (failed in CI).

CI installs chromium (``.ci/run``), so there a missing browser is a failure;
on a machine without it the tests are skipped with that reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium() -> str:
    """The browser's path; skips the test when it is absent (fails it in CI)."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed, and CI needs this test to run")
    pytest.skip("chromium is not installed (/usr/bin/chromium or chromium on PATH)")


def run_chromium(tmp_path: Path, *args: str) -> str:
    """Run headless Chromium with a fresh profile; its standard output."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
