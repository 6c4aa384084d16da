"""Made-up charging locations: OCPI 2.2.1 ``Location`` objects scattered over an area.

Everything is drawn from one generator the caller seeds (``random.Random(f"{seed}:locations:{party}")``),
in a fixed order per location — position, number of EVSEs, charger power, street, house number,
postal code — so the same scenario and seed always give the same locations.

* Positions are uniform over the circle (radius ∝ √u) and always inside it (great-circle distance
  ≤ radius, checked after rounding to the 6 decimals written on the wire).
* Each EVSE has one connector: below 50 kW a Type 2 socket (``IEC_62196_T2``, ``SOCKET``; single
  phase up to 7.4 kW, else three phases at 230 V), from 50 kW a CCS cable (``IEC_62196_T2_COMBO``,
  ``CABLE``, DC at 500 V up to 50 kW, 920 V above).  Every EVSE can read RFID, start and stop
  remotely, be reserved, unlock and take charging profiles — so every OCPI command works on it.
* Names and addresses are plausible: ``<operator> <street>`` on ``<street> <number>``, in the
  nearest well-known city within 50 km (else "Simstad") with a postal code in its country's style.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.ocpi.v221.locations import EVSE, BusinessDetails, Connector, GeoLocation, Hours, Location
from sim.ocpi.v221.locations_enums import (
    Capability,
    ConnectorFormat,
    ConnectorType,
    ParkingType,
    PowerType,
    Status,
)
from sim.scenario.schema import Area, GeneratedLocations

EARTH_RADIUS_KM = 6371.0088
DC_FROM_KW = 50.0
SINGLE_PHASE_UP_TO_KW = 7.4
PHASE_VOLTAGE = 230
CAPABILITIES = [
    Capability.RFID_READER,
    Capability.REMOTE_START_STOP_CAPABLE,
    Capability.RESERVABLE,
    Capability.UNLOCK_CAPABLE,
    Capability.CHARGING_PROFILE_CAPABLE,
]
NEAREST_CITY_KM = 50.0

# (city, latitude, longitude, ISO 3166-1 alpha-3 country, how its postal codes begin)
_CITIES = [
    ("Amsterdam", 52.3676, 4.9041, "NLD", "10"),
    ("Utrecht", 52.0907, 5.1214, "NLD", "35"),
    ("Rotterdam", 51.9244, 4.4777, "NLD", "30"),
    ("Den Haag", 52.0705, 4.3007, "NLD", "25"),
    ("Eindhoven", 51.4416, 5.4697, "NLD", "56"),
    ("Groningen", 53.2194, 6.5665, "NLD", "97"),
    ("Antwerpen", 51.2194, 4.4025, "BEL", "20"),
    ("Bruxelles", 50.8503, 4.3517, "BEL", "10"),
    ("Berlin", 52.5200, 13.4050, "DEU", "10"),
    ("Hamburg", 53.5511, 9.9937, "DEU", "20"),
    ("München", 48.1351, 11.5820, "DEU", "80"),
    ("Köln", 50.9375, 6.9603, "DEU", "50"),
    ("Paris", 48.8566, 2.3522, "FRA", "750"),
    ("London", 51.5072, -0.1276, "GBR", "EC"),
    ("København", 55.6761, 12.5683, "DNK", "1"),
    ("Oslo", 59.9139, 10.7522, "NOR", "0"),
    ("Wien", 48.2082, 16.3738, "AUT", "1"),
    ("Zürich", 47.3769, 8.5417, "CHE", "80"),
]
_STREETS = {
    "NLD": ["Kerkstraat", "Stationsplein", "Dorpsstraat", "Marktplein", "Parklaan", "Molenweg", "Schoolstraat",
            "Julianalaan", "Beatrixlaan", "Havenstraat", "Wilhelminastraat", "Nieuwe Gracht"],
    "BEL": ["Kerkstraat", "Stationsstraat", "Grote Markt", "Rue de la Gare", "Avenue Louise", "Dorpsstraat",
            "Rue Royale", "Molenstraat", "Place du Marché", "Nieuwstraat"],
    "DEU": ["Hauptstraße", "Bahnhofstraße", "Schulstraße", "Gartenstraße", "Dorfstraße", "Kirchstraße",
            "Marktplatz", "Lindenstraße", "Bergstraße", "Parkstraße"],
    "AUT": ["Hauptstraße", "Bahnhofstraße", "Kirchengasse", "Schulgasse", "Marktplatz", "Lindengasse"],
    "CHE": ["Bahnhofstrasse", "Hauptstrasse", "Dorfstrasse", "Kirchgasse", "Seestrasse", "Schulhausstrasse"],
    "FRA": ["Rue de la Gare", "Place de la République", "Rue Victor Hugo", "Avenue Jean Jaurès", "Rue Pasteur",
            "Boulevard Voltaire", "Rue de l'Église", "Rue du Marché"],
}  # fmt: skip
_ENGLISH_STREETS = ["High Street", "Station Road", "Church Street", "Market Square", "Park Avenue", "Mill Lane",
                    "School Road", "Victoria Street", "Harbour Road", "King Street"]  # fmt: skip
_UPPER = "ABCDEFGHJKLMNPRTVWXZ"
_ALPHA3 = {
    "AT": "AUT", "BE": "BEL", "BG": "BGR", "CH": "CHE", "CY": "CYP", "CZ": "CZE", "DE": "DEU", "DK": "DNK",
    "EE": "EST", "ES": "ESP", "FI": "FIN", "FR": "FRA", "GB": "GBR", "GR": "GRC", "HR": "HRV", "HU": "HUN",
    "IE": "IRL", "IS": "ISL", "IT": "ITA", "LI": "LIE", "LT": "LTU", "LU": "LUX", "LV": "LVA", "MT": "MLT",
    "NL": "NLD", "NO": "NOR", "PL": "POL", "PT": "PRT", "RO": "ROU", "SE": "SWE", "SI": "SVN", "SK": "SVK",
    "UK": "GBR", "US": "USA", "CA": "CAN", "AU": "AUS", "NZ": "NZL", "JP": "JPN", "CN": "CHN", "KR": "KOR",
}  # fmt: skip


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def inside(area: Area, latitude: float, longitude: float) -> bool:
    """Whether a point lies in the area's circle."""
    return distance_km(area.lat, area.lon, latitude, longitude) <= area.radius_km


def random_point(area: Area, rng: random.Random) -> tuple[str, str]:
    """A point uniformly inside the area, as OCPI latitude/longitude strings (6 decimals)."""
    km_per_degree = EARTH_RADIUS_KM * math.pi / 180
    while True:  # the flat-earth step can land a hair outside near the rim: draw again then
        radius = area.radius_km * math.sqrt(rng.random())
        bearing = 2 * math.pi * rng.random()
        lat = area.lat + radius * math.cos(bearing) / km_per_degree
        lon_scale = km_per_degree * max(math.cos(math.radians(area.lat)), 1e-9)
        lon = (area.lon + radius * math.sin(bearing) / lon_scale + 180) % 360 - 180
        lat_text, lon_text = f"{max(-90.0, min(90.0, lat)):.6f}", f"{lon:.6f}"
        if inside(area, float(lat_text), float(lon_text)):
            return lat_text, lon_text


def known_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone this machine knows (``Europe/Amsterdam``)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def country_alpha3(country_code: str) -> str:
    """ISO alpha-3 for a party's alpha-2 country code (``ZZZ``, "unknown", for codes not listed)."""
    return _ALPHA3.get(country_code.upper(), "ZZZ")


def place(area: Area, country_code: str) -> tuple[str, str, str]:
    """(city, alpha-3 country, postal code prefix) for locations in ``area``: the nearest listed city
    within 50 km, else "Simstad" in the CPO's country."""
    best = min(_CITIES, key=lambda city: distance_km(area.lat, area.lon, city[1], city[2]))
    if distance_km(area.lat, area.lon, best[1], best[2]) <= NEAREST_CITY_KM:
        return best[0], best[3], best[4]
    return "Simstad", country_alpha3(country_code), ""


def _postal_code(country: str, prefix: str, rng: random.Random) -> str:
    """A postal code in the country's format, starting like the city's."""
    if country == "GBR":
        return f"{prefix or 'SW'}{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice(_UPPER)}{rng.choice(_UPPER)}"
    width = 4 if country in ("NLD", "BEL", "AUT", "CHE", "DNK", "NOR") else 5
    digits = prefix + "".join(str(rng.randint(0, 9)) for _ in range(width - len(prefix)))
    if digits[0] == "0" and not prefix:  # no country here starts its codes with 0, except where listed
        digits = "1" + digits[1:]
    if country == "NLD":
        return f"{digits} {rng.choice(_UPPER)}{rng.choice(_UPPER)}"
    return digits


def connector_for(power_kw: float, tariff_id: str | None, last_updated: datetime) -> Connector:
    """The one connector of a generated EVSE of ``power_kw``."""
    watts = round(power_kw * 1000)
    if power_kw >= DC_FROM_KW:
        voltage = 500 if power_kw <= DC_FROM_KW else 920
        standard, form, power_type, amperage = (
            ConnectorType.IEC_62196_T2_COMBO,
            ConnectorFormat.CABLE,
            PowerType.DC,
            math.ceil(watts / voltage),
        )
    else:
        voltage = PHASE_VOLTAGE
        phases = 1 if power_kw <= SINGLE_PHASE_UP_TO_KW else 3
        standard, form = ConnectorType.IEC_62196_T2, ConnectorFormat.SOCKET
        power_type = PowerType.AC_1_PHASE if phases == 1 else PowerType.AC_3_PHASE
        amperage = max(1, round(watts / (phases * voltage)))
    return Connector(
        id="1",
        standard=standard,
        format=form,
        power_type=power_type,
        max_voltage=voltage,
        max_amperage=amperage,
        max_electric_power=watts,
        tariff_ids=[tariff_id] if tariff_id else None,
        last_updated=last_updated,
    )


def generate_locations(
    spec: GeneratedLocations,
    *,
    rng: random.Random,
    country_code: str,
    party_id: str,
    operator: str,
    tariff_id: str | None,
    time_zone: str,
    last_updated: datetime,
    new_id: Callable[[], str],
) -> list[Location]:
    """``spec.count`` locations of the CPO ``country_code``/``party_id``; ``new_id()`` names each."""
    city, country, postal_prefix = place(spec.area, country_code)
    streets = _STREETS.get(country, _ENGLISH_STREETS)
    low, high = spec.evses_per_location
    locations = []
    for _ in range(spec.count):
        latitude, longitude = random_point(spec.area, rng)
        evse_count = rng.randint(low, high)
        power_kw = rng.choice(spec.power_kw)
        street = rng.choice(streets)
        number = rng.randint(1, 199)
        postal_code = _postal_code(country, postal_prefix, rng)
        location_id = new_id()
        serial = location_id.rsplit("-", 1)[-1]
        evses = [
            EVSE(
                uid=f"{location_id}-{k}",
                evse_id=f"{country_code}*{party_id}*E{serial}*{k}",
                status=Status.AVAILABLE,
                capabilities=list(CAPABILITIES),
                connectors=[connector_for(power_kw, tariff_id, last_updated)],
                physical_reference=str(k),
                last_updated=last_updated,
            )
            for k in range(1, evse_count + 1)
        ]
        locations.append(
            Location(
                country_code=country_code,
                party_id=party_id,
                id=location_id,
                publish=True,
                name=f"{operator} {street}"[:255],
                address=f"{street} {number}",
                city=city,
                postal_code=postal_code,
                country=country,
                coordinates=GeoLocation(latitude=latitude, longitude=longitude),
                parking_type=ParkingType.PARKING_LOT if power_kw >= DC_FROM_KW else ParkingType.ON_STREET,
                evses=evses,
                operator=BusinessDetails(name=operator[:100]),
                time_zone=time_zone,
                opening_times=Hours(twentyfourseven=True),
                last_updated=last_updated,
            )
        )
    return locations


__all__ = [
    "CAPABILITIES",
    "connector_for",
    "country_alpha3",
    "distance_km",
    "generate_locations",
    "inside",
    "known_time_zone",
    "place",
    "random_point",
]
