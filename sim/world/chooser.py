"""Where to charge: the candidate locations a driver considers, best first.

The driver looks in its eMSP's app, which shows the eMSP's *copy* of the CPOs' locations and
tariffs (``emsp.emsp_data``) — stale between pulls, so a charger shown AVAILABLE may be taken.  With
probability ``other_maps`` it looks on a third-party map instead, which shows the world as it is
(``World.all_locations()``, the CPOs' own locations and tariffs) — including CPOs the eMSP has no
roaming agreement with, where the driver will be refused.

A location is a candidate when it lies within the search radius (straight line from where the car
is) and has an EVSE shown AVAILABLE with a connector the car takes.  Per location the driver picks
the cheapest such option (equal cost: the more powerful; drivers that ``need_dc`` — ride-hailing —
only look at DC, unless no DC is in reach).  The cost is estimated with the tariff engine
(``price_session``) for the energy the car will take during the planned stay (charging at the
option's power along the car's curve, then parking), incl. VAT as drivers see prices; a connector
whose tariff the map does not know is assumed to cost ``UNKNOWN_PRICE_PER_KWH``.

Score (lower is better), in money: ``price per kWh × wanted kWh + DISTANCE_COST_PER_KM × distance``.
The price per kWh is the estimated cost of the stay divided by the energy the option delivers in
it (time and parking fees included), so a fast charger that fills the car more during a short stop
is not penalised for selling more energy; the wanted energy is the same for every option (up to the
target state of charge).  A driver pays up to €1.50 more to charge a kilometre closer to where they
are going (a kilometre further means about 12 minutes more walking).  Currencies are not converted:
one scenario, one currency in practice.  Ties break on distance, then CPO and location id, so the
order is total.
"""

from __future__ import annotations

import math
import random
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.locations import Connector, Location
from sim.ocpi.v221.locations_enums import PowerType, Status
from sim.ocpi.v221.tariffs import Tariff
from sim.parties.roles import EMSPData
from sim.pricing import PeriodInput, PricingInputError, PricingTariff, TariffError, parse_tariff, price_session
from sim.world.ev import EVModel, is_dc
from sim.world.geo import EARTH_RADIUS_KM, Point, distance_km

DISTANCE_COST_PER_KM = Decimal("1.50")
UNKNOWN_PRICE_PER_KWH = Decimal("0.60")
WIDEN_FACTOR = 2.0
"""When nothing is within the search radius, the driver looks once more this much further."""

SOURCE_EMSP = "emsp"
SOURCE_OTHER_MAP = "other_map"

TariffsOf = Callable[[str, str, Connector], list[Tariff]]
"""(CPO name, location id, connector) → the tariffs the map knows for that connector."""


@dataclass(frozen=True)
class Need:
    """What the driver wants: where, how much, for how long."""

    position: Point
    radius_km: float
    soc: Decimal
    target_soc: Decimal
    dwell_s: float
    """The planned stay at the charger."""
    start: datetime
    need_dc: bool = False


@dataclass(frozen=True)
class Candidate:
    """A location worth driving to, as the map shows it."""

    cpo: str
    """The CPO's party name, e.g. ``NL-CPA``."""
    location_id: str
    point: Point
    distance_km: float
    evse_uid: str
    """The EVSE of the chosen option (at the site the driver takes any free compatible one)."""
    dc: bool
    power_kw: Decimal
    cost: Decimal | None
    """Estimated cost incl. VAT of the planned stay; None when the tariff is unknown to the map."""
    price_per_kwh: Decimal
    """Estimated cost per kWh delivered (``UNKNOWN_PRICE_PER_KWH`` when unknown)."""
    score: Decimal
    source: str


def connector_power_kw(connector: Connector) -> Decimal:
    """A connector's maximum power: ``max_electric_power`` if given, else volts × amps × phases."""
    return _power_kw(connector.max_electric_power, connector.power_type, connector.max_voltage, connector.max_amperage)


@lru_cache(maxsize=1024)
def _power_kw(max_electric_power: int | None, power_type: PowerType, max_voltage: int, max_amperage: int) -> Decimal:
    if max_electric_power:
        return Decimal(max_electric_power) / 1000
    phases = {PowerType.AC_3_PHASE: 3, PowerType.AC_2_PHASE: 2, PowerType.AC_2_PHASE_SPLIT: 2}.get(power_type, 1)
    return Decimal(max_voltage * max_amperage * phases) / 1000


def location_point(location: Location) -> Point:
    """Where a location is."""
    return _point(location.coordinates.latitude, location.coordinates.longitude)


@lru_cache(maxsize=16384)
def _point(latitude: str, longitude: str) -> Point:
    """A point from coordinate texts, once per place: every search looks at every location."""
    return Point(float(latitude), float(longitude))


def cpo_name(location: Location) -> str:
    """The party name of a location's owner (``NL-CPA``)."""
    return f"{location.country_code}-{location.party_id}"


class PriceEstimator:
    """Estimates what a charge would cost with given tariffs (parsed tariffs are cached)."""

    def __init__(self) -> None:
        self._parsed: dict[tuple[str, str, str, str], PricingTariff | None] = {}

    def _parse(self, tariff: Tariff) -> PricingTariff | None:
        key = (tariff.country_code, tariff.party_id, tariff.id, str(tariff.last_updated))
        if key not in self._parsed:
            try:
                self._parsed[key] = parse_tariff(tariff.model_dump(mode="python", exclude_none=True))
            except TariffError:
                self._parsed[key] = None
        return self._parsed[key]

    def estimate(
        self,
        tariffs: Sequence[Tariff],
        *,
        start: datetime,
        energy_kwh: Decimal,
        charging_s: float,
        dwell_s: float,
        time_zone: str,
    ) -> Decimal | None:
        """Cost incl. VAT of charging ``energy_kwh`` in ``charging_s`` and parking for the rest of ``dwell_s``."""
        parsed = [p for p in (self._parse(t) for t in tariffs) if p is not None]
        if not parsed:
            return None
        charging_s = min(charging_s, dwell_s)
        periods = []
        if charging_s > 0:
            hours = _hours(charging_s)
            periods.append(PeriodInput(start, energy=energy_kwh, time=hours, power_kw=energy_kwh / hours))
        if dwell_s > charging_s:
            periods.append(PeriodInput(start + timedelta(seconds=charging_s), parking=_hours(dwell_s - charging_s)))
        if not periods:
            return None
        try:
            result = price_session(
                parsed,
                periods,
                session_start=start,
                session_end=start + timedelta(seconds=dwell_s),
                time_zone=time_zone,
            )
        except PricingInputError:
            return None
        return result.totals.cost.incl


def _hours(seconds: float) -> Decimal:
    return Decimal(str(round(seconds / 3600, 6)))


def emsp_locations(data: EMSPData) -> list[tuple[str, Location]]:
    """The eMSP's copy of every CPO's locations, in the store's order."""
    return [(cpo_name(location), location) for location in data.locations]


def emsp_tariffs(data: EMSPData) -> TariffsOf:
    """Look up a connector's tariffs in the eMSP's copy."""

    def lookup(cpo: str, location_id: str, connector: Connector) -> list[Tariff]:
        owner = PartyRef.parse(cpo)
        found = (data.tariffs.get(owner, tariff_id) for tariff_id in connector.tariff_ids or [])
        return [tariff for tariff in found if tariff is not None]

    return lookup


def rank(
    locations: Iterable[tuple[str, Location]],
    tariffs_of: TariffsOf,
    ev: EVModel,
    need: Need,
    estimator: PriceEstimator,
    *,
    source: str = SOURCE_EMSP,
) -> list[Candidate]:
    """The candidates among ``locations``, best score first (see the module docstring)."""
    nearby = []
    here = need.position
    # Further north or south than the radius is out of reach whatever the longitude: the great-circle
    # distance is at least the latitude difference.  The metre of margin keeps float rounding out of
    # it, so a location skipped here is one whose distance would have come out beyond the radius.
    band_deg = math.degrees((need.radius_km + 0.001) / EARTH_RADIUS_KM)
    for cpo, location in locations:
        site = _site(location)
        point = site.point
        if abs(point.lat - here.lat) > band_deg:
            continue
        distance = distance_km(here, point)
        if distance <= need.radius_km and location.publish:
            nearby.append((cpo, location, point, distance, site))
    found = _candidates(nearby, tariffs_of, ev, need, estimator, source, dc_only=need.need_dc)
    if not found and need.need_dc:
        found = _candidates(nearby, tariffs_of, ev, need, estimator, source, dc_only=False)
    return sorted(found, key=lambda c: (c.score, c.distance_km, c.cpo, c.location_id))


_Option = tuple[str, bool, Decimal, tuple[str, ...], Connector]
"""(EVSE uid, DC, power in kW for the car, tariff ids, connector): one way a car can charge at a site."""


class _Site:
    """What a search reads of one Location object, worked out once per object.

    Never stale: a Location is never changed in place (every change — a PATCH, a PUT, a status push
    — stores a new object: ``merge``, ``with_evse``, ``model_copy``), and ``_site`` keeps one
    ``_Site`` per live object, dropped when that object dies.
    """

    __slots__ = ("_connectors", "_per_model", "point")

    def __init__(self, location: Location) -> None:
        self.point = location_point(location)
        # (EVSE uid, connector, DC, connector power) of every connector of an AVAILABLE EVSE, in map order
        self._connectors = [
            (evse.uid, connector, is_dc(connector), connector_power_kw(connector))
            for evse in location.evses or []
            if evse.status is Status.AVAILABLE
            for connector in evse.connectors
        ]
        self._per_model: dict[int, tuple[EVModel, list[_Option]]] = {}

    def options(self, ev: EVModel) -> list[_Option]:
        """The connectors ``ev`` takes here, in map order, without repeats: an option like one
        before it here (same tariffs, current and power) scores the same, so it can never be better."""
        known = self._per_model.get(id(ev))
        if known is not None and known[0] is ev:  # the model itself is held: its id is not reused
            return known[1]
        options: list[_Option] = []
        seen = set()
        for evse_uid, connector, dc, connector_kw in self._connectors:
            if not ev.compatible(connector):
                continue
            power = min(connector_kw, ev.max_dc_kw if dc else ev.max_ac_kw)
            tariff_ids = tuple(connector.tariff_ids or ())
            if (tariff_ids, dc, power) in seen:
                continue
            seen.add((tariff_ids, dc, power))
            options.append((evse_uid, dc, power, tariff_ids, connector))
        self._per_model[id(ev)] = (ev, options)
        return options


_sites: dict[int, tuple[weakref.ref[Location], _Site]] = {}
"""``_Site`` per live Location object, by ``id``: an entry goes when its Location dies (weakref
callback), before the id can be reused; the identity check on reading guards it once more."""


def _site(location: Location) -> _Site:
    """The ``_Site`` of ``location``, made on first sight of the object."""
    key = id(location)
    known = _sites.get(key)
    if known is not None and known[0]() is location:
        return known[1]
    site = _Site(location)
    _sites[key] = (weakref.ref(location, lambda _: _sites.pop(key, None)), site)
    return site


def _candidates(
    nearby: list[tuple[str, Location, Point, float, _Site]],
    tariffs_of: TariffsOf,
    ev: EVModel,
    need: Need,
    estimator: PriceEstimator,
    source: str,
    *,
    dc_only: bool,
) -> list[Candidate]:
    found = []
    # Many EVSEs share a tariff and power: price each distinct option once per search.
    costs: dict[tuple[str, tuple[str, ...], bool, Decimal, str], tuple[Decimal | None, Decimal]] = {}
    wanted = _energy(ev, need)
    for cpo, location, point, distance, site in nearby:
        options = site.options(ev)
        if not options:
            continue
        # (score, power, EVSE uid, dc, cost, unit price) of the best option so far
        best: tuple[Decimal, Decimal, str, bool, Decimal | None, Decimal] | None = None
        distance_cost = DISTANCE_COST_PER_KM * Decimal(str(round(distance, 3)))
        time_zone = location.time_zone
        for evse_uid, dc, power, tariff_ids, connector in options:
            if dc_only and not dc:
                continue
            key = (cpo, tariff_ids, dc, power, time_zone)
            priced = costs.get(key)
            if priced is None:
                priced = costs[key] = _estimate(
                    tariffs_of(cpo, location.id, connector), ev, need, estimator, dc, power, time_zone
                )
            cost, unit = priced
            score = unit * wanted + distance_cost
            if best is None or (score, -power) < (best[0], -best[1]):
                best = (score, power, evse_uid, dc, cost, unit)
        if best is not None:
            score, power, evse_uid, dc, cost, unit = best
            found.append(Candidate(cpo, location.id, point, distance, evse_uid, dc, power, cost, unit, score, source))
    return found


def _energy(ev: EVModel, need: Need) -> Decimal:
    return max(Decimal(0), (need.target_soc - need.soc) * ev.battery_kwh)


def _estimate(
    tariffs: list[Tariff],
    ev: EVModel,
    need: Need,
    estimator: PriceEstimator,
    dc: bool,
    power: Decimal,
    time_zone: str,
) -> tuple[Decimal | None, Decimal]:
    """(estimated cost of the stay or None, price per kWh delivered)."""
    energy = _energy(ev, need)
    if not tariffs or power <= 0 or energy <= 0:
        return None, UNKNOWN_PRICE_PER_KWH
    charging_s = ev.charge_seconds(need.soc, need.target_soc, power, dc)
    if charging_s > need.dwell_s > 0:
        # The stay ends before the target: the car takes what fits in the stay (pro rata, an estimate).
        energy = energy * Decimal(str(round(need.dwell_s / charging_s, 6)))
        charging_s = need.dwell_s
    dwell = max(need.dwell_s, charging_s)
    cost = estimator.estimate(
        tariffs, start=need.start, energy_kwh=energy, charging_s=charging_s, dwell_s=dwell, time_zone=time_zone
    )
    if cost is None or energy <= 0:
        return cost, UNKNOWN_PRICE_PER_KWH
    return cost, cost / energy


def search(
    emsp: EMSPData,
    world_locations: Callable[[], list[tuple[str, Location]]],
    ev: EVModel,
    need: Need,
    estimator: PriceEstimator,
    *,
    other_maps: float,
    rng: random.Random,
    world_tariffs: TariffsOf | None = None,
) -> list[Candidate]:
    """The driver's search: one draw decides the map — the eMSP's app, or a third-party map of the
    world truth (``world_locations``, priced with ``world_tariffs``, else with what the eMSP knows) —
    then the radius is widened once if nothing is in reach."""
    if rng.random() < other_maps:
        locations, source = world_locations(), SOURCE_OTHER_MAP
        tariffs = world_tariffs or emsp_tariffs(emsp)
    else:
        locations, source, tariffs = emsp_locations(emsp), SOURCE_EMSP, emsp_tariffs(emsp)
    found = rank(locations, tariffs, ev, need, estimator, source=source)
    if not found:
        found = rank(
            locations, tariffs, ev, replace(need, radius_km=need.radius_km * WIDEN_FACTOR), estimator, source=source
        )
    return found


__all__ = [
    "DISTANCE_COST_PER_KM",
    "SOURCE_EMSP",
    "SOURCE_OTHER_MAP",
    "UNKNOWN_PRICE_PER_KWH",
    "WIDEN_FACTOR",
    "Candidate",
    "Need",
    "PriceEstimator",
    "TariffsOf",
    "connector_power_kw",
    "cpo_name",
    "emsp_locations",
    "emsp_tariffs",
    "location_point",
    "rank",
    "search",
]
