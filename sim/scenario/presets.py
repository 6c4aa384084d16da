"""Named tariffs for quick scenarios, and the defaults a CPO gets when its scenario says nothing.

Prices are Dutch public-charging prices of the mid-2020s, in EUR excluding VAT, with 21 % VAT (the
Dutch rate) on every component, ``step_size`` 1 (billed by the Wh and the second) unless said:

``ac-standard``
    €0.35/kWh (€0.4235 incl. VAT) — a typical street-side AC price.
``dc-fast``
    €0.59/kWh, and from 45 minutes into the session €0.10 per started minute (``TIME`` and
    ``PARKING_TIME`` at €6.00/h, ``step_size`` 60, restriction ``min_duration`` 2700 s), whether the
    car still charges or only occupies the charger — the blocking fee fast-charging networks use.
``time-of-day``
    €0.45/kWh on weekdays 17:00–21:00 (the grid's evening peak), €0.25/kWh at every other time.
``parking-penalty``
    €0.35/kWh, and €6.00/h (€0.10 per started minute, ``step_size`` 60) for every minute the car
    stays plugged in without charging.  OCPI 2.2.1 cannot express a grace period that starts when
    charging ends, so there is none.
``free``
    €0.00/kWh, no VAT: the connector is free to use (sessions still get a CDR, of zero).

A preset tariff's id is its name in capitals (``AC-STANDARD``) unless the scenario gives ``id``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sim.ocpi.v221.tariffs import Tariff
from sim.scenario.schema import Area, GeneratedLocations, TariffPreset, TariffRef

DEFAULT_AREA = Area(lat=52.3676, lon=4.9041, radius_km=5.0)
"""Central Amsterdam: where locations and drivers are when the scenario places nothing."""

DEFAULT_LOCATION_COUNT = 10
DEFAULT_TARIFFS = (TariffRef(preset=TariffPreset.AC_STANDARD),)
"""What a CPO publishes when its scenario entry has no ``tariffs`` key."""

CURRENCY = "EUR"
VAT = Decimal(21)
_PEAK_DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]


def default_locations(area: Area) -> GeneratedLocations:
    """What a CPO gets when its scenario entry has no ``locations`` key: ten AC sites in ``area``."""
    return GeneratedLocations(count=DEFAULT_LOCATION_COUNT, area=area)


def preset_id(preset: TariffPreset) -> str:
    """The default id of a preset tariff: its name in capitals."""
    return preset.value.upper()


def _component(kind: str, price: str, *, step: int = 1, vat: Decimal = VAT) -> dict[str, Any]:
    return {"type": kind, "price": Decimal(price), "vat": vat, "step_size": step}


def _texts(english: str, dutch: str) -> list[dict[str, str]]:
    return [{"language": "en", "text": english}, {"language": "nl", "text": dutch}]


def _elements(preset: TariffPreset) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    if preset is TariffPreset.AC_STANDARD:
        return [{"price_components": [_component("ENERGY", "0.35")]}], _texts(
            "EUR 0.35 per kWh excl. VAT (EUR 0.4235 incl. 21% VAT)",
            "EUR 0,35 per kWh excl. btw (EUR 0,4235 incl. 21% btw)",
        )
    if preset is TariffPreset.DC_FAST:
        blocking = [_component("TIME", "6.00", step=60), _component("PARKING_TIME", "6.00", step=60)]
        return [
            {"price_components": [_component("ENERGY", "0.59")]},
            {"price_components": blocking, "restrictions": {"min_duration": 2700}},
        ], _texts(
            "EUR 0.59 per kWh; from 45 minutes on EUR 0.10 per minute (excl. 21% VAT)",
            "EUR 0,59 per kWh; vanaf 45 minuten EUR 0,10 per minuut (excl. 21% btw)",
        )
    if preset is TariffPreset.TIME_OF_DAY:
        peak = {"start_time": "17:00", "end_time": "21:00", "day_of_week": _PEAK_DAYS}
        return [
            {"price_components": [_component("ENERGY", "0.45")], "restrictions": peak},
            {"price_components": [_component("ENERGY", "0.25")]},
        ], _texts(
            "EUR 0.45 per kWh on weekdays 17:00-21:00, EUR 0.25 per kWh otherwise (excl. 21% VAT)",
            "EUR 0,45 per kWh op werkdagen 17:00-21:00, anders EUR 0,25 per kWh (excl. 21% btw)",
        )
    if preset is TariffPreset.PARKING_PENALTY:
        return [
            {"price_components": [_component("ENERGY", "0.35")]},
            {"price_components": [_component("PARKING_TIME", "6.00", step=60)]},
        ], _texts(
            "EUR 0.35 per kWh; EUR 0.10 per minute plugged in without charging (excl. 21% VAT)",
            "EUR 0,35 per kWh; EUR 0,10 per minuut aangesloten zonder te laden (excl. 21% btw)",
        )
    return [{"price_components": [_component("ENERGY", "0.00", vat=Decimal(0))]}], _texts(
        "Free charging", "Gratis laden"
    )


def preset_tariff(
    preset: TariffPreset,
    *,
    country_code: str,
    party_id: str,
    last_updated: datetime,
    tariff_id: str | None = None,
) -> Tariff:
    """The OCPI 2.2.1 Tariff of a preset, owned by ``country_code``/``party_id``."""
    elements, texts = _elements(preset)
    return Tariff.model_validate(
        {
            "country_code": country_code,
            "party_id": party_id,
            "id": tariff_id or preset_id(preset),
            "currency": CURRENCY,
            "tariff_alt_text": texts,
            "elements": elements,
            "last_updated": last_updated,
        }
    )
