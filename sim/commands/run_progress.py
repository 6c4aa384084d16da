"""Progress of ``roamsim run`` on stderr, fed by ``Simulation.run(progress=...)``.

On a terminal: one line redrawn in place — a bar, % done, simulated time, exchanges per wall second
and sessions started.  Elsewhere (a CI log, a pipe): a plain line each time another tenth of the
simulated time is done.  ``finish`` ends either with the wall time of the run.  These lines read the
wall clock; nothing else of a run's output does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from sim.simulation import Simulation

BAR_WIDTH = 24
PREFIX = "roamsim run: "


def clock_text(seconds: float) -> str:
    """Run seconds as ``HH:MM:SS`` (hours past 24 keep counting: ``30:00:00``)."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class Progress:
    """Callable handed to ``Simulation.run``; ``tty`` chooses the in-place bar over periodic lines."""

    def __init__(
        self, stream: TextIO, *, end_s: float, tty: bool, wall_clock: Callable[[], float] = time.perf_counter
    ) -> None:
        self._stream = stream
        self._end_s = end_s
        self._tty = tty
        self._wall_clock = wall_clock
        self._started = wall_clock()
        self._tenths_shown = 0
        self._drawn = 0

    def __call__(self, simulation: Simulation) -> None:
        done = min(simulation.env.now / self._end_s, 1.0) if self._end_s > 0 else 1.0
        elapsed = max(self._wall_clock() - self._started, 1e-9)
        exchanges = simulation.stats.exchanges
        sessions = len(simulation.metrics.records.start_times)
        simulated = f"{clock_text(simulation.env.now)} of {clock_text(self._end_s)} simulated"
        if self._tty:
            filled = round(done * BAR_WIDTH)
            bar = "[" + "#" * filled + "." * (BAR_WIDTH - filled) + "]"
            line = f"{bar} {done:4.0%}  {simulated}  {exchanges / elapsed:,.0f} exchanges/s  sessions {sessions}"
            self._stream.write("\r" + line.ljust(self._drawn))
            self._drawn = len(line)
            self._stream.flush()
            return
        tenths = int(done * 10 + 1e-9)
        if tenths > self._tenths_shown:
            self._tenths_shown = tenths
            rate = exchanges / elapsed
            self._stream.write(
                f"{PREFIX}{tenths * 10:3d}%  {simulated}, {exchanges} exchanges ({rate:,.0f}/s), sessions {sessions}\n"
            )
            self._stream.flush()

    def interrupt(self) -> None:
        """End a bar drawn in place, so what follows starts on a line of its own."""
        if self._tty and self._drawn:
            self._stream.write("\n")
            self._drawn = 0
            self._stream.flush()

    def finish(self, simulation: Simulation) -> None:
        """Close the bar (terminal) and say how long the run took."""
        self.interrupt()
        stats = simulation.stats
        wall = stats.wall_s
        speed = f", {stats.simulated_s / wall:,.0f}x real time" if wall > 0 else ""
        rate = f" ({stats.exchanges / wall:,.0f}/s)" if wall > 0 else ""
        self._stream.write(
            f"{PREFIX}simulated {clock_text(stats.simulated_s)} in {wall:.1f} s wall time{speed}, "
            f"{stats.exchanges} OCPI exchanges{rate}\n"
        )
        self._stream.flush()
