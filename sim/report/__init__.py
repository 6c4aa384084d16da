"""What a headless run leaves behind: the text summary and the files under ``roamsim run --out``.

``text``      the summary tables printed at the end of a run (deterministic)
``outputs``   ``RunOutputs``: the output directory — summary.json, timeseries.csv, sessions.csv,
              cdrs.jsonl, settlement.csv, junit.xml and the trace files
``sessions``  ``SessionLog``: one row per session from the domain events (sessions.csv)
``har``       ``HarWriter``: the message trace as an HTTP Archive 1.2 (trace.har)
``junit``     ``junit_xml``: the expectations as JUnit test cases (junit.xml)

Everything here reads the events on the bus, the metrics and the parties' stores; nothing changes
the simulation.
"""

from __future__ import annotations

from sim.report.har import HarWriter, har_entry
from sim.report.junit import junit_xml
from sim.report.outputs import REPORT_FILES, TRACE_FILES, TRACE_FORMATS, RunFacts, RunOutputs
from sim.report.sessions import SESSION_COLUMNS, SessionLog
from sim.report.text import format_table, render_summary

__all__ = [
    "REPORT_FILES",
    "SESSION_COLUMNS",
    "TRACE_FILES",
    "TRACE_FORMATS",
    "HarWriter",
    "RunFacts",
    "RunOutputs",
    "SessionLog",
    "format_table",
    "har_entry",
    "junit_xml",
    "render_summary",
]
