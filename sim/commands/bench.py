"""``roamsim bench``: measure the floor and the full simulation, print the figures, record them.

``roamsim bench [--scenario FILE] [--until DURATION] [--floor-exchanges N] [--results FILE | --no-record]``
times a bare loop of ``N`` OCPI exchanges (the floor) and the full run of the scenario with its trace
written to a temporary JSONL file (see ``sim.bench``), prints exchanges/s of both and their ratio,
the simulated-time speed-up, SimPy events/s and the peak RSS, and appends them with the machine
description and the date to ``benchmarks/RESULTS.md`` (or ``--results``).  Exit codes: 0 measured,
1 the simulation failed, 2 usage error or invalid scenario.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sim import bench
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.schema import parse_duration

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_SCENARIO = Path("scenarios/city-scale.yaml")
DEFAULT_RESULTS = Path("benchmarks/RESULTS.md")
DEFAULT_FLOOR_EXCHANGES = 20_000


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim bench``."""
    parser = subparsers.add_parser(
        "bench",
        help="benchmark: bare OCPI exchanges vs the full simulation of a scenario",
        description="Time a bare loop of OCPI exchanges (the floor) and the full simulation of a scenario "
        "with its trace recorded; print exchanges/s, their ratio, simulated-time speed-up, SimPy events/s "
        "and peak RSS, and append them to benchmarks/RESULTS.md. Exit 0 measured, 1 simulation failed, "
        "2 usage error or invalid scenario.",
    )
    parser.add_argument(
        "--scenario",
        type=Path,
        default=DEFAULT_SCENARIO,
        metavar="FILE",
        help=f"scenario to simulate (default: {DEFAULT_SCENARIO})",
    )
    parser.add_argument("--until", metavar="DURATION", help="simulate only this long, e.g. 3h (default: all)")
    parser.add_argument(
        "--floor-exchanges",
        type=int,
        default=DEFAULT_FLOOR_EXCHANGES,
        metavar="N",
        help=f"exchanges in the floor loop (default: {DEFAULT_FLOOR_EXCHANGES:,})",
    )
    record = parser.add_mutually_exclusive_group()
    record.add_argument(
        "--results",
        type=Path,
        default=DEFAULT_RESULTS,
        metavar="FILE",
        help=f"append the figures to this Markdown file (default: {DEFAULT_RESULTS})",
    )
    record.add_argument("--no-record", action="store_true", help="print the figures only")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Measure, print, record; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    until = None
    if args.until is not None:
        try:
            until = parse_duration(args.until)
        except ValueError as exc:
            print(f"roamsim bench: --until: {exc}", file=err)
            return EXIT_USAGE
    if args.floor_exchanges < 1:
        print("roamsim bench: --floor-exchanges must be at least 1", file=err)
        return EXIT_USAGE
    try:
        loaded = load_scenario(args.scenario)
    except ScenarioError as exc:
        for line in exc.messages:
            print(line, file=err)
        return EXIT_USAGE
    scenario = loaded.scenario
    simulated = scenario.duration if until is None else min(until, scenario.duration)
    title = f"{scenario.name} ({args.scenario}), {_span(simulated)} simulated, trace recorded"
    print(f"roamsim bench: {title}", file=err)
    try:
        print(f"roamsim bench: floor, {args.floor_exchanges:,} bare exchanges ...", file=err)
        with tempfile.TemporaryFile("w+", encoding="utf-8") as trace:
            floor = bench.run_floor(args.floor_exchanges, trace)
        print("roamsim bench: the simulation ...", file=err)
        with tempfile.TemporaryFile("w+", encoding="utf-8") as trace:
            simulation = bench.run_simulation(loaded, until, trace)
    except Exception:  # a bug in the simulator: say so plainly, with the trace for the report
        print("roamsim bench: the run failed:", file=err)
        traceback.print_exc(file=err)
        return EXIT_FAILED
    result = bench.BenchResult(
        scenario=title,
        floor=floor,
        simulation=simulation,
        peak_rss_mb=bench.peak_rss_mb(),
        machine=bench.machine_description(),
        date=datetime.now(UTC),  # a benchmark's date; simulations never read the wall clock
    )
    out.write(bench.render(result))
    if not args.no_record:
        try:
            _append(args.results, bench.results_entry(result))
        except OSError as exc:
            print(f"roamsim bench: cannot write {args.results}: {exc.strerror}", file=err)
            return EXIT_USAGE
        out.write(f"\nappended to {args.results}\n")
    return EXIT_OK


def _append(path: Path, entry: str) -> None:
    """Append ``entry`` to ``path`` after one blank line (a new file starts with a title)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    trailing_newlines = len(existing) - len(existing.rstrip("\n"))
    prefix = "\n" * max(0, 2 - trailing_newlines) if existing else "# Benchmark results\n\n"
    with path.open("a", encoding="utf-8") as stream:
        stream.write(prefix + entry)


def _span(seconds: float) -> str:
    """``24 h``, ``1.5 h``, ``10 min``, ``45 s``."""
    if seconds >= 3600:
        return f"{seconds / 3600:.4g} h"
    if seconds >= 60:
        return f"{seconds / 60:.4g} min"
    return f"{seconds:.4g} s"
