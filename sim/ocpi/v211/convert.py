"""Conversion between the simulator's OCPI 2.2.1 objects (the domain form) and OCPI 2.1.1 wire objects.

``<thing>_to_211`` turns a 2.2.1 model into the 2.1.1 model sent on a 2.1.1 connection,
``<thing>_from_211`` turns a received 2.1.1 model into the 2.2.1 model the parties keep.  Locations,
Tariffs, Sessions and CDRs live here; Tokens, real-time authorization and Commands live in
``sim.ocpi.v211.convert_commands``.  Every produced object is validated by its model; whatever the
target version cannot hold raises ``ConversionError`` (a ``ValueError``) naming the object and field.

Lossy mappings and the choices made (2.2.1 → 2.1.1 unless marked "in"):

* Owner ``country_code``/``party_id`` (Location, Tariff, Session, CDR, Token, CdrToken) are dropped;
  "in" they come from the connection (``country_code``/``party_id``/``token_owner`` arguments).
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
* EnvironmentalImpact ``category`` ↔ ``source`` (renamed, no loss).
* Enum lists (Capability, Facility): members 2.1.1 does not know are dropped.  Single required values
  without a 2.1.1 equivalent raise: ConnectorType (GBT_*, NEMA_*, CHAOJI, DOMESTIC_M..O, PANTOGRAPH_*),
  PowerType (AC_2_PHASE, AC_2_PHASE_SPLIT).
* Connector: ``max_voltage``/``max_amperage`` ↔ ``voltage``/``amperage``; ``tariff_ids`` → its first
  entry as ``tariff_id`` (others lost; an empty list in a PATCH cannot clear ``tariff_id`` and is left
  out); ``max_electric_power`` dropped; "in" ``tariff_id`` → ``[tariff_id]``.
* Tariff: ``type``, ``min_price``, ``max_price``, ``start_date_time``, ``end_date_time`` and every
  PriceComponent ``vat`` dropped ("in" absent: VAT unknown); elements restricted by ``reservation`` are
  dropped (a tariff left without elements raises); ``min_current``/``max_current`` restrictions are
  dropped, which WIDENS the element (it then applies at any current); an emptied restrictions object is
  left out.  2.2.1 has no Tariff PATCH: ``tariff_patch_from_211`` returns the changed fields as a plain
  dict in 2.2.1 shape and ``apply_tariff_patch`` merges it into the stored Tariff (validated; PATCHed
  elements replace the stored ones and carry no VAT).
* Session: ``start/end_date_time`` ↔ ``start/end_datetime``; ``auth_id`` = ``cdr_token.contract_id``;
  "in" ``cdr_token`` is the ``token`` argument (its contract_id must equal auth_id) or is built as
  RFID with ``uid`` = ``contract_id`` = ``auth_id`` owned by ``token_owner``.  ``authorization_reference``
  dropped.  Status RESERVATION → PENDING.  AuthMethod COMMAND → AUTH_REQUEST (the eMSP authorised it
  through the command; "in" it stays AUTH_REQUEST).  ``total_cost`` → its ``excl_vat`` ("in" a Price
  with only ``excl_vat``).  The embedded 2.1.1 Location is a copy holding only the used EVSE and
  Connector (``#NA`` EVSE → no EVSEs); "in" ``location_id``/``evse_uid``/``connector_id`` are taken from
  it, the first EVSE and its first connector when there are several, ``#NA`` when it has no EVSE.
* ChargingPeriod: dimensions the other version does not know are dropped (2.2.1 CURRENT, ENERGY_EXPORT,
  ENERGY_IMPORT, MAX_POWER, MIN_POWER, POWER, RESERVATION_TIME, STATE_OF_CHARGE; "in" FLAT), a period
  left with none is dropped, ``tariff_id`` is dropped.  PATCH ``charging_periods`` pass through as they
  are: 2.2.1 appends them, 2.1.1 peers may replace — reconciling the two is the caller's job.
* CDR: ``end_date_time`` ↔ ``stop_date_time``; the embedded Location is the given Location reduced to the
  used EVSE/Connector with the CdrLocation snapshot (name, address, city, postal_code, country,
  coordinates, evse_id, connector standard/format/power_type) written over it; ``session_id``,
  ``authorization_reference``, ``signed_data``, the ``total_*_cost`` breakdown, ``invoice_reference_id``,
  ``credit``, ``credit_reference_id``, ``home_charging_compensation`` are dropped (a credit CDR goes out
  as a plain CDR with a negative ``total_cost``); a CDR left without charging periods raises.  "in" the
  CdrLocation is built from the first EVSE/connector, ``evse_id`` ``#NA`` when the EVSE has none; a CDR
  whose Location has no EVSE raises.
* Text: 2.1.1 strings are printable ASCII and some are shorter (Location ``address`` 45, ids 36/39, CDR
  id 36): text that does not fit raises; nothing is truncated or transliterated.  DateTimes stay aware
  datetimes; fractional seconds are not written on 2.1.1 wires.
* PATCH "in": a missing ``last_updated`` (optional in 2.1.1) is filled with the ``received_at`` argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sim.ocpi.common import case_fold
from sim.ocpi.v211 import cdrs as cdr211
from sim.ocpi.v211 import locations as loc211
from sim.ocpi.v211 import sessions as ses211
from sim.ocpi.v211 import tariffs as tar211
from sim.ocpi.v221 import cdrs as cdr221
from sim.ocpi.v221 import locations as loc221
from sim.ocpi.v221 import sessions as ses221
from sim.ocpi.v221 import tariffs as tar221

NA = "#NA"
"""2.2.1 placeholder for an EVSE uid / connector id that is not known (yet)."""

Data = dict[str, Any]
M = TypeVar("M", bound=BaseModel)


class ConversionError(ValueError):
    """An object or value the target OCPI version cannot express."""


# --- generic helpers (also used by convert_commands) ------------------------------------------------


def _plain(value: Any) -> Any:
    """A model as nested dicts of its set fields (enums as their values, datetimes kept as datetimes)."""
    if isinstance(value, BaseModel):
        return {name: _plain(item) for name, item in value if item is not None}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value


def _build(model: type[M], data: Data) -> M:
    """Validate ``data`` into ``model``; a validation failure becomes a ConversionError saying why."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        version = "2.1.1" if ".v211." in model.__module__ else "2.2.1"
        ident = next((data[k] for k in ("id", "uid", "location_id", "session_id") if isinstance(data.get(k), str)), "")
        name = f"{model.__name__} {ident!r}" if ident else model.__name__
        details = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'object'}: {err['msg']}" for err in exc.errors())
        raise ConversionError(f"cannot express {name} in OCPI {version}: {details}") from exc


def _drop(data: Data, *keys: str) -> Data:
    return {k: v for k, v in data.items() if k not in keys}


def _rename(data: Data, names: Mapping[str, str]) -> Data:
    return {names.get(k, k): v for k, v in data.items()}


def _map(data: Data, **convert: Callable[[Any], Any]) -> Data:
    """``data`` with ``convert[key]`` applied to each present key that has a converter."""
    return {k: convert[k](v) if k in convert else v for k, v in data.items()}


def _each(convert: Callable[[Any], Any]) -> Callable[[list[Any]], list[Any]]:
    return lambda items: [convert(item) for item in items]


def _stamp(data: Data, received_at: datetime) -> Data:
    """Fill a missing ``last_updated`` (optional in 2.1.1 PATCHes, required in 2.2.1) with ``received_at``."""
    data.setdefault("last_updated", received_at)
    return data


def _known(values: list[str], enum: type[Enum]) -> list[str]:
    allowed = {member.value for member in enum}
    return [value for value in values if value in allowed]


def _require(value: str, enum: type[Enum], what: str) -> str:
    if value not in {member.value for member in enum}:
        raise ConversionError(f"{what} {value} does not exist in OCPI 2.1.1 and has no equivalent there")
    return value


# --- Locations --------------------------------------------------------------------------------------

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


def _energy_mix(old: str, new: str) -> Callable[[Data], Data]:
    return lambda mix: _map(mix, environ_impact=_each(lambda impact: _rename(impact, {old: new})))


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
        _require(connector["standard"], loc211.ConnectorType, f"{what} ConnectorType")
    if "power_type" in connector:
        _require(connector["power_type"], loc211.PowerType, f"{what} PowerType")
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
        capabilities=lambda caps: _known(caps, loc211.Capability),
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
        facilities=lambda facilities: _known(facilities, loc211.Facility),
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


def _reduced_location(
    location: loc221.Location, location_id: str | None, evse_uid: str | None, connector_id: str | None
) -> Data:
    """The Location as a 2.2.1 dict holding only the used EVSE/Connector (None: keep all, ``#NA``: none)."""
    if location_id is not None and case_fold(location_id) != case_fold(location.id):
        raise ConversionError(f"the object refers to Location {location_id!r} but Location {location.id!r} was given")
    data: Data = _plain(location)
    if evse_uid == NA:
        data.pop("evses", None)
    elif evse_uid is not None:
        evse = next((e for e in data.get("evses", []) if case_fold(e["uid"]) == case_fold(evse_uid)), None)
        if evse is None:
            raise ConversionError(f"Location {location.id!r} has no EVSE {evse_uid!r}")
        if connector_id not in (None, NA):
            used = [c for c in evse["connectors"] if case_fold(c["id"]) == case_fold(connector_id)]
            if not used:
                raise ConversionError(
                    f"EVSE {evse_uid!r} of Location {location.id!r} has no connector {connector_id!r}"
                )
            evse["connectors"] = used[:1]
        data["evses"] = [evse]
    return data


def _used_ids(location: Data) -> Data:
    """``location_id``/``evse_uid``/``connector_id`` of an embedded 2.1.1 Location (first EVSE/connector)."""
    evses = location.get("evses") or []
    if not evses:
        return {"location_id": location["id"], "evse_uid": NA, "connector_id": NA}
    return {"location_id": location["id"], "evse_uid": evses[0]["uid"], "connector_id": evses[0]["connectors"][0]["id"]}


# --- Tariffs ----------------------------------------------------------------------------------------


def _element_to_211(element: Data) -> Data | None:
    restrictions = element.get("restrictions")
    if restrictions is not None and "reservation" in restrictions:
        return None
    out: Data = {"price_components": [_drop(c, "vat") for c in element["price_components"]]}
    kept = _drop(restrictions or {}, "min_current", "max_current")
    if kept:
        out["restrictions"] = kept
    return out


def _tariff_to_211(tariff: Data) -> Data:
    elements = [e for e in map(_element_to_211, tariff["elements"]) if e is not None]
    if not elements:
        raise ConversionError(f"Tariff {tariff['id']!r} only prices reservations, which OCPI 2.1.1 cannot express")
    out = _drop(
        tariff, "country_code", "party_id", "type", "min_price", "max_price", "start_date_time", "end_date_time"
    )
    return _map({**out, "elements": elements}, energy_mix=_energy_mix("category", "source"))


def _tariff_from_211(tariff: Data) -> Data:
    return _map(tariff, energy_mix=_energy_mix("source", "category"))


def tariff_to_211(tariff: tar221.Tariff) -> tar211.Tariff:
    """The 2.1.1 form of a Tariff (see the module docstring for what is dropped)."""
    return _build(tar211.Tariff, _tariff_to_211(_plain(tariff)))


def tariff_from_211(tariff: tar211.Tariff, *, country_code: str, party_id: str) -> tar221.Tariff:
    """The 2.2.1 form of a received Tariff, owned by the connection's CPO."""
    return _build(
        tar221.Tariff, {"country_code": country_code, "party_id": party_id, **_tariff_from_211(_plain(tariff))}
    )


def tariff_patch_from_211(patch: tar211.TariffPatch, *, received_at: datetime) -> dict[str, Any]:
    """The changed fields of a received 2.1.1 Tariff PATCH, as plain 2.2.1-shaped values.

    2.2.1 has no Tariff PATCH, so the result is a dict keyed by ``Tariff`` field names (nested objects
    as dicts, ``last_updated`` defaulting to ``received_at``) for ``apply_tariff_patch``.
    """
    return _stamp(_tariff_from_211(_plain(patch)), received_at)


def apply_tariff_patch(stored: tar221.Tariff, changes: Mapping[str, Any]) -> tar221.Tariff:
    """A new, validated Tariff: ``stored`` with ``changes`` (from ``tariff_patch_from_211``) merged in."""
    return _build(tar221.Tariff, {**_plain(stored), **changes})


# --- Sessions and CDRs ------------------------------------------------------------------------------

_AUTH_METHOD_TO_211 = {"COMMAND": "AUTH_REQUEST"}
_SESSION_ONLY_221 = (
    "country_code", "party_id", "cdr_token", "authorization_reference", "location_id", "evse_uid", "connector_id",
)  # fmt: skip


def _periods(periods: list[Data], dimension_types: type[Enum]) -> list[Data]:
    """Charging periods with only the dimensions of the target version; periods left empty are dropped."""
    out = []
    for period in periods:
        dimensions = [d for d in period["dimensions"] if d["type"] in {m.value for m in dimension_types}]
        if dimensions:
            out.append({"start_date_time": period["start_date_time"], "dimensions": dimensions})
    return out


def _cdr_token(auth_id: str, token: cdr221.CdrToken | None, token_owner: tuple[str, str] | None, what: str) -> Data:
    if token is not None:
        if case_fold(token.contract_id) != case_fold(auth_id):
            raise ConversionError(f"{what}: auth_id {auth_id!r} does not match token contract_id {token.contract_id!r}")
        copied: Data = _plain(token)
        return copied
    if token_owner is None:
        raise ConversionError(f"{what}: building cdr_token for auth_id {auth_id!r} needs token or token_owner")
    country_code, party_id = token_owner
    return {"country_code": country_code, "party_id": party_id, "uid": auth_id, "type": "RFID", "contract_id": auth_id}


def _session_to_211(session: Data) -> Data:
    out = _rename(
        _drop(session, *_SESSION_ONLY_221), {"start_date_time": "start_datetime", "end_date_time": "end_datetime"}
    )
    if "cdr_token" in session:
        out["auth_id"] = session["cdr_token"]["contract_id"]
    return _map(
        out,
        auth_method=lambda method: _AUTH_METHOD_TO_211.get(method, method),
        charging_periods=lambda periods: _periods(periods, cdr211.CdrDimensionType),
        total_cost=lambda price: price["excl_vat"],
        status=lambda status: "PENDING" if status == "RESERVATION" else status,
    )


def _session_from_211(session: Data) -> Data:
    out = _rename(
        _drop(session, "auth_id", "location"), {"start_datetime": "start_date_time", "end_datetime": "end_date_time"}
    )
    if "location" in session:
        out.update(_used_ids(session["location"]))
    return _map(
        out,
        charging_periods=lambda periods: _periods(periods, cdr221.CdrDimensionType),
        total_cost=lambda cost: {"excl_vat": cost},
    )


def session_to_211(session: ses221.Session, *, location: loc221.Location) -> ses211.Session:
    """The 2.1.1 form of a Session, embedding ``location`` reduced to the used EVSE and Connector."""
    data = _session_to_211(_plain(session))
    reduced = _reduced_location(location, session.location_id, session.evse_uid, session.connector_id)
    data["location"] = _location_to_211(reduced, full=True)
    return _build(ses211.Session, data)


def session_from_211(
    session: ses211.Session,
    *,
    country_code: str,
    party_id: str,
    token_owner: tuple[str, str] | None = None,
    token: cdr221.CdrToken | None = None,
) -> ses221.Session:
    """The 2.2.1 form of a received Session; ``cdr_token`` is ``token`` or built from ``auth_id``.

    One of ``token`` (the CdrToken whose contract_id is the ``auth_id``) or ``token_owner``
    (``(country_code, party_id)`` of the eMSP owning the token) must be given.
    """
    data = _session_from_211(_plain(session))
    data["cdr_token"] = _cdr_token(session.auth_id, token, token_owner, f"Session {session.id!r}")
    return _build(ses221.Session, {"country_code": country_code, "party_id": party_id, **data})


def session_patch_to_211(patch: ses221.SessionPatch, *, location: loc221.Location | None = None) -> ses211.SessionPatch:
    """The 2.1.1 form of a Session PATCH body.

    A PATCH that changes ``location_id``, ``evse_uid`` or ``connector_id`` needs ``location``: 2.1.1
    embeds the Location, reduced to the EVSE/Connector the PATCH names.
    """
    data = _session_to_211(_plain(patch))
    if patch.location_id is not None or patch.evse_uid is not None or patch.connector_id is not None:
        if location is None:
            raise ConversionError(
                "a Session PATCH changing location_id/evse_uid/connector_id needs the Location: 2.1.1 embeds it"
            )
        data["location"] = _location_to_211(
            _reduced_location(location, patch.location_id, patch.evse_uid, patch.connector_id), full=True
        )
    return _build(ses211.SessionPatch, data)


def session_patch_from_211(
    patch: ses211.SessionPatch,
    *,
    received_at: datetime,
    token_owner: tuple[str, str] | None = None,
    token: cdr221.CdrToken | None = None,
) -> ses221.SessionPatch:
    """The 2.2.1 form of a received Session PATCH body; ``last_updated`` defaults to ``received_at``.

    ``token``/``token_owner`` are needed only when the PATCH carries ``auth_id``.
    """
    data = _session_from_211(_plain(patch))
    if patch.auth_id is not None:
        data["cdr_token"] = _cdr_token(patch.auth_id, token, token_owner, "Session PATCH")
    return _build(ses221.SessionPatch, _stamp(data, received_at))


_CDR_ONLY_221 = (
    "country_code", "party_id", "session_id", "cdr_token", "authorization_reference", "cdr_location", "signed_data",
    "total_fixed_cost", "total_energy_cost", "total_time_cost", "total_parking_cost", "total_reservation_cost",
    "invoice_reference_id", "credit", "credit_reference_id", "home_charging_compensation",
)  # fmt: skip
_SNAPSHOT_FIELDS = ("name", "address", "city", "postal_code", "country", "coordinates")


def cdr_to_211(cdr: cdr221.CDR, *, location: loc221.Location) -> cdr211.CDR:
    """The 2.1.1 form of a CDR, embedding ``location`` reduced to the used EVSE/Connector plus the snapshot."""
    data = _plain(cdr)
    snap = data["cdr_location"]
    loc = _reduced_location(location, snap["id"], snap["evse_uid"], snap["connector_id"])
    loc = {k: v for k, v in loc.items() if k not in _SNAPSHOT_FIELDS} | {
        k: snap[k] for k in _SNAPSHOT_FIELDS if k in snap
    }
    for evse in loc.get("evses", []):
        if snap["evse_id"] != NA:
            evse["evse_id"] = snap["evse_id"]
        for connector in evse["connectors"]:
            connector.update(
                standard=snap["connector_standard"],
                format=snap["connector_format"],
                power_type=snap["connector_power_type"],
            )
    out = _map(
        _rename(_drop(data, *_CDR_ONLY_221), {"end_date_time": "stop_date_time"}),
        auth_method=lambda method: _AUTH_METHOD_TO_211.get(method, method),
        tariffs=_each(_tariff_to_211),
        charging_periods=lambda periods: _periods(periods, cdr211.CdrDimensionType),
        total_cost=lambda price: price["excl_vat"],
    )
    if not out["charging_periods"]:
        raise ConversionError(f"CDR {cdr.id!r} has no charging period with a dimension OCPI 2.1.1 knows")
    out |= {"auth_id": cdr.cdr_token.contract_id, "location": _location_to_211(loc, full=True)}
    return _build(cdr211.CDR, out)


def cdr_from_211(
    cdr: cdr211.CDR,
    *,
    country_code: str,
    party_id: str,
    token_owner: tuple[str, str] | None = None,
    token: cdr221.CdrToken | None = None,
) -> cdr221.CDR:
    """The 2.2.1 form of a received CDR: CdrLocation from the embedded Location, Prices with only ``excl_vat``.

    ``token``/``token_owner`` work as in ``session_from_211``; embedded tariffs get the CDR's owner.
    """
    data = _plain(cdr)
    loc = data["location"]
    if not loc.get("evses"):
        raise ConversionError(
            f"CDR {cdr.id!r}: its Location {loc['id']!r} names no EVSE, so no CdrLocation can be built"
        )
    evse, connector = loc["evses"][0], loc["evses"][0]["connectors"][0]
    cdr_location = {k: loc[k] for k in ("id", *_SNAPSHOT_FIELDS) if loc.get(k) not in (None, "")} | {
        "evse_uid": evse["uid"],
        "evse_id": evse.get("evse_id", NA),
        "connector_id": connector["id"],
        "connector_standard": connector["standard"],
        "connector_format": connector["format"],
        "connector_power_type": connector["power_type"],
    }
    owner = {"country_code": country_code, "party_id": party_id}
    out = _map(
        _rename(_drop(data, "auth_id", "location"), {"stop_date_time": "end_date_time"}),
        tariffs=_each(lambda tariff: owner | _tariff_from_211(tariff)),
        charging_periods=lambda periods: _periods(periods, cdr221.CdrDimensionType),
        total_cost=lambda cost: {"excl_vat": cost},
    )
    if not out["charging_periods"]:
        raise ConversionError(f"CDR {cdr.id!r} has no charging period with a dimension OCPI 2.2.1 knows")
    out |= {"cdr_token": _cdr_token(cdr.auth_id, token, token_owner, f"CDR {cdr.id!r}"), "cdr_location": cdr_location}
    return _build(cdr221.CDR, owner | out)


__all__ = [
    "NA",
    "ConversionError",
    "apply_tariff_patch",
    "cdr_from_211",
    "cdr_to_211",
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
    "session_from_211",
    "session_patch_from_211",
    "session_patch_to_211",
    "session_to_211",
    "tariff_from_211",
    "tariff_patch_from_211",
    "tariff_to_211",
]
