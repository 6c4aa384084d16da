"""A few KPIs sampled over simulated time, for charts and the CSV report.

Each row is the state at ``t_s`` run seconds (events at exactly ``t_s`` included):

``t_s``                 the sample instant (0, step, 2·step … and the end of the run so far)
``active_sessions``     sessions started and not yet ended
``charging_power_kw``   Σ mean power of the sessions charging at ``t_s`` — a session's mean power is its
                        ``ChargeEnded`` energy over its charging time, spread over the first ``charging_s``
                        after its start (charging comes before parking). Approximate: it flattens the
                        charging curve and smart-charging limits, and a session not yet ended when the
                        series is taken contributes nothing.
``energy_kwh``          cumulative energy of the sessions ended by ``t_s``
``revenue_excl``        cumulative Σ ``total_excl`` of the CDRs issued by ``t_s`` (all currencies added up:
                        meaningful for the usual single-currency run)
``refusals``            cumulative ``ChargeRefused``
``abandoned``           cumulative ``DriverGaveUp``
``errors``              cumulative erroneous exchanges (see ``sim.metrics.records.is_error``)
"""

from __future__ import annotations

import math
from bisect import bisect_right
from decimal import Decimal

from sim.metrics.records import Records, SessionKey
from sim.metrics.stats import rounded

Row = dict[str, float | int]
COLUMNS: tuple[str, ...] = (
    "t_s",
    "active_sessions",
    "charging_power_kw",
    "energy_kwh",
    "revenue_excl",
    "refusals",
    "abandoned",
    "errors",
)
"""The keys of every row, in order (the CSV header)."""


def sample_times(step_s: float, run_s: float) -> list[float]:
    """0, step, 2·step … below ``run_s``, then ``run_s`` itself (just [0] for an empty run)."""
    if step_s <= 0:
        raise ValueError(f"the sampling step must be positive, not {step_s}")
    count = math.ceil(run_s / step_s)
    times = [k * step_s for k in range(count)]
    return [*times, run_s] if run_s > 0 else [0.0]


def build_timeseries(records: Records, step_s: float, run_s: float) -> list[Row]:
    """One row per sample instant (see the module docstring for the columns)."""
    times = sample_times(step_s, run_s)
    power = _charging_power(records, times)
    ended = sorted((s.ended_s, s.kwh or Decimal(0)) for s in records.sessions.values() if s.ended_s is not None)
    energy = _Cumulative(ended)
    revenue = _Cumulative(sorted((at, event.total_excl) for at, event in records.issued.values()))
    rows: list[Row] = []
    for index, t in enumerate(times):
        started = bisect_right(records.start_times, t)
        stopped = bisect_right(records.end_times, t)
        rows.append(
            {
                "t_s": rounded(t),
                "active_sessions": max(started - stopped, 0),
                "charging_power_kw": power[index],
                "energy_kwh": energy.until(t),
                "revenue_excl": revenue.until(t),
                "refusals": bisect_right(records.refusal_times, t),
                "abandoned": bisect_right(records.gave_up_times, t),
                "errors": bisect_right(records.error_times, t),
            }
        )
    return rows


class _Cumulative:
    """Running Decimal totals of (instant, amount) pairs sorted by instant."""

    def __init__(self, entries: list[tuple[float, Decimal]]) -> None:
        self._instants = [at for at, _ in entries]
        self._totals: list[Decimal] = []
        total = Decimal(0)
        for _, amount in entries:
            total += amount
            self._totals.append(total)

    def until(self, t: float) -> float:
        """The total of the amounts at instants ≤ ``t``."""
        count = bisect_right(self._instants, t)
        return rounded(float(self._totals[count - 1])) if count else 0.0


def _charging_power(records: Records, times: list[float]) -> list[float]:
    # A sweep over (instant, +/- session) sorted by time; the power at a sample is re-added with fsum
    # from the sessions charging then, so float drift never accumulates over a long run.
    changes: list[tuple[float, int, SessionKey, float]] = []
    for key, s in records.sessions.items():
        if s.ended_s is None or s.kwh is None or s.charging_s <= 0:
            continue
        kw = float(s.kwh) * 3600 / s.charging_s
        changes.append((s.started_s, 1, key, kw))
        changes.append((s.started_s + s.charging_s, 0, key, kw))  # 0 sorts the end before a start at that instant
    changes.sort()
    charging: dict[SessionKey, float] = {}
    result: list[float] = []
    position = 0
    for t in times:
        while position < len(changes) and changes[position][0] <= t:
            _, begins, key, kw = changes[position]
            if begins:
                charging[key] = kw
            else:
                charging.pop(key, None)
            position += 1
        result.append(rounded(math.fsum(charging[k] for k in sorted(charging))))
    return result
