"""The tariff engine: exact OCPI pricing of charging periods and CDR totals (money in Decimal).

``parse_tariff`` reads a tariff, ``price_session`` prices periods with it (rules in
``sim.pricing.engine``), ``Totals.cdr_fields`` writes the CDR totals of a version.
"""

from sim.pricing.engine import PeriodInput, PricingInputError, price_session
from sim.pricing.result import Category, CostLine, Money, PricingResult, Totals
from sim.pricing.tariff import PricingTariff, TariffError, parse_tariff

__all__ = [
    "Category",
    "CostLine",
    "Money",
    "PeriodInput",
    "PricingInputError",
    "PricingResult",
    "PricingTariff",
    "TariffError",
    "Totals",
    "parse_tariff",
    "price_session",
]
