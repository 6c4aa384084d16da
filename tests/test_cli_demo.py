"""``roamsim demo``: the message table, the conformance verdict, the trace file and its determinism."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main
from sim.trace import read_trace


def test_demo_prints_every_exchange_and_a_clean_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("roamsim demo (seed 2026): hub NL-HUB with CPOs NL-CPA, BE-CPB")
    rows = [line for line in lines if re.match(r"\s*\d+  \d\d:\d\d:", line)]
    assert rows[0].split() == ["1", "06:00:00.050", "NL-CPA", "→", "NL-HUB", "GET", "/ocpi/versions", "200", "1000"]
    assert lines[-1] == f"{len(rows)} exchanges (76 sent by the hub); conformance: 0 violations"
    # Every command reached the bilateral 2.1.1 CPO and came back with its result.
    for command in ("RESERVE_NOW", "START_SESSION", "STOP_SESSION", "UNLOCK_CONNECTOR"):
        assert any(f"BE-MSC  → FR-CPC   POST    /ocpi/2.1.1/receiver/commands/{command}" in row for row in rows)
        assert any(f"FR-CPC  → BE-MSC   POST    /ocpi/2.1.1/sender/commands/{command}/" in row for row in rows)


def test_same_seed_writes_a_byte_identical_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    assert main(["demo", "--quiet", "--trace", str(first)]) == 0
    assert main(["demo", "--quiet", "--trace", str(second)]) == 0
    assert main(["demo", "--quiet", "--seed", "7", "--trace", str(other)]) == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()  # ids and tokens follow the seed
    records = read_trace(first)
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    assert list(records[0]) == [
        "seq", "time", "from", "to", "method", "url", "module", "ocpi_version", "http_status", "ocpi_status",
        "request_id", "correlation_id", "latency_ms", "request_headers", "request_body", "response_headers",
        "response_body", "error", "notes",
    ]  # fmt: skip
    assert "trace written to" in capsys.readouterr().out


def test_unwritable_trace_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--trace", str(tmp_path / "missing" / "t.jsonl")]) == 2
    assert capsys.readouterr().err.startswith("roamsim demo: cannot write")
