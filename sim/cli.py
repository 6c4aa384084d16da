"""The ``roamsim`` command line: ``main(argv) -> exit code``.

Exit codes shared by every verb: 0 success, 1 the check or run found a problem, 2 usage error or
unreadable input (always a one-line message on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from sim import __version__
from sim.commands import batch, bench, demo, ocpi_validate, price, run, schema, trace, validate

EXIT_OK = 0
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (one sub-command per verb)."""
    parser = argparse.ArgumentParser(
        prog="roamsim",
        description="Simulate an EV-charging roaming network speaking real OCPI 2.1.1 and 2.2.1.",
    )
    parser.add_argument("--version", action="version", version=f"roamsim {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", required=True)

    ocpi = verbs.add_parser("ocpi", help="work with OCPI messages and objects")
    ocpi_verbs = ocpi.add_subparsers(dest="ocpi_verb", metavar="ACTION", required=True)
    ocpi_validate.add_parser(ocpi_verbs)
    demo.add_parser(verbs)
    price.add_parser(verbs)
    validate.add_parser(verbs)
    schema.add_parser(verbs)
    run.add_parser(verbs)
    batch.add_parser(verbs)
    trace.add_parser(verbs)
    bench.add_parser(verbs)
    add_plugin_verbs(verbs)
    return parser


PLUGIN_GROUP = "roamsim.verbs"
"""Entry-point group through which other installed packages add verbs (the GUI adds ``gui``).

Each entry point names a function ``add_parser(subparsers)``; ``sim`` never imports those packages
itself, so the headless engine stays free of Qt (a missing or broken plug-in only loses its verb).
"""


def add_plugin_verbs(verbs: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Let installed plug-ins add their verbs, in name order."""
    for plugin in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            add_parser = plugin.load()
        except Exception as exc:  # a broken plug-in must not take the headless verbs down with it
            print(f"roamsim: the {plugin.name!r} verb is unavailable: {exc}", file=sys.stderr)
            continue
        add_parser(verbs)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (``sys.exit`` is left to the caller)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse has already printed usage and the reason
        return int(exit_request.code) if isinstance(exit_request.code, int) else EXIT_USAGE
    try:
        result: int = args.handler(args)
    except KeyboardInterrupt:
        print("roamsim: interrupted", file=sys.stderr)
        return 130
    return result


def entry_point() -> None:
    """Console-script wrapper around ``main``."""
    sys.exit(main())
