"""The map: a marker per location with its EVSEs' statuses, live updates, the details panel, drivers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton

from app.basemap import project
from app.controller import SimController
from app.views.map_items import CATEGORY_COLORS
from app.views.map_view import MapView
from sim.world.geo import Point

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def make_view(controller: SimController, qtbot: object) -> MapView:
    view = MapView(controller)
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.resize(1000, 650)
    view.show()
    return view


def world_counts(controller: SimController, cpo: str, location_id: str) -> dict[str, int]:
    points = controller.sim().world.at_location(cpo, location_id)
    return dict(Counter(point.evse.status.value for point in points))


def test_one_marker_per_location_with_its_evse_count(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    locations = controller.sim().world.all_locations()
    assert len(locations) == 6
    assert sorted(view.markers) == sorted((cpo, location.id) for cpo, location in locations)
    for marker in view.markers.values():
        assert marker.statuses.total == 2
        assert marker.status_text() == "2 AVAILABLE"
        assert marker.slice_colors() == [(CATEGORY_COLORS["available"], 2)]
        assert "2 EVSEs: 2 AVAILABLE" in marker.toolTip()
        assert marker.toolTip().splitlines()[1] == f"Operator: {marker.info.operator} (NL-UCP)"


def test_markers_follow_the_charge_point_statuses(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(3 * 3600)
    view.refresh()
    charging = [p for p in controller.sim().world.charge_points.values() if p.evse.status.value == "CHARGING"]
    assert charging, "a session should be charging three hours in"
    for (cpo, location_id), marker in view.markers.items():
        assert marker.counts == world_counts(controller, cpo, location_id)
    cpo, location_id, _evse = charging[0].key
    marker = view.markers[(cpo, location_id)]
    n = marker.counts["CHARGING"]
    assert (CATEGORY_COLORS["charging"], n) in marker.slice_colors()
    assert marker.status_text().startswith(f"{n} CHARGING")
    assert f"{n} CHARGING" in marker.toolTip()


def test_clicking_a_marker_selects_it_and_fills_the_details(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(3 * 3600)
    qtbot.waitExposed(view)  # type: ignore[attr-defined]
    key = sorted(view.markers)[2]
    marker = view.markers[key]
    at = view.canvas.mapFromScene(marker.pos())
    assert not view.details.isVisible()  # the map has the room until something is selected
    with qtbot.waitSignal(controller.selection.location_selected) as signal:  # type: ignore[attr-defined]
        QTest.mouseClick(view.canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at)
    assert signal.args == list(key)
    assert controller.selection.location == key
    assert marker.selected
    points = controller.sim().world.at_location(*key)
    assert view.details.evse_rows() == [(p.evse_uid, p.evse.status.value) for p in points]
    assert marker.info.name in view.details.title.text()
    tariff_ids = {tid for p in points for c in p.evse.connectors for tid in c.tariff_ids or []}
    assert tariff_ids and all(tid in view.details.tariffs.text() for tid in tariff_ids)
    assert "/kWh" in view.details.tariffs.text()
    assert view.details.isVisible()
    close = view.details.findChild(QToolButton)
    close.click()
    assert not view.details.isVisible() and not marker.selected


def test_details_follow_a_selection_made_elsewhere_and_live_statuses(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(2 * 3600)
    busy = next(p for p in controller.sim().world.charge_points.values() if p.evse.status.value != "AVAILABLE")
    cpo, location_id, _uid = busy.key
    controller.selection.select_location(cpo, location_id)
    rows = dict(view.details.evse_rows())
    assert rows == {p.evse_uid: p.evse.status.value for p in controller.sim().world.at_location(cpo, location_id)}
    for half_hours in range(5, 40):  # until some EVSE of this location changes status
        controller.run_to(half_hours * 1800)
        view.refresh()
        now = {p.evse_uid: p.evse.status.value for p in controller.sim().world.at_location(cpo, location_id)}
        if now != rows:
            break
    assert now != rows
    assert dict(view.details.evse_rows()) == now


@dataclass(frozen=True)
class _Leg:
    origin: Point
    destination: Point
    depart_s: float
    arrive_s: float
    to_charger: bool


def test_show_drivers_draws_only_drivers_on_their_way_to_a_charger(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(1800)
    drivers = controller.sim().drivers
    now = controller.now_s
    a, b = Point(52.08, 5.10), Point(52.10, 5.14)
    drivers[0].leg = _Leg(a, b, now - 60, now + 60, True)  # type: ignore[attr-defined]  # halfway
    drivers[1].leg = _Leg(a, b, now - 60, now + 60, False)  # type: ignore[attr-defined]  # a trip, not a charger
    drivers[2].leg = _Leg(b, a, now, now + 400, True)  # type: ignore[attr-defined]  # just left
    view.show_drivers.setChecked(True)
    assert view.drivers_layer.names == [drivers[0].name, drivers[2].name]
    halfway = project(52.09, 5.12)
    assert view.drivers_layer.points[0].x() == pytest.approx(halfway.x(), abs=1e-6)
    assert view.drivers_layer.points[0].y() == pytest.approx(halfway.y(), abs=1e-6)
    assert view.drivers_layer.points[1] == project(b.lat, b.lon)
    assert view.drivers_label.text() == "2 driving to a charger"
    view.show_drivers.setChecked(False)
    assert view.drivers_layer.names == []
    assert view.drivers_label.text() == ""


def test_drivers_of_the_simulation_on_their_way_are_drawn(
    controller_at: Callable[[str], SimController], qtbot: object
) -> None:
    controller = controller_at("hub-network")
    drivers = controller.sim().drivers
    if not hasattr(drivers[0], "leg"):
        pytest.skip("sim.world.driver.Driver does not record its drive (Driver.leg) yet")
    view = make_view(controller, qtbot)
    view.show_drivers.setChecked(True)
    seen = 0
    for minutes in range(7 * 60, 10 * 60, 5):
        controller.run_to(minutes * 60)
        view.refresh()
        heading = [d for d in drivers if d.leg is not None and d.leg.to_charger]  # type: ignore[attr-defined]
        assert view.drivers_layer.names == [d.name for d in heading]
        assert all(d.activity.value == "driving" for d in heading)
        seen += len(heading)
    assert seen > 0


def test_reset_rebuilds_the_markers_from_the_new_simulation(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(3 * 3600)
    controller.selection.select_location(*sorted(view.markers)[0])
    controller.reset()
    assert len(view.markers) == 6
    assert all(marker.status_text() == "2 AVAILABLE" for marker in view.markers.values())
    assert view.details.info is None


def test_data_attribution_appears_for_real_data_only(
    controller_at: Callable[[str], SimController], qtbot: object
) -> None:
    real = make_view(controller_at("hub-network"), qtbot)
    assert "Locations: Bron: NDW (DOT-NL), via robbertj85/laadpalenviewer" in real.canvas.attribution.text()
    assert "CBS, Kadaster" in real.canvas.attribution.text()
    generated = make_view(controller_at("bilateral-basics"), qtbot)
    assert "Locations:" not in generated.canvas.attribution.text()


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
def test_every_bundled_scenario_shows_all_its_locations_in_view(
    name: str, controller_at: Callable[[str], SimController], qtbot: object
) -> None:
    controller = controller_at(name)
    view = make_view(controller, qtbot)
    locations = controller.sim().world.all_locations()
    assert len(view.markers) == len(locations) > 0
    evses = sum(len(location.evses or []) for _cpo, location in locations)
    assert sum(marker.statuses.total for marker in view.markers.values()) == evses
    viewport = view.canvas.viewport().rect()
    for marker in view.markers.values():
        assert viewport.contains(view.canvas.mapFromScene(marker.pos())), marker.key


def test_wheel_zooms_and_fit_returns_to_the_locations(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    fitted = view.canvas.px_per_km
    middle = QPointF(view.canvas.viewport().rect().center())
    wheel = QWheelEvent(
        middle,
        view.canvas.viewport().mapToGlobal(middle),
        QPoint(0, 0),
        QPoint(0, 240),  # two notches away from the user: zoom in
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.canvas.viewport(), wheel)
    assert view.canvas.px_per_km == pytest.approx(fitted * 1.25**2)
    view.fit_to_locations()
    assert view.canvas.px_per_km == pytest.approx(fitted)


def test_dragging_the_map_pans_it(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    qtbot.waitExposed(view)  # type: ignore[attr-defined]
    viewport = view.canvas.viewport()
    empty = QPoint(20, viewport.height() - 60)  # a corner without markers
    assert view.scene.itemAt(view.canvas.mapToScene(empty), view.canvas.transform()) is None
    before = view.canvas.mapToScene(viewport.rect().center())
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, empty)
    QTest.mouseMove(viewport, empty + QPoint(40, 0))
    QTest.mouseMove(viewport, empty + QPoint(100, 0))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, empty + QPoint(100, 0))
    after = view.canvas.mapToScene(viewport.rect().center())
    assert after.x() == pytest.approx(before.x() - 100 / view.canvas.px_per_km, rel=0.05)
    assert controller.selection.location is None
