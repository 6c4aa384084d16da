"""App drivers who reserve and stop from the app, on the real World: the commands, in order, and what
the charge point and the other drivers see.

The site is worldkit's ``LOC1`` of CPO ``NL-CPA`` (by default with its 11 kW EVSE ``AC1`` only); the
eMSP is ``DE-MSA`` on OCPI 2.2.1 or ``DE-MSB`` on 2.1.1.  Drivers live west of the site and run one
charging stop each (``Driver.charge_stop``), started at simulated second 100.
"""

from __future__ import annotations

import json
import math
import random
from collections import deque
from collections.abc import Generator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from sim.events import (
    CDRIssued,
    ChargeAttempted,
    ChargeEnded,
    ChargeRefused,
    ChargeStarted,
    CommandCompleted,
    DriverGaveUp,
    DriverQueued,
    EVSEStatusChanged,
    MessageExchanged,
)
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.v221.commands import CommandResultType
from sim.ocpi.v221.sessions import SessionStatus
from sim.parties.modules import commands_client
from sim.parties.modules.commands_state import cpo_state
from sim.parties.modules.locations_client import add_location, push_all_locations
from sim.parties.modules.tariffs_client import add_tariff, push_all_tariffs
from sim.parties.modules.tokens_client import add_token, push_tokens
from sim.scenario.schema import ChargerBehaviour, DriverProfile, Drivers, TokenKind
from sim.world import driver_app
from sim.world.chargepoint import EVSEState
from sim.world.driver import POLL_S, Driver, Preferences
from sim.world.ev import EV_PRESETS, EVState
from sim.world.geo import Point, destination, drive_seconds, road_km
from sim.world.population import TokenPolicy, driver_token
from sim.world.profiles import Area as Circle
from sim.world.profiles import Habits, Purpose, Trip
from sim.world.world import CPOSettings, World
from tests.world.worldkit import NO_FAILURES, V211, V221, Net, location, tariff

SITE = Point(52.089444, 5.110278)
"""Where worldkit's LOC1 is."""
BEGIN = 100.0
LEAVE = 7200.0
D = Decimal


# --- the set-up --------------------------------------------------------------------------------------


def network(
    version: OCPIVersion = V221, *, evses: tuple[str, ...] = ("AC1",), chargers: ChargerBehaviour | None = None
) -> Net:
    """CPO NL-CPA with LOC1 (only ``evses`` of it, in that order), one eMSP, pushed and settled by second 60."""
    roaming = Roaming(seed=42)
    cpo = roaming.cpo("NL-CPA")
    emsp = roaming.emsp("DE-MSA") if version is V221 else roaming.emsp("DE-MSB", versions=[V211])
    roaming.connect(emsp, cpo)
    add_tariff(cpo, tariff())
    site = location()
    kept = [e for uid in evses for e in site.evses or [] if e.uid == uid]  # in the order of ``evses``
    add_location(cpo, site.model_copy(update={"evses": kept}))
    roaming.run(push_all_tariffs(cpo))
    roaming.run(push_all_locations(cpo))
    world = World(roaming.env, roaming.clock, roaming.bus, seed=42)
    world.add_cpo(cpo, CPOSettings(NO_FAILURES, chargers or ChargerBehaviour(delay=5), 900.0))
    net = Net(roaming, cpo, emsp, world)
    roaming.bus.subscribe(net.events.append)
    world.start()
    roaming.settle(60 - roaming.env.now)
    return net


def driver(
    net: Net,
    index: int,
    *,
    km: float = 2.0,
    kind: TokenKind = TokenKind.APP,
    reserve: float = 1.0,
    remote_stop: float = 0.0,
) -> Driver:
    """A shopper ``km`` west of the site with a fresh token of the eMSP, due home at ``LEAVE``."""
    token = driver_token(net.emsp.emsp_data.party, index, kind, TokenPolicy(), net.roaming.clock.now())
    add_token(net.emsp, token)
    net.roaming.run(push_tokens(net.emsp))
    home = destination(SITE, 270.0, km)
    habits = Habits(DriverProfile.SHOPPER, home, Circle(home.lat, home.lon, 10.0), None, 600, 0, D("0.3"))
    who = Driver(
        f"{net.emsp.name}/d{index:04d}",
        net.emsp,
        token,
        kind,
        EVState(EV_PRESETS["compact"], D("0.2")),
        habits,
        net.world,
        rng=random.Random(index),
        preferences=Preferences(reserve=reserve, remote_stop=remote_stop),
    )
    who._trips = deque([Trip(net.roaming.clock.at(LEAVE), Purpose.HOME, home, road_km(SITE, home))])
    return who


def drive_s(km: float) -> float:
    return drive_seconds(road_km(destination(SITE, 270.0, km), SITE))


def commands(net: Net) -> list[tuple[str, str]]:
    """The commands exchanges as (sender, what): the eMSP's command POSTs, the CPO's result POSTs."""
    found = []
    for m in net.of(MessageExchanged):
        if m.module != "commands":
            continue
        parts = m.url.rstrip("/").split("/")
        found.append((m.from_party, parts[-1] if m.from_party != "NL-CPA" else f"result {parts[-2]}"))
    return found


def completed(net: Net) -> list[tuple[str, str | None, str | None, bool]]:
    return [(e.command, e.response, e.result, e.timed_out) for e in net.of(CommandCompleted)]


def statuses(net: Net, evse_uid: str = "AC1") -> list[tuple[float, str]]:
    start = net.roaming.clock.start
    return [
        (round((e.time - start).total_seconds(), 1), e.status)
        for e in net.of(EVSEStatusChanged)
        if e.evse_uid == evse_uid
    ]


def seconds(net: Net, event: Any) -> float:
    """When ``event`` happened, in seconds from the start (to a tenth)."""
    moment: datetime = event.time
    return round((moment - net.roaming.clock.start).total_seconds(), 1)


def stored(net: Net, evse_uid: str = "AC1") -> tuple[str, str]:
    """The EVSE's status at the CPO and in the eMSP's copy."""
    mine = net.cpo.cpo_data.locations.owned_by(net.cpo.cpo_data.party)[0]
    theirs = net.emsp.emsp_data.locations.values()[0]
    return (
        next(e.status.value for e in mine.evses or [] if e.uid == evse_uid),
        next(e.status.value for e in theirs.evses or [] if e.uid == evse_uid),
    )


def reserve_body(net: Net) -> dict[str, Any]:
    post = next(m for m in net.of(MessageExchanged) if m.url.endswith("/RESERVE_NOW"))
    assert post.request_body is not None
    body: dict[str, Any] = json.loads(post.request_body)
    return body


def expiry_after(km: float) -> float:
    """Seconds from the start to the expiry the driver asks for: arrival estimate + 15 min, rounded up."""
    return float(math.ceil(BEGIN + drive_s(km) + driver_app.RESERVATION_GRACE_S))


# --- reserving and using the reservation ------------------------------------------------------------


def test_a_reserving_app_driver_reserves_drives_there_and_starts_on_the_reserved_evse() -> None:
    net = network()
    who = driver(net, 1)
    net.at(BEGIN, who.charge_stop())
    net.run_until(LEAVE + 600)

    assert commands(net) == [
        ("DE-MSA", "RESERVE_NOW"),
        ("NL-CPA", "result RESERVE_NOW"),
        ("DE-MSA", "START_SESSION"),
        ("NL-CPA", "result START_SESSION"),
    ]
    assert completed(net) == [
        ("RESERVE_NOW", "ACCEPTED", "ACCEPTED", False),
        ("START_SESSION", "ACCEPTED", "ACCEPTED", False),
    ]
    body = reserve_body(net)
    assert (body["reservation_id"], body["location_id"], body["evse_uid"]) == ("1", "LOC1", "AC1")
    expiry = net.roaming.clock.start + timedelta(seconds=expiry_after(2.0))
    assert body["expiry_date"].startswith(expiry.strftime("%Y-%m-%dT%H:%M:%S"))

    # The driver waits for the app's confirmation (the charger answers after 5 s), then drives.
    reserved = net.of(CommandCompleted)[0]
    assert 105 < seconds(net, reserved) < 106
    (attempt,) = net.of(ChargeAttempted)
    assert seconds(net, attempt) == round(seconds(net, reserved) + drive_s(2.0), 1)
    assert [status for _, status in statuses(net)] == ["RESERVED", "CHARGING", "AVAILABLE"]

    # 2.2.1: the reservation's own Session (RESERVATION) turned ACTIVE; no second session was made.
    (session,) = net.cpo.cpo_data.sessions.values()
    (charge,) = net.of(ChargeStarted)
    assert charge.session_id == session.id and charge.method == "app"
    assert session.status is SessionStatus.COMPLETED
    assert [e.driver for e in net.of(ChargeEnded)] == [who.name]


def test_at_the_site_the_reserved_evse_is_taken_even_when_another_one_is_free_and_comes_first() -> None:
    net = network(evses=("DC1", "AC1"))  # the app prefers AC1 (cheaper for this stay); DC1 is first on site
    who = driver(net, 1)
    net.at(BEGIN, who.charge_stop())
    net.run_until(LEAVE - 60)
    assert reserve_body(net)["evse_uid"] == "AC1"
    assert [e.evse_uid for e in net.of(ChargeStarted)] == ["AC1"]
    assert [c[0] for c in completed(net)] == ["RESERVE_NOW", "START_SESSION"]  # used, not cancelled


def test_the_reserved_evse_shows_reserved_and_a_driver_who_arrives_first_cannot_take_it() -> None:
    net = network()
    early = driver(net, 2, km=0.5, kind=TokenKind.RFID)  # chooses while AC1 is AVAILABLE, arrives first
    holder = driver(net, 1, km=3.0)
    net.at(BEGIN, early.charge_stop())
    net.at(BEGIN, holder.charge_stop())
    net.run_until(BEGIN + 60)

    point = net.world.charge_points[("NL-CPA", "LOC1", "AC1")]
    assert point.status is EVSEState.RESERVED
    assert stored(net) == ("RESERVED", "RESERVED")  # the CPO's truth and the eMSP's map
    assert not point.plug_in(early, "1")  # only the reserving token's car plugs in
    net.run_until(LEAVE - 60)

    def story(who: Driver) -> list[str]:
        kinds = (ChargeAttempted, ChargeStarted, DriverQueued, DriverGaveUp)
        return [type(e).__name__ for e in net.events if isinstance(e, kinds) and e.driver == who.name]

    assert story(early) == ["DriverQueued", "DriverGaveUp"]
    assert net.of(DriverGaveUp)[0].reason == "queue_timeout"
    assert seconds(net, net.of(DriverQueued)[0]) == round(BEGIN + drive_s(0.5), 1)
    assert story(holder) == ["ChargeAttempted", "ChargeStarted"]
    assert point.plug is not None and point.plug.driver is holder


# --- not using it: cancel on 2.2.1, expiry on 2.1.1 ---------------------------------------------------


def test_a_driver_who_gives_up_cancels_the_reservation() -> None:
    net = network(chargers=ChargerBehaviour(delay=5, start_timeout_probability=1.0))
    who = driver(net, 1)
    net.at(BEGIN, who.charge_stop())
    net.run_until(LEAVE)

    assert commands(net) == [
        ("DE-MSA", "RESERVE_NOW"),
        ("NL-CPA", "result RESERVE_NOW"),
        ("DE-MSA", "START_SESSION"),  # the charger never answers
        ("DE-MSA", "CANCEL_RESERVATION"),
        ("NL-CPA", "result CANCEL_RESERVATION"),
    ]
    assert completed(net) == [
        ("RESERVE_NOW", "ACCEPTED", "ACCEPTED", False),
        ("START_SESSION", "ACCEPTED", None, True),
        ("CANCEL_RESERVATION", "ACCEPTED", "ACCEPTED", False),
    ]
    (refused,) = net.of(ChargeRefused)
    (gave_up,) = net.of(DriverGaveUp)
    assert (refused.reason, gave_up.reason) == ("command_timeout", "refused")
    cancel = next(m for m in net.of(MessageExchanged) if m.url.endswith("/CANCEL_RESERVATION"))
    assert 0 <= seconds(net, cancel) - seconds(net, gave_up) <= 1  # cancelled from the app as the driver gives up
    assert json.loads(cancel.request_body or "{}")["reservation_id"] == "1"
    # Freed at once, not at the expiry; the reservation's session is over without a CDR.
    freed_at, status = statuses(net)[-1]
    assert status == "AVAILABLE" and freed_at < seconds(net, gave_up) + 10 < expiry_after(2.0)
    (session,) = net.cpo.cpo_data.sessions.values()
    assert session.status is SessionStatus.COMPLETED and net.of(CDRIssued) == []
    assert cpo_state(net.cpo).reservations == {}


def test_on_ocpi_2_1_1_there_is_no_cancel_and_the_reservation_expires() -> None:
    net = network(V211, chargers=ChargerBehaviour(delay=5, start_timeout_probability=1.0))
    who = driver(net, 1)
    net.at(BEGIN, who.charge_stop())
    net.run_until(LEAVE)

    assert commands(net) == [
        ("DE-MSB", "RESERVE_NOW"),
        ("NL-CPA", "result RESERVE_NOW"),
        ("DE-MSB", "START_SESSION"),
    ]
    assert [c[0] for c in completed(net)] == ["RESERVE_NOW", "START_SESSION"]
    assert reserve_body(net)["reservation_id"] == 1  # 2.1.1 reservation ids are integers
    (gave_up,) = net.of(DriverGaveUp)
    expiry = expiry_after(2.0)
    assert seconds(net, gave_up) < expiry
    (reserved_at, first), (freed_at, last) = statuses(net)
    assert (first, last) == ("RESERVED", "AVAILABLE")
    assert 105 < reserved_at < 106 and freed_at == expiry  # held for nobody until it expired
    assert net.cpo.cpo_data.sessions.values() == []  # 2.1.1 reservations have no session


def test_when_the_cpo_cancels_the_reservation_the_driver_charges_elsewhere_without_cancelling() -> None:
    net = network(evses=("AC1", "DC1"))
    who = driver(net, 1)
    broken: list[str] = []

    def charger_fails() -> Generator[Any, Any, None]:
        (reservation,) = cpo_state(net.cpo).reservations.values()
        point = net.world.charge_points[("NL-CPA", "LOC1", reservation.evse_uid)]
        broken.append(point.evse_uid)
        point.break_down()  # the CPO cancels the reservation (CANCELED_RESERVATION)
        yield net.env.timeout(0)

    net.at(BEGIN, who.charge_stop())
    net.at(BEGIN + 60, charger_fails())
    net.run_until(LEAVE - 60)

    assert commands(net) == [
        ("DE-MSA", "RESERVE_NOW"),
        ("NL-CPA", "result RESERVE_NOW"),
        ("NL-CPA", "result RESERVE_NOW"),  # CANCELED_RESERVATION on the same response_url
        ("DE-MSA", "START_SESSION"),
        ("NL-CPA", "result START_SESSION"),
    ]
    pending = next(iter(commands_client.emsp_state(net.emsp).pending.values()))
    assert [r.result for r in pending.results] == [CommandResultType.ACCEPTED, CommandResultType.CANCELED_RESERVATION]
    (charge,) = net.of(ChargeStarted)
    assert charge.evse_uid != broken[0]


# --- remote stop ----------------------------------------------------------------------------------------


def test_a_remote_stop_ends_the_session_from_the_app_then_the_driver_walks_back_and_unplugs() -> None:
    net = network()
    who = driver(net, 1, reserve=0.0, remote_stop=1.0)
    net.at(BEGIN, who.charge_stop())
    net.run_until(LEAVE + 600)

    assert commands(net) == [
        ("DE-MSA", "START_SESSION"),
        ("NL-CPA", "result START_SESSION"),
        ("DE-MSA", "STOP_SESSION"),
        ("NL-CPA", "result STOP_SESSION"),
    ]
    assert completed(net)[1] == ("STOP_SESSION", "ACCEPTED", "ACCEPTED", False)
    stop = next(m for m in net.of(MessageExchanged) if m.url.endswith("/STOP_SESSION"))
    (charge,) = net.of(ChargeStarted)
    assert json.loads(stop.request_body or "{}")["session_id"] == charge.session_id
    assert LEAVE <= seconds(net, stop) <= LEAVE + 1  # at the end of the stay (recorded with its answer)
    (issued,) = net.of(CDRIssued)
    (ended,) = net.of(ChargeEnded)
    assert LEAVE + 5 <= seconds(net, issued) < LEAVE + 6  # the charger stops 5 s after the command
    assert seconds(net, ended) == LEAVE + driver_app.WALK_S  # the car leaves after the walk
    assert [s for _, s in statuses(net)] == ["CHARGING", "BLOCKED", "AVAILABLE"]
    assert statuses(net)[-1][0] == LEAVE + driver_app.WALK_S


def test_no_remote_stop_for_a_session_the_emsp_knows_has_ended() -> None:
    net = network()
    who = driver(net, 1, reserve=0.0, remote_stop=1.0)
    net.at(BEGIN, who.charge_stop())
    net.run_until(3600)
    net.world.charge_points[("NL-CPA", "LOC1", "AC1")].break_down()  # ends the session (CDR); EVSE OUTOFORDER
    net.run_until(LEAVE + 1200)
    (session,) = net.emsp.emsp_data.sessions.values()
    assert session.status is SessionStatus.COMPLETED and len(net.of(CDRIssued)) == 1
    assert [c[0] for c in completed(net)] == ["START_SESSION"]  # nothing left to stop
    # The driver waited one poll for energy that no longer came, then still walked to the car.
    assert seconds(net, net.of(ChargeEnded)[0]) == LEAVE + POLL_S + driver_app.WALK_S


# --- who reserves, and the draws ------------------------------------------------------------------------


def test_only_app_drivers_reserve_and_only_beyond_a_kilometre() -> None:
    near = network()
    near.at(BEGIN, driver(near, 1, km=0.7).charge_stop())  # 0.7 km: walkable, no reservation
    near.run_until(LEAVE - 60)
    assert [c[0] for c in completed(near)] == ["START_SESSION"]

    card = network()
    rfid = driver(card, 1, kind=TokenKind.RFID, reserve=1.0, remote_stop=1.0)
    assert not (rfid.reserves or rfid.stops_remotely)  # no app, no app commands
    card.at(BEGIN, rfid.charge_stop())
    card.run_until(LEAVE + 600)
    assert commands(card) == [] and len(card.of(ChargeEnded)) == 1


def test_the_traits_are_drawn_only_for_populations_that_use_them_and_a_larger_share_keeps_its_drivers() -> None:
    net = network()

    def made(seed: int, kind: TokenKind, reserve: float, remote_stop: float) -> tuple[Driver, random.Random]:
        rng = random.Random(seed)
        token = driver_token(net.emsp.emsp_data.party, 1, kind, TokenPolicy(), net.roaming.clock.now())
        habits = Habits(DriverProfile.SHOPPER, SITE, Circle(SITE.lat, SITE.lon, 5.0), None, 600, 0, D("0.3"))
        wants = Preferences(reserve=reserve, remote_stop=remote_stop)
        ev = EVState(EV_PRESETS["compact"], D("0.5"))
        return Driver("DE-MSA/d0001", net.emsp, token, kind, ev, habits, net.world, rng=rng, preferences=wants), rng

    def next_draw(seed: int, skip: int) -> float:
        rng = random.Random(seed)
        for _ in range(skip):
            rng.random()
        return rng.random()

    for seed in range(40):
        # Without the shares (and for RFID drivers) nothing is drawn: existing runs stay identical.
        assert made(seed, TokenKind.APP, 0.0, 0.0)[1].random() == next_draw(seed, 0)
        assert made(seed, TokenKind.RFID, 1.0, 1.0)[1].random() == next_draw(seed, 0)
        # With either share, an app driver draws exactly two numbers (reserve, then remote stop).
        assert made(seed, TokenKind.APP, 0.0, 0.5)[1].random() == next_draw(seed, 2)
    reservers = {seed for seed in range(40) if made(seed, TokenKind.APP, 0.3, 0.0)[0].reserves}
    more = {seed for seed in range(40) if made(seed, TokenKind.APP, 0.6, 0.0)[0].reserves}
    assert reservers < more and 4 <= len(reservers) <= 20
    stoppers = {seed for seed in range(40) if made(seed, TokenKind.APP, 0.3, 0.5)[0].stops_remotely}
    assert stoppers == {seed for seed in range(40) if made(seed, TokenKind.APP, 0.9, 0.5)[0].stops_remotely}


def test_reservation_ids_are_digits_unique_per_emsp() -> None:
    roaming = Roaming()
    first, second = roaming.emsp("DE-MSA"), roaming.emsp("DE-MSB")
    ids = [driver_app.next_reservation_id(first) for _ in range(3)]
    assert ids == ["1", "2", "3"] and driver_app.next_reservation_id(second) == "1"


def test_the_shares_are_validated_in_the_scenario() -> None:
    assert (Drivers().reserve, Drivers().remote_stop) == (0.0, 0.0)
    assert Drivers(reserve=0.5, remote_stop=1).remote_stop == 1.0
    for field in ("reserve", "remote_stop"):
        with pytest.raises(ValidationError, match=field):
            Drivers.model_validate({field: 1.5})
        with pytest.raises(ValidationError, match=field):
            Drivers.model_validate({field: -0.1})
