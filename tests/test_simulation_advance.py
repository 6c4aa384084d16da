"""``Simulation.advance``: how the GUI drives a run from a timer."""

from __future__ import annotations

from pathlib import Path

from sim.events import ChargeStarted, MessageExchanged
from sim.scenario import load_scenario
from sim.simulation import Simulation

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "bilateral-basics.yaml"


def _simulation() -> Simulation:
    return Simulation(load_scenario(SCENARIO))


def test_advancing_in_slices_gives_the_same_exchanges_as_one_run() -> None:
    whole, sliced = _simulation(), _simulation()
    seen: dict[str, list[str]] = {"whole": [], "sliced": []}
    whole.bus.subscribe(lambda e: seen["whole"].append(e.to_record()["url"]), MessageExchanged)
    sliced.bus.subscribe(lambda e: seen["sliced"].append(e.to_record()["url"]), MessageExchanged)
    whole.run(until=4 * 3600)
    for minute in range(1, 4 * 60 + 1):
        assert sliced.advance(minute * 60.0, budget_s=60.0)
    assert sliced.env.now == 4 * 3600
    assert seen["sliced"] == seen["whole"] and len(seen["whole"]) > 20


def test_a_stop_condition_halts_right_after_the_event_it_waits_for() -> None:
    simulation = _simulation()
    started: list[ChargeStarted] = []
    simulation.bus.subscribe(started.append, ChargeStarted)
    assert simulation.advance(simulation.scenario.duration, 60.0, stop=lambda: bool(started)) is False
    assert len(started) == 1
    assert simulation.clock.now() == started[0].time


def test_advancing_to_the_present_or_the_past_is_harmless() -> None:
    simulation = _simulation()
    assert simulation.advance(600.0, 60.0)
    assert simulation.advance(600.0, 60.0) and simulation.advance(10.0, 60.0)
    assert simulation.env.now == 600.0


def test_a_zero_budget_runs_nothing_and_reports_it() -> None:
    simulation = _simulation()
    assert simulation.advance(3600.0, 0.0) is False
    assert simulation.env.now == 0.0
