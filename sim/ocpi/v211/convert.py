"""Conversion between the simulator's OCPI 2.2.1 objects (the domain form) and OCPI 2.1.1 wire objects.

``<thing>_to_211`` turns a 2.2.1 model into the 2.1.1 model sent on a 2.1.1 connection,
``<thing>_from_211`` turns a received 2.1.1 model into the 2.2.1 model the parties keep.  One module
per OCPI module: Locations in ``sim.ocpi.v211.convert_locations``, Tariffs in
``sim.ocpi.v211.convert_tariffs``, Sessions and CDRs in ``sim.ocpi.v211.convert_sessions``, Tokens,
real-time authorization and Commands in ``sim.ocpi.v211.convert_commands``; each lists its lossy
mappings.  This module holds what they share: ``ConversionError``, ``NA`` and the dict helpers.
Every produced object is validated by its model; whatever the target version cannot hold raises
``ConversionError`` (a ``ValueError``) naming the object and field.

Lossy mappings and the choices made for every module (2.2.1 → 2.1.1 unless marked "in"):

* Owner ``country_code``/``party_id`` (Location, Tariff, Session, CDR, Token, CdrToken) are dropped;
  "in" they come from the connection (``country_code``/``party_id``/``token_owner`` arguments).
* EnvironmentalImpact ``category`` ↔ ``source`` (renamed, no loss; Location and Tariff ``energy_mix``).
* Text: 2.1.1 strings are printable ASCII and some are shorter (Location ``address`` 45, ids 36/39, CDR
  id 36): text that does not fit raises; nothing is truncated or transliterated.  DateTimes stay aware
  datetimes; fractional seconds are not written on 2.1.1 wires.
* PATCH "in": a missing ``last_updated`` (optional in 2.1.1) is filled with the ``received_at`` argument.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

NA = "#NA"
"""2.2.1 placeholder for an EVSE uid / connector id that is not known (yet)."""

Data = dict[str, Any]
M = TypeVar("M", bound=BaseModel)


class ConversionError(ValueError):
    """An object or value the target OCPI version cannot express."""


# --- generic helpers (used by every convert_* module) -----------------------------------------------


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


def _energy_mix(old: str, new: str) -> Callable[[Data], Data]:
    """An EnergyMix converter renaming EnvironmentalImpact ``old`` to ``new`` (Locations and Tariffs)."""
    return lambda mix: _map(mix, environ_impact=_each(lambda impact: _rename(impact, {old: new})))


__all__ = ["NA", "ConversionError"]
