"""The KPI charts: what they show equals the run's metrics, they grow without redrawing on every
batch, and a reset empties them.  Scenario: bilateral-basics (starts 06:00 Amsterdam = 05:00 UTC)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.controller import SimController
from app.fault_actions import FaultActions
from app.views import charts_view
from app.views.charts_view import ChartsView, Track
from sim.metrics.records import is_error

START_H = 6.0
"""The x of the run start: local hours since midnight."""


def make_view(qtbot: QtBot, controller: SimController) -> ChartsView:
    view = ChartsView(controller)
    qtbot.addWidget(view)
    view.resize(900, 600)
    return view


def seconds(x: float) -> int:
    return round((x - START_H) * 3600)


def last_y(view: ChartsView, chart: str, line: str) -> float:
    return view.points(chart, line)[-1][1]


@pytest.fixture
def run(qtbot: QtBot, controller: SimController) -> tuple[ChartsView, SimController]:
    """Eleven hours (to 17:00) with the eMSP offline from 07:30 to 08:30, redrawn every half hour."""
    view = make_view(qtbot, controller)
    actions = FaultActions(controller)
    for half_hour in range(1, 23):
        controller.run_to(half_hour * 1800)
        if half_hour == 3:
            actions.take_offline("DE-EMA")
        if half_hour == 5:
            actions.bring_back("DE-EMA")
        view.redraw()
    return view, controller


def test_the_last_values_equal_the_metrics(run: tuple[ChartsView, SimController]) -> None:
    view, controller = run
    sim = controller.sim()
    records = sim.metrics.records
    summary = sim.metrics.summary()
    assert controller.now_s == 11 * 3600
    assert view.points("sessions", "active")[-1] == (17.0, summary["sessions_active"])
    energy = sum((s.kwh for s in records.sessions.values() if s.kwh is not None), Decimal(0))
    assert energy > 0 and last_y(view, "energy", "energy") == float(energy)
    assert view.value_text("energy") == f"Energy delivered (sessions ended)  {energy} kWh"

    revenue: dict[str, Decimal] = {}
    for _, issued in records.issued.values():
        revenue[issued.cpo] = revenue.get(issued.cpo, Decimal(0)) + issued.total_excl
    assert list(revenue) == ["NL-UCP"] and revenue["NL-UCP"] > 0
    assert last_y(view, "revenue", "NL-UCP EUR") == float(revenue["NL-UCP"])
    cents = revenue["NL-UCP"].quantize(Decimal("0.01"))
    assert view.value_text("revenue") == f"Revenue per CPO (CDRs issued, excl. VAT)  NL-UCP EUR {cents}"

    errors = sum(is_error(e) for e in controller.bridge.exchanges)  # type: ignore[union-attr]
    assert errors > 0 and last_y(view, "errors", "errors") == errors == summary["errors_total"]
    refused, denied = last_y(view, "refusals", "refused"), last_y(view, "refusals", "denied")
    assert refused == summary["sessions_refused"] > 0
    assert denied == summary["authorizations"] - summary["authorizations.ALLOWED"]
    assert view.value_text("refusals") == f"Refusals  {refused:g} refused · {denied:g} not allowed"

    power = sum((cp.charging.power_kw for cp in sim.world.charge_points.values() if cp.charging), Decimal(0))
    assert view.points("power", "power")[-1] == (17.0, float(power))


def test_the_quarter_hour_points_equal_the_rows_of_the_time_series(run: tuple[ChartsView, SimController]) -> None:
    view, controller = run
    rows = {round(row["t_s"]): row for row in controller.sim().metrics.timeseries(900)}
    columns = {("sessions", "active"): "active_sessions", ("energy", "energy"): "energy_kwh"}
    columns |= {("refusals", "refused"): "refusals", ("errors", "errors"): "errors"}
    for (chart, line), column in columns.items():
        points = {seconds(x): y for x, y in view.points(chart, line)}
        shared = [t for t in rows if t in points and t < 11 * 3600]
        assert len(shared) == 44, (chart, shared)  # every quarter hour before now
        assert [points[t] for t in shared] == [rows[t][column] for t in shared], chart


def test_a_batch_after_a_quiet_spell_draws_at_once_and_faster_ones_wait_for_the_timer(
    monkeypatch: pytest.MonkeyPatch, qtbot: QtBot, controller: SimController
) -> None:
    monkeypatch.setattr(charts_view, "REDRAW_MS", 1500)
    view = make_view(qtbot, controller)
    controller.run_to(1 * 3600)
    assert seconds(view.points("sessions", "active")[-1][0]) == 3600  # drawn at once
    controller.run_to(3 * 3600)
    assert seconds(view.points("sessions", "active")[-1][0]) == 3600  # read, not drawn yet
    qtbot.waitUntil(lambda: seconds(view.points("sessions", "active")[-1][0]) == 3 * 3600, timeout=3000)
    assert len(view.points("sessions", "active")) == 3 * 12 + 1  # every 5 minutes and now


def test_a_reset_empties_the_charts(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(11 * 3600)
    view.redraw()
    assert view.points("energy", "energy") and "NL-UCP EUR" in view.charts["revenue"].series
    controller.reset()
    for chart in ("sessions", "power", "energy", "refusals", "errors"):
        for line in view.charts[chart].series:
            assert view.points(chart, line) == [], (chart, line)
    assert view.charts["revenue"].series == {}
    assert view.value_text("revenue") == "Revenue per CPO (CDRs issued, excl. VAT)  none yet"
    assert view.value_text("sessions") == "Active sessions  0"


def test_a_long_line_is_thinned_and_keeps_its_last_point(monkeypatch: pytest.MonkeyPatch, qtbot: QtBot) -> None:
    from PySide6.QtCharts import QLineSeries

    monkeypatch.setattr(charts_view, "MAX_POINTS", 10)
    track, series = Track(1.0), QLineSeries()
    for x in range(25):
        track.fix(float(x), float(x * x))
        track.sync(series)
    track.move_head(24.5, 1.0)
    track.sync(series)
    shown = [(p.x(), p.y()) for p in series.points()]
    assert shown[:-1] == track.fixed and shown[-1] == (24.5, 1.0)
    assert len(track.fixed) <= 10 and track.fixed[-1] == (24.0, 576.0) and track.min_dx == 4.0
    xs = [x for x, _ in track.fixed]
    assert xs == sorted(xs)


def test_screenshot(qtbot: QtBot, controller_at: Callable[[str], SimController], tmp_path: Path) -> None:
    view = make_view(qtbot, controller_at("hub-network"))
    view.controller.run_to(2 * 3600)
    view.redraw()
    assert view.grab().save(str(tmp_path / "charts.png"))
