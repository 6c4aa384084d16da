"""EV models, the charging curve and the battery."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal

import pytest

from sim.ocpi.v221.locations import Connector
from sim.ocpi.v221.locations_enums import ConnectorType
from sim.world.ev import EV_PRESETS, EVModel, EVState, ev_model

D = Decimal


def test_presets_are_the_documented_cars() -> None:
    compact, suv, van = EV_PRESETS["compact"], EV_PRESETS["suv"], EV_PRESETS["van"]
    assert (compact.battery_kwh, compact.consumption_kwh_per_km, compact.max_ac_kw, compact.max_dc_kw) == (
        D(40),
        D("0.15"),
        D(11),
        D(50),
    )
    assert (suv.battery_kwh, suv.max_dc_kw, van.max_ac_kw, van.consumption_kwh_per_km) == (
        D(77),
        D(135),
        D(22),
        D("0.25"),
    )
    with pytest.raises(ValueError, match="known: compact, suv, van"):
        ev_model("tesla")


@pytest.mark.parametrize(
    ("soc", "dc", "expected"),
    [
        ("0", True, "135"),
        ("0.5", True, "135"),
        ("0.8", True, "135"),  # the DC taper starts here
        ("0.9", True, "74.25"),  # half-way down to 10 %: 135 × (1 − 0.9 × 0.5)
        ("1", True, "13.5"),  # 10 % of the maximum at full
        ("0.5", False, "11"),
        ("0.9", False, "11"),  # AC keeps its power to 90 %
        ("0.95", False, "6.05"),  # 11 × (1 − 0.9 × 0.5)
        ("1", False, "1.1"),
    ],
)
def test_the_charging_curve_is_flat_then_falls_linearly_to_a_tenth(soc: str, dc: bool, expected: str) -> None:
    assert EV_PRESETS["suv"].max_power_kw(D(soc), dc) == D(expected)


def test_charge_time_follows_the_curve_and_the_charger_limit() -> None:
    suv = EV_PRESETS["suv"]
    # 20 → 80 %: 46.2 kWh at the full 135 kW is 1232 s; at a 50 kW charger 3326.4 s.
    assert suv.charge_seconds(D("0.2"), D("0.8"), D(150), dc=True) == pytest.approx(1232, rel=0.001)
    assert suv.charge_seconds(D("0.2"), D("0.8"), D(50), dc=True) == pytest.approx(3326.4, rel=0.001)
    # The taper: 80 → 100 % takes B·0.2/P · ln(10)/0.9 ≈ 1050.7 s, 2.5 times as long per % as before.
    assert suv.charge_seconds(D("0.8"), D("1"), D(150), dc=True) == pytest.approx(1050.7, rel=0.01)
    assert suv.charge_seconds(D("0.5"), D("0.5"), D(50), dc=True) == 0.0


def test_compatibility_by_connector_standard() -> None:
    compact = EV_PRESETS["compact"]
    assert compact.compatible(ConnectorType.IEC_62196_T2)
    assert compact.compatible(ConnectorType.IEC_62196_T2_COMBO)
    assert not compact.compatible(ConnectorType.CHADEMO)
    chademo = Connector.model_validate(
        {
            "id": "1",
            "standard": "CHADEMO",
            "format": "CABLE",
            "power_type": "DC",
            "max_voltage": 400,
            "max_amperage": 125,
            "last_updated": "2026-03-01T00:00:00Z",
        }
    )
    assert not compact.compatible(chademo)


def test_driving_drains_and_charging_fills_never_beyond_the_battery() -> None:
    car = EVState(EV_PRESETS["compact"], D("0.5"))
    assert car.drain_km(40.0) == D("6.000")  # 40 km × 0.15 kWh/km
    assert car.soc == D("0.35")
    assert car.range_km == D("93.33333333333333333333333333")
    assert car.add_kwh(D(10)) == D(10)
    assert car.soc == D("0.6")
    assert car.add_kwh(D(100)) == D(16)  # only the room that was left
    assert car.soc == D(1) and car.full
    assert car.add_kwh(D(5)) == D(0)
    assert car.drain_km(1000) == D(40)  # runs flat, not below
    assert car.soc == D(0)
    with pytest.raises(ValueError):
        car.add_kwh(D(-1))
    with pytest.raises(ValueError):
        EVState(EV_PRESETS["compact"], D("1.2"))


def test_energy_to_a_target() -> None:
    car = EVState(EV_PRESETS["van"], D("0.2"))
    assert car.kwh_to(D("0.8")) == D("45.0")
    assert car.kwh_to(D("0.1")) == D(0)


def _reference_charge_seconds(model: EVModel, soc_from: Decimal, soc_to: Decimal, limit_kw: Decimal, dc: bool) -> float:
    """The estimate as first written: every step's power through the Decimal curve."""
    seconds, battery, soc, target = 0.0, float(model.battery_kwh), float(soc_from), float(soc_to)
    while soc < target - 1e-12:
        step = min(0.01, target - soc)
        middle = Decimal(str(round(soc + step / 2, 6)))
        seconds += battery * step / min(float(limit_kw), float(model.max_power_kw(middle, dc))) * 3600.0
        soc += step
    return seconds


def test_charge_time_takes_the_flat_part_of_the_curve_as_the_decimal_curve_would() -> None:
    rng = random.Random(7)
    odd_tapers = replace(EV_PRESETS["van"], dc_taper_soc=D("0.333333333333333333333"), ac_taper_soc=D("0"))
    for model in [*EV_PRESETS.values(), odd_tapers]:
        for _ in range(300):
            soc_from = D(str(round(rng.random(), rng.choice([2, 3, 6]))))
            soc_to = D(1) if rng.random() < 0.3 else D(str(round(rng.random(), rng.choice([2, 3, 6]))))
            if soc_to <= soc_from:
                continue
            limit, dc = D(rng.choice(["3.7", "11", "22.08", "50", "150", "300"])), rng.random() < 0.5
            expected = _reference_charge_seconds(model, soc_from, soc_to, limit, dc)
            assert model._charge_seconds(soc_from, soc_to, limit, dc) == expected  # bit for bit
