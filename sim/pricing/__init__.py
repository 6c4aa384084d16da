"""The tariff engine: exact OCPI pricing of charging periods and CDR totals (money in Decimal).

``parse_tariff`` reads a tariff, ``price_session`` prices periods with it (rules in
``sim.pricing.engine``; ``SessionPricer`` prices a running session again as it grows),
``Totals.cdr_fields`` writes the CDR totals of a version, and ``build_periods`` turns a simulated
``Timeline`` (``sim.pricing.timeline``) into ChargingPeriods split wherever the price could change
(``sim.pricing.periods``, ``sim.pricing.boundaries``).
"""

from sim.pricing.engine import PeriodInput, PricingInputError, SessionPricer, default_tariff, price_session
from sim.pricing.periods import build_periods, periods_to_inputs
from sim.pricing.result import Category, CostLine, Money, PricingResult, Totals
from sim.pricing.tariff import PricingTariff, TariffError, parse_tariff
from sim.pricing.timeline import EventKind, Phase, Segment, TariffChange, Timeline, TimelineError, TimelineEvent

__all__ = [
    "Category",
    "CostLine",
    "EventKind",
    "Money",
    "PeriodInput",
    "Phase",
    "PricingInputError",
    "PricingResult",
    "PricingTariff",
    "Segment",
    "SessionPricer",
    "TariffChange",
    "TariffError",
    "Timeline",
    "TimelineError",
    "TimelineEvent",
    "Totals",
    "build_periods",
    "default_tariff",
    "parse_tariff",
    "periods_to_inputs",
    "price_session",
]
