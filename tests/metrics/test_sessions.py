"""Session, authorization, queueing and abandonment KPIs from hand-built event sequences."""

from __future__ import annotations

from sim.events import AuthorizationDecided, DriverGaveUp, DriverQueued

from .builders import CPO, EMSP, LOC, Rig, at, attempted, refused, started


def test_sessions_attempted_started_refused_and_start_latency() -> None:
    steps: list[tuple[float, object]] = []
    for i in range(1, 21):
        steps.append((i * 10.0, attempted(i * 10.0, driver=f"d{i}")))
        steps.append((i * 10.0 + i, started(i * 10.0 + i, f"S{i}", driver=f"d{i}", latency_s=float(i))))
    for i in range(5):
        steps.append((300.0 + i, attempted(300.0 + i, driver=f"a{i}", method="app")))
    steps.sort(key=lambda step: step[0])
    steps += [(400.0, refused(400.0, "no_roaming_agreement", driver=f"a{i}")) for i in range(3)]
    steps += [(401.0, refused(401.0, "charger_on_fire")), (402.0, refused(402.0, "charger_on_fire"))]

    kpi = Rig().play(*steps)

    assert kpi["sessions_attempted"] == 25
    assert (kpi["attempts.app"], kpi["attempts.rfid"]) == (5, 20)
    assert kpi["sessions_started"] == 20
    assert kpi["sessions_active"] == 20
    assert kpi["sessions_completed"] == 0
    assert kpi["sessions_start_ratio"] == 0.8
    assert kpi["start_latency_ms_avg"] == 10500.0
    assert kpi["start_latency_ms_p95"] == 19000.0  # nearest rank 19 of 20
    assert kpi["sessions_refused"] == 5
    assert kpi["refused.no_roaming_agreement"] == 3
    assert kpi["refused.charger_on_fire"] == 2
    assert kpi["refused.evse_broken"] == 0  # documented reasons are always present


def test_an_empty_run_answers_zero_everywhere_and_keeps_its_key_order() -> None:
    rig = Rig()
    kpi = rig.play(until=60)

    assert kpi["run_s"] == 60.0
    zero_ratios = ("sessions_start_ratio", "abandonment_ratio", "cdrs_delivered_ratio", "utilisation", "error_ratio")
    assert all(kpi[name] == 0 for name in zero_ratios)
    assert kpi["start_latency_ms_p95"] == 0.0
    assert kpi["cdr_delivery_delay_s_max"] == 0.0
    assert list(kpi)[:8] == [
        "run_s",
        "sessions_attempted",
        "sessions_started",
        "sessions_refused",
        "sessions_completed",
        "sessions_active",
        "sessions_start_ratio",
        "start_latency_ms_avg",
    ]
    assert list(kpi)[-2:] == ["faults_activated", "faults_active_s"]
    assert list(rig.metrics.summary()) == list(kpi)


def test_authorization_latency_and_decisions_by_allowed_value() -> None:
    decisions = [
        ("ALLOWED", "real_time", 0.1),
        ("ALLOWED", "whitelist", 0.0),
        ("BLOCKED", "real_time", 0.3),
        (None, "real_time", 0.4),
        ("ALLOWED", "real_time", 0.2),
    ]
    steps = [
        (float(i), AuthorizationDecided(at(i), CPO, EMSP, f"TOK{i}", allowed, method, latency))
        for i, (allowed, method, latency) in enumerate(decisions)
    ]

    kpi = Rig().play(*steps)

    assert kpi["authorizations"] == 5
    assert kpi["authorization_latency_ms_avg"] == 200.0
    assert kpi["authorization_latency_ms_p95"] == 400.0
    assert (kpi["authorizations.ALLOWED"], kpi["authorizations.BLOCKED"]) == (3, 1)
    assert (kpi["authorizations.undecided"], kpi["authorizations.NO_CREDIT"]) == (1, 0)
    assert (kpi["authorization_method.real_time"], kpi["authorization_method.whitelist"]) == (4, 1)


def test_queueing_and_abandonment_ratio_over_drivers_who_needed_to_charge() -> None:
    kpi = Rig().play(
        (10, DriverQueued(at(10), "d1", CPO, LOC)),
        (20, DriverQueued(at(20), "d2", CPO, LOC)),
        (30, DriverGaveUp(at(30), "d1", EMSP, "queue_too_long")),
        (40, attempted(40, driver="d3")),
        (50, DriverQueued(at(50), "d1", CPO, LOC)),
        (60, DriverGaveUp(at(60), "d1", EMSP, "no_charger_found")),
        (70, DriverGaveUp(at(70), "d4", EMSP, "no_charger_found")),
        (80, started(80, "S1", driver="d2")),
    )

    assert kpi["queued"] == 3
    assert kpi["abandoned"] == 3
    assert kpi["abandoned_drivers"] == 2  # d1 twice, d4
    assert kpi["drivers_needing_charge"] == 4  # d1, d2, d3, d4
    assert kpi["abandonment_ratio"] == 0.5
    assert (kpi["abandoned.no_charger_found"], kpi["abandoned.queue_too_long"]) == (2, 1)
