"""``roamsim schema [--out FILE]``: the JSON Schema of scenario files, for editors to complete and check.

The schema is pydantic's ``model_json_schema`` of ``sim.scenario.schema.Scenario`` (keys by alias,
so ``for``, ``>=``), pretty-printed with a trailing newline; ``scenarios/scenario.schema.json`` is
this output, committed (a test keeps it current).  Point an editor at it with a first line
``# yaml-language-server: $schema=scenario.schema.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from sim.scenario.schema import Scenario

EXIT_OK, EXIT_USAGE = 0, 2
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim schema``."""
    parser = subparsers.add_parser(
        "schema",
        help="write the JSON Schema of scenario files",
        description="Writes the JSON Schema of scenario YAML files to stdout or to --out FILE.",
    )
    parser.add_argument("--out", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(handler=run)


def scenario_json_schema() -> str:
    """The schema document as written: pretty JSON, keys by alias, trailing newline."""
    schema: dict[str, Any] = {"$schema": JSON_SCHEMA_DIALECT}
    schema.update(Scenario.model_json_schema(by_alias=True))
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Write the schema; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    text = scenario_json_schema()
    if args.out is None:
        out.write(text)
        return EXIT_OK
    try:
        args.out.write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"roamsim schema: cannot write {args.out}: {exc.strerror}", file=err)
        return EXIT_USAGE
    return EXIT_OK
