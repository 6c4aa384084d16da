"""The time series: cumulative and instantaneous KPIs sampled every step up to the run time so far."""

from __future__ import annotations

import pytest

from sim.events import DriverGaveUp
from sim.metrics import TIMESERIES_COLUMNS
from sim.metrics.timeseries import sample_times

from .builders import Rig, at, ended, issued, message, refused, started


def test_sample_instants_include_the_end_of_the_run() -> None:
    assert sample_times(600, 1800) == [0, 600, 1200, 1800]
    assert sample_times(600, 1700) == [0, 600, 1200, 1700]
    assert sample_times(600, 0) == [0.0]
    with pytest.raises(ValueError, match="positive"):
        sample_times(0, 100)


def test_rows_sample_sessions_power_energy_revenue_refusals_and_errors() -> None:
    rig = Rig(duration_s=1800)
    rig.play(
        (0, started(0, "S1", evse="E1")),  # 10 kWh over 1200 s of charging: 30 kW
        (300, refused(300, "evse_occupied", driver="d9")),
        (600, started(600, "S2", driver="d2", evse="E2")),  # 5 kWh over 600 s: 30 kW
        (900, message(900, "http://x/ocpi/2.2.1/receiver/sessions", status=503, ocpi=None)),
        (1200, ended(1200, "S2", "5", charging_s=600, driver="d2", evse="E2")),
        (1200, issued(1200, "C2", "S2", "2.50", None)),
        (1500, ended(1500, "S1", "10", charging_s=1200, parking_s=300)),
        (1500, issued(1500, "C1", "S1", "4.00", None)),
        (1600, DriverGaveUp(at(1600), "d9", "DE-MSA", "no_charger_found")),
        (1700, started(1700, "S3", driver="d3", evse="E3")),  # not ended: no power known yet
        until=1800,
    )

    rows = rig.metrics.timeseries(600)

    assert [list(row) for row in rows] == [list(TIMESERIES_COLUMNS)] * 4
    table = [tuple(row.values()) for row in rows]
    assert table == [
        # t_s, active, kW, kWh, revenue, refusals, abandoned, errors
        (0.0, 1, 30.0, 0.0, 0.0, 0, 0, 0),
        (600.0, 2, 60.0, 0.0, 0.0, 1, 0, 0),
        (1200.0, 1, 0.0, 5.0, 2.5, 1, 0, 1),  # both stopped charging at 1200; S1 parks
        (1800.0, 1, 0.0, 15.0, 6.5, 1, 1, 1),
    ]


def test_a_series_taken_mid_run_stops_at_now() -> None:
    rig = Rig(duration_s=3600)
    rig.play((0, started(0, "S1")), until=900)

    assert [row["t_s"] for row in rig.metrics.timeseries(600)] == [0.0, 600.0, 900.0]
