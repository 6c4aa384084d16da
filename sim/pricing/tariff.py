"""Tariffs as the pricing engine reads them, from OCPI 2.1.1 or 2.2.1 JSON.

Pricing needs only part of a Tariff (elements, price components, restrictions, price limits,
validity) and must accept tariffs that are not complete wire objects — a tariff embedded in a
partial CDR, or one without owner fields — so it is parsed here leniently in what it ignores and
strictly in what it uses.  A tariff that cannot be priced raises ``TariffError`` naming the path:
no elements, an unknown dimension, a negative VAT or step size, a price that is not a number, a
restriction time that is not ``HH:MM``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from sim.ocpi.common import OCPIVersion, parse_datetime


class TariffError(ValueError):
    """The tariff cannot be priced; the message names the JSON path and the reason."""


class Dimension(StrEnum):
    """What a price component charges for."""

    ENERGY = "ENERGY"
    FLAT = "FLAT"
    PARKING_TIME = "PARKING_TIME"
    TIME = "TIME"


class ReservationKind(StrEnum):
    """2.2.1 ``reservation`` restriction values."""

    RESERVATION = "RESERVATION"
    RESERVATION_EXPIRES = "RESERVATION_EXPIRES"


WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")


@dataclass(frozen=True)
class Component:
    """One price component: price excl. VAT per unit, VAT percentage (None: no VAT), step size."""

    dimension: Dimension
    price: Decimal
    vat: Decimal | None
    step_size: int


@dataclass(frozen=True)
class Restrictions:
    """The restrictions of an element; every field None means "no restriction"."""

    start_time: time | None = None
    end_time: time | None = None
    end_time_is_midnight: bool = False
    start_date: date | None = None
    end_date: date | None = None
    min_kwh: Decimal | None = None
    max_kwh: Decimal | None = None
    min_current: Decimal | None = None
    max_current: Decimal | None = None
    min_power: Decimal | None = None
    max_power: Decimal | None = None
    min_duration: int | None = None
    max_duration: int | None = None
    day_of_week: frozenset[int] | None = None
    """ISO weekdays 1 (Monday) … 7 (Sunday)."""
    reservation: ReservationKind | None = None


@dataclass(frozen=True)
class Element:
    """A tariff element: its components and restrictions, and its position for reports."""

    index: int
    components: tuple[Component, ...]
    restrictions: Restrictions


@dataclass(frozen=True)
class Limit:
    """``min_price`` / ``max_price`` (2.2.1): excl. VAT, and incl. VAT when given."""

    excl_vat: Decimal
    incl_vat: Decimal | None


@dataclass(frozen=True)
class PricingTariff:
    """Everything pricing uses of one tariff."""

    id: str
    currency: str
    elements: tuple[Element, ...]
    type: str | None = None
    min_price: Limit | None = None
    max_price: Limit | None = None
    start_date_time: datetime | None = None
    end_date_time: datetime | None = None

    # The cached properties below are worked out once per tariff: every field is immutable (frozen
    # dataclasses and tuples all the way down), so they can never be stale.  ``cached_property`` keeps
    # them in the instance ``__dict__``, outside the dataclass fields (equality, hash, repr unchanged).

    @cached_property
    def has_vat_information(self) -> bool:
        """Whether any component states a VAT percentage."""
        return any(c.vat is not None for e in self.elements for c in e.components)

    @cached_property
    def pricing(self) -> dict[Dimension, tuple[tuple[Element, Component], ...]]:
        """For each dimension, the elements with a component of it, in order, each with its first such
        component (the candidates of rule 2 in ``sim.pricing.engine``)."""
        found: dict[Dimension, list[tuple[Element, Component]]] = {dimension: [] for dimension in Dimension}
        for element in self.elements:
            for dimension in Dimension:
                component = next((c for c in element.components if c.dimension is dimension), None)
                if component is not None:
                    found[dimension].append((element, component))
        return {dimension: tuple(pairs) for dimension, pairs in found.items()}

    def valid_at(self, moment: datetime) -> bool:
        """Whether the tariff's validity window (if any) covers ``moment``."""
        if self.start_date_time is not None and moment < self.start_date_time:
            return False
        return not (self.end_date_time is not None and moment >= self.end_date_time)


_HHMM = re.compile(r"([0-1][0-9]|2[0-3]):([0-5][0-9])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_tariff(document: Any, version: OCPIVersion = OCPIVersion.V2_2_1, *, path: str = "") -> PricingTariff:
    """Read a tariff JSON object (numbers as Decimal) for pricing; ``TariffError`` says what is wrong.

    2.1.1 tariffs have no VAT and no price limits: any ``vat``, ``min_price`` or ``max_price`` in a
    2.1.1 document is ignored, as a 2.1.1 receiver would.
    """
    reader = _Reader(path)
    if not isinstance(document, dict):
        raise reader.error("", "a tariff must be a JSON object")
    tariff_id = reader.text(document, "id", required=True)
    currency = reader.text(document, "currency", required=True)
    elements = document.get("elements")
    if not isinstance(elements, list) or not elements:
        raise reader.error("elements", "a tariff needs at least one element")
    is_221 = version is OCPIVersion.V2_2_1
    parsed = tuple(reader.element(element, index, is_221) for index, element in enumerate(elements))
    return PricingTariff(
        id=tariff_id or "",
        currency=currency or "",
        elements=parsed,
        type=reader.text(document, "type") if is_221 else None,
        min_price=reader.limit(document, "min_price") if is_221 else None,
        max_price=reader.limit(document, "max_price") if is_221 else None,
        start_date_time=reader.moment(document, "start_date_time") if is_221 else None,
        end_date_time=reader.moment(document, "end_date_time") if is_221 else None,
    )


class _Reader:
    """Typed access to JSON values with errors that name the path."""

    def __init__(self, root: str) -> None:
        self.root = root

    def error(self, where: str, reason: str) -> TariffError:
        path = ".".join(p for p in (self.root, where) if p)
        return TariffError(f"{path or 'tariff'}: {reason}")

    def text(self, obj: dict[str, Any], key: str, *, required: bool = False, where: str = "") -> str | None:
        value = obj.get(key)
        if value is None:
            if required:
                raise self.error(_join(where, key), "required field missing")
            return None
        if not isinstance(value, str):
            raise self.error(_join(where, key), f"must be a string, got {value!r}")
        return value

    def number(self, obj: dict[str, Any], key: str, where: str, *, required: bool = False) -> Decimal | None:
        value = obj.get(key)
        if value is None:
            if required:
                raise self.error(_join(where, key), "required field missing")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, float)):
            raise self.error(_join(where, key), f"must be a number, got {value!r}")
        return value if isinstance(value, Decimal) else Decimal(str(value))

    def integer(self, obj: dict[str, Any], key: str, where: str) -> int | None:
        number = self.number(obj, key, where)
        if number is None:
            return None
        if number != number.to_integral_value():
            raise self.error(_join(where, key), f"must be a whole number, got {number}")
        return int(number)

    def moment(self, obj: dict[str, Any], key: str) -> datetime | None:
        text = self.text(obj, key)
        if text is None:
            return None
        try:
            return parse_datetime(text)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def limit(self, obj: dict[str, Any], key: str) -> Limit | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, "must be a Price object")
        excl = self.number(value, "excl_vat", key, required=True)
        assert excl is not None
        return Limit(excl, self.number(value, "incl_vat", key))

    def element(self, element: Any, index: int, is_221: bool) -> Element:
        where = f"elements[{index}]"
        if not isinstance(element, dict):
            raise self.error(where, "must be an object")
        components = element.get("price_components")
        if not isinstance(components, list) or not components:
            raise self.error(f"{where}.price_components", "an element needs at least one price component")
        parsed = tuple(self.component(c, f"{where}.price_components[{i}]", is_221) for i, c in enumerate(components))
        restrictions = self.restrictions(element.get("restrictions"), f"{where}.restrictions", is_221)
        if restrictions.reservation is not None:
            wrong = [c.dimension.value for c in parsed if c.dimension not in (Dimension.FLAT, Dimension.TIME)]
            if wrong:
                raise self.error(where, f"a reservation element may only price FLAT and TIME, not {', '.join(wrong)}")
        return Element(index, parsed, restrictions)

    def component(self, component: Any, where: str, is_221: bool) -> Component:
        if not isinstance(component, dict):
            raise self.error(where, "must be an object")
        kind = self.text(component, "type", required=True, where=where)
        try:
            dimension = Dimension(kind or "")
        except ValueError:
            known = ", ".join(d.value for d in Dimension)
            raise self.error(f"{where}.type", f"unknown dimension {kind!r} (known: {known})") from None
        price = self.number(component, "price", where, required=True)
        vat = self.number(component, "vat", where) if is_221 else None
        if vat is not None and vat < 0:
            raise self.error(f"{where}.vat", f"VAT must not be negative, got {vat}")
        step = self.integer(component, "step_size", where)
        if step is not None and step < 0:
            raise self.error(f"{where}.step_size", f"step_size must not be negative, got {step}")
        assert price is not None
        return Component(dimension, price, vat, step or 0)

    def restrictions(self, value: Any, where: str, is_221: bool) -> Restrictions:
        if value is None:
            return Restrictions()
        if not isinstance(value, dict):
            raise self.error(where, "must be an object")
        start_time, _ = self.clock(value, "start_time", where)
        end_time, end_midnight = self.clock(value, "end_time", where)
        days = value.get("day_of_week")
        day_set = None
        if days is not None:
            if not isinstance(days, list) or any(d not in WEEKDAYS for d in days):
                raise self.error(f"{where}.day_of_week", f"must list weekday names, got {days!r}")
            day_set = frozenset(WEEKDAYS.index(d) + 1 for d in days)
        reservation = self.text(value, "reservation", where=where) if is_221 else None
        try:
            kind = ReservationKind(reservation) if reservation else None
        except ValueError:
            raise self.error(f"{where}.reservation", f"unknown reservation kind {reservation!r}") from None
        return Restrictions(
            start_time=start_time,
            end_time=end_time,
            end_time_is_midnight=end_midnight,
            start_date=self.day(value, "start_date", where),
            end_date=self.day(value, "end_date", where),
            min_kwh=self.number(value, "min_kwh", where),
            max_kwh=self.number(value, "max_kwh", where),
            min_current=self.number(value, "min_current", where) if is_221 else None,
            max_current=self.number(value, "max_current", where) if is_221 else None,
            min_power=self.number(value, "min_power", where),
            max_power=self.number(value, "max_power", where),
            min_duration=self.integer(value, "min_duration", where),
            max_duration=self.integer(value, "max_duration", where),
            day_of_week=day_set,
            reservation=kind,
        )

    def clock(self, obj: dict[str, Any], key: str, where: str) -> tuple[time | None, bool]:
        text = self.text(obj, key, where=where)
        if text is None:
            return None, False
        match = _HHMM.fullmatch(text)
        if match is None:
            raise self.error(_join(where, key), f"{text!r} is not a time HH:MM")
        return time(int(match.group(1)), int(match.group(2))), text == "00:00"

    def day(self, obj: dict[str, Any], key: str, where: str) -> date | None:
        text = self.text(obj, key, where=where)
        if text is None:
            return None
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            raise self.error(_join(where, key), f"{text!r} is not a date YYYY-MM-DD") from None


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key
