"""``roamsim price``: price a CDR's charging periods with tariffs, show the cost lines, check the totals.

The CDR may be partial: only ``start_date_time``, ``end_date_time`` (2.1.1: ``stop_date_time``) and
``charging_periods`` are read (``currency`` and the location's ``time_zone`` when present); its own
totals are ignored except by ``--check``.  Tariffs come from ``--tariff`` files (one tariff, a list
or a response envelope) or, without ``--tariff``, from the CDR's own ``tariffs``.  Exit 0 priced
(and the check passed), 1 ``--check`` found a total more than 0.01 off, 2 usage error or input that
cannot be priced (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from sim.commands.price_input import InputError, prepare
from sim.commands.price_report import compare_totals, format_check, format_json, format_table, notes_for
from sim.ocpi.common import OCPIVersion
from sim.pricing import PricingInputError, price_session

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim price``."""
    parser = subparsers.add_parser(
        "price",
        help="price a CDR's charging periods with tariffs and show every cost line and the CDR totals",
        description=(
            "Prices the charging periods of the CDR in FILE with the tariffs (ignoring the CDR's own "
            "totals) and prints one row per cost line and every CDR total. The CDR may be partial: "
            "start_date_time, end_date_time (2.1.1: stop_date_time) and charging_periods suffice. A tariff "
            "file holds one tariff, a list of tariffs or a response envelope; without --tariff the CDR's "
            "own tariffs are used. Exit 0 priced, 1 --check found a total more than 0.01 off, 2 usage "
            "error or input that cannot be priced."
        ),
    )
    parser.add_argument(
        "--tariff",
        action="append",
        type=Path,
        metavar="FILE",
        help="tariff file (repeatable); default: the tariffs embedded in the CDR",
    )
    parser.add_argument("--cdr", type=Path, required=True, metavar="FILE", help="the CDR (JSON object or envelope)")
    parser.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="IANA zone for time restrictions (default: the CDR location's time_zone, else UTC)",
    )
    parser.add_argument(
        "--version",
        choices=[v.value for v in OCPIVersion],
        default=OCPIVersion.V2_2_1.value,
        help="OCPI version of the CDR and the tariffs (default: 2.2.1)",
    )
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table: every cost line and total (default); json: only the totals under the CDR field names",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the CDR's own totals; exit 1 if any differs by more than 0.01",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Price, print the table or the JSON totals, optionally check; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        job = prepare(args)
        result = price_session(
            [t.tariff for t in job.tariffs],
            job.periods,
            session_start=job.start,
            session_end=job.end,
            time_zone=job.zone_name,
            version=job.version,
        )
        checked = compare_totals(job.cdr, result.totals, job.version) if args.check else None
    except (InputError, PricingInputError) as exc:
        print(f"roamsim price: {exc}", file=err)
        return EXIT_USAGE
    notes = notes_for(job, result)
    if args.format == "json":
        out.write(format_json(result, job.version))
        for note in notes:
            print(f"roamsim price: note: {note}", file=err)
    else:
        out.write(format_table(job, result, notes))
    if checked is None:
        return EXIT_OK
    differences, compared = checked
    if args.format == "json":
        err.write(format_check(differences, compared))
    else:
        out.write("\n" + format_check(differences, compared))
    return EXIT_CHECK_FAILED if differences else EXIT_OK
