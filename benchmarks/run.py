"""The performance benchmark of issue 8: one run, side by side, ratios against a floor.

    python benchmarks/run.py            # the full run (several minutes); writes docs/performance.md
    python benchmarks/run.py --quick    # tiny sizes, a few seconds: proves it still runs

Everything is measured in the same process run, so that the ratios compare
like with like on a shared, noisy machine. In-process measures are CPU time
(``time.process_time``), medians of interleaved rounds; commands run as
subprocesses are timed by the wall clock, with their peak resident memory
from ``os.wait4``. The floor is pydantic's validation of the same timelines
(``Timeline.model_validate``): evaluating cannot cost less than reading.

Not run as a timed test (tests/test_benchmark.py runs ``--quick`` and checks
that every row is written, and asserts no time).
"""

from __future__ import annotations

import argparse
import bisect
import compileall
import dataclasses
import datetime as dt
import gzip
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from caseload import AS_OF, caseload, child_with_episodes, write_jsonl
from dateutil.relativedelta import relativedelta

import missing_protocol
from missing_protocol import evaluate, evaluate_compact, load_protocol, parse_timeline
from missing_protocol.batch.output import render_chunk
from missing_protocol.batch.run import BatchResult
from missing_protocol.evaluate import episode_facts
from missing_protocol.plan import allocator, fact_tuple
from missing_protocol.results import CompactEvaluation, Evaluation
from missing_protocol.timeline import Timeline, london_datetime

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "camden_looked_after_child.yaml"
PROTOCOLS = ("camden", "pan_beds", "cumbria", "tower_hamlets", "brent")
NATIONAL_EPISODES = 200_000
RHI_GATE = frozenset({"missing", "concerning_absence", "absconded", "abducted"})


@dataclasses.dataclass(frozen=True)
class Sizes:
    children: int  # the realistic caseload (batch end to end)
    sample: int  # children measured in process, per round
    rounds: int
    many_episodes: int  # the one child with many episodes
    few_episodes: int
    national_children: int  # the real run towards a national year
    command_rounds: int


FULL = Sizes(5000, 1000, 3, 1000, 10, 8200, 5)
QUICK = Sizes(10, 8, 1, 12, 4, 10, 1)


@dataclasses.dataclass(frozen=True)
class Row:
    key: str
    what: str
    value: str
    ratio: str
    target: str
    met: bool | None


# --- timing -------------------------------------------------------------------


def interleaved(measures: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median CPU seconds of each measure, the measures taking turns round by round."""
    times: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            start = time.process_time()
            measure()
            times[name].append(time.process_time() - start)
    return {name: statistics.median(values) for name, values in times.items()}


@dataclasses.dataclass(frozen=True)
class Ran:
    wall: float
    cpu: float
    peak_rss_mb: float
    stdout: bytes


# Runs the command given as its arguments and reports, on standard error, the exit
# code, wall seconds, CPU seconds and peak RSS (KiB) of the command and its children.
# A small launcher of its own, because a child's peak RSS counts the memory of the
# process it was forked from (Linux keeps the old image's high-water mark across
# exec), and this benchmark holds the whole caseload.
_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
print(code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, file=sys.stderr)
"""


def run_command(argv: Sequence[str]) -> Ran:
    """Run a command to the end: wall time, CPU time and peak RSS (its children included)."""
    with tempfile.TemporaryFile() as out:
        done = subprocess.run(
            [sys.executable, "-c", _LAUNCHER, *argv],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            check=True,
            text=True,
        )
        out.seek(0)
        data = out.read()
    code, wall, cpu, peak_kib = done.stderr.split()
    if int(code) not in (0, 1):
        raise SystemExit(f"benchmark: {' '.join(argv)} exited {code}")
    return Ran(float(wall), float(cpu), int(peak_kib) / 1024, data)


def command() -> list[str]:
    script = Path(sys.executable).parent / "missing-protocol"
    return [str(script)] if script.exists() else [sys.executable, "-m", "missing_protocol.cli"]


# --- the hand-written return-interview allocation -------------------------------


class EpisodeInputs(NamedTuple):
    age: int
    secondary: bool
    known: bool
    category: str
    started_at: dt.datetime
    unauthorised_starts: list[dt.datetime]  # the child's, sorted


def rhi_by_hand(episode: EpisodeInputs) -> str | None:
    """Camden 13.2 in plain Python: who offers the return interview, or None if none is owed."""
    age, secondary, known, category, started_at, unauthorised_starts = episode
    if category not in RHI_GATE:
        since = started_at - relativedelta(months=1)
        recent = bisect.bisect_right(unauthorised_starts, started_at) - bisect.bisect_right(
            unauthorised_starts, since
        )
        if category != "unauthorised_absence" or recent < 3:
            return None
    if age >= 12 or (age == 11 and secondary):
        return "childrens_society"
    if known:
        return "allocated_social_worker"
    return "early_help_family_worker"


def by_hand_inputs(timelines: Sequence[Timeline], as_of: dt.datetime) -> list[EpisodeInputs]:
    """The hand-written function's arguments per episode, from Camden's public results."""
    camden = load_protocol("camden")
    inputs = []
    for timeline in timelines:
        episodes = evaluate(camden, timeline, as_of).episodes
        unauthorised = sorted(
            e.started_at for e in episodes if e.category == "unauthorised_absence"
        )
        child = timeline.child
        inputs += [
            EpisodeInputs(
                e.age_at_start,
                child.attends_secondary_school,
                child.known_to_social_care,
                e.category,
                e.started_at,
                unauthorised,
            )
            for e in episodes
        ]
    return inputs


def project_allocation(
    timelines: Sequence[Timeline], as_of: dt.datetime
) -> tuple[str, Callable[[], object]]:
    """The project's allocation step alone: Camden's return-interview allocation compiled by
    the evaluation plan, applied to each episode's fact tuple (as evaluation applies it)."""
    camden = load_protocol("camden")
    facts = [
        fact_tuple(f.values) for t in timelines for f in episode_facts(camden, t, as_of).values()
    ]
    allocate = allocator(camden, "rhi_conductor")
    return "plan.allocator(camden, 'rhi_conductor') on each fact tuple", lambda: [
        allocate(f) for f in facts
    ]


# --- the measures ---------------------------------------------------------------


def read_explanations(evaluation: Evaluation) -> Evaluation:
    """Read every action's explanation, so that it is written (it is written when first read)."""
    for action in evaluation.actions:
        action.trigger  # noqa: B018
    return evaluation


def in_process(sizes: Sizes, data: list[dict[str, Any]], as_of: dt.datetime) -> dict[str, Any]:
    """Per-episode CPU times on the sample: floor, parsing, allocation, evaluate per protocol."""
    sample = data[: sizes.sample]
    lines = [json.dumps(d, separators=(",", ":")) for d in sample]
    timelines = [Timeline.model_validate(d) for d in sample]
    episodes = sum(len(t.episodes) for t in timelines)
    protocols = {pid: load_protocol(pid) for pid in PROTOCOLS}
    hand = by_hand_inputs(timelines, as_of)
    step_name, step = project_allocation(timelines, as_of)
    measures: dict[str, Callable[[], object]] = {
        "floor": lambda: [Timeline.model_validate(d) for d in sample],
        "validate_json": lambda: [Timeline.model_validate_json(line) for line in lines],
        "parse_timeline": lambda: [parse_timeline(line) for line in lines],
        "by_hand": lambda: [rhi_by_hand(episode) for episode in hand],
        "allocation": step,
    }
    # The national year's output alone: the actions-csv rows of evaluations already made.
    made = [
        BatchResult(str(n), pid, evaluate_compact(protocol, t, as_of))
        for n, t in enumerate(timelines, 1)
        for pid, protocol in protocols.items()
    ]
    rows_written = sum(len(r.result.rows) for r in made if isinstance(r.result, CompactEvaluation))
    measures["write_rows"] = lambda: render_chunk("actions-csv", made)
    for pid, protocol in protocols.items():
        measures[pid] = lambda p=protocol: [evaluate(p, t, as_of) for t in timelines]
        measures[f"explained_{pid}"] = lambda p=protocol: [
            read_explanations(evaluate(p, t, as_of)) for t in timelines
        ]
        measures[f"compact_{pid}"] = lambda p=protocol: [
            evaluate_compact(p, t, as_of) for t in timelines
        ]
    seconds = interleaved(measures, sizes.rounds)
    return {
        "episodes": episodes,
        "children": len(sample),
        "per_episode": {name: s / episodes for name, s in seconds.items()},
        "rows_per_episode": rows_written / episodes,
        "allocation_name": step_name,
    }


def growth(sizes: Sizes) -> dict[str, float]:
    """Per-episode time of one child with many episodes over one with few, per protocol."""
    out = {}
    for pid in PROTOCOLS:
        protocol = load_protocol(pid)
        per_episode = []
        for count in (sizes.few_episodes, sizes.many_episodes):
            timeline = Timeline.model_validate(child_with_episodes(count))
            as_of = max(e.started_at for e in timeline.episodes) + dt.timedelta(days=90)
            seconds = interleaved(
                {"one": lambda p=protocol, t=timeline, a=as_of: evaluate(p, t, a)}, 1
            )
            per_episode.append(seconds["one"] / count)
        out[pid] = per_episode[1] / per_episode[0]
    return out


# In a fresh interpreter: CPU seconds of importing what the first call needs (the compiled
# form's modules and the precompiled reader; or, to compile, the compiler, the schema and the
# YAML reader), then of the first call itself, and whether it compiled the YAML.
_FIRST_LOAD = """
import sys, time
from missing_protocol.protocols import compile_bundled, load_protocol
yaml = sys.argv[2] == "yaml"
start = time.process_time()
if yaml:
    import missing_protocol.compile, missing_protocol.loading, missing_protocol.schema
else:
    import missing_protocol.precompiled
imported = time.process_time()
(compile_bundled if yaml else load_protocol)(sys.argv[1])
done = time.process_time()
print(done - imported, imported - start, "missing_protocol.compile" in sys.modules)
"""


def first_loads(rounds: int) -> dict[str, dict[str, float]]:
    """Per bundled protocol, medians: load_protocol's first call and its imports, and the
    same for compiling the rule file (``compile_bundled``, what load_protocol did before)."""
    out: dict[str, dict[str, float]] = {}
    for pid in PROTOCOLS:
        samples: dict[str, list[float]] = {
            "load": [],
            "load_imports": [],
            "yaml": [],
            "yaml_imports": [],
        }
        for _ in range(rounds):
            for how in ("load", "yaml"):
                done = subprocess.run(
                    [sys.executable, "-c", _FIRST_LOAD, pid, how],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                call, imports, compiled = done.stdout.split()
                if how == "load" and compiled == "True":
                    raise SystemExit(
                        f"benchmark: load_protocol({pid!r}) compiled its YAML: the precompiled "
                        "form is stale (run tools/gen_precompiled.py)"
                    )
                samples[how].append(float(call))
                samples[f"{how}_imports"].append(float(imports))
        out[pid] = {key: statistics.median(values) for key, values in samples.items()}
    return out


def bytecode() -> None:
    """Compile the package's modules to bytecode, as installing a wheel does.

    Without it (a checkout run with PYTHONDONTWRITEBYTECODE), every fresh
    process would compile the package's sources again, which an installed
    command never does.
    """
    package = Path(missing_protocol.__file__).parent
    compileall.compile_dir(package, quiet=1)


def startup(rounds: int) -> dict[str, float]:
    """Wall seconds: importing the package, a first evaluation's imports, and a cold command."""

    def timed_import(statement: str) -> float:
        code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        return float(result.stdout)

    cold = [
        *command(),
        "evaluate",
        str(EXAMPLE),
        "--protocol",
        "camden",
        "--as-of",
        "2024-04-05T12:00",
    ]
    samples: dict[str, list[float]] = {"import": [], "import_evaluate": [], "cold_start": []}
    for _ in range(rounds):
        samples["import"].append(timed_import("import missing_protocol"))
        samples["import_evaluate"].append(
            timed_import("from missing_protocol import evaluate, load_protocol, load_timeline")
        )
        samples["cold_start"].append(run_command(cold).wall)
    return {name: statistics.median(values) for name, values in samples.items()}


def batch_runs(sizes: Sizes, folder: Path, as_of: str) -> dict[str, Any]:
    """The batch command end to end: the realistic caseload with 1 and 2 jobs, and a bigger one."""
    realistic = folder / "caseload.jsonl"
    with realistic.open("w", encoding="utf-8") as out:
        realistic_episodes = write_jsonl(caseload(sizes.children), out)
    national = folder / "national.jsonl"
    with national.open("w", encoding="utf-8") as out:
        national_episodes = write_jsonl(caseload(sizes.national_children, seed=1834), out)
    base = [*command(), "batch", "--all", "--as-of", as_of, "--no-progress"]
    csv = [*base, "--format", "actions-csv"]
    one = run_command([*csv, str(realistic), "--jobs", "1"])
    two = run_command([*csv, str(realistic), "--jobs", "2"])
    if one.stdout != two.stdout:
        raise SystemExit("benchmark: --jobs 2 wrote something different from --jobs 1")
    big = run_command([*csv, str(national), "--jobs", "1"])
    return {
        "realistic_episodes": realistic_episodes,
        "one": one,
        "two": two,
        "national_episodes": national_episodes,
        "national": big,
    }


# --- the report -----------------------------------------------------------------


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs"


def _x(value: float) -> str:
    return f"{value:.2f}x"


def rows(
    measured: dict[str, Any],
    runs: dict[str, Any],
    grow: dict[str, float],
    start: dict[str, float],
    loads: dict[str, dict[str, float]],
) -> list[Row]:
    per = measured["per_episode"]
    floor = per["floor"]
    out = [
        Row(
            "floor",
            "Timeline.model_validate, per episode (the floor)",
            _us(floor),
            "1.00x",
            "the floor: keep it",
            None,
        ),
        Row(
            "validate_json",
            "Timeline.model_validate_json (bulk JSON Lines), per episode",
            _us(per["validate_json"]),
            _x(per["validate_json"] / floor),
            "about the floor",
            None,
        ),
        Row(
            "parse_timeline",
            "parse_timeline (the located loader), per episode",
            _us(per["parse_timeline"]),
            _x(per["parse_timeline"] / floor),
            "only to explain a failed record",
            None,
        ),
        Row(
            "by_hand",
            "hand-written return-interview allocation (Camden), per episode",
            _us(per["by_hand"]),
            _x(per["by_hand"] / floor),
            "the pure-Python limit",
            None,
        ),
        Row(
            "allocation",
            f"the project's allocation step: {measured['allocation_name']}",
            _us(per["allocation"]),
            f"{_x(per['allocation'] / per['by_hand'])} hand-written",
            "<= 3x hand-written",
            per["allocation"] / per["by_hand"] <= 3,
        ),
    ]
    for pid in PROTOCOLS:
        ratio = per[pid] / floor
        compact = per[f"compact_{pid}"] / floor
        out += [
            Row(
                f"evaluate_{pid}",
                f"evaluate, {pid}, per episode (each explanation written when first read)",
                _us(per[pid]),
                _x(ratio),
                "<= 4x floor",
                ratio <= 4,
            ),
            Row(
                f"explained_{pid}",
                f"evaluate, {pid}, per episode, every action's explanation read",
                _us(per[f"explained_{pid}"]),
                _x(per[f"explained_{pid}"] / floor),
                "",
                None,
            ),
            Row(
                f"compact_{pid}",
                f"evaluate_compact, {pid}, per episode (rows, as batch CSV uses)",
                _us(per[f"compact_{pid}"]),
                _x(compact),
                "<= 4x floor",
                compact <= 4,
            ),
        ]
    per_year = (floor + sum(per[f"compact_{pid}"] for pid in PROTOCOLS)) * NATIONAL_EPISODES
    out.append(
        Row(
            "national_estimate",
            "a national year, 200,000 episodes x 5 protocols, one core, "
            "validate + evaluate_compact (from the per-episode rates)",
            f"{per_year:,.0f} s",
            "",
            "< 60 s",
            per_year < 60,
        )
    )
    writing = per["write_rows"] * NATIONAL_EPISODES
    out.append(
        Row(
            "national_writing",
            "of which writing the actions-csv rows alone, from evaluations already made "
            f"({measured['rows_per_episode']:.0f} rows per episode, all five protocols; "
            f"{_us(per['write_rows'] / measured['rows_per_episode'])} per row): "
            "a bound no evaluation can beat",
            f"{writing:,.0f} s",
            "",
            "",
            None,
        )
    )
    one, two, big = runs["one"], runs["two"], runs["national"]
    scale = NATIONAL_EPISODES / runs["national_episodes"]
    peak = max(one.peak_rss_mb, two.peak_rss_mb, big.peak_rss_mb)
    gz = len(gzip.compress(big.stdout))
    out += [
        Row(
            "batch_jobs_1",
            f"batch --jobs 1 --all, actions-csv, {runs['realistic_episodes']:,} episodes (wall)",
            f"{one.wall:.1f} s",
            _us(one.wall / runs["realistic_episodes"] / len(PROTOCOLS)) + " per episode x protocol",
            "",
            None,
        ),
        Row(
            "batch_jobs_2",
            "batch --jobs 2, same input (wall)",
            f"{two.wall:.1f} s",
            f"{_x(one.wall / two.wall)} faster",
            ">= 1.8x",
            one.wall / two.wall >= 1.8,
        ),
        Row(
            "national_run",
            f"batch --jobs 1 --all, actions-csv, {runs['national_episodes']:,} "
            "episodes, scaled to 200,000 (wall)",
            f"{big.wall:.1f} s -> {big.wall * scale:,.0f} s",
            "",
            "< 60 s",
            big.wall * scale < 60,
        ),
        Row(
            "national_output",
            "its actions-csv output, scaled to 200,000 episodes",
            f"{len(big.stdout) / 1e6:,.1f} MB -> {len(big.stdout) * scale / 1e9:.2f} GB",
            "",
            "< 2 GB",
            len(big.stdout) * scale < 2e9,
        ),
        Row(
            "national_output_gz",
            "the same, gzip-compressed (as --output FILE.gz writes it)",
            f"{gz / 1e6:,.1f} MB -> {gz * scale / 1e9:.2f} GB",
            "",
            "< 2 GB",
            gz * scale < 2e9,
        ),
        Row(
            "peak_rss",
            "peak RSS of batch (largest of the three runs)",
            f"{peak:.0f} MB",
            "",
            "< 250 MB, flat",
            peak < 250,
        ),
    ]
    worst = max(grow, key=lambda pid: grow[pid])
    out.append(
        Row(
            "growth",
            "one child, per episode, many episodes vs few (worst protocol: "
            f"{worst}; " + ", ".join(f"{p} {_x(g)}" for p, g in grow.items()) + ")",
            _x(grow[worst]),
            "",
            "<= 1.2x (linear)",
            grow[worst] <= 1.2,
        )
    )
    worst_load = max(loads, key=lambda pid: loads[pid]["load"])
    imports = statistics.median(v["load_imports"] for v in loads.values())
    yaml_imports = statistics.median(v["yaml_imports"] for v in loads.values())
    out.append(
        Row(
            "load_protocol",
            "load_protocol, first call in a fresh process, CPU, read from the precompiled form "
            f"(worst protocol: {worst_load}; "
            + ", ".join(f"{p} {v['load'] * 1e3:.1f} ms" for p, v in loads.items())
            + f"); the modules it needs imported first ({imports * 1e3:.0f} ms; to compile, "
            f"{yaml_imports * 1e3:.0f} ms). Ratio: compiling the rule file instead "
            "(compile_bundled, what it did before)",
            f"{loads[worst_load]['load'] * 1e3:.1f} ms",
            ", ".join(f"{p} {v['yaml'] / v['load']:.1f}x" for p, v in loads.items()) + " faster",
            "<= 10 ms",
            loads[worst_load]["load"] <= 0.010,
        )
    )
    out += [
        Row(
            "import",
            "import missing_protocol",
            f"{start['import'] * 1e3:.0f} ms",
            "",
            "< 80 ms",
            start["import"] < 0.080,
        ),
        Row(
            "import_evaluate",
            "from missing_protocol import evaluate, load_protocol, load_timeline",
            f"{start['import_evaluate'] * 1e3:.0f} ms",
            "",
            "",
            None,
        ),
        Row(
            "cold_start",
            "missing-protocol evaluate (the example YAML timeline, Camden), cold start "
            "(wall, interpreter included, bytecode compiled as installed)",
            f"{start['cold_start'] * 1e3:.0f} ms",
            "",
            "< 150 ms",
            start["cold_start"] < 0.150,
        ),
    ]
    return out


def machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{cores} cores (nproc), {model}, Python {platform.python_version()}; "
        f"load average at the end {load} (other work on the machine slows every row)"
    )


def report(table: list[Row], sizes: Sizes, measured: dict[str, Any], quick: bool) -> str:
    mark = {True: "yes", False: "**no**", None: ""}
    lines = [
        "# Performance",
        "",
        f"Written by `benchmarks/run.py`{' --quick (tiny sizes: not a measurement)' * quick} "
        f"on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}.",
        "",
        f"In-process rows: CPU time, medians of {sizes.rounds} interleaved rounds over "
        f"{measured['children']:,} children ({measured['episodes']:,} episodes) of the realistic "
        "caseload (`benchmarks/caseload.py`). Batch rows: wall time of the command; peak RSS "
        "from `os.wait4`. Ratios are against the floor measured in the same run unless they say "
        "otherwise; targets are issue 8's.",
        "",
        "| key | what | measured | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.key} | {r.what} | {r.value} | {r.ratio} | {r.target} | {mark[r.met]} |"
        for r in table
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Issue 8's benchmark; writes a Markdown table.")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, only to prove it runs")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "performance.md")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    as_of = london_datetime(AS_OF)
    data = list(caseload(sizes.sample))
    print(f"benchmark: in process, {sizes.sample} children, {sizes.rounds} rounds", flush=True)
    measured = in_process(sizes, data, as_of)
    print("benchmark: one child, many episodes vs few", flush=True)
    grow = growth(sizes)
    print("benchmark: start-up", flush=True)
    bytecode()
    start = startup(sizes.command_rounds)
    loads = first_loads(sizes.command_rounds)
    print("benchmark: batch end to end", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        runs = batch_runs(sizes, Path(folder), AS_OF.isoformat())
    table = rows(measured, runs, grow, start, loads)
    text = report(table, sizes, measured, args.quick)
    print(text, end="")
    args.output.write_text(text + _kept_sections(args.output), encoding="utf-8")


# Sections of docs/performance.md written by other measurements (benchmarks/load_service.py,
# the start-up analysis): kept as they are when this benchmark rewrites its own part.
KEPT_HEADINGS = (
    "## Reading the table: the floor, and the bound on a national year",
    "## Start-up: where a command's time goes",
    "## The decision service under load",
)


def _kept_sections(path: Path) -> str:
    if not path.is_file():
        return ""
    old = path.read_text(encoding="utf-8")
    starts = [old.index(h) for h in KEPT_HEADINGS if h in old]
    return "\n" + old[min(starts) :] if starts else ""


if __name__ == "__main__":
    main()
