"""``roamsim bench`` runs end to end and prints every figure (targets are read, never asserted)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.cli import main


def test_bench_prints_every_figure_and_appends_the_results(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # RESULTS.md is appended under ./benchmarks
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "bilateral-basics.yaml"
    assert main(["bench", "--scenario", str(scenario), "--until", "2h", "--floor-exchanges", "100"]) == 0
    out = capsys.readouterr().out
    for figure in ("floor exchanges/s", "simulation exchanges/s", "simulation / floor", "simulated-time speed-up",
                   "SimPy events/s", "peak RSS", "machine:"):  # fmt: skip
        assert figure in out, figure
    results = tmp_path / "benchmarks" / "RESULTS.md"
    assert results.exists() and "simulation exchanges/s" in results.read_text(encoding="utf-8")


def test_a_run_is_appended_below_what_the_results_file_already_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = Path(__file__).resolve().parents[1] / "scenarios" / "bilateral-basics.yaml"
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nNotes kept above the runs.\n", encoding="utf-8")
    argv = ["bench", "--scenario", str(scenario), "--until", "10m", "--floor-exchanges", "20"]
    assert main([*argv, "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^  floor exchanges/s +[\d,]+ \(20 exchanges in [\d.]+ s\)$", out, re.MULTILINE)
    recorded = results.read_text(encoding="utf-8")
    assert recorded.startswith("# Benchmark results\n\nNotes kept above the runs.\n\n### ")
    entry = recorded.split("\n### ")[1]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC — bilateral-basics \(.+\), 10 min simulated", entry)
    assert re.search(r"^Machine: .+, \d+ cores, [\d.]+ GiB RAM, CPython 3\.\d+", entry, re.MULTILINE)
    for figure in ("simulation exchanges/s", "simulation / floor", "SimPy events/s", "peak RSS"):
        assert re.search(rf"^\| {re.escape(figure)} \| [\d,.]+", entry, re.MULTILINE), figure


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--until", "soon"], "roamsim bench: --until: "),
        (["--floor-exchanges", "0"], "roamsim bench: --floor-exchanges must be at least 1"),
        (["--scenario", "no/such/scenario.yaml"], "no/such/scenario.yaml"),
    ],
)
def test_bad_arguments_are_usage_errors(extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--no-record", *extra]) == 2
    assert message in capsys.readouterr().err
