"""A tariff in plain words, and what a simple session would cost under it (the GUI's tariff view).

``describe_tariff`` writes one line per tariff element — its price components with their step
sizes, the conditions under which the element applies (its restrictions, AND-ed) and the VAT — and
then lines for the price limits, the validity dates and the tariff type, e.g.::

    €0.45/kWh (billed per 100 Wh) on weekdays 17:00–21:00, VAT 21 %
    €0.25/kWh (billed per 100 Wh) otherwise, VAT 21 %

"otherwise" marks an unrestricted element that only applies where no earlier element prices the
same dimension (the engine's per-dimension first-match rule, SPEC-DIGEST §9.2).

``preview_session`` prices a session sketched by a few numbers — start, energy, charging time,
parking time, optionally a constant power — by building its timeline and charging periods the way a
simulated session does (``sim.pricing.periods``) and pricing them with ``price_session``, the engine
behind ``roamsim price``.  Amounts stay Decimal throughout; ``preview_rows`` formats the result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

from sim.ocpi.common import OCPIModel, OCPIVersion
from sim.ocpi.wirejson import loads
from sim.pricing.engine import PeriodInput, price_session
from sim.pricing.metering import MICROS
from sim.pricing.periods import build_periods, periods_to_inputs
from sim.pricing.result import Category, PricingResult, quantize
from sim.pricing.tariff import (
    Component,
    Dimension,
    Element,
    Limit,
    PricingTariff,
    ReservationKind,
    Restrictions,
    parse_tariff,
)
from sim.pricing.timeline import Phase, Segment, Timeline

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WORKDAYS = frozenset({1, 2, 3, 4, 5})
WEEKEND = frozenset({6, 7})
TYPE_WORDS = {
    "AD_HOC_PAYMENT": "for ad-hoc payment at the charger",
    "PROFILE_CHEAP": "for drivers who chose the cheap charging preference",
    "PROFILE_FAST": "for drivers who chose the fast charging preference",
    "PROFILE_GREEN": "for drivers who chose the green charging preference",
    "REGULAR": "for regular sessions (no charging preference, or REGULAR)",
}
ZERO = Decimal(0)


# --- numbers and units ---------------------------------------------------------------------------


def amount(value: Decimal) -> str:
    """A money amount with at least two decimals and no more than it has (``2.00``, ``0.4545``)."""
    text = format(value.normalize(), "f")
    if "." not in text or len(text.split(".")[1]) < 2:
        text = format(value.quantize(Decimal("0.01")), "f")
    return text


def money(value: Decimal, currency: str) -> str:
    """``€0.25``, ``£2.00``; currencies without a symbol as ``0.25 SEK``."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{amount(value)}" if symbol else f"{amount(value)} {currency}"


def number(value: Decimal) -> str:
    """A number without trailing zeros (``21``, ``5.2``, ``16``)."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"


def duration(seconds: int) -> str:
    """``2 h``, ``30 min``, ``1 h 30 min``, ``45 s``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} h" if hours else "", f"{minutes} min" if minutes else "", f"{secs} s" if secs else ""]
    return " ".join(p for p in parts if p) or "0 s"


def _step(component: Component) -> str:
    step = component.step_size
    if step <= 1 or component.dimension is Dimension.FLAT:
        return ""
    if component.dimension is Dimension.ENERGY:
        return f"billed per {step // 1000} kWh" if step % 1000 == 0 else f"billed per {step} Wh"
    if step == 60:
        return "billed per minute"
    if step == 3600:
        return "billed per hour"
    return f"billed per {duration(step)}"


# --- describing ----------------------------------------------------------------------------------


def as_pricing_tariff(tariff: PricingTariff | OCPIModel | Mapping[str, Any], version: OCPIVersion) -> PricingTariff:
    """The engine's view of a tariff given as itself, a wire model or a JSON dict (``TariffError``)."""
    if isinstance(tariff, PricingTariff):
        return tariff
    document = loads(tariff.to_json()) if isinstance(tariff, OCPIModel) else dict(tariff)
    return parse_tariff(document, version)


def describe_tariff(
    tariff: PricingTariff | OCPIModel | Mapping[str, Any], version: OCPIVersion = OCPIVersion.V2_2_1
) -> list[str]:
    """One line per element, then price limits, validity dates and type (see the module docstring)."""
    priced = as_pricing_tariff(tariff, version)
    elements = priced.elements
    if len(elements) == 1 and _unrestricted(elements[0]) and all(c.price == 0 for c in elements[0].components):
        lines = ["Free of charge"]
    else:
        lines = [_element_line(element, elements[:index], priced.currency) for index, element in enumerate(elements)]
    lines += _limit_lines(priced)
    if priced.type is not None:
        lines.append(f"Type {priced.type}: {TYPE_WORDS.get(priced.type, 'for some sessions only')}")
    return lines


def _unrestricted(element: Element) -> bool:
    return element.restrictions == type(element.restrictions)()


def _element_line(element: Element, before: tuple[Element, ...], currency: str) -> str:
    components = element.components
    vats = {c.vat for c in components}
    shared_vat = len(vats) == 1
    reservation = element.restrictions.reservation
    parts = []
    # Priced components first: "€0.53/kWh + free charging time" reads better than the other way round.
    for component in sorted(components, key=lambda c: c.price == 0):
        notes = [_step(component)] if component.price != 0 else []
        if not shared_vat:
            notes.append("no VAT" if component.vat is None else f"VAT {number(component.vat)} %")
        text = _component(component, currency, reservation is not None)
        notes = [n for n in notes if n]
        parts.append(f"{text} ({', '.join(notes)})" if notes else text)
    line = " + ".join(parts)
    conditions = _conditions(element)
    if not conditions and _is_fallback(element, before):
        conditions = ["otherwise"]
    if conditions:
        line += " " + ", ".join(conditions)
    vat = next(iter(vats))
    if shared_vat and vat is not None:
        line += f", VAT {number(vat)} %"
    return line


def _component(component: Component, currency: str, reserved: bool) -> str:
    price = money(component.price, currency)
    free = component.price == 0
    match component.dimension:
        case Dimension.ENERGY:
            return "free energy" if free else f"{price}/kWh"
        case Dimension.TIME if reserved:
            return "free reserved time" if free else f"{price}/h while reserved"
        case Dimension.TIME:
            return "free charging time" if free else f"{price}/h charging time"
        case Dimension.PARKING_TIME:
            return "free parking" if free else f"{price}/h parking"
        case _:  # FLAT
            if free:
                return "no session fee"
            return f"{price} per reservation" if reserved else f"{price} per session"


def _is_fallback(element: Element, before: tuple[Element, ...]) -> bool:
    """An unrestricted element after an element (not a reservation one) pricing one of its dimensions."""
    mine = {c.dimension for c in element.components}
    return any(c.dimension in mine for e in before if e.restrictions.reservation is None for c in e.components)


def _conditions(element: Element) -> list[str]:
    r = element.restrictions
    calendar = " ".join(p for p in (_days(r.day_of_week), _window(r.start_time, r.end_time), _dates(r)) if p)
    return [
        p
        for p in (
            calendar,
            _range(r.min_kwh, r.max_kwh, "after the first {} kWh", "for the first {} kWh", "from {} kWh up to {} kWh"),
            _range(r.min_current, r.max_current, "at {} A or more", "below {} A", "at {} A or more but below {} A"),
            _range(r.min_power, r.max_power, "at {} kW or more", "below {} kW", "at {} kW or more but below {} kW"),
            _durations(r.min_duration, r.max_duration),
            "if the reservation expires unused" if r.reservation is ReservationKind.RESERVATION_EXPIRES else "",
        )
        if p
    ]


def _range(low: Decimal | None, high: Decimal | None, only_low: str, only_high: str, both: str) -> str:
    low = low or None  # a lower bound of 0 restricts nothing
    if low is not None and high is not None:
        return both.format(number(low), number(high))
    if low is not None:
        return only_low.format(number(low))
    if high is not None:
        return only_high.format(number(high))
    return ""


def _durations(low: int | None, high: int | None) -> str:
    low = low or None
    if low is not None and high is not None:
        return f"from {duration(low)} until {duration(high)} into the session"
    if low is not None:
        return f"after {duration(low)}"
    if high is not None:
        return f"during the first {duration(high)}"
    return ""


def _days(days: frozenset[int] | None) -> str:
    if not days:
        return ""
    if days == WORKDAYS:
        return "on weekdays"
    if days == WEEKEND:
        return "at weekends"
    if len(days) == 7:
        return "every day"
    ordered = sorted(days)
    if len(ordered) >= 3 and ordered[-1] - ordered[0] == len(ordered) - 1:
        return f"{DAY_NAMES[ordered[0] - 1]} to {DAY_NAMES[ordered[-1] - 1]}"
    names = [f"{DAY_NAMES[d - 1]}s" for d in ordered]
    return "on " + (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])


def _window(start: time | None, end: time | None) -> str:
    def hhmm(moment: time) -> str:
        return moment.strftime("%H:%M")

    if start is not None and end is not None:
        if end == time(0):
            return f"{hhmm(start)}–midnight"
        overnight = " (overnight)" if end < start else ""
        return f"{hhmm(start)}–{hhmm(end)}{overnight}"
    if start is not None:
        return f"from {hhmm(start)}"
    if end is not None:
        return "until midnight" if end == time(0) else f"until {hhmm(end)}"
    return ""


def _dates(r: Restrictions) -> str:
    start, end = r.start_date, r.end_date  # end is exclusive: the last day is the one before
    last = (end - timedelta(days=1)).isoformat() if end is not None else None
    if start is not None and last is not None:
        return f"between {start.isoformat()} and {last}"
    if start is not None:
        return f"from {start.isoformat()}"
    return f"until {last}" if last is not None else ""


def _limit_lines(tariff: PricingTariff) -> list[str]:
    def price(limit: Limit) -> str:
        text = f"{money(limit.excl_vat, tariff.currency)} excl. VAT"
        if limit.incl_vat is not None:
            text += f" ({money(limit.incl_vat, tariff.currency)} incl. VAT)"
        return text

    def moment(value: datetime) -> str:
        return value.strftime("%Y-%m-%d %H:%M:%S UTC" if value.second else "%Y-%m-%d %H:%M UTC")

    lines = []
    if tariff.min_price is not None:
        lines.append(f"Minimum price {price(tariff.min_price)}")
    if tariff.max_price is not None:
        lines.append(f"Maximum price {price(tariff.max_price)}")
    start, end = tariff.start_date_time, tariff.end_date_time
    if start is not None and end is not None:
        lines.append(f"Valid from {moment(start)} until {moment(end)}")
    elif start is not None:
        lines.append(f"Valid from {moment(start)}")
    elif end is not None:
        lines.append(f"Valid until {moment(end)}")
    return lines


# --- previewing a session ------------------------------------------------------------------------


class PreviewError(ValueError):
    """The sketched session is impossible (the message says why, in one line)."""


@dataclass(frozen=True)
class SessionSketch:
    """A session described by a few numbers: plug-in at ``start``, charge, then park.

    Without ``power_kw`` the energy flows evenly over the charging time.  With it, energy flows at
    that power until ``energy_kwh`` is reached and the rest of the charging time draws nothing
    (the vehicle still requests power, so it counts as charging time, not parking).
    """

    start: datetime
    energy_kwh: Decimal
    charging: timedelta
    parking: timedelta = timedelta(0)
    power_kw: Decimal | None = None


@dataclass(frozen=True)
class Preview:
    """The priced sketch: the engine's result and the periods it priced (``CostLine.period`` indexes them)."""

    result: PricingResult
    periods: list[PeriodInput]
    time_zone: str


def _charging_segments(sketch: SessionSketch, plug_in: datetime, end: datetime) -> list[Segment]:
    seconds = Decimal((end - plug_in) // timedelta(microseconds=1)).scaleb(-6)
    kws = sketch.energy_kwh * 3600
    with localcontext() as ctx:  # round the power up so the meter never reads less than the energy asked
        ctx.prec, ctx.rounding = 40, ROUND_CEILING
        if sketch.power_kw is None:
            return [Segment(plug_in, end, Phase.CHARGING, kws / seconds)]
        if sketch.power_kw <= 0:
            raise PreviewError("the power must be more than 0 kW")
        needed = (kws / sketch.power_kw * MICROS).to_integral_value()
    full = plug_in + timedelta(microseconds=int(needed))
    if full > end:
        raise PreviewError(
            f"{number(sketch.energy_kwh)} kWh at {number(sketch.power_kw)} kW takes "
            f"{duration(int((needed / MICROS).to_integral_value(rounding=ROUND_CEILING)))}, "
            "longer than the charging time"
        )
    segments = [Segment(plug_in, full, Phase.CHARGING, sketch.power_kw)] if full > plug_in else []
    if full < end:
        segments.append(Segment(full, end, Phase.CHARGING, ZERO))
    return segments


def preview_session(
    tariff: PricingTariff, sketch: SessionSketch, *, time_zone: str, version: OCPIVersion = OCPIVersion.V2_2_1
) -> Preview:
    """Price the sketched session with ``tariff`` (``PreviewError`` if it cannot happen)."""
    if sketch.start.tzinfo is None:
        raise PreviewError("the start time needs a time zone")
    if sketch.energy_kwh < 0 or sketch.charging < timedelta(0) or sketch.parking < timedelta(0):
        raise PreviewError("energy and durations cannot be negative")
    if sketch.charging == timedelta(0) and sketch.energy_kwh > 0:
        raise PreviewError("energy needs some charging time")
    plug_in = sketch.start
    charged = plug_in + sketch.charging
    segments = _charging_segments(sketch, plug_in, charged) if sketch.charging else []
    if sketch.parking:
        segments.append(Segment(charged, charged + sketch.parking, Phase.PARKING))
    if not segments:
        raise PreviewError("the session needs some charging or parking time")
    timeline = Timeline(session_start=plug_in, segments=tuple(segments), time_zone=time_zone, tariffs=(tariff,))
    inputs = periods_to_inputs(build_periods(timeline))
    result = price_session(
        [tariff], inputs, session_start=plug_in, session_end=timeline.end, time_zone=time_zone, version=version
    )
    return Preview(result, inputs, time_zone)


UNITS = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "RESERVATION_TIME": "h"}
CATEGORY_LABELS = (
    (Category.FIXED, "fixed"),
    (Category.ENERGY, "energy"),
    (Category.TIME, "charging time"),
    (Category.PARKING, "parking"),
    (Category.RESERVATION, "reservation"),
)


def four(value: Decimal) -> str:
    """An amount or volume at OCPI's four decimals."""
    return format(quantize(value), "f")


def preview_rows(preview: Preview) -> list[tuple[str, ...]]:
    """One row per cost line: period start (local weekday and time), dimension, volume, billed, unit price,
    VAT %, cost excl. and incl. VAT."""
    zone = ZoneInfo(preview.time_zone)
    rows: list[tuple[str, ...]] = []
    for line in preview.result.lines:
        start = preview.periods[line.period].start.astimezone(zone).strftime("%a %H:%M:%S")
        unit = UNITS.get(line.dimension, "")
        flat = line.dimension == "FLAT"
        component = line.component
        rows.append(
            (
                start,
                line.dimension,
                "" if flat else f"{four(line.volume)} {unit}",
                "" if flat else f"{four(line.billed)} {unit}",
                "free" if component is None else four(component.price),
                "" if component is None or component.vat is None else number(component.vat),
                four(line.cost.excl),
                four(line.cost.incl),
            )
        )
    return rows


def total_rows(preview: Preview) -> list[tuple[str, str, str]]:
    """(label, excl. VAT, incl. VAT) per cost category charged, then the total (and before limits if clamped)."""
    totals = preview.result.totals
    rows = [
        (label, four(totals.category(c).excl), four(totals.category(c).incl))
        for c, label in CATEGORY_LABELS
        if c in totals.by_category
    ]
    if totals.cost != totals.cost_before_limits:
        before = totals.cost_before_limits
        rows.append(("total before price limits", four(before.excl), four(before.incl)))
    rows.append(("total", four(totals.cost.excl), four(totals.cost.incl)))
    return rows


__all__ = [
    "Preview",
    "PreviewError",
    "SessionSketch",
    "amount",
    "as_pricing_tariff",
    "describe_tariff",
    "duration",
    "four",
    "money",
    "number",
    "preview_rows",
    "preview_session",
    "total_rows",
]
