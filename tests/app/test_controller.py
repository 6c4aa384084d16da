"""The GUI's controller: open, step, run until, play, reset, errors — without any view."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.bridge import EventBatch
from app.controller import SimController
from sim.events import CDRIssued, ChargeStarted, MessageExchanged

BROKEN = """\
schema_version: 1
name: broken
start: 2026-03-02T05:00:00Z
duration: 2h
parties:
  - id: NL-CPA
    role: cpo
    versions: ["9.9"]
"""


def test_step_runs_to_exactly_the_next_exchange_each_time(controller: SimController) -> None:
    batches: list[EventBatch] = []
    controller.batch_ready.connect(batches.append)
    assert controller.step()
    assert controller.step()
    first, second = (e.to_record() for e in controller.bridge.exchanges)  # type: ignore[union-attr]
    # The handshake starts: the eMSP reads the CPO's versions, then the 2.2.1 details.
    assert (first["method"], first["url"]) == ("GET", "https://nl-ucp.roamsim.test/ocpi/versions")
    assert (second["method"], second["url"]) == ("GET", "https://nl-ucp.roamsim.test/ocpi/2.2.1")
    assert [len(b.exchanges) for b in batches] == [1, 1]
    assert controller.playing is False


def test_run_until_the_next_cdr_pauses_right_after_it(qtbot: QtBot, controller: SimController) -> None:
    events: list[object] = []
    controller.batch_ready.connect(lambda batch: events.extend(batch.events))
    controller.set_speed(None)
    controller.run_until_event(CDRIssued)
    assert controller.playing
    qtbot.waitUntil(lambda: not controller.playing, timeout=30_000)
    cdrs = [e for e in events if isinstance(e, CDRIssued)]
    assert len(cdrs) == 1
    assert controller.sim().clock.now() == cdrs[0].time
    assert isinstance(events[-1], (CDRIssued, MessageExchanged))


def test_run_until_a_time_stops_there_and_playing_at_full_speed_delivers_batches(
    qtbot: QtBot, controller: SimController
) -> None:
    batches: list[EventBatch] = []
    controller.batch_ready.connect(batches.append)
    controller.set_speed(None)
    controller.run_until_time(2 * 3600)
    qtbot.waitUntil(lambda: not controller.playing, timeout=30_000)
    assert controller.now_s == 2 * 3600
    delivered = [e for b in batches for e in b.exchanges]
    assert delivered == controller.bridge.exchanges  # type: ignore[union-attr]
    assert len(delivered) > 10 and all(b.now_s <= 2 * 3600 for b in batches)


def test_at_real_time_a_tick_moves_the_clock_by_about_the_real_time(qtbot: QtBot, controller: SimController) -> None:
    controller.set_speed(1.0)
    controller.play()
    qtbot.wait(300)
    controller.pause()
    assert 0.05 < controller.now_s < 2.0


def test_reset_rebuilds_the_scenario_from_its_start(controller: SimController) -> None:
    loaded: list[bool] = []
    controller.scenario_loaded.connect(lambda: loaded.append(True))
    controller.run_to(3 * 3600)
    before = [e.to_record() for e in controller.bridge.exchanges]  # type: ignore[union-attr]
    controller.reset()
    assert loaded == [True]
    assert controller.now_s == 0.0 and controller.bridge is not None and controller.bridge.exchanges == []
    controller.run_to(3 * 3600)
    assert [e.to_record() for e in controller.bridge.exchanges] == before


def test_a_broken_scenario_reports_file_path_and_reason_and_keeps_the_open_one(
    tmp_path: Path, controller: SimController
) -> None:
    errors: list[tuple[str, str]] = []
    controller.load_failed.connect(lambda title, message: errors.append((title, message)))
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    assert controller.open(broken) is False
    [(title, message)] = errors
    assert title == "Cannot open broken.yaml"
    assert f"{broken}: parties[0].role: input should be 'CPO', 'EMSP', 'HUB' or 'SCSP', got 'cpo'" in message
    assert f"{broken}: parties[0].versions[0]: input should be '2.1.1' or '2.2.1', got '9.9'" in message
    assert controller.loaded is not None and controller.loaded.scenario.name == "bilateral-basics"


def test_a_missing_file_is_reported(tmp_path: Path, controller_at: Callable[[str | Path], SimController]) -> None:
    controller = SimController()
    errors: list[str] = []
    controller.load_failed.connect(lambda _title, message: errors.append(message))
    assert controller.open(tmp_path / "nowhere.yaml") is False
    assert errors and "nowhere.yaml" in errors[0]


def test_the_end_of_the_scenario_finishes_the_run(qtbot: QtBot, controller: SimController) -> None:
    controller.run_to(controller.duration_s - 1)
    controller.set_speed(None)
    controller.play()
    qtbot.waitUntil(lambda: controller.finished, timeout=30_000)
    assert controller.playing is False and controller.describe_state() == "finished"
    assert controller.now_s == controller.duration_s
    assert controller.step() is False


def test_rates_count_events_and_exchanges(qtbot: QtBot, controller: SimController) -> None:
    controller.set_speed(None)
    controller.play()
    qtbot.waitUntil(lambda: controller.bridge is not None and controller.bridge.seen(ChargeStarted) > 0, timeout=30_000)
    qtbot.wait(200)
    controller.pause()
    events_per_s, exchanges_per_s = controller.rates()
    assert events_per_s > exchanges_per_s > 0
    assert controller.bridge is not None and controller.bridge.seen(MessageExchanged) > 0
