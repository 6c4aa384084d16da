"""``roamsim trace sequence``: one session (or one correlation id) of a trace as a sequence diagram."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from sim.sequence import (
    FORMATS,
    SelectionError,
    TraceUnreadable,
    correlation_diagram,
    load_exchanges,
    render,
    session_diagram,
)

EXIT_OK, EXIT_USAGE = 0, 2


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim trace`` and its ``sequence`` action."""
    trace = subparsers.add_parser("trace", help="work with a JSONL message trace (roamsim run --out, demo --trace)")
    actions = trace.add_subparsers(dest="trace_verb", metavar="ACTION", required=True)
    parser = actions.add_parser(
        "sequence",
        help="print the OCPI flow of one session (or one correlation id) as a sequence diagram",
        description=(
            "Selects every exchange of one charging session from TRACE — its authorization or the "
            "command that started it with the asynchronous result, its updates, charging profiles, "
            "STOP_SESSION, its CDR, its EVSE's status pushes and every hub hop of these — or every "
            "exchange with one X-Correlation-ID, and prints them as a Mermaid or PlantUML sequence "
            "diagram. Session ids are unique per CPO: write CPO/SESSION (NL-CPA/SES000001) when "
            "several CPOs use the id. Exit 0 printed, 2 unreadable trace or nothing matches."
        ),
    )
    parser.add_argument("trace", type=Path, metavar="TRACE", help="a JSONL trace (trace.jsonl under run --out)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", metavar="ID", help="session id, or CPO/ID (e.g. NL-UCP/SES000003)")
    which.add_argument("--correlation", metavar="ID", help="an X-Correlation-ID: that one message and its hub hops")
    parser.add_argument("--format", choices=FORMATS, default="mermaid", help="diagram language (default mermaid)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Print the diagram; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        exchanges = load_exchanges(args.trace)
        if args.session is not None:
            diagram = session_diagram(exchanges, args.session)
        else:
            diagram = correlation_diagram(exchanges, args.correlation)
    except (TraceUnreadable, SelectionError) as exc:
        print(f"roamsim trace sequence: {exc}", file=err)
        return EXIT_USAGE
    out.write(render(diagram, args.format))
    return EXIT_OK
