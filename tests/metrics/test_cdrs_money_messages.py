"""CDR delivery, reconciliation, revenue and cost, messages and errors, faults."""

from __future__ import annotations

from decimal import Decimal

from sim.events import CDRReconciled, FaultChanged
from sim.metrics import Metrics
from sim.metrics.records import is_error
from sim.netbuilder import Roaming

from .builders import Rig, at, issued, message, received


def test_cdr_delivery_ratio_delay_duplicates_and_reconciliation() -> None:
    kpi = Rig().play(
        (100, issued(100, "C1", "S1", "10.00", "12.10")),
        (160, received(160, "C1", "10.00", "12.10")),
        (200, issued(200, "C2", "S2", "5.50", None)),
        (300, issued(300, "C3", "S3", "2.00", "2.42")),  # never arrives
        (500, received(500, "C2", "5.50", None)),
        (700, received(700, "C1", "10.00", "12.10")),  # pulled again
        (710, CDRReconciled(at(710), "DE-MSA", "NL-CPA", "C1", Decimal("10.00"), Decimal("9.00"), True, "tariff")),
        (720, CDRReconciled(at(720), "DE-MSA", "NL-CPA", "C2", Decimal("5.50"), None, False)),
    )

    assert (kpi["cdrs_issued"], kpi["cdrs_received"], kpi["cdrs_delivered"], kpi["cdrs_undelivered"]) == (3, 2, 2, 1)
    assert kpi["cdrs_delivered_ratio"] == 0.666667
    assert kpi["cdrs_received_duplicates"] == 1
    assert kpi["cdr_delivery_delay_s_avg"] == 180.0  # 60 s and 300 s
    assert kpi["cdr_delivery_delay_s_max"] == 300.0
    assert (kpi["cdrs_reconciled"], kpi["reconciliation_mismatches"], kpi["reconciliation_unpriced"]) == (2, 1, 1)
    assert (kpi["revenue_excl.NL-CPA"], kpi["revenue_incl.NL-CPA"]) == (17.5, 20.02)
    assert (kpi["cost_excl.DE-MSA"], kpi["cost_incl.DE-MSA"]) == (15.5, 17.6)  # the duplicate counts once


def test_money_never_adds_up_two_currencies() -> None:
    kpi = Rig().play(
        (1, issued(1, "C1", "S1", "10", None, cpo="CH-CPX", currency="CHF")),
        (2, issued(2, "C2", "S2", "4", None, cpo="CH-CPX", currency="EUR")),
        (3, issued(3, "C3", "S3", "1", None)),
    )

    assert kpi["revenue_excl.CH-CPX.CHF"] == 10.0
    assert kpi["revenue_excl.CH-CPX.EUR"] == 4.0
    assert "revenue_excl.CH-CPX" not in kpi
    assert kpi["revenue_excl.NL-CPA"] == 1.0
    assert kpi["cost_excl.DE-MSA"] == 0.0  # a party seen without CDRs received still gets its key


def test_messages_and_errors_by_module_party_and_status() -> None:
    base = "http://cpo.example/ocpi/2.2.1"
    kpi = Rig().play(
        (1, message(1, f"{base}/receiver/locations/NL/CPA/LOC1", latency_s=0.1)),
        (2, message(2, f"{base}/receiver/locations/NL/CPA/LOC2", status=404, ocpi=2004, latency_s=0.2)),
        (3, message(3, f"{base}/receiver/sessions/NL/CPA/S1", ocpi=3001, module="sessions", latency_s=0.3)),
        (4, message(4, f"{base}/receiver/cdrs", status=0, ocpi=None, module=None, error="link down", latency_s=0.4)),
        (5, message(5, f"{base}/receiver/cdrs", status=201, ocpi=None, module="cdrs", sender="NL-HUB", latency_s=0.5)),
        (6, message(6, "http://cpo.example/ocpi/versions", status=0, ocpi=None, module=None, error="down")),
        (7, message(7, base, status=0, ocpi=None, module=None, error="down")),
        (8, message(8, "http://x/hook", ocpi=None, module="tokens", latency_s=0.4)),  # the router's label wins
        (9, message(9, "http://x/hook", ocpi=1000, module="tokens", error="malformed body", latency_s=0)),
    )

    assert (kpi["messages_total"], kpi["errors_total"], kpi["error_ratio"]) == (9, 6, 0.666667)
    assert kpi["message_latency_ms_avg"] == 222.222222  # 2.0 s / 9
    assert kpi["message_latency_ms_p95"] == 500.0
    assert {k: v for k, v in kpi.items() if k.startswith("messages.module.")} == {
        "messages.module.cdrs": 2,
        "messages.module.locations": 2,
        "messages.module.sessions": 1,
        "messages.module.tokens": 2,
        "messages.module.versions": 2,
    }
    assert kpi["messages.party.NL-CPA->DE-MSA"] == 8
    assert kpi["messages.party.NL-HUB->DE-MSA"] == 1
    assert (kpi["messages.http.0"], kpi["messages.http.200"], kpi["messages.http.404"]) == (3, 4, 1)
    assert (kpi["messages.ocpi.1000"], kpi["messages.ocpi.3001"], kpi["messages.ocpi.none"]) == (2, 1, 5)
    assert list(k for k in kpi if k.startswith("messages.ocpi."))[-1] == "messages.ocpi.none"
    assert kpi["errors.module.locations"] == 1
    assert kpi["errors.module.sessions"] == 1
    assert kpi["errors.module.cdrs"] == 1  # the 201 without envelope is no error
    assert kpi["errors.module.tokens"] == 1
    assert kpi["errors.party.NL-CPA->DE-MSA"] == 6
    assert "errors.party.NL-HUB->DE-MSA" not in kpi


def test_faults_active_time_counts_overlaps_once() -> None:
    kpi = Rig(duration_s=3600).play(
        (100, FaultChanged(at(100), "outage NL-CPA", True)),
        (200, FaultChanged(at(200), "errors NL-CPA->DE-MSA", True)),
        (300, FaultChanged(at(300), "outage NL-CPA", False)),
        (400, FaultChanged(at(400), "outage NL-CPA", True)),
        (500, FaultChanged(at(500), "outage NL-CPA", False)),
        until=1000,  # the error fault is still on
    )

    assert kpi["faults_activated"] == 3
    assert kpi["faults_active_s"] == 900.0


def test_fault_time_stops_at_the_planned_duration() -> None:
    rig = Rig(duration_s=600)
    kpi = rig.play((100, FaultChanged(at(100), "outage NL-CPA", True)), until=1000)

    assert kpi["faults_active_s"] == 500.0


def test_on_a_real_network_every_exchange_is_counted_once() -> None:
    from sim.demo import build, play

    roaming = Roaming(seed=7)
    metrics = Metrics(roaming.bus, roaming.clock, start=roaming.clock.start, duration_s=86400)
    play(build(roaming))
    kpi = metrics.summary()

    exchanges = roaming.exchanges
    assert kpi["messages_total"] == len(exchanges) > 100
    assert kpi["errors_total"] == sum(map(is_error, exchanges)) > 0
    assert sum(v for k, v in kpi.items() if k.startswith("messages.module.")) == len(exchanges)
    assert "messages.module.unknown" not in kpi
    assert kpi["messages.module.commands"] == sum(e.module == "commands" for e in exchanges)
    assert sum(v for k, v in kpi.items() if k.startswith("messages.party.")) == len(exchanges)
