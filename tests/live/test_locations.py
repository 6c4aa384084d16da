"""Texts and snapshots the map shows of a charging location."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sim.live.locations import (
    StatusCounts,
    count_statuses,
    data_attribution,
    location_info,
    status_text,
    tariff_lines,
    tooltip_text,
)
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.tariffs import Tariff
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"

LOCATION = Location.model_validate(
    {
        "country_code": "NL",
        "party_id": "ABC",
        "id": "LOC1",
        "publish": True,
        "name": "Stationsplein",
        "address": "Stationsplein 1",
        "city": "Utrecht",
        "postal_code": "3511 ED",
        "country": "NLD",
        "coordinates": {"latitude": "52.089440", "longitude": "5.110440"},
        "operator": {"name": "Charge Utrecht"},
        "time_zone": "Europe/Amsterdam",
        "last_updated": "2026-03-02T06:00:00Z",
        "evses": [
            {
                "uid": "E1",
                "evse_id": "NL*ABC*E1",
                "status": "CHARGING",
                "last_updated": "2026-03-02T06:00:00Z",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2",
                        "format": "SOCKET",
                        "power_type": "AC_3_PHASE",
                        "max_voltage": 230,
                        "max_amperage": 16,
                        "tariff_ids": ["AC"],
                        "last_updated": "2026-03-02T06:00:00Z",
                    }
                ],
            },
            {
                "uid": "E2",
                "status": "AVAILABLE",
                "last_updated": "2026-03-02T06:00:00Z",
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2_COMBO",
                        "format": "CABLE",
                        "power_type": "DC",
                        "max_voltage": 500,
                        "max_amperage": 100,
                        "max_electric_power": 50000,
                        "last_updated": "2026-03-02T06:00:00Z",
                    }
                ],
            },
        ],
    }
)


def test_location_info_reads_name_operator_address_position_and_connectors() -> None:
    info = location_info("NL-ABC", LOCATION)
    assert (info.name, info.operator, info.address) == (
        "Stationsplein",
        "Charge Utrecht",
        "Stationsplein 1, 3511 ED Utrecht",
    )
    assert (info.lat, info.lon) == (52.08944, 5.11044)
    assert [(e.uid, e.evse_id, e.status) for e in info.evses] == [
        ("E1", "NL*ABC*E1", "CHARGING"),
        ("E2", None, "AVAILABLE"),
    ]
    ac, dc = info.evses[0].connectors[0], info.evses[1].connectors[0]
    assert (ac.kw, ac.tariff_ids) == (Decimal("11.04"), ("AC",))  # 230 V × 16 A × 3 phases
    assert (dc.kw, dc.tariff_ids) == (Decimal(50), ())


def test_counts_in_the_order_of_interest_and_as_text() -> None:
    assert count_statuses(["AVAILABLE", "CHARGING", "AVAILABLE", "OUTOFORDER"]) == {
        "CHARGING": 1,
        "OUTOFORDER": 1,
        "AVAILABLE": 2,
    }
    assert status_text({"CHARGING": 1, "AVAILABLE": 2}) == "1 CHARGING, 2 AVAILABLE"
    assert status_text({}) == "no EVSEs"
    counts = StatusCounts({"E1": "AVAILABLE", "E2": "AVAILABLE"})
    assert counts.set("E1", "CHARGING") and not counts.set("E1", "CHARGING")
    assert counts.counts() == {"CHARGING": 1, "AVAILABLE": 1} and counts.total == 2


def test_tooltip_lists_name_operator_address_and_statuses() -> None:
    info = location_info("NL-ABC", LOCATION)
    assert tooltip_text(info, {"CHARGING": 1, "AVAILABLE": 1}) == (
        "Stationsplein\nOperator: Charge Utrecht (NL-ABC)\nStationsplein 1, 3511 ED Utrecht\n"
        "2 EVSEs: 1 CHARGING, 1 AVAILABLE"
    )


def test_tariff_lines_say_every_price_in_words() -> None:
    tariff = Tariff.model_validate(
        {
            "country_code": "NL",
            "party_id": "ABC",
            "id": "AC",
            "currency": "EUR",
            "last_updated": "2026-03-02T06:00:00Z",
            "elements": [
                {"price_components": [{"type": "ENERGY", "price": 0.35, "step_size": 1}]},
                {
                    "price_components": [{"type": "PARKING_TIME", "price": 2.125, "step_size": 60}],
                    "restrictions": {"start_time": "09:00", "end_time": "18:00"},
                },
            ],
        }
    )
    lines = tariff_lines(tariff)
    assert len(lines) == 2
    assert lines[0].startswith("€0.35/kWh")
    assert lines[1].startswith("€2.125/h parking") and "09:00–18:00" in lines[1]


def test_data_attribution_comes_from_the_sources_beside_real_data() -> None:
    assert data_attribution(load_scenario(SCENARIOS / "hub-network.yaml")) == (
        "Bron: NDW (DOT-NL), via robbertj85/laadpalenviewer"
    )
    assert data_attribution(load_scenario(SCENARIOS / "bilateral-basics.yaml")) is None
