"""The charging process of one session: power over time, energy into the car, updates and the CDR.

A ``Charging`` starts when the CPO's session exists and runs as a SimPy process until it is stopped
(unplug, STOP_SESSION, UNLOCK_CONNECTOR, a failure).  It keeps a piecewise-constant timeline
(``sim.pricing.Segment``s) from the session's ``start_date_time``:

* **Power** is recomputed at the start of every step and held for it:
  ``min(connector, car at its SoC on AC or DC, charging profile, simulation cap)`` — the connector's
  ``max_electric_power`` (else volts × amperes × phases), ``EVModel.max_power_kw``, the CPO's
  ``chargingprofiles.session_limit_kw`` and the World's smart-charging hook — floored to whole
  watts (a charger meters in W).  A step ends after ``sample_s`` (60 s), when the car's SoC reaches
  its taper point (the curve changes slope there), at a session update instant, or when the car is
  full; ``recompute`` ends it at once (e.g. a new profile).
* **Energy** is kept exactly (kW·s) and read like a Wh meter register, as the period builder reads
  it (``sim.pricing.periods``).  The car receives the register's increments (``EVState.add_kwh`` of
  whole Wh), so the energy in the car and the session's kWh are the same number, always.
* **Full**: the car takes no more when less than 1 Wh of room is left; the step that fills it ends
  at the first millisecond the register reaches the room (floored to Wh).  CHARGING → PARKING then
  (no power; the session goes on, parking time is billed as the tariff says).  A car's state of
  charge therefore ends within 1 Wh of 100 %.
* **Updates**: every ``update_interval_s`` from the start the session is PATCHed with the periods
  that started since the previous update, the energy so far and the running cost.  Periods are built
  from the timeline so far with every update instant forced as a boundary (and price thresholds
  from all the session's tariffs), so a period sent once is never different in a later build
  (``sim.pricing.periods``); the final build's periods are those sent plus the new ones.
* **Stop** (``stop``): the timeline ends now; the summary carries the final periods, the energy and
  the engine's ``Totals`` (``price_session`` on the whole timeline, for the OCPI version of the
  token owner's connection) that ``finish`` hands to ``sessions_client.stop_session`` for the
  final PATCH and the CDR.  A session that cannot be priced (no tariff, a tariff the engine
  rejects) gets no running cost and the CDR's legacy totals (cost 0).

The tariffs are those of the connector when the session starts: a tariff the CPO changes later
applies to later sessions (the usual contract: the price shown at the start holds).  Currents are
not modelled (segments report none, so current restrictions never apply).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import CdrDimensionType, ChargingPeriod
from sim.ocpi.v221.locations import Connector
from sim.ocpi.v221.locations_enums import PowerType
from sim.ocpi.v221.sessions import Session
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.types import Price
from sim.ocpi.wirejson import loads
from sim.parties.modules.cdrs_client import total_cost
from sim.parties.modules.chargingprofiles import evse_max_w, session_limit_kw
from sim.parties.modules.sessions_client import stop_session, update_session
from sim.parties.targets import direct_or_via_hub
from sim.pricing import (
    PeriodInput,
    Phase,
    PricingInputError,
    PricingTariff,
    Segment,
    SessionPricer,
    TariffError,
    Timeline,
    Totals,
    parse_tariff,
    periods_to_inputs,
)
from sim.pricing.metering import KWS_PER_WH, micros, seconds
from sim.pricing.periods import SessionPeriods
from sim.world.waiting import FirstOf

if TYPE_CHECKING:
    from sim.parties.platform import Platform
    from sim.world.ev import EVState

Steps = Generator[simpy.Event, Any, Any]

SAMPLE_S = 60.0
"""Default sampling step: power is recomputed at least this often while charging."""
WATT = Decimal("0.001")
ZERO = Decimal(0)
_NEVER = timedelta(days=36500)


def connector_kw(connector: Connector) -> Decimal:
    """The most a connector delivers, in kW (``max_electric_power``, else V × A × phases)."""
    return evse_max_w(connector) / 1000


def is_dc(connector: Connector) -> bool:
    """Whether the connector delivers direct current."""
    return connector.power_type is PowerType.DC


def version_with(platform: Platform, party: PartyRef, interface: str) -> OCPIVersion:
    """The OCPI version ``platform`` speaks with ``party`` about CDRs (``interface`` of ``party``):
    the direct connection's, else the hub's; 2.2.1 when there is no way at all.

    Both sides price with it — the CPO its CDR, the eMSP its check — so 2.1.1 partners compare
    2.1.1 prices (no VAT, no price limits)."""
    target = direct_or_via_hub(platform, party, "cdrs", interface)
    return target.connection.version if target is not None else OCPIVersion.V2_2_1


def pricing_tariffs(tariffs: Sequence[Tariff]) -> list[PricingTariff]:
    """The engine's reading of OCPI Tariffs (``TariffError`` when one cannot be priced)."""
    return [_parsed(tariff.to_json()) for tariff in tariffs]


@lru_cache(maxsize=256)
def _parsed(wire: str) -> PricingTariff:
    """``parse_tariff`` of a tariff's wire JSON, remembered: the sessions at a connector read the same
    few tariffs, and a ``PricingTariff`` is immutable, so they can share one (and what it caches)."""
    return parse_tariff(loads(wire))


@dataclass(frozen=True)
class ChargeSummary:
    """What a stopped ``Charging`` measured and priced (``finish`` sends it)."""

    session_id: str
    end: datetime
    kwh: Decimal
    periods: list[ChargingPeriod]
    """Every period of the session (those sent in updates, then ``new_periods``)."""
    new_periods: list[ChargingPeriod]
    totals: Totals | None
    version: OCPIVersion
    tariffs: list[Tariff]
    charging_s: float
    parking_s: float


class Charging:
    """One session's energy flow (see the module docstring); starts its SimPy process at once."""

    def __init__(
        self,
        *,
        cpo: Platform,
        session: Session,
        ev: EVState,
        connector: Connector,
        tariffs: Sequence[Tariff],
        time_zone: str,
        version: OCPIVersion,
        update_interval_s: float,
        send: Callable[[Steps], object],
        cap: Callable[[], Decimal | None] = lambda: None,
        sample_s: float = SAMPLE_S,
    ) -> None:
        self.cpo, self.env, self.clock = cpo, cpo.env, cpo.clock
        self.session_id = session.id
        self.start = session.start_date_time
        self.ev, self.connector = ev, connector
        self.tariffs = list(tariffs)
        self.time_zone, self.version = time_zone, version
        self.update_every = timedelta(seconds=update_interval_s) if update_interval_s > 0 else _NEVER
        self.sample = timedelta(seconds=sample_s)
        self.send, self.cap = send, cap
        try:
            self._pricing: list[PricingTariff] = pricing_tariffs(self.tariffs)
        except TariffError:
            self._pricing = []
        # Fixed for the session (a connector's ratings and a car model never change in place).
        self._connector_kw = connector_kw(connector)
        self._dc = is_dc(connector)
        self._taper = ev.model.dc_taper_soc if self._dc else ev.model.ac_taper_soc
        self._sample_us = micros(self.sample)
        self.phase = Phase.CHARGING
        self.power_kw = ZERO
        self.since = self.start
        self._builder = SessionPeriods(session_start=self.start, time_zone=time_zone, tariffs=self._pricing)
        """The timeline's segments but the last, and the periods built from the timeline."""
        self._last: tuple[datetime, Phase, Decimal] | None = None
        """Start, phase and power of the timeline's last segment, which ends at ``since`` (None: no segment
        yet).  A step at an unchanged power extends it; a Segment is made of it once it is closed."""
        self._room_at: tuple[Decimal, int] | None = None
        """A state of charge of the car and ``_room_wh`` at it (a function of the charge alone: the car's
        model is fixed), looked up by identity: every change of the charge is a new Decimal."""
        self.samples = 0
        """How many times the power was computed."""
        self.kws = ZERO
        """Exact energy so far, kW·s."""
        self.wh = 0
        """The meter register (whole Wh) at ``since``; the car has received exactly this."""
        self.update_marks: list[datetime] = []
        self.sent: list[list[ChargingPeriod]] = []
        """The periods of each update, in order."""
        self._sent: list[ChargingPeriod] = []
        """Every period sent so far (``sent`` flattened) and the engine's reading of each."""
        self._sent_inputs: list[PeriodInput] = []
        self._pricer: SessionPricer | None = None
        self._update_at = self._next_update()
        """When the next update is due (worked out again whenever ``update_marks`` grows)."""
        self.stopped = False
        self._wake = self.env.event()
        self.process = self.env.process(self._run())

    # --- the process -------------------------------------------------------------------------------

    def _run(self) -> Steps:
        while not self.stopped:
            if self.phase is Phase.CHARGING and self._full():
                self.phase, self.power_kw = Phase.PARKING, ZERO
            elif self.phase is Phase.CHARGING:
                self.power_kw = self.target_kw()
                self.samples += 1
            update_at = self._update_at
            until = min(update_at, self._step_end())
            self._wake = self.env.event()
            # ``timeout | wake``, without building a condition value once a simulated minute (see ``FirstOf``)
            yield FirstOf(self.env, self.env.timeout(max(0.0, (until - self.clock.now()).total_seconds())), self._wake)
            if self.stopped:
                return
            if self._wake.triggered:
                continue  # recompute() closed the segment already
            self._close(until)
            if until == update_at:
                self._update(until)

    def _next_update(self) -> datetime:
        """When the next update is due (after those in ``update_marks``)."""
        return self.start + self.update_every * (len(self.update_marks) + 1)

    def target_kw(self) -> Decimal:
        """The power the charger gives now (see the module docstring)."""
        limits = [self._connector_kw, self.ev.model.max_power_kw(self.ev.soc, self._dc)]
        for extra in (session_limit_kw(self.cpo, self.session_id), self.cap()):
            if extra is not None:
                limits.append(extra)
        return max(ZERO, min(limits)).quantize(WATT, rounding=ROUND_FLOOR)

    def _room_wh(self) -> int:
        soc = self.ev.soc
        if self._room_at is None or self._room_at[0] is not soc:  # asked twice per step at one charge
            self._room_at = (soc, int((self.ev.room_kwh * 1000).to_integral_value(rounding=ROUND_FLOOR)))
        return self._room_at[1]

    def _full(self) -> bool:
        return self._room_wh() <= 0

    def _step_end(self) -> datetime:
        """When the current step ends at the latest (sample, taper point, full)."""
        if self.phase is not Phase.CHARGING:
            return self.since + _NEVER
        power = self.power_kw
        if power <= 0:
            return self.since + self.sample
        # The step's length in µs: the shortest of the sample, the time to full and to the taper point.
        step = self._sample_us
        # Rounded up to the millisecond (what a 2.2.1 DateTime carries): the register then reads
        # exactly the target Wh, since less than 1 Wh flows in a millisecond below 3.6 MW.
        target_kws = (self.wh + self._room_wh()) * KWS_PER_WH
        to_full = ((target_kws - self.kws) * 1000 / power).to_integral_value(rounding=ROUND_CEILING)
        step = min(step, max(1, int(to_full)) * 1_000)
        soc = self.ev.soc
        if soc < self._taper:
            to_taper = (self._taper - soc) * self.ev.model.battery_kwh * 3600 / power
            step = min(step, max(1, int(to_taper.to_integral_value(rounding=ROUND_CEILING))) * 1_000_000)
        return self.since + timedelta(microseconds=step)

    def _close(self, at: datetime) -> None:
        """End the current segment at ``at``; the car receives the energy metered in it."""
        if at <= self.since:
            return
        power = self.power_kw if self.phase is Phase.CHARGING else ZERO
        last = self._last
        if last is not None and (last[1], last[2]) == (self.phase, power):
            # Unchanged power: one segment (fewer to price; periods are split where it matters anyway).
            self._last = (last[0], self.phase, power)
        else:
            if last is not None:
                self._builder.close(self._last_segment())
            self._last = (self.since, self.phase, power)
        self.kws += power * seconds(at - self.since)
        register = int(self.kws // KWS_PER_WH)
        if register > self.wh:
            self.ev.add_kwh(Decimal(register - self.wh) * WATT)
            self.wh = register
        self.since = at

    def recompute(self) -> None:
        """Close the current step now and compute the power again (a limit changed)."""
        if not self.stopped and not self._wake.triggered:
            self._close(self.clock.now())
            self._wake.succeed()

    # --- periods, updates, the end ----------------------------------------------------------------

    @property
    def kwh(self) -> Decimal:
        """The session's energy so far (the meter register at the last step edge)."""
        return Decimal(self.wh) * WATT

    def _last_segment(self) -> Segment:
        """The timeline's last segment (it ends at ``since``)."""
        assert self._last is not None
        start, phase, power = self._last
        return Segment(start, self.since, phase, power)

    @property
    def segments(self) -> list[Segment]:
        """The timeline so far; a step at an unchanged power extends the last segment."""
        if self._last is None:
            return []
        return [*self._builder.closed, self._last_segment()]

    def timeline(self) -> Timeline | None:
        """The timeline so far (None before the first step closed)."""
        if self._last is None:
            return None
        return Timeline(
            session_start=self.start,
            segments=tuple(self.segments),
            time_zone=self.time_zone,
            tariffs=tuple(self._pricing),
        )

    def _periods(self) -> tuple[list[ChargingPeriod], list[ChargingPeriod]]:
        """Every period so far, and those not sent yet.  A build's periods before an update instant are
        those of every later build (see the module docstring), so only the ones after the last update
        instant are built again; the rest are the ones sent.  ``SessionPeriods`` builds them as
        ``build_periods(self.timeline(), extra_boundaries=self.update_marks, all_tariffs=True, since=…)``."""
        if self._last is None:
            return [], []
        marks = self.update_marks
        since = marks[-1] if marks else None
        # The marks before the last one are boundaries before ``since``, which the build drops anyway.
        new = self._builder.build(self._last_segment(), extra_boundaries=marks[-1:], since=since)
        return [*self._sent, *new], new

    def _price(self, new: list[ChargingPeriod], end: datetime, *, sending: bool) -> Totals | None:
        """The engine's totals of the sent periods and ``new`` up to ``end`` (``sending``: ``new`` goes
        out in an update now); the sent periods keep their readings and cost lines (``SessionPricer``)."""
        if not self._pricing:
            return None
        inputs = periods_to_inputs(new)
        periods = [*self._sent_inputs, *inputs]
        if sending:
            self._sent_inputs.extend(inputs)
        if not periods:
            return None
        try:
            if self._pricer is None:
                self._pricer = SessionPricer(
                    self._pricing, session_start=self.start, time_zone=self.time_zone, version=self.version
                )
            result = self._pricer.price(periods, session_end=end)
        except PricingInputError:
            return None
        return result.totals

    def _update(self, at: datetime) -> None:
        _, new = self._periods()
        self.update_marks.append(at)
        self._update_at = self._next_update()
        self.sent.append(new)
        self._sent.extend(new)
        totals = self._price(new, at, sending=True)
        cost: Price | None = total_cost(totals, self.version) if totals is not None else None
        self.send(update_session(self.cpo, self.session_id, kwh=self.kwh, periods=new, total_cost=cost))

    def stop(self) -> ChargeSummary:
        """End the timeline now and measure and price the whole session (the process ends)."""
        end = max(self.clock.now(), self.since)  # the clock rounds to µs; never before the last edge
        self._close(end)
        self.stopped = True
        if not self._wake.triggered:
            self._wake.succeed()
        periods, new = self._periods()
        segments = self.segments
        charging = sum((micros(s.end - s.start) for s in segments if s.phase is Phase.CHARGING), 0)
        parking = sum((micros(s.end - s.start) for s in segments if s.phase is Phase.PARKING), 0)
        return ChargeSummary(
            session_id=self.session_id,
            end=end,
            kwh=self.kwh,
            periods=periods,
            new_periods=new,
            totals=self._price(new, end, sending=False),
            version=self.version,
            tariffs=self.tariffs,
            charging_s=charging / 1_000_000,
            parking_s=parking / 1_000_000,
        )


def finish(cpo: Platform, summary: ChargeSummary) -> Steps:
    """The final PATCH (COMPLETED) and the CDR of a stopped charge."""
    return (
        yield from stop_session(
            cpo,
            summary.session_id,
            kwh=summary.kwh,
            periods=summary.new_periods,
            totals=summary.totals,
            version=summary.version,
            tariffs=summary.tariffs if summary.totals is not None else None,
            end=summary.end,
        )
    )


def energy_of(periods: Sequence[ChargingPeriod]) -> Decimal:
    """The ENERGY volumes of ``periods``, summed."""
    return sum(
        (d.volume for p in periods for d in p.dimensions if d.type is CdrDimensionType.ENERGY),
        ZERO,
    )


__all__ = [
    "SAMPLE_S",
    "ChargeSummary",
    "Charging",
    "connector_kw",
    "energy_of",
    "finish",
    "is_dc",
    "pricing_tariffs",
    "version_with",
]
