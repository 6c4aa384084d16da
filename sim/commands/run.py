"""``roamsim run``: run a scenario headless and print a summary.

Exit codes: 0 the run completed and met its expectations, 1 the simulation failed, 2 usage error or
invalid scenario, 3 expectations not met.  ``--out DIR`` also writes ``trace.jsonl`` (every OCPI
exchange) and ``summary.json`` (KPIs, settlement, expectations); fuller reports come later.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path
from typing import Any, TextIO

from sim.ocpi.wirejson import dumps
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.schema import parse_duration
from sim.simulation import Simulation

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_EXPECTATIONS = 0, 1, 2, 3

HEADLINES = (
    ("sessions_attempted", "sessions attempted"),
    ("sessions_started", "sessions started"),
    ("sessions_refused", "sessions refused"),
    ("queued", "drivers queued"),
    ("abandoned", "gave up charging"),
    ("energy_kwh", "energy delivered (kWh)"),
    ("utilisation", "EVSE utilisation"),
    ("authorization_latency_ms_avg", "authorization latency avg (ms)"),
    ("commands_sent", "commands sent"),
    ("commands_accepted", "commands carried out"),
    ("commands_timed_out", "commands timed out"),
    ("cdrs_issued", "CDRs issued"),
    ("cdrs_received", "CDRs received by eMSPs"),
    ("cdrs_delivered_ratio", "CDRs delivered ratio"),
    ("reconciliation_mismatches", "CDR reconciliation mismatches"),
    ("messages_total", "OCPI messages"),
    ("errors_total", "OCPI errors (non-2xx, non-1xxx, unanswered)"),
    ("faults_activated", "faults activated"),
)


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim run``."""
    parser = subparsers.add_parser(
        "run",
        help="run a scenario headless and print its summary",
        description="Run a scenario file headless. Exit 0 ok, 1 simulation failed, 2 invalid scenario, "
        "3 expectations not met.",
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument("--until", metavar="DURATION", help="stop earlier, e.g. 2h (default: the scenario's duration)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="write trace.jsonl and summary.json here")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Load, run, report; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    until = None
    if args.until is not None:
        try:
            until = parse_duration(args.until)
        except ValueError as exc:
            print(f"roamsim run: --until: {exc}", file=err)
            return EXIT_USAGE
    try:
        loaded = load_scenario(args.file)
    except ScenarioError as exc:
        for line in exc.messages:
            print(line, file=err)
        return EXIT_USAGE
    if args.out is not None:
        try:
            args.out.mkdir(parents=True, exist_ok=True)
            trace = (args.out / "trace.jsonl").open("w", encoding="utf-8")
        except OSError as exc:
            print(f"roamsim run: cannot write to {args.out}: {exc.strerror}", file=err)
            return EXIT_USAGE
    else:
        trace = None
    for warning in loaded.warnings:
        print(f"warning: {warning}", file=err)
    try:
        simulation = Simulation(loaded, seed=args.seed, trace=trace)
        stats = simulation.run(until)
    except Exception:  # a bug in the simulator: say so plainly, with the trace for the report
        print("roamsim run: the simulation failed:", file=err)
        traceback.print_exc(file=err)
        return EXIT_FAILED
    finally:
        if trace is not None:
            trace.close()
    summary = simulation.metrics.summary()
    results = simulation.metrics.evaluate(loaded.scenario.expect)
    out.write(render_summary(simulation, summary, results))
    if args.out is not None:
        document = {
            "scenario": loaded.scenario.name,
            "seed": simulation.seed,
            "simulated_s": stats.simulated_s,
            "kpis": summary,
            "settlement": [
                {"emsp": emsp, "cpo": cpo, "excl_vat": money.excl, "incl_vat": money.incl}
                for (emsp, cpo), money in sorted(simulation.metrics.settlement().items())
            ],
            "expectations": [
                {
                    "metric": r.metric,
                    "operator": r.operator,
                    "threshold": r.threshold,
                    "actual": r.actual,
                    "passed": r.passed,
                }
                for r in results
            ],
            "setup_problems": stats.setup_problems,
        }
        (args.out / "summary.json").write_text(dumps(document, indent=2) + "\n", encoding="utf-8")
    return EXIT_OK if all(r.passed for r in results) else EXIT_EXPECTATIONS


def render_summary(simulation: Simulation, summary: dict[str, float | int], results: list[Any]) -> str:
    """The text summary of a run."""
    scenario = simulation.scenario
    stats = simulation.stats
    lines = [
        f"scenario {scenario.name} (seed {simulation.seed}): {len(simulation.parties)} parties, "
        f"{len(simulation.world.charge_points)} EVSEs, {len(simulation.drivers)} drivers",
        f"simulated {_hours(stats.simulated_s)} in {stats.wall_s:.1f} s wall time, {stats.exchanges} OCPI exchanges",
        "",
    ]
    for key, label in HEADLINES:
        if key in summary:
            lines.append(f"  {label:<44} {_number(summary[key])}")
    refused = {k.removeprefix("refused."): v for k, v in summary.items() if k.startswith("refused.") and v}
    if refused:
        lines.append("  refused by reason: " + ", ".join(f"{k} {v}" for k, v in refused.items()))
    revenue = {k.removeprefix("revenue_excl."): v for k, v in summary.items() if k.startswith("revenue_excl.")}
    if revenue:
        lines.append("  revenue per CPO (excl. VAT): " + ", ".join(f"{k} {v:.2f}" for k, v in revenue.items()))
    settlement = simulation.metrics.settlement()
    if settlement:
        lines.append("")
        lines.append("settlement (what each eMSP owes each CPO, excl. / incl. VAT):")
        for (emsp, cpo), money in sorted(settlement.items()):
            lines.append(f"  {emsp} -> {cpo}: {money.excl:.2f} / {money.incl:.2f}")
    if stats.setup_problems:
        lines.append("")
        lines.extend(f"set-up problem: {problem}" for problem in stats.setup_problems)
    if results:
        lines.append("")
        lines.append("expectations:")
        for result in results:
            mark = "pass" if result.passed else "FAIL"
            lines.append(f"  {mark}  {result.message}")
    return "\n".join(lines) + "\n"


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h"


def _number(value: float | int) -> str:
    return str(value) if isinstance(value, int) else f"{value:.3f}".rstrip("0").rstrip(".")
