"""The built wheel carries the rule files: install it outside the checkout and evaluate.

Marked ``wheel`` and run as its own step (``pytest -m wheel``): it builds a
wheel and a fresh virtual environment, which takes tens of seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "camden_looked_after_child.yaml"


@pytest.mark.wheel
def test_wheel_installs_and_evaluates_outside_the_checkout(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        check=True,
    )
    wheels = list(dist.glob("missing_protocol-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(wheels[0]),
        ],
        check=True,
    )
    script = (
        "import json, sys, datetime as dt, missing_protocol as m\n"
        "from pathlib import Path\n"
        "assert 'site-packages' in m.__file__, m.__file__\n"
        "ids = m.bundled_protocol_ids()\n"
        "t = m.load_timeline(Path(sys.argv[1]))\n"
        "r = m.evaluate(m.load_protocol('camden'), t, dt.datetime(2024, 4, 5, 12))\n"
        "compiled = 'missing_protocol.compile' in sys.modules\n"
        "print(json.dumps({'ids': ids, 'actions': len(r.actions), 'compiled': compiled}))\n"
    )
    done = subprocess.run(
        [str(python), "-c", script, str(EXAMPLE)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    result = json.loads(done.stdout)
    assert "camden" in result["ids"]
    assert (
        result["actions"] == 20
    )  # foster placement: no registration authority; the EDT's two (4.5)
    assert result["compiled"] is False  # read from its precompiled form, shipped in the wheel
    cli = subprocess.run(
        [str(env_dir / "bin" / "missing-protocol"), "protocols"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "\ncamden " in cli.stdout
    # The timeline view needs no FastAPI; the service says which extra it needs.
    page = subprocess.run(
        [
            str(env_dir / "bin" / "missing-protocol"),
            "evaluate",
            str(EXAMPLE),
            "--as-of",
            "2024-04-05T12:00",
            "--format",
            "html",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert page.stdout.startswith("<!DOCTYPE html>")
    assert page.stdout.count('class="bar episode"') == 1
    serve = subprocess.run(
        [str(env_dir / "bin" / "missing-protocol"), "serve"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert (serve.returncode, serve.stdout) == (1, "")
    assert serve.stderr == (
        "error: serve needs the service extra: pip install 'missing_protocol[service]'\n"
    )
