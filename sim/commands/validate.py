"""``roamsim validate FILE...``: check scenario files and load their world data, without running them.

Prints ``OK <file> (<n> parties, <m> locations, <k> drivers)`` for a good file, else every problem
on its own line (``file: path.in.doc: reason``), and each warning as ``warning: file: path: reason``.
Exit 0 when every file is valid, 2 otherwise (an unreadable file is one line, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from sim.scenario import ScenarioError, UnreadableScenario, load_scenario

EXIT_VALID, EXIT_INVALID = 0, 2


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim validate``."""
    parser = subparsers.add_parser(
        "validate",
        help="check scenario files (schema, references, referenced OCPI files) without running them",
        description=(
            "Checks each scenario FILE: YAML syntax, the schema (unknown keys are errors), every "
            "cross-reference (parties, links, hubs, versions, faults, events, tariffs) and the OCPI "
            "locations and tariffs it loads. Prints OK with the counts, or every problem as "
            "'file: path: reason'; warnings too. Exit 0 all valid, 2 otherwise."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.set_defaults(handler=run)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Validate every file; print the verdicts; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    valid = True
    for path in args.files:
        try:
            loaded = load_scenario(path)
        except UnreadableScenario as exc:
            valid = False
            print(f"roamsim validate: {exc.problems[0]}", file=err)
            continue
        except ScenarioError as exc:
            valid = False
            for line in exc.messages:
                print(line, file=out)
            for warning in exc.warnings:
                print(f"warning: {warning}", file=out)
            continue
        counts = ", ".join(
            (
                _count(len(loaded.scenario.parties), "party", "parties"),
                _count(loaded.location_count, "location", "locations"),
                _count(loaded.driver_count, "driver", "drivers"),
            )
        )
        print(f"OK {path} ({counts})", file=out)
        for warning in loaded.warnings:
            print(f"warning: {warning}", file=out)
    return EXIT_VALID if valid else EXIT_INVALID
