"""Conversion of Tariffs (and 2.1.1 Tariff PATCHes) between OCPI 2.2.1 and OCPI 2.1.1.

Companion of ``sim.ocpi.v211.convert`` (same naming, same ``ConversionError``).  Lossy mappings
(2.2.1 → 2.1.1 unless marked "in"):

* Tariff: ``type``, ``min_price``, ``max_price``, ``start_date_time``, ``end_date_time`` and every
  PriceComponent ``vat`` dropped ("in" absent: VAT unknown); elements restricted by ``reservation`` are
  dropped (a tariff left without elements raises); ``min_current``/``max_current`` restrictions are
  dropped, which WIDENS the element (it then applies at any current); an emptied restrictions object is
  left out.  2.2.1 has no Tariff PATCH: ``tariff_patch_from_211`` returns the changed fields as a plain
  dict in 2.2.1 shape and ``apply_tariff_patch`` merges it into the stored Tariff (validated; PATCHed
  elements replace the stored ones and carry no VAT).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sim.ocpi.v211 import tariffs as tar211
from sim.ocpi.v211.convert import ConversionError, Data, _build, _drop, _energy_mix, _map, _plain, _stamp
from sim.ocpi.v221 import tariffs as tar221


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


__all__ = ["apply_tariff_patch", "tariff_from_211", "tariff_patch_from_211", "tariff_to_211"]
