"""``roamsim gui``: the verb the GUI adds to the ``roamsim`` command line (through the
``roamsim.verbs`` entry point).  Importing this module does not load Qt; running the verb does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.scenario.schema import parse_duration

EXIT_USAGE = 2


def _speed(text: str) -> float | None:
    if text.strip().lower() in ("max", "fastest", "inf"):
        return None
    try:
        value = float(text.rstrip("xX"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a speed (e.g. 1, 60, 600x or max)") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("the speed must be above 0")
    return value


def _duration(text: str) -> float:
    try:
        return float(parse_duration(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(subparsers: Any) -> None:
    """Add ``gui`` to the ``roamsim`` verbs."""
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop GUI (map, sessions, messages, sequence diagram, charts, faults)",
        description="Watch and steer a simulated roaming network while it runs.",
    )
    parser.add_argument("file", nargs="?", type=Path, help="scenario to open (default: the last one, else the demo)")
    parser.add_argument("--seed", type=int, help="override the scenario's seed")
    parser.add_argument(
        "--speed",
        type=_speed,
        default=argparse.SUPPRESS,
        help="simulated seconds per real second, or max (default: the last one used, else 60)",
    )
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help="save a screenshot of the window and exit")
    parser.add_argument(
        "--after", type=_duration, metavar="DURATION", help="with --screenshot: simulated time to run first (e.g. 2h)"
    )
    parser.add_argument("--play", action="store_true", help="start playing at once")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Start the GUI (this is where Qt is loaded)."""
    if args.after is not None and args.screenshot is None:
        print("roamsim gui: --after needs --screenshot", file=sys.stderr)
        return EXIT_USAGE
    if args.file is not None and not args.file.is_file():
        print(f"roamsim gui: {args.file}: no such scenario file", file=sys.stderr)
        return EXIT_USAGE
    from app.main import REMEMBERED, launch

    speed = vars(args).get("speed", REMEMBERED)
    return launch(args.file, seed=args.seed, speed=speed, screenshot=args.screenshot, after=args.after, play=args.play)
