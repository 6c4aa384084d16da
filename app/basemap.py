"""The basemap under the map view: countries, Dutch provinces and municipalities, lakes and rivers.

The GeoJSON files in ``assets/basemap`` (origin, licence and processing in its ``SOURCES.md``) are
read once per process (``load_basemap`` is cached: tests open many windows) and projected with
spherical Web Mercator into scene units of kilometres at the equator, y pointing down (``project``).
Each feature becomes a ``QPainterPath`` with its bounding box, so ``paint_basemap`` draws only what
meets the exposed rectangle, and leaves out the municipalities when zoomed out too far to see them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

BASEMAP_DIR = Path(__file__).resolve().parents[1] / "assets" / "basemap"
EARTH_RADIUS_KM = 6378.137
"""The Web Mercator sphere (WGS 84 semi-major axis)."""
MAX_LAT = 85.05112878
ATTRIBUTION = "Map: © CBS, Kadaster (PDOK) CC BY 4.0; Natural Earth"
"""The short attribution shown in the map's corner (full text: assets/basemap/SOURCES.md)."""

SEA = QColor("#d4e6f1")
LAND = QColor("#efece6")
NL_LAND = QColor("#f8f6f1")
COUNTRY_BORDER = QColor("#a9a39a")
PROVINCE_BORDER = QColor("#8d877e")
MUNICIPALITY_BORDER = QColor("#d6d1c8")
WATER = QColor("#b5d3ea")
RIVER = QColor("#8fbbe0")
MUNICIPALITIES_FROM_PX_PER_KM = 0.6
"""Below this zoom (pixels per scene km) municipality borders would only blur the map."""
NAMES_FROM_PX_PER_KM = 6.0
"""From this zoom on, municipality names are written (they would overlap further out)."""
LABEL = QColor("#8a847a")


def project(lat: float, lon: float) -> QPointF:
    """Scene position of a WGS 84 point: Web Mercator in km, north up (y grows southwards)."""
    lat = max(-MAX_LAT, min(MAX_LAT, lat))
    x = EARTH_RADIUS_KM * math.radians(lon)
    y = EARTH_RADIUS_KM * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return QPointF(x, -y)


def unproject(point: QPointF) -> tuple[float, float]:
    """(lat, lon) of a scene position (the inverse of ``project``)."""
    lon = math.degrees(point.x() / EARTH_RADIUS_KM)
    lat = math.degrees(2 * math.atan(math.exp(-point.y() / EARTH_RADIUS_KM)) - math.pi / 2)
    return lat, lon


@dataclass
class Feature:
    """One projected feature: its outline (or line), the box around it, and its name."""

    path: QPainterPath
    bounds: QRectF
    name: str = ""
    anchor: QPointF = field(default_factory=QPointF)
    """Where its name goes: the middle of its largest part's box."""


@dataclass
class Basemap:
    """The projected layers, each a list of features, and the box around the Netherlands."""

    countries: list[Feature] = field(default_factory=list)
    provinces: list[Feature] = field(default_factory=list)
    municipalities: list[Feature] = field(default_factory=list)
    lakes: list[Feature] = field(default_factory=list)
    rivers: list[Feature] = field(default_factory=list)
    netherlands: QRectF = field(default_factory=QRectF)


def _ring(coordinates: list[list[float]]) -> QPolygonF:
    return QPolygonF([project(lat, lon) for lon, lat, *_ in coordinates])


def _path(geometry: dict[str, Any]) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    kind, coordinates = geometry["type"], geometry["coordinates"]
    polygons = {"Polygon": [coordinates], "MultiPolygon": coordinates}.get(kind)
    if polygons is not None:
        for polygon in polygons:
            for ring in polygon:
                path.addPolygon(_ring(ring))
                path.closeSubpath()
        return path
    lines = {"LineString": [coordinates], "MultiLineString": coordinates}.get(kind, [])
    for line in lines:
        path.addPolygon(_ring(line))  # an open polyline: no closeSubpath
    return path


def _features(name: str, keep: str | None = None) -> list[Feature]:
    """The features of ``name``.geojson (only those whose ``kind`` property is ``keep``, if given)."""
    data = json.loads((BASEMAP_DIR / f"{name}.geojson").read_text(encoding="utf-8"))
    made = []
    for feature in data["features"]:
        if keep is not None and feature.get("properties", {}).get("kind") != keep:
            continue
        path = _path(feature["geometry"])
        parts = path.toSubpathPolygons()
        largest = max(parts, key=lambda p: p.boundingRect().width() * p.boundingRect().height(), default=None)
        anchor = largest.boundingRect().center() if largest is not None else path.boundingRect().center()
        name = str(feature.get("properties", {}).get("name") or "")
        made.append(Feature(path, path.boundingRect(), name, anchor))
    return made


@lru_cache(maxsize=1)
def load_basemap() -> Basemap:
    """Read and project every layer (once per process)."""
    provinces = _features("nl_provincies_2025")
    netherlands = QRectF()
    for feature in provinces:
        netherlands = netherlands.united(feature.bounds)
    return Basemap(
        countries=_features("europe_countries_10m"),
        provinces=provinces,
        municipalities=_features("nl_gemeenten_2025"),
        lakes=_features("nl_water_ne10m", keep="lake"),
        rivers=_features("nl_water_ne10m", keep="river"),
        netherlands=netherlands,
    )


def _pen(color: QColor, width: float) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)  # widths in pixels whatever the zoom
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _draw(painter: QPainter, features: list[Feature], rect: QRectF) -> None:
    for feature in features:
        if feature.bounds.intersects(rect):
            painter.drawPath(feature.path)


def paint_basemap(painter: QPainter, rect: QRectF, px_per_km: float) -> None:
    """Draw the layers that meet ``rect`` (scene coordinates), sea first, borders last."""
    base = load_basemap()
    painter.fillRect(rect, SEA)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(_pen(COUNTRY_BORDER, 0.8))
    painter.setBrush(QBrush(LAND))
    _draw(painter, base.countries, rect)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QBrush(NL_LAND))
    _draw(painter, base.provinces, rect)
    painter.setBrush(QBrush(WATER))
    _draw(painter, base.lakes, rect)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(_pen(RIVER, 1.2))
    _draw(painter, base.rivers, rect)
    if px_per_km >= MUNICIPALITIES_FROM_PX_PER_KM:
        painter.setPen(_pen(MUNICIPALITY_BORDER, 0.7))
        _draw(painter, base.municipalities, rect)
    painter.setPen(_pen(PROVINCE_BORDER, 1.4))
    _draw(painter, base.provinces, rect)
    if px_per_km >= NAMES_FROM_PX_PER_KM:
        _names(painter, base.municipalities, rect)


def _names(painter: QPainter, features: list[Feature], rect: QRectF) -> None:
    """Each visible feature's name at its anchor, in pixels (unscaled text)."""
    world = painter.transform()
    painter.save()
    painter.resetTransform()
    font = painter.font()
    font.setItalic(True)
    font.setPixelSize(12)
    painter.setFont(font)
    painter.setPen(LABEL)
    for feature in features:
        if feature.name and rect.contains(feature.anchor):
            at = world.map(feature.anchor)
            painter.drawText(QRectF(at.x() - 100, at.y() - 8, 200, 16), Qt.AlignmentFlag.AlignCenter, feature.name)
    painter.restore()


__all__ = ["ATTRIBUTION", "BASEMAP_DIR", "Basemap", "Feature", "load_basemap", "paint_basemap", "project", "unproject"]
