"""``roamsim batch``: a parameter sweep over seeds in a process pool, one CSV row of KPIs per run.

``results.csv`` has one row per run in plan order (the ``--set`` values in the order given, the
first ``--set`` slowest, then the seeds), whatever ``--jobs`` is: a column per ``--set`` (named by
its path, holding the value as written), ``seed``, ``status`` (ok, expectations_failed, failed),
``error`` (the unmet expectations, or the exception of a failed run), then every KPI of
``Metrics.summary()`` — the union over the runs, in the summary's order; a KPI a run does not have
is an empty cell (all of them for a failed run).  ``status`` and ``error`` come before the KPIs so a
spreadsheet shows them without scrolling past ~100 KPI columns.

Exit codes: 0 every run ok, 3 some runs missed their expectations, 1 some runs failed (a failed
run does not stop the others), 2 usage error, unreadable or invalid scenario, or a ``--set`` whose
path or value does not fit it (nothing has run then; one line per problem).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from sim import batch as sweep
from sim.batch import Outcome, Run, SweepError
from sim.ocpi.wirejson import UnreadableText, read_text_file
from sim.scenario import ScenarioError
from sim.scenario.schema import parse_duration

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_EXPECTATIONS = 0, 1, 2, 3
PROG = "roamsim batch"
FIXED_COLUMNS = ("seed", "status", "error")


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim batch``."""
    parser = subparsers.add_parser(
        "batch",
        help="run a parameter sweep over seeds and write one CSV row of KPIs per run",
        description=(
            "Run FILE once for every combination of the --set values and every seed, in parallel, and "
            "write one CSV row per run: the values set, seed, status (ok, expectations_failed, failed), "
            "error, and every KPI of the run's summary. Exit 0 all ok, 3 some expectations not met, "
            "1 some runs failed, 2 usage error or a --set that does not fit the scenario."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="PATH=V1,V2",
        help="values to try at a place in the scenario, named as in its error messages "
        "(parties[1].drivers.count=10,20; faults[0].for=15m,1h); repeat for a Cartesian product",
    )
    parser.add_argument("--seeds", metavar="SEEDS", help="e.g. 1-5, 1,3,7 or 1-3,10 (default: the scenario's seed)")
    parser.add_argument("--until", metavar="DURATION", help="stop each run earlier, e.g. 2h")
    parser.add_argument("--jobs", metavar="N", help="worker processes (default: one per CPU; 1 runs here)")
    parser.add_argument("--out", required=True, type=Path, metavar="CSV", help="results file ('-' for stdout)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines or warnings on stderr")
    parser.set_defaults(handler=run)


def cpu_count() -> int:
    """CPUs this process may use."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _jobs(text: str | None) -> int:
    if text is None:
        return cpu_count()
    if not text.strip().isdigit() or int(text) < 1:
        raise SweepError([f"--jobs {text}: give a number of processes, 1 or more"])
    return int(text)


def _check_out(out: Path) -> None:
    if str(out) == "-":
        return
    if out.is_dir():
        raise SweepError([f"--out {out}: is a directory, not a CSV file"])
    if not out.parent.is_dir():
        raise SweepError([f"--out {out}: no such directory {out.parent}"])
    if not os.access(out.parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise SweepError([f"--out {out}: not writable"])


def plan(args: argparse.Namespace) -> tuple[sweep.Plan, int]:
    """The sweep the arguments ask for and the number of processes; ``SweepError``, ``UnreadableText`` or
    ``ScenarioError`` when it cannot start."""
    settings = [sweep.parse_setting(text) for text in args.settings]
    paths = [setting.path for setting in settings]
    repeated = sorted({path for path in paths if paths.count(path) > 1})
    if repeated:
        raise SweepError([f"--set {repeated[0]}: given twice (list every value in one --set)"])
    seeds = sweep.parse_seeds(args.seeds) if args.seeds is not None else None
    until = _until(args.until)
    jobs = _jobs(args.jobs)
    _check_out(args.out)
    file: Path = args.file
    text = read_text_file(file, "scenario file")
    base_dir = file.parent.resolve()
    return sweep.plan_sweep(
        text, source=str(file), base_dir=base_dir, settings=settings, seeds=seeds, until=until
    ), jobs


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Check everything, run the sweep, write the CSV; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        sweep_plan, jobs = plan(args)
    except SweepError as exc:
        for line in exc.lines:
            print(f"{PROG}: {line}", file=err)
        return EXIT_USAGE
    except UnreadableText as exc:
        print(f"{PROG}: {args.file}: {exc}", file=err)
        return EXIT_USAGE
    except ScenarioError as exc:
        for line in exc.messages:
            print(line, file=err)
        return EXIT_USAGE
    if not args.quiet:
        for warning in sweep_plan.warnings:
            print(warning, file=err)
    finished, total = 0, len(sweep_plan.runs)

    def progress(run: Run, outcome: Outcome) -> None:
        nonlocal finished
        finished += 1
        if not args.quiet:
            why = f": {outcome.error}" if outcome.status == sweep.FAILED else ""
            print(f"[{finished}/{total}] {run.label}: {outcome.status}{why} ({outcome.wall_s:.1f} s)", file=err)

    outcomes = sweep.run_sweep(sweep_plan.runs, jobs, progress)
    to_stdout = str(args.out) == "-"
    try:
        if to_stdout:
            write_csv(out, sweep_plan.settings, sweep_plan.runs, outcomes)
        else:
            with args.out.open("w", encoding="utf-8", newline="") as csv_file:
                write_csv(csv_file, sweep_plan.settings, sweep_plan.runs, outcomes)
    except OSError as exc:
        print(f"{PROG}: cannot write {args.out}: {exc.strerror}", file=err)
        return EXIT_USAGE
    statuses = [outcome.status for outcome in outcomes]
    failed, missed = statuses.count(sweep.FAILED), statuses.count(sweep.EXPECTATIONS_FAILED)
    if not args.quiet:
        where = "" if to_stdout else f" -> {args.out}"
        print(
            f"{total} runs: {total - failed - missed} ok, {missed} expectations failed, {failed} failed{where}",
            file=err,
        )
    if failed:
        return EXIT_FAILED
    return EXIT_EXPECTATIONS if missed else EXIT_OK


def _until(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise SweepError([f"--until {text}: {exc}"]) from None


def kpi_columns(outcomes: Iterable[Outcome]) -> list[str]:
    """The union of the KPI keys; a key first seen in a later run goes right after its predecessor there."""
    columns: list[str] = []
    for outcome in outcomes:
        position = -1
        for key in outcome.kpis:
            if key in columns:
                position = columns.index(key)
            else:
                position += 1
                columns.insert(position, key)
    return columns


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)


def write_csv(out: TextIO, settings: Sequence[sweep.Setting], runs: Sequence[Run], outcomes: Sequence[Outcome]) -> None:
    """One row per run: the settings' values as written, ``seed``, ``status``, ``error``, the KPIs."""
    kpis = kpi_columns(outcomes)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*(setting.path for setting in settings), *FIXED_COLUMNS, *kpis])
    for run, outcome in zip(runs, outcomes, strict=True):
        row = [*(value for _, value in run.params), str(run.seed), outcome.status, outcome.error]
        writer.writerow(row + [_cell(outcome.kpis.get(key)) for key in kpis])
