"""Invariant helpers: a consistent run has no problems; a lost, doubled or altered CDR is named."""

from __future__ import annotations

from .builders import Rig, ended, issued, received, started


def _run(*extra: tuple[float, object], deliver_c2: bool = True) -> Rig:
    steps: list[tuple[float, object]] = [
        (0, started(0, "SES1", cpo="NL-CPA")),
        (0, started(0, "SES1", driver="d2", cpo="BE-CPB", loc="LOCB")),
        (100, ended(100, "SES1", "7.12345", charging_s=100, cpo="NL-CPA")),
        (100, issued(100, "C1", "SES1", "2.4932", "3.0168", kwh="7.1235", cpo="NL-CPA")),
        (110, received(110, "C1", "2.4932", "3.0168", cpo="NL-CPA")),
        (200, ended(200, "SES1", "3", charging_s=200, driver="d2", cpo="BE-CPB", loc="LOCB")),
        (200, issued(200, "C2", "SES1", "1.00", "1.21", kwh="3", cpo="BE-CPB")),
    ]
    if deliver_c2:
        steps.append((210, received(210, "C2", "1.00", None, cpo="BE-CPB")))  # over 2.1.1: no incl. VAT
    steps.extend(extra)
    steps.sort(key=lambda step: step[0])
    rig = Rig()
    rig.play(*steps)
    return rig


def test_a_consistent_run_has_no_problems() -> None:
    metrics = _run().metrics

    assert metrics.energy_consistent() == []
    assert metrics.cdr_totals_consistent() == []
    assert metrics.every_session_has_one_cdr() == []
    assert metrics.every_session_has_one_cdr([("NL-CPA", "SES1"), ("BE-CPB", "SES1")]) == []


def test_a_lost_cdr_is_caught() -> None:
    metrics = _run(deliver_c2=False).metrics

    assert metrics.every_session_has_one_cdr() == ["CDR C2 of BE-CPB session SES1 never reached DE-MSA"]
    assert metrics.cdr_totals_consistent() == [
        "EUR: CPOs issued 3.4932 excl. VAT in 2 CDRs, eMSPs received 2.4932 in 1"
    ]
    assert metrics.energy_consistent() == []  # the CDR exists; it just never arrived


def test_a_session_without_cdr_or_with_two_is_caught() -> None:
    metrics = _run(
        (300, ended(300, "SES9", "1", charging_s=10, driver="d9")),
        (300, issued(300, "C3", "SES1", "0.50", None, kwh="0", cpo="NL-CPA")),
        (300, received(300, "C3", "0.50", None, cpo="NL-CPA")),
    ).metrics

    assert metrics.every_session_has_one_cdr() == [
        "NL-CPA session SES1 has 2 CDRs: C1, C3",
        "NL-CPA session SES9 has no CDR",
    ]
    assert metrics.every_session_has_one_cdr(["SES9"]) == ["session SES9 has no CDR"]
    assert metrics.energy_consistent() == [
        "NL-CPA session SES1: 7.12345 kWh delivered, CDR C3 bills 0 kWh",
        "energy: 11.12345 kWh delivered in 3 ended sessions, 10.1235 kWh billed in their 3 CDRs",
    ]


def test_a_cdr_issued_before_its_driver_unplugged_is_left_out_of_the_energy_totals() -> None:
    # A session stopped remotely is billed at the stop; the car may still be plugged in at a cut-off.
    metrics = _run(
        (300, ended(300, "SES2", "2", charging_s=10, driver="d3")),
        (300, issued(300, "C4", "SES2", "1.00", "1.21", kwh="2")),
        (400, issued(400, "C5", "SES3", "1.50", "1.82", kwh="3")),
    ).metrics
    assert metrics.energy_consistent() == []


def test_altered_foreign_or_misrouted_cdrs_are_caught() -> None:
    metrics = _run(
        (300, ended(300, "SES2", "2", charging_s=10, driver="d3")),
        (300, issued(300, "C4", "SES2", "1.00", "1.21", kwh="2")),
        (310, received(310, "C4", "1.00", "1.20", emsp="NL-MSB")),
        (320, received(320, "C9", "5.00", None)),
    ).metrics

    assert metrics.cdr_totals_consistent() == [
        "CDR NL-CPA/C4: issued 1.21 incl. VAT, received 1.20",
        "CDR NL-CPA/C9 received by DE-MSA was never issued",
        "EUR: CPOs issued 4.4932 excl. VAT in 3 CDRs, eMSPs received 9.4932 in 4",
    ]
    assert metrics.every_session_has_one_cdr() == [
        "CDR C4 of NL-CPA session SES2 was issued for DE-MSA but received by NL-MSB"
    ]
