"""``RunOutputs``: every file ``roamsim run --out DIR`` writes, and the listeners that feed them.

``attach(simulation)`` runs before the simulation does: it opens the trace files (``trace.jsonl``,
``trace.har``, as chosen) and subscribes the session log and the CDR receipt log to the bus.
``close_traces()`` completes the trace files (also after a failed run, so they stay readable);
``write_reports(...)`` writes the rest once the run is over — or, when it failed, ``write_crash``
writes just ``junit.xml`` with the error:

``summary.json``     scenario, seed, start, durations, KPIs (``kpis``, the keys of ``sim.metrics``),
                     settlement, expectations, set-up problems, the files written, and — the only
                     wall-clock figures of any output — ``wall_clock``
``timeseries.csv``   ``time`` and the ``sim.metrics.timeseries`` columns every 15 simulated minutes
``sessions.csv``     one row per session (``sim.report.sessions``)
``cdrs.jsonl``       every CDR as its eMSP stored it, OCPI 2.2.1 JSON, one per line, in order of receipt
``settlement.csv``   ``sim.metrics.SETTLEMENT_COLUMNS``: what each eMSP owes each CPO, per currency
``junit.xml``        one test case per expectation threshold (``sim.report.junit``)

Same scenario and seed ⇒ the same bytes in every file, except ``summary.json``'s ``wall_clock``.
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sim.events import CDRReceived
from sim.metrics import SETTLEMENT_COLUMNS, TIMESERIES_COLUMNS, ExpectationResult, settlement_rows
from sim.ocpi.common import format_datetime
from sim.ocpi.wirejson import dumps
from sim.report.har import HarWriter
from sim.report.junit import junit_xml
from sim.report.sessions import SESSION_COLUMNS, SessionLog
from sim.trace import TraceWriter

if TYPE_CHECKING:
    from sim.ocpi.v221.cdrs import CDR
    from sim.simulation import Simulation

TRACE_FORMATS = ("jsonl", "har")
"""The trace files ``--trace`` chooses from (``trace.jsonl``, ``trace.har``)."""
TIMESERIES_STEP_S = 900.0
SUMMARY, TIMESERIES, SESSIONS, CDRS, SETTLEMENT, JUNIT = (
    "summary.json",
    "timeseries.csv",
    "sessions.csv",
    "cdrs.jsonl",
    "settlement.csv",
    "junit.xml",
)
REPORT_FILES = (SUMMARY, TIMESERIES, SESSIONS, CDRS, SETTLEMENT, JUNIT)
TRACE_FILES = {"jsonl": "trace.jsonl", "har": "trace.har"}


@dataclass(frozen=True)
class RunFacts:
    """What the reports say about the run beyond the metrics."""

    scenario_file: str
    until_s: float
    results: Sequence[ExpectationResult]
    wall_s: float


class RunOutputs:
    """The output directory of one run (see the module docstring)."""

    def __init__(self, directory: Path, traces: Collection[str] = TRACE_FORMATS) -> None:
        unknown = set(traces) - set(TRACE_FORMATS)
        if unknown:
            raise ValueError(f"unknown trace format(s): {', '.join(sorted(unknown))}")
        self.directory = directory
        self.traces = [name for name in TRACE_FORMATS if name in traces]
        self._streams: list[TextIO] = []
        self._har: HarWriter | None = None
        self._sessions: SessionLog | None = None
        self._receipts: dict[tuple[str, str, str], None] = {}

    def prepare(self) -> None:
        """Create the directory, remove the files an earlier run left there (they would not match
        this one — a stale ``junit.xml`` could even pass a failed job) and open the chosen trace
        files.  ``OSError`` when that fails."""
        self.directory.mkdir(parents=True, exist_ok=True)
        for file_name in (*REPORT_FILES, *TRACE_FILES.values()):
            (self.directory / file_name).unlink(missing_ok=True)
        for name in self.traces:
            self._streams.append((self.directory / TRACE_FILES[name]).open("w", encoding="utf-8"))

    def attach(self, simulation: Simulation) -> None:
        """Subscribe the trace writers and the logs to the simulation's bus (before it runs)."""
        streams = dict(zip(self.traces, self._streams, strict=True))
        if "jsonl" in streams:
            TraceWriter(streams["jsonl"]).attach(simulation.bus)
        if "har" in streams:
            title = f"roamsim run: {simulation.scenario.name} (seed {simulation.seed})"
            self._har = HarWriter(streams["har"], title=title, started=simulation.scenario.start)
            self._har.attach(simulation.bus)
        self._sessions = SessionLog(simulation.bus)
        simulation.bus.subscribe(self._received, CDRReceived)

    def _received(self, event: CDRReceived) -> None:
        self._receipts.setdefault((event.emsp, event.cpo, event.cdr_id), None)

    def close_traces(self) -> None:
        """Complete and close the trace files (idempotent)."""
        if self._har is not None:
            self._har.close()
        for stream in self._streams:
            stream.close()
        self._streams = []

    @property
    def files(self) -> list[str]:
        """The names of every file this run writes, sorted."""
        return sorted([*REPORT_FILES, *(TRACE_FILES[name] for name in self.traces)])

    def write_reports(self, simulation: Simulation, facts: RunFacts) -> None:
        """Write every report file (after ``close_traces``); ``OSError`` when one cannot be written."""
        metrics = simulation.metrics
        summary = metrics.summary()
        settlement = settlement_rows(metrics.settlement_by_currency())
        self._write_csv(TIMESERIES, ("time", *TIMESERIES_COLUMNS), self._timeseries(simulation))
        self._write_csv(SESSIONS, SESSION_COLUMNS, self._sessions.rows() if self._sessions else [])
        self._write_lines(CDRS, (cdr.to_json() for cdr in self._cdrs(simulation)))
        self._write_csv(SETTLEMENT, SETTLEMENT_COLUMNS, settlement)
        properties = [
            ("scenario_file", facts.scenario_file),
            ("seed", str(simulation.seed)),
            ("simulated_s", _seconds(simulation.stats.simulated_s)),
        ]
        junit = junit_xml(
            scenario=simulation.scenario.name,
            results=facts.results,
            properties=properties,
            setup_problems=simulation.stats.setup_problems,
        )
        (self.directory / JUNIT).write_text(junit, encoding="utf-8")
        document = summary_document(simulation, facts, summary, settlement, self.files)
        (self.directory / SUMMARY).write_text(dumps(document, indent=2) + "\n", encoding="utf-8")

    def write_crash(self, scenario: str, message: str, details: str) -> None:
        """After a failed run: ``junit.xml`` with one errored test case, so a CI server shows why."""
        junit = junit_xml(scenario=scenario, results=[], crash=(message, details))
        (self.directory / JUNIT).write_text(junit, encoding="utf-8")

    def _timeseries(self, simulation: Simulation) -> list[dict[str, Any]]:
        start = simulation.scenario.start
        return [
            {"time": format_datetime(start + timedelta(seconds=float(row["t_s"]))), **row}
            for row in simulation.metrics.timeseries(TIMESERIES_STEP_S)
        ]

    def _cdrs(self, simulation: Simulation) -> list[CDR]:
        stored: dict[tuple[str, str, str], CDR] = {}
        for platform in simulation.platforms():
            if platform.emsp is not None:
                for cdr in platform.emsp_data.cdrs.values():
                    stored[(platform.name, f"{cdr.country_code}-{cdr.party_id}", cdr.id)] = cdr
        return [stored[key] for key in self._receipts if key in stored]

    def _write_csv(self, name: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> None:
        with (self.directory / name).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(columns), lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    def _write_lines(self, name: str, lines: Iterable[str]) -> None:
        with (self.directory / name).open("w", encoding="utf-8") as stream:
            for line in lines:
                stream.write(line + "\n")


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def summary_document(
    simulation: Simulation,
    facts: RunFacts,
    summary: Mapping[str, float | int],
    settlement: Sequence[Mapping[str, str]],
    files: Sequence[str],
) -> dict[str, Any]:
    """The content of ``summary.json`` (keys in a fixed order, ``wall_clock`` last)."""
    stats = simulation.stats
    wall_s = facts.wall_s
    return {
        "scenario": simulation.scenario.name,
        "scenario_file": facts.scenario_file,
        "seed": simulation.seed,
        "start": format_datetime(simulation.scenario.start),
        "duration_s": simulation.scenario.duration,
        "until_s": facts.until_s,
        "simulated_s": stats.simulated_s,
        "exchanges": stats.exchanges,
        "passed": all(r.passed for r in facts.results),
        "kpis": dict(summary),
        "settlement": [
            {
                **row,
                "cdrs": int(row["cdrs"]),
                "excl_vat": Decimal(row["excl_vat"]),
                "incl_vat": Decimal(row["incl_vat"]),
            }
            for row in settlement
        ],
        "expectations": [
            {
                "metric": r.metric,
                "operator": r.operator,
                "threshold": r.threshold,
                "actual": r.actual,
                "passed": r.passed,
                "message": r.message,
            }
            for r in facts.results
        ],
        "setup_problems": list(stats.setup_problems),
        "files": list(files),
        "wall_clock": {
            "note": "the only figures of this run that depend on the machine; everything else is reproducible",
            "run_s": round(wall_s, 3),
            "exchanges_per_s": round(stats.exchanges / wall_s, 1) if wall_s > 0 else None,
            "simulated_s_per_s": round(stats.simulated_s / wall_s, 1) if wall_s > 0 else None,
        },
    }
