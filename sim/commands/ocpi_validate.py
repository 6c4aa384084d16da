"""``roamsim ocpi validate``: check OCPI JSON files against the 2.1.1 or 2.2.1 wire models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from sim.ocpi.common import OCPIVersion
from sim.ocpi.validation import UnknownTypeName, UnreadableDocument, Verdict, resolve_type, validate_file
from sim.ocpi.wirejson import dumps

EXIT_VALID, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def add_parser(subparsers: Any) -> None:
    """Register the ``validate`` action under ``roamsim ocpi``."""
    parser = subparsers.add_parser(
        "validate",
        help="check OCPI JSON files (objects, lists or response envelopes)",
        description=(
            "Check each FILE against the OCPI wire models: one object, a list of objects or a full "
            "response envelope. Prints OK or every violation with its JSON path and reason. Unknown "
            "fields are warnings (errors with --strict). Exit 0 all valid, 1 some invalid, 2 usage "
            "error or unreadable file."
        ),
    )
    parser.add_argument("--version", choices=[v.value for v in OCPIVersion], default=OCPIVersion.V2_2_1.value)
    parser.add_argument(
        "--type",
        default="auto",
        metavar="auto|TYPE",
        help="spec class name (Location, EVSE, Session, CDR, Tariff, Token, Credentials, Hours, ...); default: detect",
    )
    parser.add_argument("--strict", action="store_true", help="treat unknown fields as errors")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Validate every file; print verdicts; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    version = OCPIVersion(args.version)
    if args.type.lower() != "auto":
        try:
            resolve_type(args.type, version)
        except UnknownTypeName as exc:
            print(f"roamsim ocpi validate: {exc}", file=err)
            return EXIT_USAGE
    verdicts: list[Verdict] = []
    unreadable = 0
    for path in args.files:
        try:
            verdict = validate_file(path, version=version, type_name=args.type, strict=args.strict)
        except UnreadableDocument as exc:
            print(f"roamsim ocpi validate: {exc}", file=err)
            unreadable += 1
            continue
        verdicts.append(verdict)
        if args.format == "text":
            out.write(format_verdict(verdict))
    if args.format == "json":
        out.write(dumps([verdict.to_json_dict() for verdict in verdicts], indent=2) + "\n")
    elif len(args.files) > 1:
        invalid = sum(not verdict.valid for verdict in verdicts)
        summary = f"{len(args.files)} files: {len(verdicts) - invalid} OK, {invalid} invalid"
        if unreadable:
            summary += f", {unreadable} unreadable"
        out.write(summary + "\n")
    if unreadable:
        return EXIT_USAGE
    return EXIT_VALID if all(verdict.valid for verdict in verdicts) else EXIT_INVALID


def format_verdict(verdict: Verdict) -> str:
    """The text report of one file: a headline, then one line per issue."""
    what = verdict.type_name or "no type"
    detail = f"{what}, {verdict.shape}, OCPI {verdict.version.value}"
    if verdict.also_matches:
        detail += "; also matches " + ", ".join(verdict.also_matches)
    if verdict.valid:
        headline = f"{verdict.source}: OK ({detail})"
    else:
        headline = f"{verdict.source}: INVALID ({detail}): {_count(len(verdict.errors), 'error')}"
    if verdict.warnings:
        headline += f", {_count(len(verdict.warnings), 'warning')}"
    lines = [headline]
    for issue in verdict.errors + verdict.warnings:
        lines.append(f"  {issue.severity.value:<7} {issue.display_path()}: {issue.message}")
    return "\n".join(lines) + "\n"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
