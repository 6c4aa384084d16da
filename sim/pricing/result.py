"""What pricing produces: one cost line per period and dimension, and the CDR totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sim.ocpi.common import OCPIVersion
from sim.pricing.tariff import Component

FOUR_DECIMALS = Decimal("0.0001")
ZERO = Decimal(0)


class Category(StrEnum):
    """Which CDR cost total a line belongs to."""

    ENERGY = "energy"
    TIME = "time"
    PARKING = "parking"
    RESERVATION = "reservation"
    FIXED = "fixed"


@dataclass(frozen=True)
class Money:
    """An amount excluding and including VAT (``incl`` equals ``excl`` where no VAT applies)."""

    excl: Decimal = ZERO
    incl: Decimal = ZERO

    def __add__(self, other: Money) -> Money:
        return Money(self.excl + other.excl, self.incl + other.incl)


@dataclass(frozen=True)
class CostLine:
    """The cost of one dimension in one period (FLAT lines: in the period that incurred them).

    ``volume`` is what was measured (kWh or hours); ``billed`` is what was charged after the
    session-level step rounding, which only the last paid line of a stream carries.  ``component``
    is None when no element priced the dimension (free).
    """

    period: int
    dimension: str
    volume: Decimal
    billed: Decimal
    tariff_id: str | None
    element: int | None
    component: Component | None
    category: Category
    cost: Money
    billed_units: tuple[Decimal, Decimal] | None = None
    """For a step-rounded line: (billed amount in base units — Wh or s —, base units per kWh/h)."""

    @property
    def paid(self) -> bool:
        """Whether a price component applied (even at price 0)."""
        return self.component is not None


def quantize(value: Decimal) -> Decimal:
    """OCPI numbers carry up to four decimals."""
    return value.quantize(FOUR_DECIMALS, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    """The CDR totals of a priced session (exact; ``cdr_fields`` writes them at four decimals)."""

    cost: Money
    cost_before_limits: Money
    energy: Decimal
    time: Decimal
    parking_time: Decimal
    by_category: dict[Category, Money]
    has_vat: bool
    """Whether any applied tariff states VAT; without it ``incl_vat`` is left out (digest §9.5)."""

    def category(self, category: Category) -> Money:
        """The cost total of one category (zero if nothing was charged in it)."""
        return self.by_category.get(category, Money())

    def cdr_fields(self, version: OCPIVersion) -> dict[str, Any]:
        """The totals under the CDR field names of ``version`` (2.1.1: numbers excl. VAT)."""
        if version is OCPIVersion.V2_1_1:
            fields: dict[str, Any] = {"total_cost": quantize(self.cost.excl)}
        else:
            fields = {"total_cost": self._price(self.cost)}
            for name, category in (
                ("total_fixed_cost", Category.FIXED),
                ("total_energy_cost", Category.ENERGY),
                ("total_time_cost", Category.TIME),
                ("total_parking_cost", Category.PARKING),
                ("total_reservation_cost", Category.RESERVATION),
            ):
                if category in self.by_category:
                    fields[name] = self._price(self.by_category[category])
        fields["total_energy"] = quantize(self.energy)
        fields["total_time"] = quantize(self.time)
        fields["total_parking_time"] = quantize(self.parking_time)
        return fields

    def _price(self, money: Money) -> dict[str, Decimal]:
        price = {"excl_vat": quantize(money.excl)}
        if self.has_vat:
            price["incl_vat"] = quantize(money.incl)
        return price


@dataclass(frozen=True)
class PricingResult:
    """Lines in period order (FLAT lines after their period's dimension lines) and the totals."""

    currency: str
    lines: list[CostLine]
    totals: Totals
    notes: list[str]
