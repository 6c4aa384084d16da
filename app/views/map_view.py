"""The map: every charging location on a real basemap, coloured by its EVSEs' live statuses.

Markers are built from the world's Locations when a scenario loads (statuses as the CPOs have
them), then follow the ``EVSEStatusChanged`` events of each batch.  Changes are collected per
batch and drawn by a timer at most four times a second, so the cost per batch is the number of
events in it.  Clicking a marker selects the location (``Selection.select_location``); the panel
on the right shows it, and follows selections made in other views.  "Show drivers" adds the cars
now driving to a charger (``sim.live.drivers``), moved by the same timer.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsScene,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.basemap import load_basemap, project
from app.controller import SimController
from app.views.map_canvas import MapCanvas
from app.views.map_details import LocationDetails
from app.views.map_items import DRIVER_COLOR, LEGEND, DriversLayer, LocationMarker, legend_label
from sim.events import EVSEStatusChanged
from sim.live.drivers import drivers_to_chargers
from sim.live.locations import LocationInfo, StatusCounts, data_attribution, location_info, tariff_lines
from sim.ocpi.v221.locations import Location

REFRESH_MS = 250
"""Markers, the details panel and driver dots are redrawn at most this often."""

Key = tuple[str, str]
"""(CPO id, location id)."""


class MapView(QWidget):
    """Locations on the basemap, a legend, "Show drivers", and the selected location's details."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.markers: dict[Key, LocationMarker] = {}
        self._dirty: set[Key] = set()
        self._selected: Key | None = None
        self.scene = QGraphicsScene(self)
        self.canvas = MapCanvas(self.scene, self)
        self.drivers_layer = DriversLayer()
        self.scene.addItem(self.drivers_layer)
        self.details = LocationDetails(self)
        self.details.hide()  # shown when a location is selected, so the map has the room until then
        self.details.closed.connect(self._on_details_closed)
        self.show_drivers = QCheckBox("Show drivers")
        self.show_drivers.setToolTip("Cars now driving to a charger")
        self.show_drivers.toggled.connect(self._on_show_drivers_toggled)
        self.drivers_label = QLabel("")
        fit = QToolButton()
        fit.setText("Fit")
        fit.setToolTip("Zoom to every location")
        fit.clicked.connect(self.fit_to_locations)
        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        bar.addWidget(fit)
        bar.addWidget(self.show_drivers)
        bar.addWidget(self.drivers_label)
        bar.addStretch(1)
        legend = legend_label([*LEGEND, ("driver to a charger", DRIVER_COLOR)])
        legend.setContentsMargins(6, 0, 6, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.canvas)
        splitter.addWidget(self.details)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([760, 240])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(legend)
        layout.addWidget(splitter, 1)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        controller.selection.location_selected.connect(self._on_selection_location_selected)
        if controller.simulation is not None:
            self.rebuild()

    # --- building -------------------------------------------------------------------------------

    def _on_controller_scenario_loaded(self) -> None:
        self.rebuild()

    def rebuild(self) -> None:
        """Markers for every Location of the new simulation, statuses as the CPOs have them now."""
        for marker in self.markers.values():
            self.scene.removeItem(marker)
        self.markers.clear()
        self._dirty.clear()
        self._selected = None
        self.details.clear()
        self.details.hide()
        self.drivers_layer.set_points([], [])
        sim = self.controller.sim()
        for cpo, location in sim.world.all_locations():
            self._add_marker(cpo, location)
        loaded = self.controller.loaded
        self.canvas.set_data_attribution(data_attribution(loaded) if loaded is not None else None)
        bounds = self.locations_rect()
        if not bounds.isNull():
            self.scene.setSceneRect(self.scene.sceneRect().united(bounds.adjusted(-50, -50, 50, 50)))
        self.fit_to_locations()
        self._timer.start()
        self.refresh()

    def _add_marker(self, cpo: str, location: Location) -> LocationMarker:
        info = location_info(cpo, location)
        statuses = StatusCounts({evse.uid: evse.status for evse in info.evses})
        marker = LocationMarker(info, statuses, project(info.lat, info.lon), self._on_marker_clicked)
        self.scene.addItem(marker)
        self.markers[marker.key] = marker
        return marker

    def locations_rect(self) -> QRectF:
        """The box around every marker (scene coordinates); null when there are none."""
        rect = QRectF()
        for marker in self.markers.values():
            pos = marker.pos()
            rect = rect.united(QRectF(pos.x(), pos.y(), 1e-6, 1e-6))
        return rect

    def fit_to_locations(self) -> None:
        """Zoom to the locations (the Netherlands when there are none)."""
        rect = self.locations_rect()
        self.canvas.fit(rect if not rect.isNull() else load_basemap().netherlands)

    # --- live updates ---------------------------------------------------------------------------

    def _on_controller_batch_ready(self, batch: object) -> None:
        for event in getattr(batch, "events", ()):
            if type(event) is EVSEStatusChanged:
                self._status_changed(event)

    def _status_changed(self, event: EVSEStatusChanged) -> None:
        key = (event.cpo, event.location_id)
        marker = self.markers.get(key)
        if marker is None:  # a location published after the start
            points = self.controller.sim().world.at_location(event.cpo, event.location_id)
            if not points:
                return
            marker = self._add_marker(event.cpo, points[0].location)
        if marker.statuses.set(event.evse_uid, event.status):
            self._dirty.add(key)

    def refresh(self) -> None:
        """Redraw what changed since the last refresh (the timer calls this)."""
        dirty, self._dirty = self._dirty, set()
        for key in dirty:
            self.markers[key].refresh()
        if self._selected is not None and self._selected in dirty:
            self.details.set_statuses(self.markers[self._selected].statuses.by_evse)
        if self.show_drivers.isChecked():
            self._update_drivers()

    # --- drivers --------------------------------------------------------------------------------

    def _on_show_drivers_toggled(self, checked: bool) -> None:
        if checked:
            self._update_drivers()
        else:
            self.drivers_layer.set_points([], [])
            self.drivers_label.setText("")

    def _update_drivers(self) -> None:
        if self.controller.simulation is None:
            return
        sim = self.controller.sim()
        dots = drivers_to_chargers(sim.drivers, self.controller.now_s)
        self.drivers_layer.set_points([project(d.lat, d.lon) for d in dots], [d.name for d in dots])
        self.drivers_label.setText(f"{len(dots)} driving to a charger")

    # --- selection ------------------------------------------------------------------------------

    def _on_marker_clicked(self, cpo: str, location_id: str) -> None:
        self.controller.selection.select_location(cpo, location_id)

    def _on_selection_location_selected(self, cpo: str, location_id: str) -> None:
        self.show_location(cpo, location_id)

    def show_location(self, cpo: str, location_id: str) -> None:
        """Highlight a location's marker and fill the details panel with it."""
        key = (cpo, location_id)
        marker = self.markers.get(key)
        if marker is None:
            key = next((k for k in self.markers if k[0] == cpo and k[1].casefold() == location_id.casefold()), key)
            marker = self.markers.get(key)
        if self._selected is not None and self._selected in self.markers:
            self.markers[self._selected].set_selected(False)
        self._selected = key if marker is not None else None
        if marker is None:
            self.details.clear()
            self.details.hide()
            return
        marker.set_selected(True)
        self.details.show()
        if not self.canvas.viewport().rect().contains(self.canvas.mapFromScene(marker.pos())):
            self.canvas.centre_on(marker.pos())
        points = self.controller.sim().world.at_location(cpo, key[1])
        info = location_info(cpo, points[0].location) if points else marker.info
        self.details.show_location(info, marker.statuses.by_evse, self._tariffs(cpo, key[1], info))

    def _on_details_closed(self) -> None:
        if self._selected is not None and self._selected in self.markers:
            self.markers[self._selected].set_selected(False)
        self._selected = None
        self.details.clear()
        self.details.hide()

    def _tariffs(self, cpo: str, location_id: str, info: LocationInfo) -> list[tuple[str, list[str]]]:
        points = self.controller.sim().world.at_location(cpo, location_id)
        if not points:
            return []
        data = points[0].cpo.cpo_data
        seen: list[str] = []
        for evse in info.evses:
            for connector in evse.connectors:
                seen.extend(tid for tid in connector.tariff_ids if tid not in seen)
        described = []
        for tariff_id in seen:
            tariff = data.tariffs.get(data.party, tariff_id)
            described.append((tariff_id, tariff_lines(tariff) if tariff is not None else ["not published by the CPO"]))
        return described


__all__ = ["REFRESH_MS", "MapView"]
