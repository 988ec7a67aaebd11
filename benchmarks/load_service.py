"""A bounded load run against the decision service on this machine (127.0.0.1 only).

Starts ``missing-protocol serve`` on a free port of 127.0.0.1 (``--workers N``),
sends a fixed number of ``POST /evaluate`` requests (the example timeline under
Camden's protocol), a fixed number at a time, each over its own kept-alive
connection, then stops the server and prints the throughput and the latency
percentiles. It always stops by itself: the number of requests is fixed and
each has a timeout. A measurement to record in docs/performance.md, not a test.

    .venv/bin/python benchmarks/load_service.py [--requests 2000] [--concurrency 8] [--workers 1]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

HOST = "127.0.0.1"  # the only address this script ever sends to
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "camden_looked_after_child.yaml"
PATH = "/evaluate?protocol=camden&as_of=2024-04-05T12:00"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def start(port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "missing_protocol.cli", "serve", "--host", HOST]
    command += ["--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(240):  # at most a minute
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=5):
                return process
        except OSError:
            time.sleep(0.25)
    process.kill()
    raise SystemExit("the server did not start")


def run(port: int, body: bytes, requests: int, concurrency: int) -> tuple[list[float], int, float]:
    """Latencies in milliseconds, the number of failures, and the wall time in seconds."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    share = [requests // concurrency + (i < requests % concurrency) for i in range(concurrency)]

    def client(count: int) -> None:
        nonlocal failures
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        bad = 0
        for _ in range(count):
            started = time.perf_counter()
            connection.request("POST", PATH, body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            bad += response.status != 200
        connection.close()
        with lock:
            latencies.extend(mine)
            failures += bad

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, share))
    return latencies, failures, time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def in_process(text: str, rounds: int = 200) -> str:
    """Where the time of one request goes, without HTTP: median milliseconds of each step."""
    from missing_protocol import evaluate, load_protocol, parse_timeline, to_json  # noqa: PLC0415
    from missing_protocol.service.body import parse_record  # noqa: PLC0415
    from missing_protocol.service.registry import parse_as_of  # noqa: PLC0415

    protocol, as_of = load_protocol("camden"), parse_as_of("2024-04-05T12:00")
    timeline = parse_timeline(text)
    evaluation = evaluate(protocol, timeline, as_of)
    steps = {
        "read the timeline as the service does (JSON reader)": lambda: parse_record(text),
        "read it with the located YAML reader": lambda: parse_timeline(text),
        "evaluate": lambda: evaluate(protocol, timeline, as_of),
        "write the JSON": lambda: to_json(evaluation, indent=None),
    }
    found = []
    for name, step in steps.items():
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            step()
            times.append((time.perf_counter() - started) * 1000)
        found.append(f"{name} {statistics.median(times):.2f} ms")
    return "in process, median of " + str(rounds) + ": " + "; ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    body = json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str).encode()
    port = free_port()
    server = start(port, args.workers)
    try:
        run(port, body, 100, args.concurrency)  # warm-up, not counted
        latencies, failures, wall = run(port, body, args.requests, args.concurrency)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    print(
        f"{args.requests} requests, {args.concurrency} at a time, {args.workers} worker(s), "
        f"Python {platform.python_version()}, {platform.machine()}: "
        f"{args.requests / wall:.0f} requests/s; latency p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms, "
        f"max {max(latencies):.1f} ms; {failures} failed"
    )
    print(in_process(body.decode()))
    print("load average (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
