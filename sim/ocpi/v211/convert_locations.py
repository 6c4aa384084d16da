"""Conversion of Locations, EVSEs and Connectors (and their PATCHes) between OCPI 2.2.1 and OCPI 2.1.1.

Companion of ``sim.ocpi.v211.convert`` (same naming, same ``ConversionError``).  Lossy mappings
(2.2.1 → 2.1.1 unless marked "in"):

* Location: ``publish=false`` raises (2.1.1 cannot restrict visibility, so an unpublished location must
  not be sent at all); ``publish_allowed_to`` and ``state`` are dropped; "in" ``publish`` is ``True``.
  ``parking_type`` → ``type``: ON_STREET, PARKING_GARAGE, UNDERGROUND_GARAGE, PARKING_LOT map 1:1,
  ALONG_MOTORWAY/ON_DRIVEWAY → OTHER, absent → UNKNOWN; "in" OTHER/UNKNOWN → no ``parking_type`` (a
  2.1.1 PATCH setting them cannot clear a stored ``parking_type``: the field is left out).
* ``postal_code`` (required in 2.1.1; the model accepts ""): absent → ``""``; "in" ``""`` → absent.
* ``time_zone`` (required in 2.2.1): "in" absent → the ``default_time_zone`` argument (full objects only).
* Coordinates: re-formatted to exactly 6 decimals (Decimal quantize, ROUND_HALF_EVEN), so 5 and 7
  decimal values change text; "in" the 6-decimal strings are valid 2.2.1 as they are.
* Hours: ``twentyfourseven=true`` → only ``twentyfourseven``; false → only ``regular_hours``; "in" a 2.1.1
  ``twentyfourseven=false`` without ``regular_hours`` (no usable information) → no ``opening_times``.
* Enum lists (Capability, Facility): members 2.1.1 does not know are dropped.  Single required values
  without a 2.1.1 equivalent raise: ConnectorType (GBT_*, NEMA_*, CHAOJI, DOMESTIC_M..O, PANTOGRAPH_*),
  PowerType (AC_2_PHASE, AC_2_PHASE_SPLIT).
* Connector: ``max_voltage``/``max_amperage`` ↔ ``voltage``/``amperage``; ``tariff_ids`` → its first
  entry as ``tariff_id`` (others lost; an empty list in a PATCH cannot clear ``tariff_id`` and is left
  out); ``max_electric_power`` dropped; "in" ``tariff_id`` → ``[tariff_id]``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from sim.ocpi.v211 import locations as loc211
from sim.ocpi.v211 import locations_enums as enums211
from sim.ocpi.v211.convert import (
    ConversionError,
    Data,
    _build,
    _drop,
    _each,
    _energy_mix,
    _known,
    _map,
    _plain,
    _rename,
    _require,
    _stamp,
)
from sim.ocpi.v221 import locations as loc221

_PARKING_TYPE_TO_211 = {
    "ON_STREET": "ON_STREET",
    "PARKING_GARAGE": "PARKING_GARAGE",
    "UNDERGROUND_GARAGE": "UNDERGROUND_GARAGE",
    "PARKING_LOT": "PARKING_LOT",
    "ALONG_MOTORWAY": "OTHER",
    "ON_DRIVEWAY": "OTHER",
}
_LOCATION_TYPE_FROM_211 = {"ON_STREET", "PARKING_GARAGE", "UNDERGROUND_GARAGE", "PARKING_LOT"}
_SIX_DECIMALS = Decimal("0.000001")


def coordinate_to_211(text: str) -> str:
    """A 2.2.1 decimal-degree string (5–7 decimals) with exactly the 6 decimals 2.1.1 requires."""
    return format(Decimal(text).quantize(_SIX_DECIMALS, rounding=ROUND_HALF_EVEN), "f")


def _geo_to_211(point: Data) -> Data:
    return {
        **point,
        "latitude": coordinate_to_211(point["latitude"]),
        "longitude": coordinate_to_211(point["longitude"]),
    }


def _hours_to_211(hours: Data) -> Data:
    out = _drop(hours, "twentyfourseven", "regular_hours")
    if hours["twentyfourseven"]:
        out["twentyfourseven"] = True
    else:
        out["regular_hours"] = hours["regular_hours"]
    return out


def _hours_from_211(hours: Data) -> Data | None:
    out = _drop(hours, "twentyfourseven", "regular_hours")
    if hours.get("twentyfourseven"):
        return {"twentyfourseven": True, **out}
    if hours.get("regular_hours"):
        return {"twentyfourseven": False, "regular_hours": hours["regular_hours"], **out}
    return None


def _connector_to_211(connector: Data) -> Data:
    what = f"Connector {connector.get('id', '')!r}:"
    if "standard" in connector:
        _require(connector["standard"], enums211.ConnectorType, f"{what} ConnectorType")
    if "power_type" in connector:
        _require(connector["power_type"], enums211.PowerType, f"{what} PowerType")
    out = _rename(
        _drop(connector, "max_electric_power", "tariff_ids"), {"max_voltage": "voltage", "max_amperage": "amperage"}
    )
    if connector.get("tariff_ids"):
        out["tariff_id"] = connector["tariff_ids"][0]
    return out


def _connector_from_211(connector: Data) -> Data:
    out = _rename(_drop(connector, "tariff_id"), {"voltage": "max_voltage", "amperage": "max_amperage"})
    if "tariff_id" in connector:
        out["tariff_ids"] = [connector["tariff_id"]]
    return out


def _evse_to_211(evse: Data) -> Data:
    return _map(
        evse,
        capabilities=lambda caps: _known(caps, enums211.Capability),
        connectors=_each(_connector_to_211),
        coordinates=_geo_to_211,
    )


def _evse_from_211(evse: Data) -> Data:
    return _map(evse, connectors=_each(_connector_from_211))


def _location_to_211(location: Data, *, full: bool) -> Data:
    out = _map(
        _drop(location, "country_code", "party_id", "publish", "publish_allowed_to", "state", "parking_type"),
        coordinates=_geo_to_211,
        related_locations=_each(_geo_to_211),
        evses=_each(_evse_to_211),
        facilities=lambda facilities: _known(facilities, enums211.Facility),
        opening_times=_hours_to_211,
        energy_mix=_energy_mix("category", "source"),
    )
    if "parking_type" in location or full:
        out["type"] = _PARKING_TYPE_TO_211.get(location.get("parking_type", ""), "UNKNOWN")
    if full:
        out.setdefault("postal_code", "")
    return out


def _location_from_211(location: Data) -> Data:
    out = _map(
        _drop(location, "type"),
        evses=_each(_evse_from_211),
        opening_times=_hours_from_211,
        energy_mix=_energy_mix("source", "category"),
    )
    if location.get("type") in _LOCATION_TYPE_FROM_211:
        out["parking_type"] = location["type"]
    return {k: v for k, v in out.items() if v is not None and not (k == "postal_code" and v == "")}


def _check_published(publish: bool | None, location_id: str | None) -> None:
    if publish is False:
        raise ConversionError(
            f"Location {location_id!r} is not published (publish=false); OCPI 2.1.1 cannot restrict who sees "
            "a location, so it must not be sent over a 2.1.1 connection"
        )


def location_to_211(location: loc221.Location) -> loc211.Location:
    """The 2.1.1 form of a Location (raises ConversionError for an unpublished one)."""
    _check_published(location.publish, location.id)
    return _build(loc211.Location, _location_to_211(_plain(location), full=True))


def location_from_211(
    location: loc211.Location, *, country_code: str, party_id: str, default_time_zone: str = "UTC"
) -> loc221.Location:
    """The 2.2.1 form of a received Location, owned by the connection's CPO and published."""
    data = {"country_code": country_code, "party_id": party_id, "publish": True, **_location_from_211(_plain(location))}
    data.setdefault("time_zone", default_time_zone)
    return _build(loc221.Location, data)


def evse_to_211(evse: loc221.EVSE) -> loc211.EVSE:
    """The 2.1.1 form of an EVSE (unknown capabilities dropped, coordinates re-formatted)."""
    return _build(loc211.EVSE, _evse_to_211(_plain(evse)))


def evse_from_211(evse: loc211.EVSE) -> loc221.EVSE:
    """The 2.2.1 form of a received EVSE."""
    return _build(loc221.EVSE, _evse_from_211(_plain(evse)))


def connector_to_211(connector: loc221.Connector) -> loc211.Connector:
    """The 2.1.1 form of a Connector (raises for a standard or power type 2.1.1 does not know)."""
    return _build(loc211.Connector, _connector_to_211(_plain(connector)))


def connector_from_211(connector: loc211.Connector) -> loc221.Connector:
    """The 2.2.1 form of a received Connector."""
    return _build(loc221.Connector, _connector_from_211(_plain(connector)))


def location_patch_to_211(patch: loc221.LocationPatch) -> loc211.LocationPatch:
    """The 2.1.1 form of a Location PATCH body (only the fields it carries)."""
    _check_published(patch.publish, patch.id)
    return _build(loc211.LocationPatch, _location_to_211(_plain(patch), full=False))


def location_patch_from_211(patch: loc211.LocationPatch, *, received_at: datetime) -> loc221.LocationPatch:
    """The 2.2.1 form of a received Location PATCH body; ``last_updated`` defaults to ``received_at``."""
    return _build(loc221.LocationPatch, _stamp(_location_from_211(_plain(patch)), received_at))


def evse_patch_to_211(patch: loc221.EVSEPatch) -> loc211.EVSEPatch:
    """The 2.1.1 form of an EVSE PATCH body."""
    return _build(loc211.EVSEPatch, _evse_to_211(_plain(patch)))


def evse_patch_from_211(patch: loc211.EVSEPatch, *, received_at: datetime) -> loc221.EVSEPatch:
    """The 2.2.1 form of a received EVSE PATCH body; ``last_updated`` defaults to ``received_at``."""
    return _build(loc221.EVSEPatch, _stamp(_evse_from_211(_plain(patch)), received_at))


def connector_patch_to_211(patch: loc221.ConnectorPatch) -> loc211.ConnectorPatch:
    """The 2.1.1 form of a Connector PATCH body."""
    return _build(loc211.ConnectorPatch, _connector_to_211(_plain(patch)))


def connector_patch_from_211(patch: loc211.ConnectorPatch, *, received_at: datetime) -> loc221.ConnectorPatch:
    """The 2.2.1 form of a received Connector PATCH body; ``last_updated`` defaults to ``received_at``."""
    return _build(loc221.ConnectorPatch, _stamp(_connector_from_211(_plain(patch)), received_at))


__all__ = [
    "connector_from_211",
    "connector_patch_from_211",
    "connector_patch_to_211",
    "connector_to_211",
    "coordinate_to_211",
    "evse_from_211",
    "evse_patch_from_211",
    "evse_patch_to_211",
    "evse_to_211",
    "location_from_211",
    "location_patch_from_211",
    "location_patch_to_211",
    "location_to_211",
]
