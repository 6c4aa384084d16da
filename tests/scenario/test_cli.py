"""``roamsim validate`` and ``roamsim schema``: output, exit codes, and the committed schema file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main
from sim.commands.schema import scenario_json_schema
from sim.scenario.schema import Scenario

REPO = Path(__file__).resolve().parents[2]
COMMITTED_SCHEMA = REPO / "scenarios" / "scenario.schema.json"

GOOD = """\
name: good
parties:
  - {id: NL-CPA, role: CPO, locations: [{count: 3, area: {lat: 52.37, lon: 4.9, radius_km: 2}}]}
  - {id: NL-EMA, role: EMSP, links: [{to: NL-CPA}], drivers: {count: 25}}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_valid_file_prints_ok_with_its_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "good.yaml"
    file.write_text(GOOD, encoding="utf-8")
    assert run(capsys, "validate", str(file)) == (0, f"OK {file} (2 parties, 3 locations, 25 drivers)\n", "")


def test_singular_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "one.yaml"
    file.write_text(GOOD.replace("count: 3", "count: 1").replace("count: 25", "count: 1"), encoding="utf-8")
    assert run(capsys, "validate", str(file))[1] == f"OK {file} (2 parties, 1 location, 1 driver)\n"


def test_problems_and_warnings_each_get_a_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD + "duration: 1h\nfaults: [{kind: outage, party: NL-CPA, at: 2h}]\n", encoding="utf-8")
    bad.write_text(GOOD.replace("to: NL-CPA", "to: NL-CPX").replace("drivers:", "dirvers:"), encoding="utf-8")
    code, out, err = run(capsys, "validate", str(good), str(bad))
    assert code == 2 and err == ""
    assert out.splitlines() == [
        f"OK {good} (2 parties, 3 locations, 25 drivers)",
        f"warning: {good}: faults[0].at: 7200.0 is 7200s after the start, past the end of the run (3600s): "
        "it never happens",
        f"{bad}: parties[1].dirvers: unknown key (did you mean 'drivers'?)",
    ]
    bad.write_text(GOOD.replace("to: NL-CPA", "to: NL-CPX"), encoding="utf-8")
    assert run(capsys, "validate", str(bad)) == (
        2,
        f"{bad}: parties[1].links[0].to: unknown party 'NL-CPX'\n"
        f"warning: {bad}: parties[0]: NL-CPA has no link, so it exchanges no OCPI messages\n",
        "",
    )


def test_an_unreadable_file_is_one_line_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.yaml"
    (tmp_path / "latin1.yaml").write_bytes(b"name: caf\xe9\n")
    code, out, err = run(capsys, "validate", str(missing), str(tmp_path / "latin1.yaml"), str(tmp_path))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"roamsim validate: {missing}: no such file",
        f"roamsim validate: {tmp_path / 'latin1.yaml'}: not UTF-8 text",
        f"roamsim validate: {tmp_path}: is a directory, not a scenario file",
    ]
    assert "Traceback" not in err


def test_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate")
    assert code == 2 and "FILE" in err


def test_schema_goes_to_stdout_or_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "schema")
    assert (code, err) == (0, "") and out.endswith("}\n") and out == scenario_json_schema()
    document = json.loads(out)
    assert document["title"] == "Scenario" and "parties" in document["required"]
    assert set(document["$defs"]["Fault"]["properties"]) >= {"for", "at", "link"}  # keys by alias
    assert set(document["$defs"]["Expectation"]["properties"]) == {"metric", ">=", "<=", "=="}
    duration = document["properties"]["duration"]
    assert {"type": "number", "minimum": 0} in duration["anyOf"]  # and strings like 1h30m
    target = tmp_path / "schema.json"
    assert run(capsys, "schema", "--out", str(target)) == (0, "", "")
    assert target.read_text(encoding="utf-8") == out
    code, _, err = run(capsys, "schema", "--out", str(tmp_path / "no" / "such" / "dir.json"))
    assert code == 2 and err.startswith("roamsim schema: cannot write")


def test_the_committed_schema_is_the_generated_one() -> None:
    assert COMMITTED_SCHEMA.read_text(encoding="utf-8") == scenario_json_schema(), (
        "scenarios/scenario.schema.json is stale: run `roamsim schema --out scenarios/scenario.schema.json`"
    )


def test_the_schema_accepts_what_the_loader_accepts() -> None:
    # The schema's duration pattern must match what parse_duration reads (editors flag the rest).
    import re

    pattern = json.loads(scenario_json_schema())["properties"]["duration"]["anyOf"][1]["pattern"]
    for text in ("90s", "15m", "1h30m", "2d", "1.5h", "1d2h3m4s"):
        assert re.fullmatch(pattern.strip("^$"), text), text
    for text in ("1h30", "30ms", "abc"):
        assert not re.fullmatch(pattern.strip("^$"), text), text
    assert Scenario.model_validate({"name": "x", "parties": [{"id": "NL-CPA", "role": "CPO"}], "duration": "1d2h3m4s"})
