"""The map's drawing surface: the basemap as a cached background, wheel zoom, drag to pan, attribution.

Scene coordinates are Web Mercator kilometres (``app.basemap.project``).  The basemap is drawn in
``drawBackground`` with ``CacheBackground``, so markers and driver dots repaint over a cached image;
the basemap itself is drawn again only when the zoom or the size changes.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QMouseEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtWidgets import QFrame, QGraphicsScene, QGraphicsView, QLabel, QWidget

from app.basemap import ATTRIBUTION, load_basemap, paint_basemap, project

MIN_PX_PER_KM = 0.05
"""Zoomed out: all of Europe fits."""
MAX_PX_PER_KM = 3000.0
"""Zoomed in: a car park fills the view."""
MIN_FIT_KM = 1.5
"""The smallest area fitting zooms to (a single location is shown with its surroundings)."""


class MapCanvas(QGraphicsView):
    """A ``QGraphicsView`` over a basemap (see the module docstring)."""

    def __init__(self, scene: QGraphicsScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        load_basemap()  # the first map of the process reads the files; later ones reuse them
        europe = QRectF(project(72, -25), project(34, 45)).normalized()
        scene.setSceneRect(europe)
        self.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._fit_rect: QRectF | None = None
        """What ``fit`` showed, fitted again on resize until the user zooms or pans."""
        self.attribution = QLabel(ATTRIBUTION, self)
        self.attribution.setObjectName("map-attribution")
        self.attribution.setStyleSheet(
            "QLabel { background: rgba(255, 255, 255, 200); color: #333; padding: 1px 4px; font-size: 10px; }"
        )
        self.attribution.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.attribution.setWordWrap(True)

    # --- attribution --------------------------------------------------------------------------

    def set_data_attribution(self, text: str | None) -> None:
        """The basemap's attribution plus, when given, the location data's own (e.g. NDW's)."""
        lines = [ATTRIBUTION] + ([f"Locations: {text}"] if text else [])
        self.attribution.setText("\n".join(lines))
        self._place_attribution()

    def _place_attribution(self) -> None:
        label = self.attribution
        label.setWordWrap(False)
        label.setMinimumSize(0, 0)
        label.setMaximumSize(16777215, 16777215)
        natural = label.sizeHint().width()
        room = max(60, self.width() - 4)
        if natural > room:  # wrap only when the map is narrower than the text
            label.setWordWrap(True)
            label.setFixedWidth(room)
            label.setFixedHeight(label.heightForWidth(room))
        else:
            label.setFixedSize(label.sizeHint())
        label.move(self.width() - label.width() - 2, self.height() - label.height() - 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Keep the attribution in the bottom-right corner, and the fitted area fitted."""
        super().resizeEvent(event)
        self._place_attribution()
        if self._fit_rect is not None:
            self._apply_fit(self._fit_rect)

    # --- zoom -------------------------------------------------------------------------------------

    @property
    def px_per_km(self) -> float:
        """The current zoom: pixels per scene kilometre."""
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        """Zoom around the mouse pointer (or the centre), within the limits."""
        target = min(MAX_PX_PER_KM, max(MIN_PX_PER_KM, self.px_per_km * factor))
        step = target / self.px_per_km
        if abs(step - 1.0) > 1e-6:
            self.scale(step, step)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        """One wheel notch zooms by 25 %."""
        notches = event.angleDelta().y() / 120.0
        if notches:
            self._fit_rect = None
            self.zoom_by(1.25**notches)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Dragging pans; the map stops re-fitting itself on resize."""
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._fit_rect = None
        super().mouseMoveEvent(event)

    def fit(self, rect: QRectF) -> None:
        """Show ``rect`` (scene coordinates) whole, with a margin, at least ``MIN_FIT_KM`` across."""
        rect = QRectF(rect).normalized()
        centre = rect.center()
        width = max(rect.width() * 1.15, MIN_FIT_KM)
        height = max(rect.height() * 1.15, MIN_FIT_KM)
        self._fit_rect = QRectF(centre.x() - width / 2, centre.y() - height / 2, width, height)
        self._apply_fit(self._fit_rect)

    def _apply_fit(self, area: QRectF) -> None:
        self.fitInView(area, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom_by(1.0)  # clamp to the limits

    def centre_on(self, point: QPointF) -> None:
        """Pan so ``point`` is in the middle."""
        self.centerOn(point)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:  # noqa: N802 - Qt's name
        """The basemap, only the features meeting ``rect``."""
        paint_basemap(painter, rect, self.px_per_km)


__all__ = ["MAX_PX_PER_KM", "MIN_PX_PER_KM", "MapCanvas"]
