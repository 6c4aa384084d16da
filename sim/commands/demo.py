"""``roamsim demo``: run the demo roaming network and show every OCPI message it exchanged."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from sim.conformance import check
from sim.demo import build, play
from sim.events import MessageExchanged
from sim.netbuilder import Roaming
from sim.trace import TraceWriter

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim demo``."""
    parser = subparsers.add_parser(
        "demo",
        help="run a small roaming network (hub + bilateral 2.1.1 link) and print its OCPI messages",
        description=(
            "Builds a hub with two CPOs and two eMSPs on OCPI 2.2.1 plus a bilateral OCPI 2.1.1 CPO-eMSP "
            "link, runs every flow once in simulated time (handshakes, push and pull, authorization, a "
            "session with its CDR, smart charging, every command) and prints each exchange. Exit 0 when "
            "every message conforms to the spec, 1 otherwise."
        ),
    )
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same trace)")
    parser.add_argument("--trace", type=Path, metavar="FILE", help="also write the JSONL message trace to FILE")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Play the demo, print it, optionally write the trace; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    roaming = Roaming(seed=args.seed)
    trace_file = None
    if args.trace is not None:
        try:
            trace_file = args.trace.open("w", encoding="utf-8")
        except OSError as exc:
            print(f"roamsim demo: cannot write {args.trace}: {exc.strerror}", file=err)
            return EXIT_USAGE
        TraceWriter(trace_file).attach(roaming.bus)
    try:
        play(build(roaming))
    finally:
        if trace_file is not None:
            trace_file.close()
    exchanges = roaming.exchanges
    out.write(f"roamsim demo (seed {args.seed}): hub NL-HUB with CPOs NL-CPA, BE-CPB and eMSPs DE-MSA, NL-MSB "
              "on OCPI 2.2.1; bilateral OCPI 2.1.1 link FR-CPC <-> BE-MSC\n")  # fmt: skip
    if not args.quiet:
        out.write(f"\n{'seq':>4}  {'time':<12}  {'from':<7}   {'to':<7}  {'method':<6}  {'path':<60}  HTTP  OCPI\n")
        for exchange in exchanges:
            out.write(format_exchange(exchange) + "\n")
    violations = check(exchanges)
    forwarded = sum(e.from_party == "NL-HUB" for e in exchanges)
    out.write(
        f"\n{len(exchanges)} exchanges ({forwarded} sent by the hub); conformance: "
        f"{len(violations)} violation{'s' if len(violations) != 1 else ''}\n"
    )
    for violation in violations:
        out.write(f"  {violation}\n")
    if args.trace is not None:
        out.write(f"trace written to {args.trace}\n")
    return EXIT_OK if not violations else EXIT_VIOLATIONS


def format_exchange(exchange: MessageExchanged) -> str:
    """One table row: seq, simulated time, from → to, method, path, HTTP and OCPI status."""
    path = urlsplit(exchange.url).path
    if len(path) > 60:
        path = path[:57] + "..."
    ocpi = "-" if exchange.ocpi_status is None else str(exchange.ocpi_status)
    http = "-" if exchange.response_status == 0 else str(exchange.response_status)
    time = exchange.time.strftime("%H:%M:%S.%f")[:12]
    return (
        f"{exchange.seq:>4}  {time:<12}  {exchange.from_party:<7} → {exchange.to_party:<7}  "
        f"{exchange.method:<6}  {path:<60}  {http:<4}  {ocpi}"
    )
