"""Conversion of Sessions (and their PATCHes) and CDRs between OCPI 2.2.1 and OCPI 2.1.1.

Companion of ``sim.ocpi.v211.convert`` (same naming, same ``ConversionError``).  2.1.1 Sessions and
CDRs embed a Location (converted as in ``sim.ocpi.v211.convert_locations``); CDRs embed Tariffs
(``sim.ocpi.v211.convert_tariffs``).  Lossy mappings (2.2.1 → 2.1.1 unless marked "in"):

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
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sim.ocpi.common import case_fold
from sim.ocpi.v211 import cdrs as cdr211
from sim.ocpi.v211 import sessions as ses211
from sim.ocpi.v211.convert import (
    NA,
    ConversionError,
    Data,
    _build,
    _drop,
    _each,
    _map,
    _plain,
    _rename,
    _stamp,
)
from sim.ocpi.v211.convert_locations import _location_to_211
from sim.ocpi.v211.convert_tariffs import _tariff_from_211, _tariff_to_211
from sim.ocpi.v221 import cdrs as cdr221
from sim.ocpi.v221 import locations as loc221
from sim.ocpi.v221 import sessions as ses221

_AUTH_METHOD_TO_211 = {"COMMAND": "AUTH_REQUEST"}
_SESSION_ONLY_221 = (
    "country_code", "party_id", "cdr_token", "authorization_reference", "location_id", "evse_uid", "connector_id",
)  # fmt: skip


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
    "cdr_from_211",
    "cdr_to_211",
    "session_from_211",
    "session_patch_from_211",
    "session_patch_to_211",
    "session_to_211",
]
