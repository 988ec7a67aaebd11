"""The benchmark still runs: ``benchmarks/run.py --quick`` writes every row (no time asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent

ROWS = [
    "floor",
    "validate_json",
    "parse_timeline",
    "by_hand",
    "allocation",
    "evaluate_camden",
    "explained_camden",
    "compact_camden",
    "evaluate_pan_beds",
    "explained_pan_beds",
    "compact_pan_beds",
    "evaluate_cumbria",
    "explained_cumbria",
    "compact_cumbria",
    "evaluate_tower_hamlets",
    "explained_tower_hamlets",
    "compact_tower_hamlets",
    "evaluate_brent",
    "explained_brent",
    "compact_brent",
    "national_estimate",
    "national_writing",
    "batch_jobs_1",
    "batch_jobs_2",
    "national_run",
    "national_output",
    "national_output_gz",
    "peak_rss",
    "growth",
    "load_protocol",
    "import",
    "import_evaluate",
    "cold_start",
]


def test_quick_benchmark_writes_every_row(tmp_path: Path) -> None:
    output = tmp_path / "performance.md"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--output", str(output)],
        check=True,
        capture_output=True,
    )
    lines = output.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Performance"
    assert "(nproc)" in lines[2]
    assert "Python 3." in lines[2]
    table = lines[lines.index("| key | what | measured | ratio | target | met |") + 2 :]
    assert [line.split(" | ")[0].removeprefix("| ") for line in table] == ROWS
    for line in table:
        cells = line.split(" | ")
        assert len(cells) == 6, line
        assert cells[2], line  # every row has a measurement
