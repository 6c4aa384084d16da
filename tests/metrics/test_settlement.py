"""The settlement matrix: what each eMSP owes each CPO, from the CDRs it received, and its renderings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sim.metrics import SETTLEMENT_COLUMNS, format_settlement, settlement_rows
from sim.pricing.result import Money

from .builders import Rig, issued, received


def _network_rig() -> Rig:
    rig = Rig()
    rig.play(
        (1, issued(1, "A1", "S1", "10.00", "12.10", cpo="NL-CPA", emsp="DE-MSA")),
        (1, received(1, "A1", "10.00", "12.10", cpo="NL-CPA", emsp="DE-MSA")),
        (2, issued(2, "A2", "S2", "2.505", "3.0311", cpo="NL-CPA", emsp="DE-MSA")),
        (2, received(2, "A2", "2.505", "3.0311", cpo="NL-CPA", emsp="DE-MSA")),
        (3, received(3, "A2", "2.505", "3.0311", cpo="NL-CPA", emsp="DE-MSA")),  # again: owed once
        (4, issued(4, "B1", "S1", "7.00", None, cpo="BE-CPB", emsp="DE-MSA")),
        (4, received(4, "B1", "7.00", None, cpo="BE-CPB", emsp="DE-MSA")),  # 2.1.1: no incl. VAT
        (5, issued(5, "A3", "S3", "4.00", "4.84", cpo="NL-CPA", emsp="NL-MSB")),
        (5, received(5, "A3", "4.00", "4.84", cpo="NL-CPA", emsp="NL-MSB")),
        (6, issued(6, "A4", "S4", "99.00", "119.79", cpo="NL-CPA", emsp="NL-MSB")),  # not delivered: not owed
    )
    return rig


def test_each_emsp_owes_each_cpo_the_totals_of_the_cdrs_it_received() -> None:
    assert _network_rig().metrics.settlement() == {
        ("DE-MSA", "BE-CPB"): Money(Decimal("7.00"), Decimal("7.00")),
        ("DE-MSA", "NL-CPA"): Money(Decimal("12.505"), Decimal("15.1311")),
        ("NL-MSB", "NL-CPA"): Money(Decimal("4.00"), Decimal("4.84")),
    }


def test_rows_and_grid() -> None:
    metrics = _network_rig().metrics
    rows = settlement_rows(metrics.settlement_by_currency())

    assert [tuple(row) for row in rows] == [SETTLEMENT_COLUMNS] * 3
    assert [tuple(row.values()) for row in rows] == [
        ("DE-MSA", "BE-CPB", "EUR", "1", "7.0000", "7.0000"),
        ("DE-MSA", "NL-CPA", "EUR", "2", "12.5050", "15.1311"),
        ("NL-MSB", "NL-CPA", "EUR", "1", "4.0000", "4.8400"),
    ]
    assert format_settlement(metrics.settlement()).splitlines() == [
        "eMSP \\ CPO  BE-CPB  NL-CPA",
        "DE-MSA        7.00   12.51",  # 12.505 rounds half up
        "NL-MSB           -    4.00",
    ]
    assert format_settlement({}) == "(no CDRs received)"


def test_a_pair_settling_in_two_currencies_is_refused_rather_than_summed() -> None:
    rig = Rig()
    rig.play(
        (1, received(1, "X1", "5", None, cpo="CH-CPX", currency="CHF")),
        (2, received(2, "X2", "5", None, cpo="CH-CPX", currency="EUR")),
    )

    with pytest.raises(ValueError, match="CHF and EUR"):
        rig.metrics.settlement()
    assert list(rig.metrics.settlement_by_currency()) == [("DE-MSA", "CH-CPX", "CHF"), ("DE-MSA", "CH-CPX", "EUR")]
