"""``roamsim bench`` runs end to end and prints every figure (targets are read, never asserted)."""

from __future__ import annotations

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
