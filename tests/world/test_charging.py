"""The charging process: power over time, energy into the car, session updates and the priced CDR."""

from __future__ import annotations

import math
from collections.abc import Generator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sim.events import ChargeEnded, MessageExchanged
from sim.ocpi.common import parse_datetime
from sim.ocpi.v221.cdrs import CDR, CdrDimensionType, ChargingPeriod
from sim.ocpi.v221.chargingprofiles import ChargingProfile
from sim.ocpi.v221.sessions import Session, SessionStatus
from sim.ocpi.wirejson import loads
from sim.parties.modules import chargingprofiles_client
from sim.pricing import Phase, Segment, Timeline, build_periods, parse_tariff, periods_to_inputs, price_session
from sim.pricing.result import quantize
from sim.world.chargepoint import ChargePoint
from sim.world.charging import Charging, energy_of, pricing_tariffs
from tests.world.worldkit import CPA, V211, V221, Car, Net, network


def charge(net: Net, point: ChargePoint, car: Car, *, at: float, until: float, keep: list[Charging]) -> None:
    """``car`` plugs in at ``at``, starts by RFID, and unplugs at ``until`` (its Charging kept)."""

    def arrive() -> Generator[Any, Any, None]:
        assert point.plug_in(car, point.evse.connectors[0].id)
        outcome = yield from point.start_by_rfid(car)
        assert outcome.started, outcome
        assert point.charging is not None
        keep.append(point.charging)

    net.at(at, arrive())
    net.at(until, point.unplug(car))
    net.run_until(until + 60)


def cpo_cdr(net: Net) -> CDR:
    (cdr,) = net.cpo.cpo_data.cdrs.values()
    return cdr


def volumes(periods: list[ChargingPeriod], kind: CdrDimensionType) -> Decimal:
    return sum((d.volume for p in periods for d in p.dimensions if d.type is kind), Decimal(0))


def test_an_ac_charge_delivers_exactly_power_times_time() -> None:
    net = network()
    point, car, kept = net.point("AC1"), net.car(soc="0.5"), []
    charge(net, point, car, at=100, until=3700, keep=kept)
    (charging,) = kept
    (segment,) = charging.segments  # connector 11 kW = car's 11 kW AC, all along
    assert (segment.power_kw, segment.end - segment.start) == (Decimal("11.000"), timedelta(hours=1))
    assert charging.samples == 60  # the power was computed every 60 s
    assert charging.kwh == Decimal("11.000")
    assert car.ev.soc == Decimal("0.775")  # 0.5 + 11 kWh / 40 kWh
    cdr = cpo_cdr(net)
    assert cdr.total_energy == Decimal("11.0000")
    assert cdr.total_time == Decimal("1.0000")
    assert cdr.total_energy_cost is not None and cdr.total_energy_cost.excl_vat == Decimal("3.3000")
    assert cdr.total_cost.excl_vat == Decimal("3.3000") and cdr.total_cost.incl_vat == Decimal("3.9930")
    (ended,) = net.of(ChargeEnded)
    assert (ended.kwh, ended.charging_s, ended.parking_s) == (Decimal("11.000"), 3600.0, 0.0)


def test_a_dc_charge_tapers_above_80_percent_state_of_charge() -> None:
    net = network()
    point, car, kept = net.point("DC1"), net.car(soc="0.7"), []
    charge(net, point, car, at=100, until=100 + 409, keep=kept)
    (charging,) = kept
    steps = [(int((s.start - charging.start).total_seconds()), s.power_kw) for s in charging.segments]
    # 50 kW until the car reaches 80 %: 240 s give 12000 kW·s = 3333 Wh (SoC 0.783325); the taper
    # point is then (0.8 - 0.783325) × 40 kWh at 50 kW = 48.02 s away, so the step ends after 49 s.
    # At 289 s the meter reads 14450 kW·s = 4013 Wh: SoC 0.800325, and the curve gives
    # 50 × (1 - 0.9 × 0.001625) = 49.926875 kW, metered as 49.926 kW.  After 60 more s: 4845 Wh,
    # SoC 0.821125, 50 × (1 - 0.9 × 0.105625) = 45.246875 → 45.246 kW.
    assert steps == [(0, Decimal("50.000")), (289, Decimal("49.926")), (349, Decimal("45.246"))]
    assert charging.samples == 7  # at 0, 60, 120, 180, 240, 289 (the taper point) and 349 s
    # 17445.56 kW·s at 349 s, + 45.246 kW × 60 s = 20160.32 kW·s = 5600 Wh
    assert charging.kwh == Decimal("5.600")
    assert car.ev.soc == Decimal("0.7") + Decimal("5.600") / 40  # the car holds exactly the session's energy
    assert cpo_cdr(net).total_energy == Decimal("5.6000")


def patches(net: Net, session_id: str) -> list[dict[str, Any]]:
    """The Session PATCH bodies the eMSP received, in order."""
    return [
        loads(e.request_body or "{}")
        for e in net.of(MessageExchanged)
        if e.method == "PATCH" and e.url.endswith(f"/sessions/NL/CPA/{session_id}")
    ]


def test_periods_sent_in_updates_never_change_and_add_up_to_the_session_energy() -> None:
    net = network(update_interval=600)
    point, car, kept = net.point("AC1"), net.car(soc="0.8"), []
    charge(net, point, car, at=100, until=100 + 7200, keep=kept)
    (charging,) = kept
    cdr = cpo_cdr(net)
    sent = patches(net, cdr.session_id or "")
    assert len(sent) == 12  # every 600 s of the 7200 s; the twelfth is the final COMPLETED one at the unplug
    assert sent[-1]["status"] == "COMPLETED"
    sent_so_far: list[Any] = []
    firsts = [charging.start, *charging.update_marks]
    for number, body in enumerate(sent[:-1]):
        sent_so_far += body["charging_periods"]
        assert parse_datetime(body["charging_periods"][0]["start_date_time"]) == firsts[number]  # closed at updates
        assert Decimal(str(body["kwh"])) == sum(
            Decimal(str(d["volume"])) for p in sent_so_far for d in p["dimensions"] if d["type"] == "ENERGY"
        )
    sent_so_far += sent[-1]["charging_periods"]
    assert sent_so_far == [loads(p.to_json()) for p in cdr.charging_periods]  # unchanged, and nothing else
    assert energy_of(cdr.charging_periods) == cdr.total_energy == Decimal(str(sent[-1]["kwh"]))
    held = net.emsp.emsp_data.sessions.get(CPA, cdr.session_id or "")
    assert isinstance(held, Session) and held.status is SessionStatus.COMPLETED
    assert held.charging_periods == cdr.charging_periods and held.kwh == cdr.total_energy


def test_the_cdr_is_priced_by_the_engine_from_the_whole_timeline_and_stored_as_sent() -> None:
    net = network(update_interval=600)
    point, car, kept = net.point("AC1"), net.car(soc="0.8"), []
    charge(net, point, car, at=100, until=100 + 5000, keep=kept)
    (charging,) = kept
    timeline = charging.timeline()
    assert timeline is not None
    periods = build_periods(timeline, extra_boundaries=charging.update_marks, all_tariffs=True)
    expected = price_session(
        pricing_tariffs(charging.tariffs),
        periods_to_inputs(periods),
        session_start=timeline.session_start,
        session_end=timeline.end,
        time_zone="Europe/Amsterdam",
    ).totals.cdr_fields(V221)
    cdr = cpo_cdr(net)
    assert cdr.charging_periods == periods
    for name, value in expected.items():
        field = getattr(cdr, name)
        assert (field.model_dump(exclude_none=True) if hasattr(field, "model_dump") else field) == value, name
    assert [t.id for t in cdr.tariffs or []] == ["T1"]
    stored = net.emsp.emsp_data.cdrs.get(CPA, cdr.id)
    assert stored is not None and stored.to_json() == cdr.to_json()


def test_a_full_car_parks_and_the_parking_is_priced_as_parking_time() -> None:
    net = network()
    point, car, kept = net.point("AC1"), net.car(soc="0.95"), []
    charge(net, point, car, at=100, until=100 + 3600, keep=kept)
    (charging,) = kept
    phases = [s.phase.value for s in charging.segments]
    assert phases[0] == "CHARGING" and phases[-1] == "PARKING" and "CHARGING" not in phases[phases.index("PARKING") :]
    assert (1 - car.ev.soc) * 40 < Decimal("0.001")  # full to within 1 Wh
    cdr = cpo_cdr(net)
    parking = volumes(cdr.charging_periods, CdrDimensionType.PARKING_TIME)
    assert parking > Decimal("0.25")
    assert cdr.charging_periods[-1].dimensions[0].type is CdrDimensionType.PARKING_TIME
    assert cdr.total_parking_time == quantize(parking)
    assert cdr.total_parking_cost is not None
    billed_s = Decimal(math.ceil(parking * 3600))  # step_size 1: the parking stream is billed in whole seconds
    assert cdr.total_parking_cost.excl_vat == quantize(billed_s * Decimal("6.00") / 3600)
    assert cdr.total_parking_cost.incl_vat == quantize(billed_s * Decimal("6.00") * Decimal("1.21") / 3600)
    (ended,) = net.of(ChargeEnded)
    assert ended.parking_s > 900 and ended.charging_s + ended.parking_s == 3600


def test_on_a_211_link_the_cdr_is_priced_by_211_rules() -> None:
    net = network(version=V211)
    point, car, kept = net.point("AC1"), net.car(soc="0.5"), []
    charge(net, point, car, at=100, until=1900, keep=kept)
    cdr = cpo_cdr(net)
    assert cdr.total_energy == Decimal("5.5000")
    assert (cdr.total_cost.excl_vat, cdr.total_cost.incl_vat) == (Decimal("1.6500"), None)  # no VAT in 2.1.1
    assert cdr.total_energy_cost is None  # 2.1.1 CDRs have no cost breakdown
    stored = net.emsp.emsp_data.cdrs.get(CPA, cdr.id)
    assert stored is not None and stored.total_cost == cdr.total_cost


def test_power_follows_the_simulation_cap_and_the_charging_profile() -> None:
    net = network()
    point, car, kept = net.point("AC1"), net.car(soc="0.2"), []
    net.world.power_cap = lambda cp: Decimal(7) if cp is point else None
    profile = ChargingProfile.model_validate(
        {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": Decimal(3680)}]}
    )

    applied: list[float] = []

    def set_profile() -> Generator[Any, Any, None]:
        session_id = kept[0].session_id
        outcome = yield from chargingprofiles_client.set_charging_profile(
            net.emsp, cpo=CPA, session_id=session_id, profile=profile
        )
        assert outcome.result is not None and outcome.result.result.value == "ACCEPTED"
        point.recompute()  # the simulation applies the new limit at once
        applied.append(net.env.now - 100)

    net.at(700, set_profile())
    charge(net, point, car, at=100, until=1300, keep=kept)
    powers = [(int((s.start - kept[0].start).total_seconds()), s.power_kw) for s in kept[0].segments]
    # capped at 7 kW by the simulation until the profile (asked at 600 s, in force ~5 s later) applies
    (at,) = applied
    assert 605 < at < 606
    assert powers == [(0, Decimal("7.000")), (int(at), Decimal("3.680"))]


def test_periods_of_a_growing_timeline_stay_put_with_forced_boundaries_and_all_tariffs() -> None:
    # Tariff A applies until 07:00 and has no power threshold; B applies from 07:00 and charges more
    # above 20 kW.  Built at 06:45, the 06:00-06:45 stretch has no reason to split at 06:30 where the
    # power drops from 22 to 18 kW — unless every tariff's thresholds count, as they will at the end.
    start = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    a = {
        "id": "A",
        "currency": "EUR",
        "end_date_time": "2026-03-02T07:00:00Z",
        "elements": [{"price_components": [{"type": "ENERGY", "price": Decimal("0.3"), "step_size": 1}]}],
    }
    b = {"id": "B", "currency": "EUR", "start_date_time": "2026-03-02T07:00:00Z", "elements": [
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.5"), "step_size": 1}],
         "restrictions": {"min_power": Decimal(20)}},
        {"price_components": [{"type": "ENERGY", "price": Decimal("0.3"), "step_size": 1}]}]}  # fmt: skip
    tariffs = (parse_tariff(a), parse_tariff(b))

    def timeline(minutes: int) -> Timeline:
        edges = [start + timedelta(minutes=m) for m in (0, 30, minutes)]
        powers = (Decimal(22), Decimal(18))
        segments = [Segment(lo, hi, Phase.CHARGING, p) for lo, hi, p in zip(edges, edges[1:], powers, strict=False)]
        return Timeline(session_start=start, segments=tuple(segments), time_zone="Europe/Amsterdam", tariffs=tariffs)

    update = [start + timedelta(minutes=45)]
    early = build_periods(timeline(45), all_tariffs=True)
    later = build_periods(timeline(120), extra_boundaries=update, all_tariffs=True)
    assert [p.start_date_time.minute for p in early] == [0, 30]
    assert later[:2] == early  # what an update at 06:45 sent is still true at the end
    assert [p.start_date_time for p in later[2:]] == [update[0], start + timedelta(hours=1)]
    assert [p.start_date_time.minute for p in build_periods(timeline(45))] == [0]  # in-effect thresholds only
