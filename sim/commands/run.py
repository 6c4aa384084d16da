"""``roamsim run``: run a scenario headless, print a summary, write reports for people and CI servers.

``roamsim run FILE [--seed N] [--until DURATION] [--out DIR] [--trace jsonl,har,none] [--quiet]``

* Progress goes to stderr (``sim.commands.run_progress``): a bar redrawn in place on a terminal,
  a plain line per tenth of the simulated time otherwise, nothing with ``--quiet``.
* The summary tables go to stdout (``sim.report.text``) — the same text for the same scenario and seed.
* ``--out DIR`` writes the files of ``sim.report.outputs`` (first removing those an earlier run left
  there); ``--trace`` picks the trace files among them (default ``jsonl,har``; ``none``: neither).
  After a failed run only the traces so far and a ``junit.xml`` with the error are there.

Exit codes: 0 the run completed and met its expectations; 1 the simulation failed (a paragraph saying
so and the traceback on stderr); 2 usage error, invalid scenario or an output directory that cannot
be written; 3 expectations not met.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import traceback
from pathlib import Path
from typing import Any, TextIO

from sim.commands.run_progress import Progress, clock_text
from sim.metrics import ExpectationResult
from sim.ocpi.common import format_datetime
from sim.report import TRACE_FORMATS, RunFacts, RunOutputs, render_summary
from sim.scenario import LoadedScenario, ScenarioError, load_scenario
from sim.scenario.schema import parse_duration
from sim.simulation import Simulation

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_EXPECTATIONS = 0, 1, 2, 3
NO_TRACE = "none"


def trace_formats(text: str) -> tuple[str, ...]:
    """``--trace``: a comma-separated list of ``jsonl`` and ``har``, or ``none``."""
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if names == [NO_TRACE]:
        return ()
    unknown = [name for name in names if name not in TRACE_FORMATS]
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give jsonl, har, both (jsonl,har) or none, not {', '.join(unknown) or 'nothing'}"
        )
    return tuple(name for name in TRACE_FORMATS if name in names)


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim run``."""
    parser = subparsers.add_parser(
        "run",
        help="run a scenario headless: progress, summary, reports, exit code for CI",
        description=(
            "Run a scenario file headless and print its summary. With --out DIR, also write summary.json, "
            "timeseries.csv, sessions.csv, cdrs.jsonl, settlement.csv, junit.xml and the traces. "
            "Exit 0 ok, 1 the simulation failed, 2 usage error or invalid scenario, 3 expectations not met."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument(
        "--until", metavar="DURATION", help="stop earlier, e.g. 2h or 90m (default and most: the scenario's duration)"
    )
    parser.add_argument("--out", type=Path, metavar="DIR", help="write the reports and traces here")
    parser.add_argument(
        "--trace",
        type=trace_formats,
        metavar="jsonl,har,none",
        help="which trace files to write under --out (default: jsonl,har)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr (the summary is still printed)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Load, run, report; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    if args.trace is not None and args.out is None:
        print("roamsim run: --trace chooses files under --out DIR; give --out too", file=err)
        return EXIT_USAGE
    try:
        loaded = load_scenario(args.file)
    except ScenarioError as exc:
        for line in exc.messages:
            print(line, file=err)
        return EXIT_USAGE
    until = _until(args.until, loaded, err)
    if until is None:
        return EXIT_USAGE
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=err)
    outputs = None
    if args.out is not None:
        outputs = RunOutputs(args.out, TRACE_FORMATS if args.trace is None else args.trace)
        try:
            outputs.prepare()
        except OSError as exc:
            outputs.close_traces()
            print(f"roamsim run: cannot write to {args.out}: {exc.strerror or exc}", file=err)
            return EXIT_USAGE
    progress: Progress | None = None
    simulation: Simulation | None = None
    try:
        simulation = Simulation(loaded, seed=args.seed)
        if outputs is not None:
            outputs.attach(simulation)
        progress = None if args.quiet else Progress(err, end_s=until, tty=_is_tty(err))
        simulation.run(until, progress=progress)
        results = simulation.metrics.evaluate(loaded.scenario.expect)
        text = summary_text(simulation, results, outputs)
    except Exception as exc:  # a bug in the simulator: say so plainly, with the traceback for the report
        if progress is not None:
            progress.interrupt()
        message = _failure(exc, loaded, simulation, args)
        details = traceback.format_exc()
        print(message, file=err)
        err.write(details)
        if outputs is not None:
            outputs.close_traces()
            with contextlib.suppress(OSError):
                outputs.write_crash(loaded.scenario.name, message, details)
        return EXIT_FAILED
    finally:
        if outputs is not None:
            outputs.close_traces()
    if progress is not None:
        progress.finish(simulation)
    out.write(text)
    if outputs is not None:
        facts = RunFacts(str(args.file), until, results, simulation.stats.wall_s)
        try:
            outputs.write_reports(simulation, facts)
        except OSError as exc:
            print(f"roamsim run: cannot write the reports to {args.out}: {exc.strerror or exc}", file=err)
            return EXIT_USAGE
    return EXIT_OK if all(r.passed for r in results) else EXIT_EXPECTATIONS


def _until(text: str | None, loaded: LoadedScenario, err: TextIO) -> float | None:
    """``--until`` in seconds (the scenario's duration without it); None after saying what is wrong."""
    duration = loaded.scenario.duration
    if text is None:
        return duration
    try:
        until = parse_duration(text)
    except ValueError as exc:
        print(f"roamsim run: --until: {exc}", file=err)
        return None
    if until <= 0 or until > duration:
        print(
            f"roamsim run: --until {text}: must be more than 0 and at most the scenario's duration "
            f"({clock_text(duration)})",
            file=err,
        )
        return None
    return until


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _failure(exc: Exception, loaded: LoadedScenario, simulation: Simulation | None, args: argparse.Namespace) -> str:
    """The paragraph that explains a failed run (the traceback follows it)."""
    seed = loaded.scenario.seed if args.seed is None else args.seed
    where = (
        f"at {clock_text(simulation.env.now)} simulated time"
        if simulation is not None
        else "while building the network"
    )
    outputs = (
        f" The trace files under {args.out} stop where the run stopped; junit.xml reports the error; "
        "no other report was written."
        if args.out is not None
        else ""
    )
    return (
        f"roamsim run: the simulation of {loaded.scenario.name} (seed {seed}) failed {where}: "
        f"{type(exc).__name__}: {exc}. The scenario itself is valid, so this is a bug in roamsim: please "
        f"report it with the scenario file, the seed and the traceback below.{outputs}"
    )


def summary_text(simulation: Simulation, results: list[ExpectationResult], outputs: RunOutputs | None) -> str:
    """The summary tables printed at the end of a run."""
    scenario = simulation.scenario
    stats = simulation.stats
    heading = [
        ("scenario", f"{scenario.name} (seed {simulation.seed})"),
        (
            "network",
            f"{len(simulation.parties)} parties, {len(simulation.world.charge_points)} EVSEs, "
            f"{len(simulation.drivers)} drivers",
        ),
        (
            "simulated",
            f"{clock_text(stats.simulated_s)} of {clock_text(scenario.duration)} from "
            f"{format_datetime(scenario.start)}, {stats.exchanges} OCPI exchanges",
        ),
    ]
    if outputs is not None:
        heading.append(("outputs", f"{outputs.directory} ({', '.join(outputs.files)})"))
    text = render_summary(
        heading=heading,
        summary=simulation.metrics.summary(),
        settlement=simulation.metrics.settlement_by_currency(),
        results=results,
        setup_problems=stats.setup_problems,
    )
    if results:
        failed = sum(1 for r in results if not r.passed)
        verdict = f"{failed} of {len(results)} expectations not met" if failed else "all expectations met"
        text += f"\nresult: {verdict}\n"
    return text
