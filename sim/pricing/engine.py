"""The tariff engine: tariffs + charging periods → cost lines and CDR totals, exactly, in Decimal.

Rules (SPEC-DIGEST §9; choices on the spec's open points are marked *reading*):

1. **Volumes are priced.**  Each period's ENERGY (kWh), TIME (charging hours), PARKING_TIME and
   RESERVATION_TIME (hours) volumes are what is charged; period timestamps only place the period in
   time for restrictions.  ``total_time`` is end − start of the session.
2. **One component per dimension and period**: the first element, in list order, that has a
   component of that dimension and whose restrictions all hold at the period start (local time of
   the location).  No such element: the dimension is free in that period.  Elements with a
   ``reservation`` restriction price only reservation time (TIME component → RESERVATION_TIME
   volume) and reservation FLAT fees; other elements never price a reservation.  *Reading*: a
   reservation with no later charging period has expired, so RESERVATION_EXPIRES elements apply.
3. **FLAT once**: each distinct FLAT component is billed once per session, in the first period
   where it is the selected FLAT component.  *Reading* (digest §9.3).  A FLAT in an element whose
   other components are all PARKING_TIME counts as parking cost (digest §9.6), one in a reservation
   element as reservation cost, any other — such as a start fee beside energy and parking prices —
   as fixed cost.
4. **step_size once per session on totals** (2.2.1 rules; *reading*: the same for 2.1.1): ENERGY
   rounded up with the step of the last paid ENERGY line; of TIME and PARKING_TIME only the stream
   of the last paid time-based line is rounded, with its step; reservation time is its own stream.
   The base is the total paid volume of that stream (digest S3), and the extra goes to its last
   paid line.
5. **Money**: line cost = billed volume × price (FLAT: the price); incl. VAT = × (1 + vat/100) per
   component, and equal to excl. when the component has no VAT.  The totals are summed excl. and
   incl. separately, then clamped by ``min_price``/``max_price`` excl. and incl. independently.
   *Reading*: with periods on several tariffs, the limits of the tariff of the last priced period
   apply.  Breakdown fields are not clamped.  No rounding to cents anywhere (the spec leaves money
   rounding to contracts); ``Totals.cdr_fields`` writes four decimals.
6. **2.1.1**: no VAT (incl. = excl.), no price limits, no reservations; FLAT dimensions in 2.1.1
   periods are ignored (FLAT is priced from the tariff).
7. **Which tariff**: a period's ``tariff_id`` names it (unknown id → ``PricingInputError``); without
   one, the only tariff, else the first whose validity window covers the period start, preferring
   an untyped or REGULAR tariff.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.ocpi.common import OCPIVersion
from sim.pricing.restrictions import PeriodState, restrictions_hold
from sim.pricing.result import ZERO, Category, CostLine, Money, PricingResult, Totals
from sim.pricing.tariff import Component, Dimension, Element, PricingTariff, ReservationKind

HUNDRED = Decimal(100)
SECONDS_PER_HOUR = Decimal(3600)


class PricingInputError(ValueError):
    """The periods cannot be priced with the given tariffs (e.g. an unknown ``tariff_id``)."""


@dataclass(frozen=True)
class PeriodInput:
    """One charging period as pricing reads it (volumes of this period only)."""

    start: datetime
    energy: Decimal = ZERO
    time: Decimal = ZERO
    parking: Decimal = ZERO
    reservation: Decimal = ZERO
    power_kw: Decimal | None = None
    current_a: Decimal | None = None
    tariff_id: str | None = None

    @classmethod
    def from_ocpi(cls, period: Mapping[str, Any], start: datetime) -> PeriodInput:
        """Read an OCPI ChargingPeriod dict (either version; numbers as Decimal or int)."""
        volumes: dict[str, Decimal] = {}
        for dimension in period.get("dimensions") or []:
            kind, volume = dimension.get("type"), dimension.get("volume")
            if isinstance(kind, str) and isinstance(volume, (int, Decimal)) and not isinstance(volume, bool):
                volumes[kind] = volumes.get(kind, ZERO) + Decimal(volume)
        energy = volumes.get("ENERGY", volumes.get("ENERGY_IMPORT", ZERO))
        time = volumes.get("TIME", ZERO)
        tariff_id = period.get("tariff_id")
        return cls(
            start=start,
            energy=energy,
            time=time,
            parking=volumes.get("PARKING_TIME", ZERO),
            reservation=volumes.get("RESERVATION_TIME", ZERO),
            power_kw=_power(volumes, energy, time),
            current_a=_momentary(volumes, "CURRENT", "MIN_CURRENT", "MAX_CURRENT"),
            tariff_id=tariff_id if isinstance(tariff_id, str) else None,
        )

    @property
    def is_reservation(self) -> bool:
        """A period of a reservation (only reservation time in it)."""
        return self.reservation > 0 and not (self.energy or self.time or self.parking)


def _power(volumes: Mapping[str, Decimal], energy: Decimal, time: Decimal) -> Decimal | None:
    """Reported power (which may be 0 on a throttled charger), else the period's average."""
    reported = _momentary(volumes, "POWER", "MIN_POWER", "MAX_POWER")
    if reported is not None:
        return reported
    return energy / time if time > 0 and energy > 0 else None


def _momentary(volumes: Mapping[str, Decimal], average: str, low: str, high: str) -> Decimal | None:
    if average in volumes:
        return volumes[average]
    if low in volumes and high in volumes:
        return (volumes[low] + volumes[high]) / 2
    return volumes.get(high, volumes.get(low))


@dataclass(frozen=True)
class _Choice:
    tariff: PricingTariff
    element: Element
    component: Component


def price_session(
    tariffs: Sequence[PricingTariff],
    periods: Sequence[PeriodInput],
    *,
    session_start: datetime,
    session_end: datetime | None,
    time_zone: str,
    version: OCPIVersion = OCPIVersion.V2_2_1,
    reservation_expired: bool | None = None,
) -> PricingResult:
    """Price a session (see the module docstring for every rule)."""
    pricer = SessionPricer(tariffs, session_start=session_start, time_zone=time_zone, version=version)
    return pricer.price(periods, session_end=session_end, reservation_expired=reservation_expired)


class SessionPricer:
    """``price_session`` for one session, priced again and again as its periods grow (a running
    session's updates): when the periods priced last time come back at the front — the same objects,
    in time order, with the same reservation reading — they keep the cost lines they got (rules 2 and
    3 look only at a period and those before it); anything else is priced from scratch.  Steps,
    totals and limits (rules 4 and 5) are worked out again on every call, from sums kept as the lines
    were added, in the order a sum over all lines adds them (so the Decimals are the same).
    """

    def __init__(
        self,
        tariffs: Sequence[PricingTariff],
        *,
        session_start: datetime,
        time_zone: str,
        version: OCPIVersion = OCPIVersion.V2_2_1,
    ) -> None:
        if not tariffs:
            raise PricingInputError("no tariff to price with")
        try:
            self.zone = ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise PricingInputError(f"unknown time zone {time_zone!r}") from None
        self.tariffs = tariffs
        # All arithmetic on instants happens in UTC: aware datetimes sharing one zone compare and
        # subtract by wall clock in Python, which is wrong across a DST change.
        self.session_start = session_start.astimezone(UTC)
        self.version = version
        self._forget()

    def _forget(self) -> None:
        """Drop what was kept from the last call."""
        self._priced: list[PeriodInput] = []
        """The periods priced so far, in time order (UTC starts)."""
        self._expired: bool | None = None
        self._lines: list[CostLine] = []
        self._costed: list[CostLine] = []
        """``_costed`` of each of ``_lines`` as it is (a step-rounded line is costed afresh each time)."""
        self._billed_flat: set[tuple[str, int, int]] = set()
        self._used: list[PricingTariff] = []
        # Running sums over the periods and lines so far, each added in time or line order.
        self._energy_before = ZERO
        self._parking = ZERO
        self._timed = ZERO
        """TIME + PARKING_TIME of each period, summed."""
        self._streams: dict[str, tuple[int, Decimal]] = {}
        """Dimension → the index of its last paid line and the volumes of its paid lines, summed (rule 4)."""
        self._sums: dict[Category, tuple[Decimal, Decimal]] = {}
        """Category (in order of first appearance) → the costs excl. and incl. VAT of its ``_costed`` lines."""
        self._sum_before: list[tuple[Decimal, Decimal]] = []
        """For each line: ``_sums`` of its category over the lines before it."""
        self._of_category: dict[Category, list[int]] = {}
        """Category → the indexes of its lines."""
        self._last_tariff_id: str | None = None
        """The ``tariff_id`` of the last line that has one (whose tariff's price limits apply)."""

    def price(
        self,
        periods: Sequence[PeriodInput],
        *,
        session_end: datetime | None,
        reservation_expired: bool | None = None,
    ) -> PricingResult:
        """Price the session with these periods (see the module docstring for every rule)."""
        session_end = session_end.astimezone(UTC) if session_end is not None else None
        periods = [p if p.start.tzinfo is UTC else replace(p, start=p.start.astimezone(UTC)) for p in periods]
        # Time order, equal starts in the given order (a stable sort): the given order itself when the
        # starts never decrease, as in a running session.
        in_order = all(a.start <= b.start for a, b in pairwise(periods))
        ordered = periods if in_order else sorted(periods, key=lambda period: period.start)
        expired = reservation_expired
        if expired is None:
            expired = any(p.is_reservation for p in periods) and not any(not p.is_reservation for p in periods)
        kept = len(self._priced)
        same_front = kept <= len(periods) and all(a is b for a, b in zip(periods, self._priced, strict=False))
        if not (in_order and expired == self._expired and same_front):
            self._forget()
            kept = 0
        try:
            for position in range(kept, len(ordered)):
                self._add(position, ordered[position], expired)
        except PricingInputError:
            self._forget()
            raise
        result = self._result(session_end)
        if in_order:
            self._expired = expired
        else:  # nothing to build on next time
            self._forget()
        return result

    def _add(self, position: int, period: PeriodInput, expired: bool) -> None:
        """The cost lines of the next period in time order (rules 2 and 3)."""
        tariff = _tariff_for(self.tariffs, period)
        if tariff not in self._used:
            self._used.append(tariff)
        state = PeriodState(
            local_start=period.start.astimezone(self.zone),
            duration_s=Decimal(str((period.start - self.session_start).total_seconds())),
            energy_before_kwh=self._energy_before,
            power_kw=period.power_kw,
            current_a=period.current_a,
            reservation=period.is_reservation,
            reservation_expired=expired,
        )
        for dimension, volume, component_kind, category in (
            ("ENERGY", period.energy, Dimension.ENERGY, Category.ENERGY),
            ("TIME", period.time, Dimension.TIME, Category.TIME),
            ("PARKING_TIME", period.parking, Dimension.PARKING_TIME, Category.PARKING),
            ("RESERVATION_TIME", period.reservation, Dimension.TIME, Category.RESERVATION),
        ):
            if volume <= 0 or (dimension == "RESERVATION_TIME") != state.reservation:
                continue
            choice = _choose(tariff, component_kind, state)
            self._append(_line(position, dimension, volume, choice, category))
        flat = _choose(tariff, Dimension.FLAT, state)
        if flat is not None:
            key = (flat.tariff.id, flat.element.index, flat.element.components.index(flat.component))
            if key not in self._billed_flat:
                self._billed_flat.add(key)
                self._append(_line(position, "FLAT", Decimal(1), flat, _flat_category(flat.element)))
        self._energy_before += period.energy
        self._parking += period.parking
        self._timed += period.time + period.parking
        self._priced.append(period)

    def _append(self, line: CostLine) -> None:
        """Keep a new line, its cost, and the sums of its step stream (rule 4) and its category."""
        index = len(self._lines)
        costed = _costed(line, self.version)
        self._lines.append(line)
        self._costed.append(costed)
        if line.paid and line.dimension in _STREAM_UNITS:
            before = self._streams.get(line.dimension)
            self._streams[line.dimension] = (index, (before[1] if before else ZERO) + line.volume)
        category = line.category
        excl, incl = self._sums.get(category, (ZERO, ZERO))
        self._sum_before.append((excl, incl))
        self._sums[category] = (excl + costed.cost.excl, incl + costed.cost.incl)
        self._of_category.setdefault(category, []).append(index)
        if line.tariff_id is not None:
            self._last_tariff_id = line.tariff_id

    def _result(self, session_end: datetime | None) -> PricingResult:
        """Steps, money and totals over all lines (rules 4 and 5)."""
        lines = list(self._costed)
        sums = dict(self._sums)
        # Each stream's rounding changes one line of one category (each stream is a dimension of its
        # own category): that category's sum is added up again from the line on.
        for index, line in _apply_steps(self._lines, self._streams):
            lines[index] = costed = _costed(line, self.version)
            excl, incl = self._sum_before[index]
            excl, incl = excl + costed.cost.excl, incl + costed.cost.incl
            same = self._of_category[costed.category]
            for later in same[bisect_right(same, index) :]:
                cost = self._costed[later].cost
                excl, incl = excl + cost.excl, incl + cost.incl
            sums[costed.category] = (excl, incl)
        used = list(self._used)
        totals = self._totals(sums, used, session_end)
        currency = used[0].currency if used else self.tariffs[0].currency
        notes = []
        if len({t.currency for t in used}) > 1:
            notes.append("periods are priced in tariffs of different currencies")
        return PricingResult(currency=currency, lines=lines, totals=totals, notes=notes)

    def _totals(
        self, sums: dict[Category, tuple[Decimal, Decimal]], used: list[PricingTariff], session_end: datetime | None
    ) -> Totals:
        """The totals from the category sums of the lines (rule 5) and the periods' volumes."""
        by_category = {category: Money(excl, incl) for category, (excl, incl) in sums.items()}
        before = Money(sum((excl for excl, _ in sums.values()), ZERO), sum((incl for _, incl in sums.values()), ZERO))
        cost = before
        version = self.version
        if version is OCPIVersion.V2_2_1 and used:
            limits = _limits_tariff(self._last_tariff_id, used)
            cost = Money(
                _clamp(before.excl, limits.min_price.excl_vat if limits.min_price else None,
                       limits.max_price.excl_vat if limits.max_price else None),
                _clamp(before.incl, limits.min_price.incl_vat if limits.min_price else None,
                       limits.max_price.incl_vat if limits.max_price else None),
            )  # fmt: skip
        if session_end is not None:
            time = Decimal(str((session_end - self.session_start).total_seconds())) / SECONDS_PER_HOUR
        else:
            time = self._timed
        return Totals(
            cost=cost,
            cost_before_limits=before,
            energy=self._energy_before,
            time=time,
            parking_time=self._parking,
            by_category=by_category,
            has_vat=version is OCPIVersion.V2_2_1 and any(t.has_vat_information for t in used),
        )


def _tariff_for(tariffs: Sequence[PricingTariff], period: PeriodInput) -> PricingTariff:
    if period.tariff_id is not None:
        for tariff in tariffs:
            if tariff.id.casefold() == period.tariff_id.casefold():
                return tariff
        known = ", ".join(t.id for t in tariffs)
        raise PricingInputError(f"period at {period.start.isoformat()} names unknown tariff_id {period.tariff_id!r} "
                                f"(tariffs given: {known})")  # fmt: skip
    chosen = default_tariff(tariffs, period.start)
    if chosen is None:
        raise PricingInputError(f"no tariff is valid at {period.start.isoformat()}")
    return chosen


def default_tariff(tariffs: Sequence[PricingTariff], moment: datetime) -> PricingTariff | None:
    """Rule 7 without a ``tariff_id``: the only tariff, else the first valid at ``moment``
    (untyped or REGULAR preferred); None when none is valid."""
    if len(tariffs) == 1:
        return tariffs[0]
    valid = [t for t in tariffs if t.valid_at(moment)]
    preferred = [t for t in valid if t.type in (None, "REGULAR")]
    chosen = preferred or valid
    return chosen[0] if chosen else None


def _choose(tariff: PricingTariff, dimension: Dimension, state: PeriodState) -> _Choice | None:
    # The elements with a component of the dimension, in order, each with its first one of it.
    candidates: Sequence[tuple[Element, Component]] = tariff.pricing[dimension]
    if dimension is Dimension.TIME and state.reservation and state.reservation_expired:
        # 2.2.1: when both reservation kinds carry TIME, the RESERVATION_EXPIRES one is used.
        candidates = sorted(
            candidates, key=lambda pair: pair[0].restrictions.reservation is not ReservationKind.RESERVATION_EXPIRES
        )
    for element, component in candidates:
        if restrictions_hold(element.restrictions, state):
            return _Choice(tariff, element, component)
    return None


def _flat_category(element: Element) -> Category:
    if element.restrictions.reservation is not None:
        return Category.RESERVATION
    others = [c.dimension for c in element.components if c.dimension is not Dimension.FLAT]
    if others and all(d is Dimension.PARKING_TIME for d in others):
        return Category.PARKING  # a fee that belongs to parking
    return Category.FIXED  # e.g. a start fee next to energy and parking prices


def _line(period: int, dimension: str, volume: Decimal, choice: _Choice | None, category: Category) -> CostLine:
    return CostLine(
        period=period,
        dimension=dimension,
        volume=volume,
        billed=volume,
        tariff_id=choice.tariff.id if choice else None,
        element=choice.element.index if choice else None,
        component=choice.component if choice else None,
        category=category,
        cost=Money(),
    )


_STREAM_UNITS = {"ENERGY": Decimal(1000), "TIME": SECONDS_PER_HOUR, "PARKING_TIME": SECONDS_PER_HOUR,
                 "RESERVATION_TIME": SECONDS_PER_HOUR}  # fmt: skip
"""The dimensions rule 4 rounds, with their base units per volume unit (Wh per kWh, s per h)."""


def _apply_steps(lines: list[CostLine], streams: Mapping[str, tuple[int, Decimal]]) -> list[tuple[int, CostLine]]:
    """Round each stream's paid total up once, with its last paid step, onto its last paid line: the
    lines that change, with their indexes.  ``streams``: per dimension, the index of its last paid
    line and its paid volumes summed in line order.  TIME and PARKING_TIME form one stream, of which
    only the dimension the session's paid time ends with is rounded."""
    time, parking = streams.get("TIME"), streams.get("PARKING_TIME")
    final = time if parking is None or (time is not None and time[0] > parking[0]) else parking
    rounded: list[tuple[int, CostLine]] = []
    for stream, unit in (
        (streams.get("ENERGY"), _STREAM_UNITS["ENERGY"]),  # step in Wh, volume in kWh
        (final, SECONDS_PER_HOUR),
        (streams.get("RESERVATION_TIME"), SECONDS_PER_HOUR),
    ):
        if stream is not None:
            line = _round_stream(lines[stream[0]], stream[1], unit=unit)
            if line is not None:
                rounded.append((stream[0], line))
    return rounded


def _round_stream(last: CostLine, volume: Decimal, *, unit: Decimal) -> CostLine | None:
    """The stream's last paid line billed for the stream's paid ``volume`` rounded up (None: no change)."""
    step = last.component.step_size if last.component else 0
    if step <= 0:
        return None
    total = volume * unit
    rounded = Decimal(math.ceil(total / step) * step)
    if rounded > total:
        # Kept in base units (Wh, s) so that, e.g., 1200 s at €3/h costs exactly 1.00.
        billed_units = last.volume * unit + (rounded - total)
        return _changed(last, billed=billed_units / unit, billed_units=(billed_units, unit))
    return None


def _changed(
    line: CostLine,
    *,
    billed: Decimal | None = None,
    billed_units: tuple[Decimal, Decimal] | None = None,
    cost: Money | None = None,
) -> CostLine:
    """``dataclasses.replace`` of these fields, without its field-by-field introspection (it runs for
    every line on every price call)."""
    return CostLine(
        period=line.period,
        dimension=line.dimension,
        volume=line.volume,
        billed=line.billed if billed is None else billed,
        tariff_id=line.tariff_id,
        element=line.element,
        component=line.component,
        category=line.category,
        cost=line.cost if cost is None else cost,
        billed_units=line.billed_units if billed_units is None else billed_units,
    )


def _costed(line: CostLine, version: OCPIVersion) -> CostLine:
    component = line.component
    if component is None:
        return line
    if line.dimension == "FLAT":
        excl = component.price
    elif line.billed_units is not None:
        units, per = line.billed_units
        excl = units * component.price / per
    else:
        excl = line.billed * component.price
    vat = component.vat if version is OCPIVersion.V2_2_1 else None
    incl = excl if vat is None else excl * (1 + vat / HUNDRED)
    return _changed(line, cost=Money(excl, incl))


def _limits_tariff(last_tariff_id: str | None, used: list[PricingTariff]) -> PricingTariff:
    """The tariff of the last priced line (rule 5), given its id."""
    if last_tariff_id is not None:
        return next((t for t in used if t.id == last_tariff_id), used[-1])
    return used[-1]


def _clamp(value: Decimal, low: Decimal | None, high: Decimal | None) -> Decimal:
    if low is not None and value < low:
        value = low
    if high is not None and value > high:
        value = high
    return value
