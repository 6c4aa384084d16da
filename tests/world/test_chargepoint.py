"""Charge points: plugging in, RFID and remote starts, the commands hook, failures, reservations, the World."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from types import SimpleNamespace
from typing import Any

from sim.events import AuthorizationDecided, CDRIssued, ChargeEnded, ChargeStarted, EVSEStatusChanged
from sim.ocpi.v221.cdrs import AuthMethod
from sim.ocpi.v221.locations_enums import ConnectorType, Status
from sim.ocpi.v221.sessions import SessionStatus
from sim.parties.modules import commands_client
from sim.parties.modules.commands_client import CommandOutcome
from sim.parties.modules.locations import find_evse
from sim.parties.modules.locations_client import add_location
from sim.parties.modules.tokens_client import add_token, push_tokens
from sim.scenario.schema import ChargerBehaviour, Reliability, Scenario
from sim.world.chargepoint import ChargePoint, EVSEState, StartOutcome
from sim.world.world import World
from tests.world.worldkit import CPA, Car, Net, location, network, token


def statuses(net: Net, evse_uid: str) -> list[tuple[int, str]]:
    """(second, status) of every EVSEStatusChanged of one EVSE."""
    start = net.roaming.clock.start
    return [
        (int((e.time - start).total_seconds()), e.status) for e in net.of(EVSEStatusChanged) if e.evse_uid == evse_uid
    ]


def stored_status(net: Net, evse_uid: str) -> tuple[Status, Status]:
    """The EVSE's status at the CPO and in the eMSP's copy."""
    mine = net.cpo.cpo_data.locations.get(CPA, "LOC1")
    theirs = net.emsp.emsp_data.locations.get(CPA, "LOC1")
    assert mine is not None and theirs is not None
    return (
        next(e.status for e in mine.evses or [] if e.uid == evse_uid),
        next(e.status for e in theirs.evses or [] if e.uid == evse_uid),
    )


def rfid(net: Net, point: ChargePoint, car: Car, log: list[Any]) -> Generator[Any, Any, None]:
    assert point.plug_in(car, "1")
    log.append((net.env.now, (yield from point.start_by_rfid(car))))


def app(net: Net, point: ChargePoint, car: Car, log: list[Any], *, wait_s: float = 120) -> Generator[Any, Any, None]:
    """An app user plugs in; the eMSP sends START_SESSION while the charge point waits for it."""
    assert point.plug_in(car, "1")
    waiting = net.env.process(point.await_remote_start(car, wait_s))
    command: CommandOutcome = yield from commands_client.start_session(
        net.emsp, cpo=CPA, location_id="LOC1", token_uid=car.token.uid, evse_uid=point.evse_uid, connector_id="1"
    )
    outcome: StartOutcome = yield waiting
    log.append((command, outcome))


# --- RFID ---------------------------------------------------------------------------------------------


def test_an_rfid_start_is_authorized_started_and_pushed() -> None:
    net = network()
    point, car, log = net.point("AC1"), net.car(), []
    net.at(100, rfid(net, point, car, log))
    net.run_until(200)
    ((_, outcome),) = log
    assert outcome.started and outcome.session_id == "SES000001" and outcome.reason is None
    assert point.status is EVSEState.OCCUPIED
    (decided,) = net.of(AuthorizationDecided)
    assert (decided.cpo, decided.emsp, decided.token_uid, decided.allowed, decided.method, decided.latency_s) == (
        "NL-CPA", "DE-MSA", "TOK1", "ALLOWED", "WHITELIST", 0.0)  # fmt: skip
    (started,) = net.of(ChargeStarted)
    assert (started.driver, started.emsp, started.session_id, started.method) == ("DE-MSA/d1", "DE-MSA", "SES000001",
                                                                                   "rfid")  # fmt: skip
    assert abs(started.start_latency_s - 0.1) < 1e-9  # the session PUT's round trip
    assert stored_status(net, "AC1") == (Status.CHARGING, Status.CHARGING)
    assert statuses(net, "AC1") == [(100, "CHARGING")]


def test_real_time_authorization_takes_a_round_trip() -> None:
    net = network()
    add_token(net.emsp, token(net.emsp.emsp_data.party, "LIVE1", whitelist="NEVER"))
    net.roaming.run(push_tokens(net.emsp))
    log: list[Any] = []
    net.at(100, rfid(net, net.point("AC1"), net.car("LIVE1"), log))
    net.run_until(200)
    (decided,) = net.of(AuthorizationDecided)
    assert decided.method == "AUTH_REQUEST" and decided.allowed == "ALLOWED"
    assert abs(decided.latency_s - 0.1) < 1e-9
    assert log[0][1].started


def test_refusals_name_the_reason_and_leave_the_evse_alone() -> None:
    net = network()
    owner = net.emsp.emsp_data.party
    add_token(net.emsp, token(owner, "BLOCK1", valid=False))
    net.roaming.run(push_tokens(net.emsp))
    stranger = Car("XX/d9", net.emsp, token(owner, "NOBODY", whitelist="NEVER"), net.car().kind, net.car().ev)
    log: list[Any] = []
    net.at(100, rfid(net, net.point("AC1"), net.car("BLOCK1"), log))
    net.at(100, rfid(net, net.point("DC1"), stranger, log))
    net.run_until(200)
    assert [(o.started, o.reason) for _, o in log] == [(False, "blocked"), (False, "unknown_token")]
    assert [d.allowed for d in net.of(AuthorizationDecided)] == ["BLOCKED", None]
    assert net.of(ChargeStarted) == [] and net.of(EVSEStatusChanged) == []
    assert net.cpo.cpo_data.sessions.values() == []


def test_an_occupied_charge_point_refuses_a_second_car_and_frees_up_at_the_unplug() -> None:
    net = network()
    point, first, second, log = net.point("AC1"), net.car(), net.car(name="d2"), []
    freed: list[float] = []

    def queue() -> Generator[Any, Any, None]:
        assert not point.plug_in(second, "1")
        yield point.freed()
        freed.append(net.env.now)
        assert point.plug_in(second, "1")

    net.at(100, rfid(net, point, first, log))
    net.at(200, queue())
    net.at(1000, point.unplug(first))
    net.run_until(1100)
    assert freed == [1000]
    assert point.status is EVSEState.OCCUPIED and point.plug is not None and point.plug.driver is second
    (ended,) = net.of(ChargeEnded)
    assert ended.session_id == "SES000001" and ended.kwh == Decimal("2.750")  # 900 s at 11 kW
    assert statuses(net, "AC1") == [(100, "CHARGING"), (1000, "AVAILABLE")]


# --- the commands hook ----------------------------------------------------------------------------------


def test_a_remote_start_needs_the_car_plugged_in_and_starts_the_session_with_the_command() -> None:
    net = network()
    point, car, log = net.point("AC1"), net.car("APP1"), []
    net.at(100, app(net, point, car, log))
    net.run_until(300)
    ((command, outcome),) = log
    assert command.accepted and outcome.started
    session = net.cpo.cpo_data.sessions.get(CPA, outcome.session_id or "")
    assert session is not None and session.auth_method is AuthMethod.COMMAND
    assert session.authorization_reference is not None  # the command's, chosen by the eMSP
    assert session.cdr_token.uid == "APP1"
    (started,) = net.of(ChargeStarted)
    assert started.method == "app" and 5 < started.start_latency_s < 6  # the charger's 5 s, then the messages


def test_a_remote_start_without_the_car_fails() -> None:
    net = network()
    outcomes: list[CommandOutcome] = []

    def command() -> Generator[Any, Any, None]:
        outcomes.append((yield from commands_client.start_session(
            net.emsp, cpo=CPA, location_id="LOC1", token_uid="APP1", evse_uid="AC1", connector_id="1")))  # fmt: skip

    net.at(100, command())
    net.run_until(300)
    (outcome,) = outcomes
    assert outcome.result is not None and outcome.result.result.value == "FAILED"
    assert net.cpo.cpo_data.sessions.values() == [] and net.of(ChargeStarted) == []


def test_a_start_the_charger_never_answers_times_out_at_both_ends() -> None:
    net = network(chargers=ChargerBehaviour(delay=5, start_timeout_probability=1.0))
    point, car, log = net.point("AC1"), net.car("APP1"), []
    net.at(100, app(net, point, car, log, wait_s=60))
    net.run_until(300)
    ((command, outcome),) = log
    assert command.timed_out and command.result is None
    assert (outcome.started, outcome.reason) == (False, "command_timeout")
    assert net.cpo.cpo_data.sessions.values() == []


def test_a_remote_start_on_a_charge_point_taken_by_another_car_is_evse_occupied() -> None:
    net = network()
    point, log = net.point("AC1"), []
    net.at(100, rfid(net, point, net.car(), log))
    net.at(200, app(net, net.point("DC1"), net.car("APP1", name="d2"), log, wait_s=30))
    outcomes: list[CommandOutcome] = []

    def command() -> Generator[Any, Any, None]:
        outcomes.append((yield from commands_client.start_session(
            net.emsp, cpo=CPA, location_id="LOC1", token_uid="APP1", evse_uid="AC1", connector_id="1")))  # fmt: skip

    net.at(150, command())
    net.run_until(400)
    (outcome,) = outcomes
    assert outcome.result is not None and outcome.result.result.value == "EVSE_OCCUPIED"


def test_a_remote_stop_ends_the_session_and_the_car_blocks_the_evse_until_it_leaves() -> None:
    net = network()
    point, car, log = net.point("AC1"), net.car(), []
    stops: list[CommandOutcome] = []

    def stop() -> Generator[Any, Any, None]:
        stops.append((yield from commands_client.stop_session(net.emsp, cpo=CPA, session_id="SES000001")))

    net.at(100, rfid(net, point, car, log))
    net.at(1000, stop())
    net.at(2000, point.unplug(car))
    net.run_until(2100)
    assert stops[0].accepted
    session = net.cpo.cpo_data.sessions.get(CPA, "SES000001")
    assert session is not None and session.status is SessionStatus.COMPLETED
    (issued,) = net.of(CDRIssued)
    assert 1005 < (issued.time - net.roaming.clock.start).total_seconds() < 1006  # at the stop, not the unplug
    assert issued.kwh == Decimal("2.7650")  # 905 s at 11 kW (the charger stops 5 s after the command)
    assert statuses(net, "AC1") == [(100, "CHARGING"), (1005, "BLOCKED"), (2000, "AVAILABLE")]
    (ended,) = net.of(ChargeEnded)
    assert (ended.time - net.roaming.clock.start).total_seconds() == 2000 and ended.kwh == Decimal("2.765")


def test_unlocking_the_connector_ends_a_stuck_session() -> None:
    net = network()
    point, car, log = net.point("AC1"), net.car(), []
    unlocks: list[CommandOutcome] = []

    def unlock() -> Generator[Any, Any, None]:
        unlocks.append((yield from commands_client.unlock_connector(
            net.emsp, cpo=CPA, location_id="LOC1", evse_uid="AC1", connector_id="1")))  # fmt: skip

    net.at(100, rfid(net, point, car, log))
    net.at(500, unlock())
    net.run_until(700)
    assert unlocks[0].accepted and point.charging is None
    session = net.cpo.cpo_data.sessions.get(CPA, "SES000001")
    assert session is not None and session.status is SessionStatus.COMPLETED
    assert len(net.of(CDRIssued)) == 1


# --- reservations ----------------------------------------------------------------------------------


def reserve(net: Net, uid: str, minutes: int, log: list[CommandOutcome]) -> Generator[Any, Any, None]:
    expiry = net.roaming.clock.now() + timedelta(minutes=minutes)
    log.append((yield from commands_client.reserve_now(
        net.emsp, cpo=CPA, location_id="LOC1", token_uid=uid, expiry_date=expiry, reservation_id="R1",
        evse_uid="AC1")))  # fmt: skip


def test_a_reserved_charge_point_takes_only_the_reserving_drivers_car() -> None:
    net = network()
    point, holder, other, log = net.point("AC1"), net.car(), net.car("APP1", name="d2"), []
    reserved: list[CommandOutcome] = []
    net.at(100, reserve(net, "TOK1", 30, reserved))
    net.run_until(200)
    assert reserved[0].accepted and point.status is EVSEState.RESERVED
    assert stored_status(net, "AC1") == (Status.RESERVED, Status.RESERVED)
    assert not point.plug_in(other, "1")
    reservation_session = net.cpo.cpo_data.sessions.values()[0]
    assert reservation_session.status is SessionStatus.RESERVATION
    net.at(300, rfid(net, point, holder, log))
    net.run_until(400)
    assert log[0][1].session_id == reservation_session.id  # the reservation's session turned ACTIVE
    session = net.cpo.cpo_data.sessions.get(CPA, reservation_session.id)
    assert session is not None and session.status is SessionStatus.ACTIVE
    assert statuses(net, "AC1") == [(105, "RESERVED"), (300, "CHARGING")]


def test_an_expired_reservation_frees_the_charge_point() -> None:
    net = network()
    point, reserved, freed = net.point("AC1"), [], []

    def wait() -> Generator[Any, Any, None]:
        yield point.freed()
        freed.append(net.env.now)

    net.at(100, reserve(net, "TOK1", 10, reserved))
    net.at(200, wait())
    net.run_until(1000)
    assert point.status is EVSEState.FREE and freed == [700]  # expiry 10 min after the request
    assert statuses(net, "AC1") == [(105, "RESERVED"), (700, "AVAILABLE")]


# --- failures and repairs ----------------------------------------------------------------------------


def failure_history(seed: int) -> list[tuple[int, str]]:
    net = network(seed=seed, reliability=Reliability(mtbf=4 * 3600, mttr=3600))
    net.run_until(3 * 86400)
    return statuses(net, "AC1")


def test_failures_and_repairs_follow_mtbf_and_mttr_the_same_way_for_a_seed() -> None:
    history = failure_history(7)
    assert history == failure_history(7)
    assert history != failure_history(8)
    assert [status for _, status in history] == ["OUTOFORDER", "AVAILABLE"] * (len(history) // 2) + (
        ["OUTOFORDER"] if len(history) % 2 else []
    )
    assert 6 <= len(history) // 2 <= 40  # ≈ 72 h / 5 h per cycle
    downs = [b - a for (a, s), (b, _) in pairwise(history) if s == "OUTOFORDER"]
    assert 0.3 * 3600 < sum(downs) / len(downs) < 3 * 3600


def test_a_failure_ends_the_running_session_and_the_repair_frees_the_charge_point() -> None:
    net = network()
    point, car, log, freed = net.point("AC1"), net.car(), [], []

    def wait() -> Generator[Any, Any, None]:
        yield point.freed()
        freed.append(net.env.now)

    net.at(100, rfid(net, point, car, log))
    net.run_until(1000)
    point.break_down()
    net.at(1001, wait())
    net.at(1500, point.unplug(car))
    net.run_until(2000)
    point.repair()
    net.run_until(2100)
    session = net.cpo.cpo_data.sessions.get(CPA, "SES000001")
    assert session is not None and session.status is SessionStatus.COMPLETED
    (issued,) = net.of(CDRIssued)
    assert issued.kwh == Decimal("2.7500")  # 900 s at 11 kW, nothing after the failure
    (ended,) = net.of(ChargeEnded)
    assert ended.kwh == Decimal("2.750") and (ended.time - net.roaming.clock.start).total_seconds() == 1500
    assert statuses(net, "AC1") == [(100, "CHARGING"), (1000, "OUTOFORDER"), (2000, "AVAILABLE")]
    assert freed == [2000]


def test_a_closed_location_shows_inoperative_and_takes_no_car() -> None:
    net = network()
    point = net.point("DC1")
    point.set_closed(True)
    net.run_until(100)
    assert point.status is EVSEState.BROKEN and not point.plug_in(net.car(), "1")
    point.set_closed(False)
    net.run_until(200)
    assert point.status is EVSEState.FREE
    assert [s for _, s in statuses(net, "DC1")] == ["INOPERATIVE", "AVAILABLE"]


# --- the World ---------------------------------------------------------------------------------------


def test_the_world_holds_one_charge_point_per_evse_in_order() -> None:
    net = network()
    assert list(net.world.charge_points) == [("NL-CPA", "LOC1", "AC1"), ("NL-CPA", "LOC1", "DC1")]
    assert [cp.evse_uid for cp in net.world.at_location("NL-CPA", "loc1")] == ["AC1", "DC1"]
    assert net.world.at_location("NL-CPA", "LOC2") == []
    ((cpo, location),) = net.world.all_locations()
    assert cpo == "NL-CPA" and location.id == "LOC1"
    assert net.world.rng_for("x").random() == net.world.rng_for("x").random()
    assert net.point("DC1").max_power_kw(net.point("DC1").evse.connectors[0]) == Decimal(50)
    compact = net.car().ev.model
    assert net.point("AC1").compatible_connector(compact) is not None


def test_charge_points_read_their_evse_from_the_cpos_location_as_it_is_now() -> None:
    net = network()
    data = net.cpo.cpo_data
    before = data.locations.get(CPA, "LOC1")
    assert before is not None
    ac, dc = before.evses or []
    compact = net.car().ev.model
    assert net.point("AC1").evse is ac and net.point("AC1").compatible_connector(compact) is ac.connectors[0]
    assert net.world.evse_in("NL-CPA", before, "ac1") is find_evse(before, "ac1") is ac
    assert net.world.evse_in("NL-CPA", before, "nope") is None
    # A change stores a new Location: here AC1 gets a plug the car does not take, and a twin "ac1"
    # comes after it (case-insensitive ids: the first one counts, as find_evse says).
    chademo = ac.connectors[0].model_copy(update={"standard": ConnectorType.CHADEMO})
    after = before.model_copy(
        update={"evses": [ac.model_copy(update={"connectors": [chademo]}), dc, dc.model_copy(update={"uid": "ac1"})]}
    )
    data.locations.put(CPA, "LOC1", after)
    assert net.point("AC1").evse is (after.evses or [])[0] is find_evse(after, "AC1")
    assert net.point("AC1").compatible_connector(compact) is None
    assert net.point("DC1").compatible_connector(compact) is dc.connectors[0]


def test_at_location_sees_every_cpo_added() -> None:
    net = network()
    assert [cp.evse_uid for cp in net.world.at_location("NL-CPA", "LOC1")] == ["AC1", "DC1"]
    other = net.roaming.cpo("NL-CPB")
    add_location(other, location().model_copy(update={"party_id": "CPB"}))
    net.world.add_cpo(other)
    assert [cp.evse_uid for cp in net.world.at_location("NL-CPB", "loc1")] == ["AC1", "DC1"]
    assert [cp.key[0] for cp in net.world.at_location("NL-CPA", "LOC1")] == ["NL-CPA", "NL-CPA"]


def test_build_reads_each_cpos_settings_from_the_scenario() -> None:
    net = network()
    scenario = Scenario.model_validate({
        "name": "t", "parties": [{"id": "NL-CPA", "role": "CPO", "session_update_interval": "5m",
                                  "chargers": {"delay": "2s", "start_timeout_probability": 0.5},
                                  "reliability": {"mtbf": "1d", "mttr": "2h"}}],
    })  # fmt: skip
    simulation = SimpleNamespace(
        env=net.roaming.env, clock=net.roaming.clock, bus=net.roaming.bus, seed=1, scenario=scenario
    )
    world = World.build(simulation, [net.cpo])
    settings = world.settings["NL-CPA"]
    assert (settings.session_update_interval, settings.reliability.mtbf, settings.chargers.delay) == (300, 86400, 2)
    assert len(world.charge_points) == 2
