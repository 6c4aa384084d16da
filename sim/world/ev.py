"""Electric vehicles: models with a charging curve, and the state of one car's battery.

Charging curve (both AC and DC): the car takes its full power up to a taper point, then the power
falls linearly to ``TAIL_SHARE`` (10 %) of it at 100 % state of charge.  Real curves are bumpier, but
this shape — flat, then a steady decline — is what published DC curves look like to first order,
and what makes "charge to 80 % and go" sensible.  The DC taper starts at 80 % SoC; the on-board AC
charger keeps its (much lower) power longer, to 90 %.

Presets (``EV_PRESETS``), with typical published figures (usable battery, real-world consumption):

- ``compact`` — a small city car (Renault Zoe / Peugeot e-208 class): 40 kWh, 0.15 kWh/km,
  11 kW AC, 50 kW DC; Type 2 and CCS.
- ``suv`` — a family SUV (VW ID.4 / Skoda Enyaq class): 77 kWh, 0.20 kWh/km, 11 kW AC, 135 kW DC;
  Type 2 and CCS.
- ``van`` — a large delivery van (Mercedes eSprinter / Renault Master E-Tech class): 75 kWh,
  0.25 kWh/km, 22 kW AC, 100 kW DC; Type 2 and CCS.

Energy and state of charge are ``Decimal`` so the kWh a car accepts add up exactly to the kWh the
sessions report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from sim.ocpi.v221.locations import Connector
from sim.ocpi.v221.locations_enums import ConnectorType, PowerType

ZERO = Decimal(0)
ONE = Decimal(1)
TAIL_SHARE = Decimal("0.1")
"""Share of the maximum power the car still takes at 100 % SoC."""
DC_TAPER_SOC = Decimal("0.8")
AC_TAPER_SOC = Decimal("0.9")

AC_CONNECTORS = frozenset({ConnectorType.IEC_62196_T2})
CCS_AND_TYPE_2 = frozenset({ConnectorType.IEC_62196_T2, ConnectorType.IEC_62196_T2_COMBO})


@dataclass(frozen=True)
class EVModel:
    """A car model: battery, consumption, charging limits and the plugs it takes."""

    name: str
    battery_kwh: Decimal
    consumption_kwh_per_km: Decimal
    max_ac_kw: Decimal
    max_dc_kw: Decimal
    connectors: frozenset[ConnectorType]
    dc_taper_soc: Decimal = DC_TAPER_SOC
    ac_taper_soc: Decimal = AC_TAPER_SOC

    def compatible(self, connector: ConnectorType | Connector) -> bool:
        """Whether the car can charge from this connector standard (or Connector object)."""
        standard = connector.standard if isinstance(connector, Connector) else connector
        return standard in self.connectors

    def max_power_kw(self, soc: Decimal, dc: bool) -> Decimal:
        """The power the car accepts at state of charge ``soc`` (0..1), on DC or AC (see the module docstring)."""
        peak = self.max_dc_kw if dc else self.max_ac_kw
        taper = self.dc_taper_soc if dc else self.ac_taper_soc
        soc = min(ONE, max(ZERO, soc))
        if soc <= taper:
            return peak
        fall = (soc - taper) / (ONE - taper)
        return peak * (ONE - (ONE - TAIL_SHARE) * fall)

    def charge_seconds(self, soc_from: Decimal, soc_to: Decimal, limit_kw: Decimal, dc: bool) -> float:
        """Estimated seconds to charge from ``soc_from`` to ``soc_to`` on a charger giving at most ``limit_kw``.

        An estimate (a sum over 1 % steps at the power in the middle of each step); sessions
        themselves follow the real power over time.
        """
        return _charge_seconds(self, soc_from, soc_to, limit_kw, dc)

    def _charge_seconds(self, soc_from: Decimal, soc_to: Decimal, limit_kw: Decimal, dc: bool) -> float:
        if soc_to <= soc_from:
            return 0.0
        if limit_kw <= 0:
            return float("inf")
        seconds = 0.0
        battery = float(self.battery_kwh)
        soc = float(soc_from)
        target = float(soc_to)
        limit = float(limit_kw)
        # Below the taper the car takes its peak: ``max_power_kw`` would return ``peak`` itself.  A
        # middle whose float is below the taper's float is below the taper as a Decimal too (the
        # text of a float rounds back to it, and rounding never reverses an order), so only the
        # other steps go through the Decimal curve, exactly as before.
        peak = self.max_dc_kw if dc else self.max_ac_kw
        taper = float(self.dc_taper_soc if dc else self.ac_taper_soc)
        flat_power = min(limit, float(peak))
        while soc < target - 1e-12:
            step = min(0.01, target - soc)
            middle = round(soc + step / 2, 6)
            if 0.0 <= middle < taper:
                power = flat_power
            else:
                power = min(limit, float(self.max_power_kw(Decimal(str(middle)), dc)))
            seconds += battery * step / power * 3600.0
            soc += step
        return seconds


@lru_cache(maxsize=4096)
def _charge_seconds(model: EVModel, soc_from: Decimal, soc_to: Decimal, limit_kw: Decimal, dc: bool) -> float:
    """``EVModel.charge_seconds``, remembered: a driver's search asks it for many chargers of the same power."""
    return model._charge_seconds(soc_from, soc_to, limit_kw, dc)


def _kw(value: str) -> Decimal:
    return Decimal(value)


EV_PRESETS: dict[str, EVModel] = {
    "compact": EVModel("compact", _kw("40"), _kw("0.15"), _kw("11"), _kw("50"), CCS_AND_TYPE_2),
    "suv": EVModel("suv", _kw("77"), _kw("0.20"), _kw("11"), _kw("135"), CCS_AND_TYPE_2),
    "van": EVModel("van", _kw("75"), _kw("0.25"), _kw("22"), _kw("100"), CCS_AND_TYPE_2),
}
"""The models a scenario's ``ev_mix`` may name (see the module docstring)."""


def ev_model(name: str) -> EVModel:
    """A preset by name (``ValueError`` naming the known presets otherwise)."""
    try:
        return EV_PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown EV model {name!r} (known: {', '.join(EV_PRESETS)})") from None


def is_dc(connector: Connector) -> bool:
    """Whether a connector delivers direct current."""
    return connector.power_type is PowerType.DC


@dataclass
class EVState:
    """One car's battery: its model and state of charge (0..1)."""

    model: EVModel
    soc: Decimal = field(default=Decimal("0.5"))

    def __post_init__(self) -> None:
        if not ZERO <= self.soc <= ONE:
            raise ValueError(f"state of charge {self.soc} is not between 0 and 1")

    @property
    def energy_kwh(self) -> Decimal:
        """The energy in the battery."""
        return self.soc * self.model.battery_kwh

    @property
    def room_kwh(self) -> Decimal:
        """The energy the battery can still take."""
        return (ONE - self.soc) * self.model.battery_kwh

    @property
    def range_km(self) -> Decimal:
        """How far the car gets on what is in the battery."""
        return self.energy_kwh / self.model.consumption_kwh_per_km

    def kwh_for_km(self, km: Decimal | float) -> Decimal:
        """Energy used to drive ``km``."""
        return _decimal(km) * self.model.consumption_kwh_per_km

    def kwh_to(self, soc: Decimal) -> Decimal:
        """Energy needed to reach state of charge ``soc`` (0 when already there)."""
        return max(ZERO, (min(ONE, soc) - self.soc) * self.model.battery_kwh)

    def drain_km(self, km: Decimal | float) -> Decimal:
        """Drive ``km``: the battery loses the energy, never below empty; returns the energy used.

        A car that runs flat simply stops at 0 % here: breakdowns are not modelled.
        """
        used = min(self.energy_kwh, self.kwh_for_km(km))
        self.soc = max(ZERO, self.soc - used / self.model.battery_kwh)
        return used

    def add_kwh(self, kwh: Decimal) -> Decimal:
        """Charge ``kwh`` into the battery; returns the energy accepted (never beyond 100 %)."""
        if kwh < 0:
            raise ValueError("energy export is not modelled")
        room = self.room_kwh
        if kwh >= room:
            self.soc = ONE  # exactly full, whatever the rounding of the division below would say
            return room
        self.soc = min(ONE, self.soc + kwh / self.model.battery_kwh)
        return kwh

    @property
    def full(self) -> bool:
        """Whether the battery is at 100 %."""
        return self.soc >= ONE


def _decimal(value: Decimal | float) -> Decimal:
    # Floats (geometry) enter the energy books rounded to metres, through their decimal text, so
    # the same trip always drains exactly the same Decimal amount.
    return value if isinstance(value, Decimal) else Decimal(str(round(value, 3)))


__all__ = [
    "AC_CONNECTORS",
    "CCS_AND_TYPE_2",
    "EV_PRESETS",
    "TAIL_SHARE",
    "EVModel",
    "EVState",
    "ev_model",
    "is_dc",
]
