"""KPI charts that grow with the run: active sessions, charging power, energy, revenue per CPO,
refusals and erroneous exchanges, on a simulated-time axis in the scenario's local time.

The figures come from ``sim.metrics.live.LiveKPIs``, fed with every batch (O(batch)); it samples
every 5 simulated minutes with the definitions of ``Metrics.timeseries``, so a point at a quarter
hour equals that row of ``timeseries.csv``.  Each line also has a moving last point at "now".
Charging power is read from the chargers at each batch (the time series derives power after the
fact from ended sessions, which a live chart cannot wait for).  Redraws are throttled to 4 per
second whatever the event rate, and a line keeps at most ``MAX_POINTS`` points: past that it keeps
every other point and halves its density from then on, so a multi-day city-scale run stays smooth.
"""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from PySide6.QtCharts import QCategoryAxis, QChart, QChartView, QLineSeries, QValueAxis
from PySide6.QtCore import QMargins, QPointF, QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from app.bridge import EventBatch
from app.controller import SimController
from sim.metrics.live import KPISample, LiveKPIs, charging_power_kw

STEP_S = 300.0
"""Sampling step of the cumulative KPIs (a divisor of the 15-minute step of ``timeseries.csv``)."""
POWER_STEP_S = 60.0
"""Finest spacing of the charging-power points (read at every batch)."""
REDRAW_MS = 250
"""At most four redraws a second."""
MAX_POINTS = 1500
"""Points kept per line before it is thinned."""
CHARTS: tuple[tuple[str, str], ...] = (
    ("sessions", "Active sessions"),
    ("power", "Charging power"),
    ("energy", "Energy delivered (sessions ended)"),
    ("revenue", "Revenue per CPO (CDRs issued, excl. VAT)"),
    ("refusals", "Refusals"),
    ("errors", "Erroneous exchanges"),
)
"""(key, title) of every chart, in layout order."""
COUNTS = ("sessions", "refusals", "errors")
"""Charts of whole numbers."""
CHART_MIN_WIDTH = 380


def money(amount: Decimal) -> str:
    """An amount at cents, for display only (computing stays in Decimal)."""
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class Track:
    """The points of one line: fixed points at least ``min_dx`` apart, plus a moving head at "now"."""

    def __init__(self, min_dx: float) -> None:
        self.min_dx = min_dx
        self.fixed: list[tuple[float, float]] = []
        self.head: tuple[float, float] | None = None
        self.shown = 0
        """How many fixed points the series holds (``-1``: it must be rebuilt)."""
        self.head_shown = False

    def add(self, x: float, y: float) -> None:
        """A reading: a fixed point when far enough from the previous one, else the moving head."""
        if not self.fixed or x - self.fixed[-1][0] >= self.min_dx - 1e-9:
            self.fix(x, y)
        else:
            self.head = (x, y)

    def fix(self, x: float, y: float) -> None:
        """A sample that stays (dropped when closer than ``min_dx`` to the previous one)."""
        if self.fixed and x - self.fixed[-1][0] < self.min_dx - 1e-9:
            return
        self.fixed.append((x, y))
        if self.head is not None and self.head[0] <= x:
            self.head = None
        if len(self.fixed) > MAX_POINTS:  # thin out: every other point, half the density from now on
            self.fixed = [*self.fixed[:-1:2], self.fixed[-1]]
            self.min_dx *= 2
            self.shown = -1

    def move_head(self, x: float, y: float) -> None:
        """The value at "now", shown after the fixed points until a later sample replaces it."""
        self.head = (x, y)

    def sync(self, series: QLineSeries) -> None:
        """Bring ``series`` up to date with as few changes as possible."""
        if self.head_shown:
            series.removePoints(series.count() - 1, 1)
            self.head_shown = False
        if self.shown < 0:
            series.replace([QPointF(x, y) for x, y in self.fixed])
        else:
            series.append([QPointF(x, y) for x, y in self.fixed[self.shown :]])
        self.shown = len(self.fixed)
        if self.head is not None and (not self.fixed or self.head[0] > self.fixed[-1][0]):
            series.append(self.head[0], self.head[1])
            self.head_shown = True


class _Chart(QWidget):
    """One small chart: a title line with the current value(s), and the plot."""

    def __init__(self, title: str, x_axis: QCategoryAxis, *, legend: bool = False, counts: bool = False) -> None:
        super().__init__()
        self.title = title
        self.counts = counts
        """Whole numbers: the value axis never ticks below 1."""
        self.value = QLabel()
        self.value.setTextFormat(Qt.TextFormat.RichText)
        self.value.setWordWrap(True)  # a long revenue line wraps instead of widening its column
        self.value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.chart = QChart()
        self.chart.setMargins(QMargins(2, 2, 2, 2))
        self.chart.setBackgroundRoundness(0)
        self.chart.legend().setVisible(legend)
        self.chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        small = self.chart.legend().font()
        small.setPointSizeF(small.pointSizeF() * 0.85)
        self.chart.legend().setFont(small)
        self.chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        self.x_axis = x_axis
        self.y_axis = QValueAxis()
        self.y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        self.y_axis.setTickAnchor(0)
        self.y_axis.setLabelFormat("%g")
        self.chart.addAxis(self.y_axis, Qt.AlignmentFlag.AlignLeft)
        self.y_max = 0.0
        self._set_y_range(1.0)
        self.series: dict[str, QLineSeries] = {}
        self.tracks: dict[str, Track] = {}
        plot = QChartView(self.chart)
        plot.setRenderHint(QPainter.RenderHint.Antialiasing)
        plot.setMinimumHeight(200 if legend else 150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.value)
        layout.addWidget(plot, 1)
        self.set_value("")

    def set_value(self, text: str) -> None:
        """The title line: bold title, then the current figure(s)."""
        self.value.setText(f"<b>{self.title}</b>&nbsp;&nbsp;{text}")

    def line(self, key: str, name: str, min_dx: float) -> QLineSeries:
        """The series ``key`` (created on first use)."""
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = QLineSeries()
            series.setName(name)
            self.chart.addSeries(series)
            series.attachAxis(self.x_axis)
            series.attachAxis(self.y_axis)
            self.tracks[key] = Track(min_dx)
        return series

    def add(self, key: str, x: float, y: float, *, head: bool = False) -> None:
        """A sample of line ``key`` (which must exist); ``head``: the value now, replaced later."""
        track = self.tracks[key]
        if head:
            track.move_head(x, y)
        else:
            track.fix(x, y)
        self.y_max = max(self.y_max, y)

    def read(self, key: str, x: float, y: float) -> None:
        """A reading of line ``key``: fixed when far enough from the previous point, else the head."""
        self.tracks[key].add(x, y)
        self.y_max = max(self.y_max, y)

    def redraw(self) -> None:
        """Push the new points to the series and grow the value axis if needed."""
        for key, track in self.tracks.items():
            track.sync(self.series[key])
        if self.y_max > self.y_axis.max():
            self._set_y_range(self.y_max * 1.1)

    def _set_y_range(self, top: float) -> None:
        step = max(1.0, nice_step(top / 4)) if self.counts else nice_step(top / 4)
        self.y_axis.setRange(0, step * max(1, -(-top // step)))
        self.y_axis.setTickInterval(step)
        self.y_axis.setLabelFormat("%g" if step >= 1 else "%.2g")


def nice_step(raw: float) -> float:
    """The smallest of 1, 2, 5 × 10ⁿ (n ≥ 0 for counts-friendly labels, down to 0.01) at least ``raw``."""
    magnitude = 0.01
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= raw:
                return factor * magnitude
        magnitude *= 10


class ChartsView(QWidget):
    """A grid of small live KPI charts (see the module docstring)."""

    def __init__(self, controller: SimController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.kpis: LiveKPIs | None = None
        self.charts: dict[str, _Chart] = {}
        self._zone = ZoneInfo("UTC")
        self._x0_h = 0.0
        self._power = Decimal(0)
        self._dirty = False
        self._last_redraw = -math.inf
        # The charts scroll when the dock is shorter than their minimum heights.
        self._scroll = QScrollArea(self)
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        inner = QWidget()
        self._grid = QGridLayout(inner)
        self._grid.setContentsMargins(4, 4, 4, 4)
        self._scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._scroll)
        self._columns = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.redraw)
        controller.scenario_loaded.connect(self._on_controller_scenario_loaded)
        controller.batch_ready.connect(self._on_controller_batch_ready)
        if controller.simulation is not None:
            self._on_controller_scenario_loaded()

    # --- building -----------------------------------------------------------------------------

    def _on_controller_scenario_loaded(self) -> None:
        """A new simulation: empty charts over its whole span."""
        sim = self.controller.sim()
        scenario = sim.scenario
        self.kpis = LiveKPIs(scenario.start, STEP_S)
        self._zone = ZoneInfo(scenario.time_zone)
        local_start = scenario.start.astimezone(self._zone)
        midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
        self._x0_h = (local_start - midnight).total_seconds() / 3600
        x_range = (self._x0_h, self._x0_h + max(float(scenario.duration), 3600.0) / 3600)
        for chart in self.charts.values():
            self._grid.removeWidget(chart)
            chart.hide()  # deleted later: never painted again meanwhile
            chart.deleteLater()
        self.charts = {}
        for key, title in CHARTS:
            axis = self._time_axis(scenario.start, x_range)
            legend = key in ("revenue", "refusals")
            self.charts[key] = _Chart(title, axis, legend=legend, counts=key in COUNTS)
        step = STEP_S / 3600
        self.charts["sessions"].line("active", "active sessions", step)
        self.charts["power"].line("power", "kW", POWER_STEP_S / 3600)
        self.charts["energy"].line("energy", "kWh", step)
        self.charts["refusals"].line("refused", "charge refused", step)
        self.charts["refusals"].line("denied", "authorization not allowed", step)
        self.charts["errors"].line("errors", "erroneous exchanges", step)
        self._columns = 0
        self._reflow()
        self._dirty = False
        self._power = Decimal(0)
        self._show(self.kpis.current(0.0), self._power)

    def _time_axis(self, start: datetime, x_range: tuple[float, float]) -> QCategoryAxis:
        """Labels at whole local hours (every 1, 2, 3, 6 or 12 h), in the scenario's time zone; a
        midnight shows the new day's name (``Tue``).  None at the very right edge, where it would be cut."""
        axis = QCategoryAxis()
        axis.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
        axis.setRange(*x_range)
        span_h = x_range[1] - x_range[0]
        every = next((h for h in (1, 2, 3, 6, 12) if span_h / h <= 6), 24)
        hour = math.ceil(x_range[0])
        while hour < x_range[1] - every / 4:
            if hour % every == 0:
                local = (start + timedelta(hours=hour - x_range[0])).astimezone(self._zone)
                text = f"{local:%a}" if (local.hour, local.minute) == (0, 0) else f"{local:%H:%M}"
                axis.append(text + "\u200b" * (hour // 24), hour)  # invisible: labels must be unique
            hour += 1
        return axis

    def _reflow(self) -> None:
        """Lay the charts out in as many columns as the width allows."""
        columns = max(1, min(3, (self.width() - 16) // CHART_MIN_WIDTH))  # 16: a vertical scroll bar
        if columns == self._columns:
            return
        self._columns = columns
        for column in range(3):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        for index, chart in enumerate(self.charts.values()):
            self._grid.addWidget(chart, index // columns, index % columns)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Wide enough for one column of readable charts."""
        return QSize(460, 720)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """Narrower than this the axes' labels collide."""
        return QSize(300, 240)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Re-flow the grid when the width allows a different number of columns."""
        super().resizeEvent(event)
        self._reflow()

    # --- updating -----------------------------------------------------------------------------

    def _on_controller_batch_ready(self, batch: EventBatch) -> None:
        """Feed the batch to the KPIs (cheap); the drawing waits for the throttle timer."""
        if self.kpis is None:
            return
        self.kpis.feed(batch.events)
        self.kpis.advance_to(batch.now_s)
        # Power is read from the chargers at every batch (a sum over the EVSEs), so fast runs get
        # a point per batch; the track keeps one per POWER_STEP_S.
        self._power = charging_power_kw(self.controller.sim().world.charge_points.values())
        self.charts["power"].read("power", self._x(batch.now_s), float(self._power))
        self._dirty = True
        # Leading edge: the first batch after a quiet spell draws at once (a step, a run-to, a
        # screenshot); batches coming faster than REDRAW_MS wait for the timer.
        wait_ms = REDRAW_MS - (time.perf_counter() - self._last_redraw) * 1000
        if wait_ms <= 0:
            self._timer.stop()
            self.redraw()
        elif not self._timer.isActive():
            self._timer.start(int(wait_ms) + 1)

    def redraw(self) -> None:
        """Add the new samples and the current values to the charts (runs at most 4 times a second)."""
        if self.kpis is None or not self._dirty or self.controller.simulation is None:
            return
        self._dirty = False
        self._last_redraw = time.perf_counter()
        for sample in self.kpis.take_samples():
            self._plot(sample)
        now_s = self.controller.now_s
        current = self.kpis.current(now_s)
        self._plot(current, head=True)
        for chart in self.charts.values():
            chart.redraw()
        self._show(current, self._power)

    def _x(self, t_s: float) -> float:
        return self._x0_h + t_s / 3600

    def _plot(self, sample: KPISample, *, head: bool = False) -> None:
        x = self._x(sample.t_s)
        self.charts["sessions"].add("active", x, sample.active_sessions, head=head)
        self.charts["energy"].add("energy", x, float(sample.energy_kwh), head=head)
        self.charts["refusals"].add("refused", x, sample.refusals, head=head)
        self.charts["refusals"].add("denied", x, sample.auth_denied, head=head)
        self.charts["errors"].add("errors", x, sample.errors, head=head)
        revenue = self.charts["revenue"]
        for (cpo, currency), amount in sample.revenue.items():
            key = f"{cpo} {currency}"
            if key not in revenue.series:  # a CPO's first CDR: its line rises from zero just before
                revenue.line(key, key, STEP_S / 3600)
                zero_s = (sample.t_s // STEP_S) * STEP_S
                zero_s = zero_s - STEP_S if zero_s == sample.t_s else zero_s
                revenue.add(key, self._x(max(0.0, zero_s)), 0.0)
            revenue.add(key, x, float(amount), head=head)

    def _show(self, current: KPISample, power: Decimal) -> None:
        """The current figures next to each title (and in the revenue and refusal legends)."""
        self.charts["sessions"].set_value(str(current.active_sessions))
        self.charts["power"].set_value(f"{power.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} kW")
        self.charts["energy"].set_value(f"{current.energy_kwh} kWh")
        revenue = self.charts["revenue"]
        parts = []
        for (cpo, currency), amount in current.revenue.items():
            revenue.series[f"{cpo} {currency}"].setName(f"{cpo}: {currency} {money(amount)}")
            parts.append(f"{cpo} {currency} {money(amount)}")
        revenue.set_value(" · ".join(parts) or "none yet")
        refusals = self.charts["refusals"]
        refusals.series["refused"].setName(f"charge refused: {current.refusals}")
        refusals.series["denied"].setName(f"authorization not allowed: {current.auth_denied}")
        refusals.set_value(f"{current.refusals} refused · {current.auth_denied} not allowed")
        self.charts["errors"].set_value(str(current.errors))

    # --- for tests and other views ------------------------------------------------------------

    def points(self, chart: str, line: str) -> list[tuple[float, float]]:
        """The (x in local hours, y) points line ``line`` of chart ``chart`` shows now."""
        return [(p.x(), p.y()) for p in self.charts[chart].series[line].points()]

    def value_text(self, chart: str) -> str:
        """The title line of a chart as plain text."""
        label = self.charts[chart].value
        return label.text().replace("<b>", "").replace("</b>", "").replace("&nbsp;", " ")
