"""``SimController``: the one object that owns the running simulation in the GUI.

Views never change the simulation; they call the controller (open, reset, play, pause, step, run
until, speed, faults) and listen to its signals.  A ``QTimer`` ticks about 30 times a second; each
tick advances the simulation by ``speed`` × the real time since the previous tick (or as far as a
time budget allows at "as fast as possible") with ``Simulation.advance``, which returns within the
budget, so the Qt event loop is never blocked for long.  After each tick the events published since
the previous one are handed to the views in one ``batch_ready`` signal.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from app.bridge import EventBatch, EventBridge
from app.fault_actions import FaultActions
from app.selection import Selection
from sim.events import MessageExchanged
from sim.scenario import LoadedScenario, ScenarioError, load_scenario
from sim.simulation import YOUNG_COLLECTION_THRESHOLD, Simulation

TICK_MS = 33
"""The timer period: about 30 updates a second."""
TICK_BUDGET_S = 0.025
"""Wall time one tick may spend simulating, leaving the rest of the frame for drawing."""
FAST_TICK_BUDGET_S = 0.015
"""At "as fast as possible" each tick simulates this long: input and redraws get a turn at least
every ~15 ms plus one SimPy step."""
FAST_TICK_MS = 1
"""The timer period at "as fast as possible".  Not 0: a zero timer is served again before other timers
and input get their turn, which doubled the longest wait of the event loop."""
SPEEDS: tuple[float | None, ...] = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, None)
"""The speed choices offered: simulated seconds per real second; None is "as fast as possible"."""


class SimController(QObject):
    """Owns the ``Simulation`` and drives it from a timer (see the module docstring)."""

    scenario_loaded = Signal()
    """A new simulation exists (after open or reset): views rebuild from ``simulation``."""
    load_failed = Signal(str, str)
    """A scenario could not be opened: (title, message with file, path inside it and reason)."""
    batch_ready = Signal(object)
    """An ``EventBatch`` with everything published since the previous one."""
    state_changed = Signal()
    """Playing/paused, speed, or the end of the scenario changed."""
    failed = Signal(str)
    """The simulation raised: the run stops and the message says where."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.selection = Selection(self)
        """What the user selected, shared by the views."""
        self.simulation: Simulation | None = None
        self.fault_actions = FaultActions(self)
        """Manual faults (take a party or link offline, latency, error answers): the fault view's actions."""
        self.loaded: LoadedScenario | None = None
        self.path: Path | None = None
        self.seed: int | None = None
        self.bridge: EventBridge | None = None
        self.playing = False
        self.speed: float | None = 60.0
        self.finished = False
        self.error: str | None = None
        self._stop: Callable[[], bool] | None = None
        self._stop_reason = ""
        self._until = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._last_tick = time.perf_counter()
        self._rate_window: list[tuple[float, int, int]] = []

    # --- loading ------------------------------------------------------------------------------

    def open(self, path: str | Path, seed: int | None = None) -> bool:
        """Load a scenario file and build its simulation; on failure emit ``load_failed`` and keep the old one."""
        path = Path(path)
        try:
            loaded = load_scenario(path)
        except ScenarioError as exc:
            self.load_failed.emit(f"Cannot open {path.name}", str(exc))
            return False
        except OSError as exc:
            self.load_failed.emit(f"Cannot open {path.name}", f"{path}: {exc.strerror or exc}")
            return False
        self.path, self.loaded, self.seed = path, loaded, seed
        self._build()
        return True

    def reset(self) -> None:
        """Rebuild the loaded scenario from its start (same seed), paused."""
        if self.loaded is not None:
            self._build()

    def _build(self) -> None:
        assert self.loaded is not None
        self.pause()
        if self.bridge is not None:
            self.bridge.close()
        self.simulation = Simulation(self.loaded, seed=self.seed)
        self.bridge = EventBridge(self.simulation.bus)
        self.simulation.start()
        self.finished = False
        self.error = None
        self._stop = None
        self._rate_window.clear()
        self.scenario_loaded.emit()
        self.state_changed.emit()
        # A run keeps a large heap; with Python's default thresholds the collector would re-scan it
        # often enough to stall the event loop for a tenth of a second.  Collect young objects less
        # often, and freeze what building left behind so full collections skip it.
        gc.collect()
        gc.freeze()
        young, *older = gc.get_threshold()
        gc.set_threshold(max(young, YOUNG_COLLECTION_THRESHOLD), *older)

    # --- time ---------------------------------------------------------------------------------

    @property
    def now_s(self) -> float:
        """Simulated seconds since the scenario start."""
        return float(self.simulation.env.now) if self.simulation is not None else 0.0

    @property
    def duration_s(self) -> float:
        """The scenario's simulated duration in seconds."""
        return float(self.loaded.scenario.duration) if self.loaded is not None else 0.0

    def rates(self) -> tuple[float, float]:
        """(events/s, exchanges/s) of wall time over the last couple of seconds."""
        if len(self._rate_window) < 2:
            return 0.0, 0.0
        (t0, e0, x0), (t1, e1, x1) = self._rate_window[0], self._rate_window[-1]
        span = t1 - t0
        if span <= 0:
            return 0.0, 0.0
        return (e1 - e0) / span, (x1 - x0) / span

    # --- run controls -------------------------------------------------------------------------

    def play(self) -> None:
        """Run at the chosen speed."""
        if self.simulation is None or self.finished or self.error is not None:
            return
        self.playing = True
        self._last_tick = time.perf_counter()
        self._timer.start()
        self.state_changed.emit()

    def pause(self) -> None:
        """Stop advancing (the timer stops; nothing is lost)."""
        self._timer.stop()
        was_playing, self.playing = self.playing, False
        self._stop = None
        if was_playing:
            self.state_changed.emit()

    def toggle(self) -> None:
        """Play when paused, pause when playing."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def set_speed(self, speed: float | None) -> None:
        """Simulated seconds per real second (1.0 = real time); None = as fast as possible."""
        self.speed = speed
        self._timer.setInterval(FAST_TICK_MS if speed is None else TICK_MS)
        self.state_changed.emit()

    def step(self) -> bool:
        """Advance to the next OCPI exchange, pause there and select it; False if the scenario ended first."""
        if self.simulation is None or self.bridge is None:
            return False
        self.pause()
        seen = self.bridge.seen(MessageExchanged)
        bridge = self.bridge
        stepped = self._advance_until(lambda: bridge.seen(MessageExchanged) > seen)
        if stepped:  # show the new message at once: the inspector explains it, the diagram marks it
            self.selection.select_exchange(bridge.exchanges[-1].seq)
        return stepped

    def run_until_event(self, kind: type, *, play: bool = True) -> None:
        """Play until the next event of ``kind`` (for example the next ``CDRIssued``) and pause there."""
        if self.bridge is None:
            return
        seen = self.bridge.seen(kind)
        bridge = self.bridge
        self._stop = lambda: bridge.seen(kind) > seen
        self._stop_reason = kind.__name__
        if play:
            self.play()

    def run_until_time(self, seconds: float) -> None:
        """Play until the simulated clock reads ``seconds`` after the start, then pause."""
        if self.simulation is None:
            return
        target = min(seconds, self.duration_s)
        self._stop = lambda: self.now_s >= target
        self._stop_reason = "time"
        self._until = target
        self.play()

    def run_to(self, seconds: float, budget_s: float = 600.0) -> None:
        """Run (blocking) until ``seconds`` simulated, then emit the batch: for ``--screenshot`` and tests."""
        if self.simulation is None:
            return
        self._safely(lambda: self.simulation.advance(min(seconds, self.duration_s), budget_s))  # type: ignore[union-attr]
        self._flush()

    def _advance_until(self, stop: Callable[[], bool], budget_s: float = 5.0) -> bool:
        sim = self.simulation
        assert sim is not None
        reached_end = self._safely(lambda: sim.advance(self.duration_s, budget_s, stop=stop))
        self._flush()
        return not reached_end and stop()

    # --- the timer ----------------------------------------------------------------------------

    def tick(self) -> None:
        """One timer tick: advance the simulation, then hand the batch to the views."""
        sim = self.simulation
        if sim is None:
            return
        now = time.perf_counter()
        real_dt, self._last_tick = min(now - self._last_tick, 0.25), now
        end = self.duration_s
        target = end if self.speed is None else min(end, sim.env.now + self.speed * real_dt)
        stop = self._stop
        if stop is not None and self._stop_reason == "time":
            target = min(target, self._until)
        budget = FAST_TICK_BUDGET_S if self.speed is None else TICK_BUDGET_S
        reached = self._safely(lambda: sim.advance(target, budget, stop=stop))
        if stop is not None and stop():
            self.pause()
        elif reached and sim.env.now >= end:
            self.finished = True
            self.pause()
            self.state_changed.emit()
        self._flush()

    def _safely(self, run: Callable[[], bool]) -> bool:
        try:
            return run()
        except Exception as exc:  # a bug in the simulator: stop and say so, keep the GUI alive
            self.error = f"The simulation failed at {self.now_s:.1f} s: {type(exc).__name__}: {exc}"
            self.pause()
            self.failed.emit(self.error)
            self.state_changed.emit()
            return False

    def flush(self) -> None:
        """Hand what happened since the last tick to the views now (e.g. a fault switched on while paused)."""
        self._flush()

    def _flush(self) -> None:
        sim, bridge = self.simulation, self.bridge
        if sim is None or bridge is None:
            return
        self._rate_window.append((time.perf_counter(), sim.stats.events, len(bridge.exchanges)))
        while len(self._rate_window) > 2 and self._rate_window[-1][0] - self._rate_window[0][0] > 2.0:
            self._rate_window.pop(0)
        batch: EventBatch = bridge.take(self.now_s)
        self.batch_ready.emit(batch)

    # --- helpers for views --------------------------------------------------------------------

    def sim(self) -> Simulation:
        """The current simulation (views call this only after ``scenario_loaded``)."""
        if self.simulation is None:
            raise RuntimeError("no scenario is loaded")
        return self.simulation

    def describe_state(self) -> str:
        """A short status text: playing/paused/finished/failed."""
        if self.error is not None:
            return "failed"
        if self.finished:
            return "finished"
        return "playing" if self.playing else "paused"
