"""Generated locations: deterministic per seed and party, inside their area, valid OCPI 2.2.1."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest

from sim.ocpi.common import OCPIVersion
from sim.ocpi.v211.convert_locations import location_to_211
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.locations_enums import Capability, ConnectorFormat, ConnectorType, PowerType, Status
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.validation import validate_document
from sim.ocpi.wirejson import dumps, loads

from .helpers import load

AREA = {"lat": 52.09, "lon": 5.12, "radius_km": 4}


def scenario(seed: int = 7, **generated: Any) -> dict[str, Any]:
    source = {"count": 40, "area": AREA, **generated}
    return {
        "name": "generated",
        "seed": seed,
        "parties": [
            {"id": "NL-CPA", "role": "CPO", "name": "Laadnet", "locations": [source],
             "tariffs": [{"preset": "ac-standard"}, {"preset": "dc-fast"}]},
            {"id": "NL-CPB", "role": "CPO", "locations": [source]},
            {"id": "NL-EMA", "role": "EMSP", "links": [{"to": "NL-CPA"}, {"to": "NL-CPB"}]},
        ],
    }  # fmt: skip


def wire(locations: list[Location]) -> str:
    return dumps([location.to_wire() for location in locations])


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Independent of the code under test: the spherical law of cosines."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371.0088 * math.acos(min(1.0, cosine))


def test_the_same_seed_gives_the_same_locations_and_another_seed_others() -> None:
    first, again, other = load(scenario(7)), load(scenario(7)), load(scenario(8))
    assert wire(first.locations["NL-CPA"]) == wire(again.locations["NL-CPA"])
    assert wire(first.locations["NL-CPA"]) != wire(other.locations["NL-CPA"])
    # Each CPO draws from its own stream: the same spec gives different sites to different CPOs.
    cpa = [loc.coordinates for loc in first.locations["NL-CPA"]]
    cpb = [loc.coordinates for loc in first.locations["NL-CPB"]]
    assert cpa != cpb


def test_adding_a_party_does_not_move_another_partys_locations() -> None:
    document = scenario(7)
    before = wire(load(document).locations["NL-CPB"])
    document["parties"].insert(0, {"id": "DE-CPC", "role": "CPO", "locations": [{"count": 5, "area": AREA}]})
    document["parties"][-1]["links"].append({"to": "DE-CPC"})
    assert wire(load(document).locations["NL-CPB"]) == before


def test_every_location_lies_inside_its_area() -> None:
    locations = load(scenario(3, count=500)).locations["NL-CPA"]
    distances = [
        great_circle_km(AREA["lat"], AREA["lon"], float(loc.coordinates.latitude), float(loc.coordinates.longitude))
        for loc in locations
    ]
    assert max(distances) <= AREA["radius_km"] + 1e-6
    # uniform over the disc: about a quarter fall within half the radius
    inner = sum(d <= AREA["radius_km"] / 2 for d in distances) / len(distances)
    assert 0.18 < inner < 0.32


def test_sites_are_plausible_and_owned_by_their_cpo() -> None:
    loaded = load(scenario(5, count=5, evses_per_location=[1, 3], power_kw=[11]))
    for number, location in enumerate(loaded.locations["NL-CPA"], start=1):
        assert (location.country_code, location.party_id, location.id) == ("NL", "CPA", f"LOC-{number:04d}")
        assert location.city == "Utrecht" and location.country == "NLD"
        assert location.postal_code is not None and location.postal_code.startswith("35")
        assert location.name is not None and location.name.startswith("Laadnet ")
        street, house_number = location.address.rsplit(" ", 1)
        assert location.name == f"Laadnet {street}" and house_number.isdigit()
        assert location.time_zone == "Europe/Amsterdam"
        assert location.publish is True and location.opening_times is not None
        assert location.last_updated == loaded.scenario.start
        assert location.evses is not None and 1 <= len(location.evses) <= 3
        for k, evse in enumerate(location.evses, start=1):
            assert evse.uid == f"{location.id}-{k}"
            assert evse.evse_id == f"NL*CPA*E{number:04d}*{k}"
            assert evse.status is Status.AVAILABLE
            assert evse.capabilities == [
                Capability.RFID_READER,
                Capability.REMOTE_START_STOP_CAPABLE,
                Capability.RESERVABLE,
                Capability.UNLOCK_CAPABLE,
                Capability.CHARGING_PROFILE_CAPABLE,
            ]
            assert [c.tariff_ids for c in evse.connectors] == [["AC-STANDARD"]]  # the CPO's first tariff


def test_the_evse_count_covers_its_whole_range() -> None:
    counts = {len(loc.evses or []) for loc in load(scenario(1, evses_per_location=[2, 4])).locations["NL-CPA"]}
    assert counts == {2, 3, 4}


@pytest.mark.parametrize(
    ("power_kw", "standard", "form", "power_type", "voltage", "amperage"),
    [
        (3.7, ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET, PowerType.AC_1_PHASE, 230, 16),
        (7.4, ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET, PowerType.AC_1_PHASE, 230, 32),
        (11, ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET, PowerType.AC_3_PHASE, 230, 16),
        (22, ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET, PowerType.AC_3_PHASE, 230, 32),
        (49.9, ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET, PowerType.AC_3_PHASE, 230, 72),
        (50, ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE, PowerType.DC, 500, 100),
        (150, ConnectorType.IEC_62196_T2_COMBO, ConnectorFormat.CABLE, PowerType.DC, 920, 164),
    ],
)
def test_ac_below_50_kw_is_a_type_2_socket_and_dc_a_ccs_cable(
    power_kw: float, standard: ConnectorType, form: ConnectorFormat, power_type: PowerType, voltage: int, amperage: int
) -> None:
    location = load(scenario(2, count=1, power_kw=[power_kw])).locations["NL-CPA"][0]
    assert location.evses is not None
    for evse in location.evses:
        (connector,) = evse.connectors
        assert (connector.standard, connector.format, connector.power_type) == (standard, form, power_type)
        assert (connector.max_voltage, connector.max_amperage) == (voltage, amperage)
        assert connector.max_electric_power == round(power_kw * 1000)


def test_a_named_tariff_and_time_zone_are_used() -> None:
    document = scenario(2, count=3, power_kw=[150], tariff="dc-fast", time_zone="Europe/Brussels")
    document["parties"][1]["tariffs"] = [{"preset": "dc-fast"}]
    loaded = load(document)
    for location in loaded.locations["NL-CPA"]:
        assert location.time_zone == "Europe/Brussels"
        assert {c.tariff_ids[0] for e in location.evses or [] for c in e.connectors if c.tariff_ids} == {"DC-FAST"}


def test_every_generated_object_is_valid_ocpi_and_round_trips() -> None:
    loaded = load(scenario(11, power_kw=[3.7, 11, 22, 50, 150, 350]))
    objects: list[Location | Tariff] = [
        *loaded.locations["NL-CPA"],
        *loaded.tariffs["NL-CPA"],
        *loaded.tariffs["NL-CPB"],
    ]
    for obj in objects:
        document = loads(obj.to_json())
        verdict = validate_document(document, version=OCPIVersion.V2_2_1, type_name=type(obj).__name__)
        assert verdict.valid and not verdict.warnings, verdict.issues
        assert type(obj).model_validate(document) == obj
        assert type(obj).model_validate(document).to_wire() == obj.to_wire()
    for location in loaded.locations["NL-CPA"]:  # 2.1.1 links publish them too
        assert location_to_211(location).id == location.id


def test_far_from_any_listed_city_the_place_is_made_up_in_the_cpos_country() -> None:
    document = scenario(4, count=2)
    document["parties"][1]["id"] = "DE-CPB"
    document["parties"][1]["locations"][0]["area"] = {"lat": 50.0, "lon": 9.0, "radius_km": 1}
    document["parties"][2]["links"][1]["to"] = "DE-CPB"
    location = load(document).locations["DE-CPB"][0]
    assert (location.city, location.country) == ("Simstad", "DEU")
    assert location.postal_code is not None and len(location.postal_code) == 5
    assert Decimal(location.coordinates.latitude).quantize(Decimal("0.1")) in (Decimal("50.0"), Decimal("49.9"))
