"""Commands module: the CPO's Receiver and simulated charger, the eMSP's client and callback, both versions.

Network: ``NL-CPA`` (both versions) and ``DE-MSP`` (2.2.1) or ``DE-MSB`` (2.1.1 only), the eMSP
registering; the CPO's Location ``LOC1`` is pushed to the eMSP and the eMSP owns token ``TOK1``.
EVSEs: ``E1`` can do everything, ``E2`` only has an RFID reader, ``E3`` needs a connector id.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sim.conformance import check
from sim.netbuilder import Roaming
from sim.ocpi.common import format_datetime
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import AuthMethod
from sim.ocpi.v221.commands import CommandResponseType, CommandResultType, CommandType
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import SessionStatus
from sim.parties.connection import SyncMode
from sim.parties.modules import commands_client as cc
from sim.parties.modules.commands import cancel_reservation_by_cpo, cpo_state
from sim.parties.modules.locations_client import set_evse_status
from sim.parties.modules.tokens_client import add_token
from sim.parties.party import Exchange

from .builders import CPA, V211, V221, body, chargers, chargers_via_hub, headers, path, start, token
from .builders import Chargers as Net
from .conftest import flow


@pytest.fixture(params=[V221, V211], ids=["2.2.1", "2.1.1"])
def net(roaming: Roaming, request: pytest.FixtureRequest) -> Net:
    return chargers(roaming, request.param)


@pytest.fixture
def net221(roaming: Roaming) -> Net:
    return chargers(roaming, V221)


def seen(net: Net, result: CommandResultType) -> CommandResultType:
    """A charger result as the eMSP gets it: 2.1.1 only knows ACCEPTED, NOT_SUPPORTED, TIMEOUT, REJECTED."""
    if net.version is V221 or result.value in ("ACCEPTED", "NOT_SUPPORTED", "TIMEOUT"):
        return result
    return CommandResultType.REJECTED


def reserve(net: Net, reservation_id: str = "42", hours: int = 2, **kwargs: Any) -> cc.CommandOutcome:
    expiry = net.roaming.clock.now() + timedelta(hours=hours)
    operation = cc.reserve_now(
        net.emsp,
        cpo=CPA,
        location_id="LOC1",
        token_uid="TOK1",
        expiry_date=expiry,
        reservation_id=reservation_id,
        **kwargs,
    )
    outcome: cc.CommandOutcome = net.run(operation)
    return outcome


# --- START_SESSION / STOP_SESSION -----------------------------------------------------------------


def test_start_session_full_flow(net: Net) -> None:
    mark = net.roaming.mark()
    outcome = start(net, evse_uid="E1")
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "START_SESSION"), 200, 1000),
        ("NL-CPA", net.emsp.name, "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", net.emsp.name, "PUT", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 201, 1000),
        ("NL-CPA", net.emsp.name, "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
    ]
    assert path(outcome.response_url).startswith(net.path("sender", "commands", "START_SESSION") + "/")
    assert outcome.accepted and not outcome.timed_out and outcome.error is None
    assert outcome.response is not None and outcome.response.result is CommandResponseType.ACCEPTED
    command, result = body(exchanges[0]), body(exchanges[1])
    assert command["token"]["uid"] == "TOK1" and command["location_id"] == "LOC1"
    assert command["response_url"] == outcome.response_url
    assert result == {"result": "ACCEPTED"}
    assert "data" not in body(exchanges[1], "response")
    session = net.cpo_session("SES000001")
    assert session is not None and session.status is SessionStatus.ACTIVE and session.auth_method is AuthMethod.COMMAND
    assert (session.cdr_token.uid, session.evse_uid, session.connector_id) == ("TOK1", "E1", "1")
    assert net.emsp.emsp_data.sessions.get(CPA, "SES000001") is not None
    assert net.evse_status("E1") == (Status.CHARGING, Status.CHARGING)
    if net.version is V221:
        assert body(exchanges[0], "response")["data"] == {"result": "ACCEPTED", "timeout": 30}
        assert session.authorization_reference == command["authorization_reference"]
        ids = [headers(e.request_headers)["x-correlation-id"] for e in exchanges[:2]]
        assert ids == [outcome.correlation_id, outcome.correlation_id]
        assert headers(exchanges[1].request_headers)["ocpi-to-party-id"] == "MSP"
        assert body(exchanges[2])["auth_method"] == "COMMAND"
    else:
        assert body(exchanges[0], "response")["data"] == {"result": "ACCEPTED"}
        assert "connector_id" not in command and "authorization_reference" not in command
        assert body(exchanges[2])["auth_method"] == "AUTH_REQUEST"  # 2.1.1 has no COMMAND
    assert check(exchanges) == []


def test_start_session_when_the_emsp_pulls_sessions_and_locations(roaming: Roaming) -> None:
    net = chargers(roaming, V221, sync={"sessions": SyncMode.PULL, "locations": SyncMode.PULL})
    mark = roaming.mark()
    outcome = start(net, evse_uid="E1")
    assert flow(roaming.since(mark)) == [
        ("DE-MSP", "NL-CPA", "POST", net.path("receiver", "commands", "START_SESSION"), 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
    ]  # the consequences wait in the CPO's stores for the eMSP's next pull
    session = net.cpo_session("SES000001")
    assert outcome.accepted and session is not None and session.status is SessionStatus.ACTIVE
    assert net.emsp.emsp_data.sessions.get(CPA, "SES000001") is None
    assert check(roaming.since(mark)) == []


def test_start_without_evse_lets_the_charger_pick_a_free_capable_one(net: Net) -> None:
    net.roaming.run(set_evse_status(net.cpo, "LOC1", "E1", Status.CHARGING))
    mark = net.roaming.mark()
    outcome = start(net)  # E1 busy, E2 not remotely startable, E3 needs a connector id
    assert outcome.result is not None and outcome.result.result is seen(net, CommandResultType.EVSE_OCCUPIED)
    assert len(net.roaming.since(mark)) == 2 and net.cpo_session("SES000001") is None
    net.roaming.run(set_evse_status(net.cpo, "LOC1", "E1", Status.AVAILABLE))
    assert start(net).accepted
    session = net.cpo_session("SES000001")
    assert session is not None and session.evse_uid == "E1"
    assert check(net.roaming.since(mark)) == []


def test_stop_session_full_flow(net: Net) -> None:
    start(net, evse_uid="E1")
    mark = net.roaming.mark()
    outcome = net.run(cc.stop_session(net.emsp, cpo=CPA, session_id="SES000001"))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "STOP_SESSION"), 200, 1000),
        ("NL-CPA", net.emsp.name, "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", net.emsp.name, "PATCH", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 200, 1000),
        ("NL-CPA", net.emsp.name, "POST", net.path("receiver", "cdrs"), 201, 1000),
        ("NL-CPA", net.emsp.name, "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
    ]
    assert outcome.accepted
    assert body(exchanges[0]) == {"response_url": outcome.response_url, "session_id": "SES000001"}
    session = net.cpo_session("SES000001")
    assert session is not None and session.status is SessionStatus.COMPLETED
    assert len(net.emsp.emsp_data.cdrs) == 1
    assert net.evse_status("E1") == (Status.AVAILABLE, Status.AVAILABLE)
    assert check(exchanges) == []


def test_stop_unknown_session_is_unknown_session(net: Net) -> None:
    mark = net.roaming.mark()
    outcome = net.run(cc.stop_session(net.emsp, cpo=CPA, session_id="NOPE"))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "STOP_SESSION"), 200, 1000)
    ]
    assert outcome.response is not None and outcome.response.result is CommandResponseType.UNKNOWN_SESSION
    assert outcome.result is None and not outcome.timed_out
    assert body(exchanges[0], "response")["data"]["result"] == "UNKNOWN_SESSION"
    assert check(exchanges) == []


def test_stop_session_of_another_emsp_is_rejected(roaming: Roaming) -> None:
    net = chargers(roaming, V221)
    other = roaming.emsp("DE-OTH")
    roaming.connect(other, net.cpo)
    start(net, evse_uid="E1")
    mark = roaming.mark()
    outcome = net.run(cc.stop_session(other, cpo=CPA, session_id="SES000001"))
    assert flow(roaming.since(mark)) == [
        ("DE-OTH", "NL-CPA", "POST", net.path("receiver", "commands", "STOP_SESSION"), 200, 1000)
    ]
    assert outcome.response is not None and outcome.response.result is CommandResponseType.REJECTED
    assert outcome.response.message and "another eMSP" in outcome.response.message[0].text
    session = net.cpo_session("SES000001")
    assert session is not None and session.status is SessionStatus.ACTIVE
    assert check(roaming.since(mark)) == []


def test_start_rejected_by_the_charger_evse_occupied(net: Net) -> None:
    cpo_state(net.cpo).behaviour.outcomes[CommandType.START_SESSION] = CommandResultType.EVSE_OCCUPIED
    mark = net.roaming.mark()
    outcome = start(net, evse_uid="E1")
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "START_SESSION"), 200, 1000),
        ("NL-CPA", net.emsp.name, "POST", path(outcome.response_url), 200, 1000),
    ]
    assert outcome.response is not None and outcome.response.result is CommandResponseType.ACCEPTED
    assert outcome.result is not None and not outcome.accepted
    if net.version is V221:
        assert body(exchanges[1]) == {"result": "EVSE_OCCUPIED"}
        assert outcome.result.result is CommandResultType.EVSE_OCCUPIED
    else:  # 2.1.1 has no EVSE_OCCUPIED: the charger's refusal is REJECTED
        assert body(exchanges[1]) == {"result": "REJECTED"}
        assert outcome.result.result is CommandResultType.REJECTED
    assert len(net.cpo.cpo_data.sessions) == 0
    assert check(exchanges) == []


@pytest.mark.parametrize("status", [Status.CHARGING, Status.OUTOFORDER])
def test_charger_reports_the_evse_state(net221: Net, status: Status) -> None:
    net221.roaming.run(set_evse_status(net221.cpo, "LOC1", "E1", status))
    outcome = start(net221, evse_uid="E1")
    expected = CommandResultType.EVSE_OCCUPIED if status is Status.CHARGING else CommandResultType.EVSE_INOPERATIVE
    assert outcome.result is not None and outcome.result.result is expected
    assert len(net221.cpo.cpo_data.sessions) == 0


def test_timeout_when_the_charger_never_answers(net: Net) -> None:
    cpo_state(net.cpo).behaviour.outcomes[CommandType.START_SESSION] = None
    cc.emsp_state(net.emsp).default_timeout_s = 12  # only 2.1.1 uses it: 2.2.1 responses carry timeout=30
    mark = net.roaming.mark()
    began = net.roaming.env.now
    outcome = net.roaming.run(cc.start_session(net.emsp, cpo=CPA, location_id="LOC1", token_uid="TOK1"))
    waited = net.roaming.env.now - began
    net.roaming.settle(120)
    assert flow(net.roaming.since(mark)) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "START_SESSION"), 200, 1000)
    ]
    assert outcome.timed_out and outcome.result is None and not outcome.accepted
    assert waited == pytest.approx(0.1 + (30 if net.version is V221 else 12))
    assert len(net.cpo.cpo_data.sessions) == 0
    assert check(net.roaming.since(mark)) == []


def test_a_result_after_the_timeout_is_kept_but_too_late(net221: Net) -> None:
    cpo_state(net221.cpo).behaviour.delay_s = 40
    outcome = start(net221, evse_uid="E1")
    assert outcome.timed_out and outcome.result is None
    uid = path(outcome.response_url).rsplit("/", 1)[1]
    late = cc.emsp_state(net221.emsp).pending[uid].results
    assert [r.result for r in late] == [CommandResultType.ACCEPTED]


def test_unknown_location_is_2003_with_rejected(net: Net) -> None:
    mark = net.roaming.mark()
    outcome = net.run(cc.start_session(net.emsp, cpo=CPA, location_id="NOWHERE", token_uid="TOK1"))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "START_SESSION"), 200, 2003)
    ]
    assert body(exchanges[0], "response")["data"]["result"] == "REJECTED"
    assert outcome.exchange is not None and outcome.exchange.ocpi_status == 2003
    assert outcome.response is not None and outcome.response.result is CommandResponseType.REJECTED
    assert outcome.result is None and not outcome.timed_out
    assert check(exchanges) == []


def test_unlock_connector_on_unknown_location_is_2003(net: Net) -> None:
    mark = net.roaming.mark()
    net.run(cc.unlock_connector(net.emsp, cpo=CPA, location_id="NOWHERE", evse_uid="E1", connector_id="1"))
    assert [(e.response_status, e.ocpi_status) for e in net.roaming.since(mark)] == [(200, 2003)]


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (lambda net: cc.start_session(net.emsp, cpo=CPA, location_id="LOC1", token_uid="TOK1", evse_uid="E2"),
         CommandResponseType.NOT_SUPPORTED),
        (lambda net: cc.unlock_connector(net.emsp, cpo=CPA, location_id="LOC1", evse_uid="E2", connector_id="1"),
         CommandResponseType.NOT_SUPPORTED),
        (lambda net: cc.reserve_now(net.emsp, cpo=CPA, location_id="LOC1", token_uid="TOK1", evse_uid="E3",
                                    expiry_date=net.roaming.clock.now() + timedelta(hours=1), reservation_id="1"),
         CommandResponseType.NOT_SUPPORTED),
        (lambda net: cc.start_session(net.emsp, cpo=CPA, location_id="LOC1", token_uid="TOK1", evse_uid="E9"),
         CommandResponseType.REJECTED),
        (lambda net: cc.unlock_connector(net.emsp, cpo=CPA, location_id="LOC1", evse_uid="E1", connector_id="9"),
         CommandResponseType.REJECTED),
        (lambda net: cc.reserve_now(net.emsp, cpo=CPA, location_id="LOC1", token_uid="TOK1", evse_uid="E1",
                                    expiry_date=net.roaming.clock.now() - timedelta(hours=1), reservation_id="1"),
         CommandResponseType.REJECTED),
    ],
    ids=["start-not-capable", "unlock-not-capable", "reserve-not-capable", "start-unknown-evse",
         "unlock-unknown-connector", "reserve-expired"],
)  # fmt: skip
def test_synchronous_refusals(net: Net, operation: Any, expected: CommandResponseType) -> None:
    mark = net.roaming.mark()
    outcome = net.run(operation(net))
    assert [(e.response_status, e.ocpi_status) for e in net.roaming.since(mark)] == [(200, 1000)]
    assert outcome.response is not None and outcome.response.result is expected and outcome.result is None
    assert len(net.cpo.cpo_data.sessions) == 0 and cpo_state(net.cpo).reservations == {}
    assert check(net.roaming.since(mark)) == []


def test_connector_required_capability(net221: Net) -> None:
    refused = start(net221, evse_uid="E3")
    assert refused.response is not None and refused.response.result is CommandResponseType.REJECTED
    assert refused.response.message and "connector_id" in refused.response.message[0].text
    assert start(net221, evse_uid="E3", connector_id="2").accepted
    session = net221.cpo_session("SES000001")
    assert session is not None and (session.evse_uid, session.connector_id) == ("E3", "2")


def test_token_of_another_emsp_is_rejected_and_never_looked_up(net221: Net) -> None:
    foreign = token(PartyRef("FR", "XYZ"), "TOK1").to_wire()
    url = f"https://{net221.emsp.host}/ocpi/2.2.1/sender/commands/START_SESSION/x"
    mark = net221.roaming.mark()
    exchange = net221.post("START_SESSION", {"response_url": url, "token": foreign, "location_id": "LOC1"})
    assert exchange.ocpi_status == 1000 and exchange.data["result"] == "REJECTED"
    assert len(net221.roaming.since(mark)) == 1
    own = {**foreign, "country_code": "DE", "party_id": "MSP", "uid": "NEVER-PUSHED"}
    exchange = net221.post("START_SESSION", {"response_url": url, "token": own, "location_id": "LOC1"})
    assert exchange.data["result"] == "ACCEPTED"  # the CPO does not know this token and must not check it
    assert check(net221.roaming.since(mark)[:1]) == []


def test_unknown_command_is_404(net: Net) -> None:
    mark = net.roaming.mark()
    exchange = net.post("REBOOT", {"response_url": "https://x.test/r"})
    assert exchange.http_status == 404
    assert flow(net.roaming.since(mark)) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "REBOOT"), 404, 2000)
    ]
    if net.version is V211:  # CANCEL_RESERVATION does not exist in 2.1.1
        assert net.post("CANCEL_RESERVATION", {"response_url": "https://x.test/r"}).http_status == 404


def test_invalid_command_body_is_2001_and_nothing_happens(net: Net) -> None:
    url = f"https://{net.emsp.host}{net.path('sender', 'commands', 'START_SESSION', 'x')}"
    mark = net.roaming.mark()
    exchange = net.post("START_SESSION", {"response_url": url, "location_id": "LOC1"})  # no token
    assert (exchange.http_status, exchange.ocpi_status) == (200, 2001)
    assert exchange.message is not None and "token" in exchange.message
    assert len(net.roaming.since(mark)) == 1 and len(net.cpo.cpo_data.sessions) == 0


def test_callback_with_unknown_uid_is_404_and_bad_result_2001(net: Net) -> None:
    outcome = start(net, evse_uid="E1")
    connection = net.cpo.connections[net.emsp.name]
    to = net.emsp.emsp_data.party

    def post(url: str, result: Any) -> Exchange:
        call = net.cpo.call_peer(connection, "POST", url, module="commands", body=result, sender=CPA, to=to)
        exchange: Exchange = net.roaming.run(call)
        return exchange

    assert outcome.response_url is not None
    unknown = outcome.response_url.rsplit("/", 1)[0] + "/not-a-uid"
    assert post(unknown, {"result": "ACCEPTED"}).http_status == 404
    wrong_command = outcome.response_url.replace("START_SESSION", "STOP_SESSION")
    assert post(wrong_command, {"result": "ACCEPTED"}).http_status == 404
    bad = post(outcome.response_url, {"result": "MAYBE"})
    assert (bad.http_status, bad.ocpi_status) == (200, 2001)


# --- reservations ---------------------------------------------------------------------------------


def test_reserve_now_and_cancel_reservation_221(net221: Net) -> None:
    net = net221
    mark = net.roaming.mark()
    outcome = reserve(net, evse_uid="E1")
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSP", "NL-CPA", "POST", net.path("receiver", "commands", "RESERVE_NOW"), 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "DE-MSP", "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
        ("NL-CPA", "DE-MSP", "PUT", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 201, 1000),
    ]
    assert body(exchanges[0])["reservation_id"] == "42"
    assert body(exchanges[2]) == {"status": "RESERVED", "last_updated": body(exchanges[2])["last_updated"]}
    assert body(exchanges[3])["status"] == "RESERVATION"
    assert net.evse_status("E1") == (Status.RESERVED, Status.RESERVED)

    mark = net.roaming.mark()
    cancel = net.run(cc.cancel_reservation(net.emsp, cpo=CPA, reservation_id="42"))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSP", "NL-CPA", "POST", net.path("receiver", "commands", "CANCEL_RESERVATION"), 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(cancel.response_url), 200, 1000),
        ("NL-CPA", "DE-MSP", "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
        ("NL-CPA", "DE-MSP", "PATCH", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 200, 1000),
    ]
    assert cancel.accepted and body(exchanges[0]) == {"response_url": cancel.response_url, "reservation_id": "42"}
    assert net.evse_status("E1") == (Status.AVAILABLE, Status.AVAILABLE)
    session = net.cpo_session("SES000001")
    assert session is not None and session.status is SessionStatus.COMPLETED
    assert cpo_state(net.cpo).reservations == {}
    assert check(net.roaming.since(0)) == []


def test_reserve_now_211_sends_an_int_reservation_id_and_makes_no_session(roaming: Roaming) -> None:
    net = chargers(roaming, V211)
    mark = roaming.mark()
    outcome = reserve(net, reservation_id="0042")
    exchanges = roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSB", "NL-CPA", "POST", net.path("receiver", "commands", "RESERVE_NOW"), 200, 1000),
        ("NL-CPA", "DE-MSB", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "DE-MSB", "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
    ]
    assert body(exchanges[0])["reservation_id"] == 42
    assert '"reservation_id":42' in (exchanges[0].request_body or "")
    assert outcome.accepted and len(net.cpo.cpo_data.sessions) == 0
    [held] = cpo_state(net.cpo).reservations.values()
    assert (held.reservation_id, held.evse_uid, held.session_id) == ("42", "E1", None)
    not_digits = reserve(net, reservation_id="R-1")
    assert not_digits.error is not None and "digits" in not_digits.error and not_digits.exchange is None
    cancel = net.run(cc.cancel_reservation(net.emsp, cpo=CPA, reservation_id="42"))
    assert cancel.error is not None and cancel.exchange is None
    assert len(roaming.since(mark)) == 3
    assert check(roaming.since(mark)) == []


def test_cpo_cancels_a_reservation(net: Net) -> None:
    outcome = reserve(net, evse_uid="E1")
    mark = net.roaming.mark()
    exchange = net.roaming.run(cancel_reservation_by_cpo(net.cpo, "42"))
    net.roaming.settle(60)
    exchanges = net.roaming.since(mark)
    expected = [
        ("NL-CPA", net.emsp.name, "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", net.emsp.name, "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
    ]
    if net.version is V221:
        expected.append(
            ("NL-CPA", "DE-MSP", "PATCH", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 200, 1000)
        )
        assert body(exchanges[0]) == {"result": "CANCELED_RESERVATION"}
        assert headers(exchanges[0].request_headers)["x-correlation-id"] == outcome.correlation_id
        session = net.cpo_session("SES000001")
        assert session is not None and session.status is SessionStatus.COMPLETED
    else:
        assert body(exchanges[0]) == {"result": "REJECTED"}  # 2.1.1's only way to say it
    assert flow(exchanges) == expected and exchange.ok
    uid = path(outcome.response_url).rsplit("/", 1)[1]
    results = [r.result for r in cc.emsp_state(net.emsp).pending[uid].results]
    assert results[0] is CommandResultType.ACCEPTED and len(results) == 2
    assert net.evse_status("E1") == (Status.AVAILABLE, Status.AVAILABLE)
    with pytest.raises(LookupError):
        net.roaming.run(cancel_reservation_by_cpo(net.cpo, "42"))
    assert check(exchanges) == []


def test_cancel_unknown_reservation_is_unknown_reservation(net221: Net) -> None:
    mark = net221.roaming.mark()
    outcome = net221.run(cc.cancel_reservation(net221.emsp, cpo=CPA, reservation_id="nope"))
    assert outcome.response is not None and outcome.response.result is CommandResponseType.ACCEPTED
    assert outcome.result is not None and outcome.result.result is CommandResultType.UNKNOWN_RESERVATION
    assert len(net221.roaming.since(mark)) == 2
    assert check(net221.roaming.since(mark)) == []


def test_same_reservation_id_replaces_the_reservation(net: Net) -> None:
    reserve(net, evse_uid="E1", hours=1)
    mark = net.roaming.mark()
    outcome = reserve(net, hours=3)  # same id, any EVSE: the held E1 is kept
    assert outcome.accepted
    assert flow(net.roaming.since(mark)) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "RESERVE_NOW"), 200, 1000),
        ("NL-CPA", net.emsp.name, "POST", path(outcome.response_url), 200, 1000),
    ]
    [held] = cpo_state(net.cpo).reservations.values()
    assert held.evse_uid == "E1" and held.origin.response_url == outcome.response_url
    assert held.session_id == ("SES000001" if net.version is V221 else None)
    net.roaming.settle(3600)  # the first reservation's expiry passes without effect
    assert net.evse_status("E1") == (Status.RESERVED, Status.RESERVED) and len(net.roaming.since(mark)) == 2
    net.roaming.settle(2 * 3600)  # the replacement's ends it
    assert net.evse_status("E1") == (Status.AVAILABLE, Status.AVAILABLE)
    assert len(net.cpo.cpo_data.sessions) == (1 if net.version is V221 else 0)
    assert check(net.roaming.since(mark)) == []


def test_reservation_expires(net: Net) -> None:
    reserve(net, evse_uid="E1", hours=1)
    mark = net.roaming.mark()
    net.roaming.settle(3600)
    expected = [
        ("NL-CPA", net.emsp.name, "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000)
    ]
    if net.version is V221:
        expected.append(
            ("NL-CPA", "DE-MSP", "PATCH", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 200, 1000)
        )
    assert flow(net.roaming.since(mark)) == expected
    assert cpo_state(net.cpo).reservations == {}


def test_reserved_evse_starts_only_for_the_reserving_token_and_the_reservation_becomes_the_session(
    net221: Net,
) -> None:
    net = net221
    add_token(net.emsp, token(net.owner, "TOK2"))
    reserve(net, evse_uid="E1")
    reserved = net.cpo_session("SES000001")
    assert reserved is not None and reserved.status is SessionStatus.RESERVATION
    refused = start(net, evse_uid="E1", token_uid="TOK2")
    assert refused.result is not None and refused.result.result is CommandResultType.EVSE_OCCUPIED
    mark = net.roaming.mark()
    outcome = start(net, evse_uid="E1")
    assert outcome.accepted
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSP", "NL-CPA", "POST", net.path("receiver", "commands", "START_SESSION"), 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "DE-MSP", "PATCH", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 200, 1000),
        ("NL-CPA", "DE-MSP", "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
    ]  # 2.2.1 "Reservations": the RESERVATION session turns ACTIVE, no second session
    activated = body(exchanges[2])
    reference = body(exchanges[0])["authorization_reference"]
    assert activated == {"status": "ACTIVE", "start_date_time": activated["last_updated"],
                         "authorization_reference": reference, "last_updated": activated["last_updated"]}  # fmt: skip
    assert reference != reserved.authorization_reference  # the start's reference wins
    charging = net.cpo_session("SES000001")
    assert charging is not None and charging.status is SessionStatus.ACTIVE
    assert (
        format_datetime(charging.start_date_time)
        == activated["start_date_time"]
        != format_datetime(reserved.start_date_time)
    )  # the wait for the driver is not charging time
    assert (charging.cdr_token.uid, charging.authorization_reference) == ("TOK1", reference)
    assert net.emsp.emsp_data.sessions.get(CPA, "SES000001") == charging
    assert net.cpo_session("SES000002") is None
    assert cpo_state(net.cpo).reservations == {} and net.evse_status("E1") == (Status.CHARGING, Status.CHARGING)
    net.roaming.settle(4 * 3600)  # the reservation's expiry passes: the session charges on
    assert net.cpo_session("SES000001") == charging
    assert check(net.roaming.since(mark)) == []


def test_reserving_token_starts_a_new_session_on_211(roaming: Roaming) -> None:
    """2.1.1 has no RESERVATION status, so no reservation session: the start ends the reservation."""
    net = chargers(roaming, V211)
    reserve(net, evse_uid="E1")
    mark = roaming.mark()
    outcome = start(net, evse_uid="E1")
    assert outcome.accepted
    assert flow(roaming.since(mark)) == [
        ("DE-MSB", "NL-CPA", "POST", net.path("receiver", "commands", "START_SESSION"), 200, 1000),
        ("NL-CPA", "DE-MSB", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "DE-MSB", "PUT", net.path("receiver", "sessions", "NL", "CPA", "SES000001"), 201, 1000),
        ("NL-CPA", "DE-MSB", "PATCH", net.path("receiver", "locations", "NL", "CPA", "LOC1", "E1"), 200, 1000),
    ]
    session = net.cpo_session("SES000001")
    assert session is not None and session.status is SessionStatus.ACTIVE and len(net.cpo.cpo_data.sessions) == 1
    assert cpo_state(net.cpo).reservations == {} and net.evse_status("E1") == (Status.CHARGING, Status.CHARGING)
    assert check(roaming.since(mark)) == []


# --- UNLOCK_CONNECTOR, routing ----------------------------------------------------------------------


def test_unlock_connector(net: Net) -> None:
    mark = net.roaming.mark()
    outcome = net.run(cc.unlock_connector(net.emsp, cpo=CPA, location_id="LOC1", evse_uid="E1", connector_id="1"))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        (net.emsp.name, "NL-CPA", "POST", net.path("receiver", "commands", "UNLOCK_CONNECTOR"), 200, 1000),
        ("NL-CPA", net.emsp.name, "POST", path(outcome.response_url), 200, 1000),
    ]
    assert outcome.accepted
    assert body(exchanges[0]) == {"response_url": outcome.response_url, "location_id": "LOC1", "evse_uid": "E1",
                                  "connector_id": "1"}  # fmt: skip
    assert check(exchanges) == []


def test_missing_token_or_route_is_reported_not_sent(net: Net, roaming: Roaming) -> None:
    with pytest.raises(LookupError):
        roaming.run(cc.start_session(net.emsp, cpo=CPA, location_id="LOC1", token_uid="UNKNOWN"))
    mark = roaming.mark()
    outcome = roaming.run(cc.stop_session(net.emsp, cpo=PartyRef("BE", "NOP"), session_id="S"))
    assert outcome.error is not None and outcome.exchange is None and roaming.since(mark) == []


def test_start_session_via_hub(roaming: Roaming) -> None:
    cpo, emsp = chargers_via_hub(roaming)
    mark = roaming.mark()
    outcome = roaming.run(cc.start_session(emsp, cpo=CPA, location_id="LOC1", token_uid="TOK1", evse_uid="E1"))
    roaming.settle(60)
    exchanges = roaming.since(mark)
    relay = path(body(exchanges[0])["response_url"])
    assert flow(exchanges[:4]) == [
        ("NL-HUB", "NL-CPA", "POST", "/ocpi/2.2.1/receiver/commands/START_SESSION", 200, 1000),
        ("DE-MSP", "NL-HUB", "POST", "/ocpi/2.2.1/receiver/commands/START_SESSION", 200, 1000),
        ("NL-HUB", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "NL-HUB", "POST", relay, 200, 1000),
    ]
    assert relay.startswith("/ocpi/2.2.1/sender/commands/relay/")
    assert outcome.accepted and len({e.correlation_id for e in exchanges[:4]}) == 1
    assert cpo.cpo_data.sessions.get(CPA, "SES000001") is not None
    assert check(exchanges) == []


def test_determinism_same_seed_same_trace() -> None:
    def trace() -> list[tuple[Any, ...]]:
        roaming = Roaming()
        net = chargers(roaming, V221)
        start(net, evse_uid="E1")
        reserve(net, evse_uid="E1")
        return [(e.url, e.request_body, e.correlation_id, format_datetime(e.time)) for e in roaming.exchanges]

    assert trace() == trace()
