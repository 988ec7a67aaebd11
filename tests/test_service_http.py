"""Once over a real socket: ``missing-protocol serve`` on 127.0.0.1, called, then stopped."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from missing_protocol import evaluate, load_protocol, parse_timeline, to_jsonable
from missing_protocol.service.registry import parse_as_of

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "examples" / "camden_looked_after_child.yaml").read_text(encoding="utf-8")
HOST = "127.0.0.1"  # the only address this test talks to


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_health(base: str, process: subprocess.Popen[str]) -> None:
    """Poll /health until it answers: at most 240 tries, a quarter of a second apart."""
    for _ in range(240):
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {process.communicate()[1]}")
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.25)
    pytest.fail("the server did not answer /health")


@pytest.fixture
def server() -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "missing_protocol.cli",
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://{HOST}:{port}"
    try:
        wait_for_health(base, process)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_serve_over_http(server: tuple[str, subprocess.Popen[str]]) -> None:
    base, process = server
    request = urllib.request.Request(
        f"{base}/evaluate?protocol=camden&as_of=2024-04-05T12:00",
        data=EXAMPLE.encode(),
        headers={"Content-Type": "application/yaml"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        body = json.loads(response.read())
    protocol = load_protocol("camden")
    expected = evaluate(protocol, parse_timeline(EXAMPLE), parse_as_of("2024-04-05T12:00"))
    assert body == to_jsonable(expected)

    bad = urllib.request.Request(
        f"{base}/evaluate?protocol=camden&as_of=never", data=EXAMPLE.encode(), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(bad, timeout=30)
    assert refused.value.code == 400
    assert refused.value.headers["Content-Type"] == "application/problem+json"
    assert json.loads(refused.value.read())["code"] == "request.bad_as_of"

    process.send_signal(signal.SIGINT)
    _, log = process.communicate(timeout=30)
    assert process.returncode == 0
    access = [line.split(": ", 1)[1] for line in log.splitlines() if ".access: " in line]
    assert [line.rsplit(" ", 1)[0] for line in access] == [
        "GET /health 200",
        "POST /evaluate 200",
        "POST /evaluate 400",
    ]
    assert "C-1001" not in log
    assert "as_of" not in log
