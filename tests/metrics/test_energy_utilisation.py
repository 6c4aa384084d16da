"""Energy and utilisation: charging + parking time over EVSEs × run time, overall, per CPO and per location."""

from __future__ import annotations

from sim.events import EVSEStatusChanged

from .builders import Rig, at, ended, started

EVSES = {("NL-CPA", "LOC1"): 2, ("NL-CPA", "LOC2"): 2, ("BE-CPB", "LOCB"): 1}


def _script() -> list[tuple[float, object]]:
    return [
        (0, started(0, "SES1", cpo="NL-CPA", loc="LOC1")),
        (600, started(600, "SES1", driver="d2", cpo="BE-CPB", loc="LOCB")),  # same id, other CPO
        (1800, ended(1800, "SES1", "10", charging_s=1200, parking_s=600, cpo="NL-CPA", loc="LOC1")),
        (1800, started(1800, "SES2", driver="d3", cpo="NL-CPA", loc="LOC2")),  # still plugged in at the end
        (2400, ended(2400, "SES1", "5.5", charging_s=1800, driver="d2", cpo="BE-CPB", loc="LOCB")),
    ]


def test_energy_and_utilisation_overall_per_cpo_and_per_location() -> None:
    kpi = Rig(duration_s=3600, evse_counts=EVSES).play(*_script(), until=3600)

    assert kpi["energy_kwh"] == 15.5
    assert (kpi["energy_kwh.BE-CPB"], kpi["energy_kwh.NL-CPA"]) == (5.5, 10.0)
    assert (kpi["sessions_completed"], kpi["sessions_active"]) == (2, 1)
    assert kpi["utilisation.NL-CPA/LOC1"] == 0.25  # 1800 s of 2 EVSEs × 3600 s
    assert kpi["utilisation.NL-CPA/LOC2"] == 0.25  # the open session: 1800 s so far
    assert kpi["utilisation.NL-CPA"] == 0.25
    assert kpi["utilisation.BE-CPB"] == 0.5
    assert kpi["utilisation"] == 0.3  # 5400 s of 5 × 3600 s
    keys = [k for k in kpi if k.startswith("utilisation")]
    assert keys == [
        "utilisation",
        "utilisation.BE-CPB",
        "utilisation.NL-CPA",
        "utilisation.BE-CPB/LOCB",
        "utilisation.NL-CPA/LOC1",
        "utilisation.NL-CPA/LOC2",
    ]


def test_utilisation_mid_run_uses_the_time_elapsed_and_stops_at_the_planned_duration() -> None:
    rig = Rig(duration_s=3600, evse_counts=EVSES)
    mid = rig.play(*_script()[:2], until=1200)
    assert mid["run_s"] == 1200
    assert mid["utilisation.NL-CPA/LOC1"] == 0.5  # 1200 s of 2 × 1200 s
    assert mid["utilisation.BE-CPB"] == 0.5

    rig.env.run(until=7200)  # ran past the planned duration: nothing counts beyond it
    late = rig.metrics.summary()
    assert late["run_s"] == 3600
    assert late["utilisation.NL-CPA/LOC1"] == 0.5


def test_without_evse_counts_the_evses_named_by_events_count() -> None:
    kpi = Rig(duration_s=1000).play(
        (0, EVSEStatusChanged(at(0), "NL-CPA", "LOC1", "E1", "AVAILABLE")),
        (0, EVSEStatusChanged(at(0), "NL-CPA", "LOC1", "E2", "AVAILABLE")),
        (0, started(0, "SES1", evse="E1", loc="LOC1")),
        (500, ended(500, "SES1", "3", charging_s=500, evse="E1", loc="LOC1")),
        until=1000,
    )

    assert kpi["utilisation.NL-CPA/LOC1"] == 0.25  # 500 s of 2 EVSEs × 1000 s
