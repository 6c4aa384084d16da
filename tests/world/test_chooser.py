"""Charger choice: filters (connector, radius, availability in the map), price estimates and order."""

from __future__ import annotations

import gc
import random
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.locations import Connector, Location
from sim.ocpi.v221.locations_enums import ConnectorType, Status
from sim.ocpi.v221.tariffs import Tariff
from sim.parties.roles import EMSPData
from sim.world import chooser
from sim.world.chooser import Need, PriceEstimator, connector_power_kw, emsp_tariffs, rank, search
from sim.world.ev import EV_PRESETS
from sim.world.geo import Point, destination

STAMP = "2026-03-01T00:00:00Z"
CENTRE = Point(52.3700, 4.9000)
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AC22 = ("IEC_62196_T2", "AC_3_PHASE", 230, 32)
DC50 = ("IEC_62196_T2_COMBO", "DC", 500, 100)
CHADEMO = ("CHADEMO", "DC", 500, 100)


def connector(kind: tuple[str, str, int, int], tariff_id: str | None, cid: str = "1") -> dict[str, Any]:
    standard, power_type, volts, amps = kind
    return {
        "id": cid,
        "standard": standard,
        "format": "CABLE" if power_type == "DC" else "SOCKET",
        "power_type": power_type,
        "max_voltage": volts,
        "max_amperage": amps,
        "tariff_ids": [tariff_id] if tariff_id else None,
        "last_updated": STAMP,
    }


def location(
    owner: str,
    location_id: str,
    point: Point,
    evses: list[tuple[str, tuple[str, str, int, int], str | None]],
) -> Location:
    """A location with one EVSE per (status, connector kind, tariff id)."""
    country_code, party_id = owner.split("-")
    return Location.model_validate(
        {
            "country_code": country_code,
            "party_id": party_id,
            "id": location_id,
            "publish": True,
            "address": "Street 1",
            "city": "Amsterdam",
            "country": "NLD",
            "coordinates": {"latitude": f"{point.lat:.6f}", "longitude": f"{point.lon:.6f}"},
            "time_zone": "Europe/Amsterdam",
            "evses": [
                {
                    "uid": f"{location_id}-E{n}",
                    "status": status,
                    "capabilities": ["RFID_READER", "REMOTE_START_STOP_CAPABLE"],
                    "connectors": [connector(kind, tariff_id)],
                    "last_updated": STAMP,
                }
                for n, (status, kind, tariff_id) in enumerate(evses, start=1)
            ],
            "last_updated": STAMP,
        }
    )


def tariff(owner: str, tariff_id: str, per_kwh: str, parking_per_hour: str | None = None) -> Tariff:
    country_code, party_id = owner.split("-")
    components: list[dict[str, Any]] = [{"type": "ENERGY", "price": Decimal(per_kwh), "step_size": 1}]
    elements: list[dict[str, Any]] = [{"price_components": components}]
    if parking_per_hour is not None:
        elements.insert(
            0, {"price_components": [{"type": "PARKING_TIME", "price": Decimal(parking_per_hour), "step_size": 60}]}
        )
    return Tariff.model_validate(
        {
            "country_code": country_code,
            "party_id": party_id,
            "id": tariff_id,
            "currency": "EUR",
            "elements": elements,
            "last_updated": STAMP,
        }
    )


def emsp_copy(locations: list[Location], tariffs: list[Tariff]) -> EMSPData:
    data = EMSPData(PartyRef("DE", "MSA"))
    for loc in locations:
        data.locations.put(PartyRef(loc.country_code, loc.party_id), loc.id, loc)
    for t in tariffs:
        data.tariffs.put(PartyRef(t.country_code, t.party_id), t.id, t)
    return data


def east(km: float) -> Point:
    return destination(CENTRE, 90.0, km)


def need(**changes: Any) -> Need:
    base = Need(CENTRE, 5.0, Decimal("0.2"), Decimal("1"), 4 * 3600.0, START)
    return Need(**{**base.__dict__, **changes})


COMPACT = EV_PRESETS["compact"]


def test_connector_power_from_the_fields() -> None:
    as_connector = Connector.model_validate
    assert connector_power_kw(as_connector(connector(AC22, None))) == Decimal("22.08")
    assert connector_power_kw(as_connector(connector(DC50, None))) == Decimal(50)
    assert connector_power_kw(as_connector({**connector(AC22, None), "max_electric_power": 11000})) == Decimal(11)
    single = {**connector(AC22, None), "power_type": "AC_1_PHASE", "max_amperage": 16}
    assert connector_power_kw(as_connector(single)) == Decimal("3.68")


def test_filters_radius_availability_and_compatibility() -> None:
    locations = [
        location("NL-CPA", "NEAR", east(1), [("AVAILABLE", AC22, "T1")]),
        location("NL-CPA", "FAR", east(8), [("AVAILABLE", AC22, "T1")]),
        location("NL-CPA", "BUSY", east(0.5), [("CHARGING", AC22, "T1"), ("OUTOFORDER", AC22, "T1")]),
        location("NL-CPA", "CHADEMO", east(0.5), [("AVAILABLE", CHADEMO, "T1")]),
    ]
    data = emsp_copy(locations, [tariff("NL-CPA", "T1", "0.30")])
    found = rank(chooser.emsp_locations(data), emsp_tariffs(data), COMPACT, need(), PriceEstimator())
    assert [c.location_id for c in found] == ["NEAR"]
    assert found[0].cpo == "NL-CPA" and found[0].evse_uid == "NEAR-E1" and not found[0].dc
    assert found[0].distance_km == pytest.approx(1.0, abs=0.01)


def test_price_estimate_uses_the_tariff_engine_for_energy_and_parking() -> None:
    locations = [location("NL-CPA", "L1", east(1), [("AVAILABLE", AC22, "T1")])]
    data = emsp_copy(locations, [tariff("NL-CPA", "T1", "0.30", parking_per_hour="2.00")])
    # 32 kWh wanted (20 → 100 % of 40 kWh) at 11 kW: about 3 h of charging in a 4 h stay, then parking.
    found = rank(chooser.emsp_locations(data), emsp_tariffs(data), COMPACT, need(), PriceEstimator())
    charging_h = COMPACT.charge_seconds(Decimal("0.2"), Decimal(1), Decimal(11), dc=False) / 3600
    expected = Decimal("32") * Decimal("0.30") + Decimal("2.00") * Decimal(str(round(4 - charging_h, 6)))
    assert found[0].cost == pytest.approx(expected, abs=Decimal("0.05"))
    assert found[0].price_per_kwh == pytest.approx(found[0].cost / 32, abs=Decimal("0.001"))


def test_order_weighs_price_against_distance() -> None:
    locations = [
        location("NL-CPA", "CHEAP-FAR", east(3), [("AVAILABLE", AC22, "CHEAP")]),
        location("NL-CPA", "DEAR-NEAR", east(0.5), [("AVAILABLE", AC22, "DEAR")]),
        location("NL-CPA", "MID", east(1), [("AVAILABLE", AC22, "MID")]),
    ]
    tariffs = [tariff("NL-CPA", "CHEAP", "0.20"), tariff("NL-CPA", "DEAR", "0.60"), tariff("NL-CPA", "MID", "0.30")]
    data = emsp_copy(locations, tariffs)
    found = rank(chooser.emsp_locations(data), emsp_tariffs(data), COMPACT, need(), PriceEstimator())
    # 32 kWh: CHEAP 6.40 + 3 km × 1.50 = 10.90; MID 9.60 + 1.50 = 11.10; DEAR 19.20 + 0.75 = 19.95.
    assert [c.location_id for c in found] == ["CHEAP-FAR", "MID", "DEAR-NEAR"]
    assert [round(c.score, 2) for c in found] == [Decimal("10.90"), Decimal("11.10"), Decimal("19.95")]


def test_unknown_tariffs_are_assumed_at_the_fallback_price() -> None:
    locations = [location("NL-CPA", "L1", east(1), [("AVAILABLE", AC22, "GONE")])]
    found = rank(
        chooser.emsp_locations(emsp_copy(locations, [])),
        emsp_tariffs(emsp_copy([], [])),
        COMPACT,
        need(),
        PriceEstimator(),
    )
    assert found[0].cost is None
    assert found[0].price_per_kwh == chooser.UNKNOWN_PRICE_PER_KWH


def test_drivers_needing_dc_pick_dc_and_fall_back_to_ac() -> None:
    mixed = location("NL-CPA", "MIX", east(1), [("AVAILABLE", AC22, "T1"), ("AVAILABLE", DC50, "T1")])
    ac_only = location("NL-CPA", "AC", east(0.5), [("AVAILABLE", AC22, "T1")])
    data = emsp_copy([mixed, ac_only], [tariff("NL-CPA", "T1", "0.40")])
    fast = rank(chooser.emsp_locations(data), emsp_tariffs(data), COMPACT, need(need_dc=True), PriceEstimator())
    assert [(c.location_id, c.evse_uid, c.dc, c.power_kw) for c in fast] == [("MIX", "MIX-E2", True, Decimal(50))]
    data = emsp_copy([ac_only], [tariff("NL-CPA", "T1", "0.40")])
    fallback = rank(chooser.emsp_locations(data), emsp_tariffs(data), COMPACT, need(need_dc=True), PriceEstimator())
    assert [c.location_id for c in fallback] == ["AC"]


def test_a_stale_copy_shows_a_charger_that_is_actually_occupied() -> None:
    copy = location("NL-CPA", "L1", east(1), [("AVAILABLE", AC22, "T1")])
    truth = location("NL-CPA", "L1", east(1), [("CHARGING", AC22, "T1")])
    data = emsp_copy([copy], [tariff("NL-CPA", "T1", "0.30")])
    in_app = search(
        data, lambda: [("NL-CPA", truth)], COMPACT, need(), PriceEstimator(), other_maps=0.0, rng=random.Random(1)
    )
    on_map = search(
        data, lambda: [("NL-CPA", truth)], COMPACT, need(), PriceEstimator(), other_maps=1.0, rng=random.Random(1)
    )
    assert [(c.location_id, c.source) for c in in_app] == [("L1", chooser.SOURCE_EMSP)]
    assert on_map == []


def test_other_maps_show_the_world_including_cpos_unknown_to_the_emsp() -> None:
    foreign = location("FR-CPX", "X1", east(1), [("AVAILABLE", AC22, "TX")])
    data = emsp_copy([], [])
    draws = [random.Random(seed).random() < 0.3 for seed in range(50)]
    for seed, expect_other in enumerate(draws):
        found = search(
            data,
            lambda: [("FR-CPX", foreign)],
            COMPACT,
            need(),
            PriceEstimator(),
            other_maps=0.3,
            rng=random.Random(seed),
        )
        assert [(c.cpo, c.source) for c in found] == ([("FR-CPX", chooser.SOURCE_OTHER_MAP)] if expect_other else [])
    assert any(draws) and not all(draws)


def test_the_search_widens_once_when_nothing_is_in_reach() -> None:
    data = emsp_copy([location("NL-CPA", "L8", east(8), [("AVAILABLE", AC22, None)])], [])
    found = search(data, list, COMPACT, need(radius_km=5.0), PriceEstimator(), other_maps=0.0, rng=random.Random(0))
    assert [c.location_id for c in found] == ["L8"]
    assert (
        search(data, list, COMPACT, need(radius_km=3.0), PriceEstimator(), other_maps=0.0, rng=random.Random(0)) == []
    )


def test_a_changed_location_is_seen_by_the_next_search() -> None:
    # What a search works out per Location object is kept while the object lives; a change (here
    # the EVSE taken) stores a new object, which the next search reads afresh.
    free = location("NL-CPA", "L1", east(1), [("AVAILABLE", AC22, "T1"), ("AVAILABLE", AC22, "T1")])
    data = emsp_copy([free], [tariff("NL-CPA", "T1", "0.30")])
    first = rank(chooser.emsp_locations(data), emsp_tariffs(data), COMPACT, need(), PriceEstimator())
    assert [c.evse_uid for c in first] == ["L1-E1"]  # the first of equal options
    evses = free.evses or []
    taken = free.model_copy(update={"evses": [evses[0].model_copy(update={"status": Status.CHARGING}), evses[1]]})
    data.locations.put(PartyRef("NL", "CPA"), "L1", taken)
    again = rank(chooser.emsp_locations(data), emsp_tariffs(data), COMPACT, need(), PriceEstimator())
    assert [c.evse_uid for c in again] == ["L1-E2"]
    chademo_car = replace(COMPACT, connectors=frozenset({ConnectorType.CHADEMO}))
    assert rank(chooser.emsp_locations(data), emsp_tariffs(data), chademo_car, need(), PriceEstimator()) == []


def test_what_a_search_keeps_of_a_location_goes_with_it() -> None:
    alive = location("NL-CPA", "L1", east(1), [("AVAILABLE", AC22, "T1")])
    rank([("NL-CPA", alive)], emsp_tariffs(emsp_copy([], [])), COMPACT, need(), PriceEstimator())
    key = id(alive)
    assert key in chooser._sites
    del alive
    gc.collect()
    assert key not in chooser._sites
