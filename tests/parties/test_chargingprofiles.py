"""ChargingProfiles module (2.2.1): set / get / clear with their asynchronous results and the CPO's updates.

The charger network of ``test_commands`` (``builders.chargers``: NL-CPA and DE-MSP, Location LOC1,
token TOK1) but with zero link
latency, so every moment is a whole number of seconds and the offsets in an ActiveChargingProfile can
be stated exactly.  Session SES000001 runs at E1 (CHARGING_PROFILE_CAPABLE, 3 × 230 V × 32 A =
22080 W), started by a START_SESSION command.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from sim.conformance import check
from sim.events import MessageExchanged
from sim.netbuilder import Roaming
from sim.ocpi.common import format_datetime
from sim.ocpi.v221.chargingprofiles import ChargingProfile, ChargingProfileResponseType, ChargingProfileResultType
from sim.ocpi.v221.sessions import SessionStatus
from sim.parties.modules import chargingprofiles_client as pc
from sim.parties.modules import commands_client as cc
from sim.parties.modules import sessions_client as sc
from sim.parties.modules.chargingprofiles import ProfileRequest, active_profile, cpo_state, session_limit_kw
from sim.parties.party import Exchange

from .builders import CPA, V211, V221, body, chargers, chargers_via_hub, path, query, start
from .builders import Chargers as Net
from .conftest import flow

SES = "SES000001"
RECEIVER = f"/ocpi/2.2.1/receiver/chargingprofiles/{SES}"
UPDATE = f"/ocpi/2.2.1/sender/chargingprofiles/{SES}"
EVSE_MAX = {"start_period": 0, "limit": 22080}


def watts(limit: int, start_period: int = 0) -> dict[str, Any]:
    return {"start_period": start_period, "limit": limit}


def profile(*periods: dict[str, Any], unit: str = "W", **extra: Any) -> ChargingProfile:
    return ChargingProfile.model_validate(
        {"charging_rate_unit": unit, "charging_profile_period": list(periods), **extra}
    )


@pytest.fixture
def net() -> Net:
    """DE-MSP with an ACTIVE session SES000001 at E1 (zero latency)."""
    built = chargers(Roaming(latency_s=0.0), V221)
    assert start(built, evse_uid="E1").accepted
    return built


def set_profile(net: Net, charging_profile: ChargingProfile, session_id: str = SES) -> pc.ProfileOutcome:
    outcome: pc.ProfileOutcome = net.run(
        pc.set_charging_profile(net.emsp, cpo=CPA, session_id=session_id, profile=charging_profile)
    )
    return outcome


def expected_update(exchange: MessageExchanged, *periods: dict[str, Any], duration: int = 1800) -> dict[str, Any]:
    """The ActiveChargingProfile the CPO computes at the moment of ``exchange``."""
    return {
        "start_date_time": format_datetime(exchange.time),
        "charging_profile": {"charging_rate_unit": "W", "duration": duration, "charging_profile_period": list(periods)},
    }


# --- set ------------------------------------------------------------------------------------------


def test_set_profile_result_and_update(net: Net) -> None:
    mark = net.roaming.mark()
    outcome = set_profile(net, profile(watts(11000)))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSP", "NL-CPA", "PUT", RECEIVER, 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "DE-MSP", "PUT", UPDATE, 200, 1000),
    ]
    assert path(outcome.response_url).startswith("/ocpi/2.2.1/sender/chargingprofiles/result/")
    assert body(exchanges[0]) == {
        "charging_profile": {"charging_rate_unit": "W", "charging_profile_period": [watts(11000)]},
        "response_url": outcome.response_url,
    }
    assert body(exchanges[0], "response")["data"] == {"result": "ACCEPTED", "timeout": 30}
    assert body(exchanges[1]) == {"result": "ACCEPTED"}
    assert body(exchanges[2]) == expected_update(exchanges[2], watts(11000))
    for answer in exchanges[1:]:
        assert "data" not in body(answer, "response")  # Sender callbacks answer without data
    assert {e.correlation_id for e in exchanges} == {outcome.correlation_id}
    assert outcome.response is not None and outcome.response.result is ChargingProfileResponseType.ACCEPTED
    assert outcome.result is not None and outcome.result.result is ChargingProfileResultType.ACCEPTED
    assert session_limit_kw(net.cpo, SES) == Decimal("11")
    received = pc.emsp_state(net.emsp).active[(CPA.key, SES.casefold())]
    assert received.charging_profile.charging_profile_period is not None
    assert [(p.start_period, p.limit) for p in received.charging_profile.charging_profile_period] == [(0, 11000)]
    assert check(exchanges) == []


def test_limits_in_amperes_are_converted_and_capped_at_the_evse_maximum(net: Net) -> None:
    set_profile(net, profile(watts(16), unit="A"))
    assert session_limit_kw(net.cpo, SES) == Decimal("11.04")  # 16 A × 230 V × 3 phases
    mark = net.roaming.mark()
    set_profile(net, profile(watts(50000)))
    update = net.roaming.since(mark)[-1]
    assert body(update) == expected_update(update, EVSE_MAX)
    assert session_limit_kw(net.cpo, SES) == Decimal("50")  # the profile's own limit; the EVSE caps the plan


def test_a_schedule_relative_to_the_session_start(net: Net) -> None:
    session = net.cpo_session(SES)
    assert session is not None
    mark = net.roaming.mark()
    set_profile(net, profile(watts(11000), watts(7400, 600), duration=1200))
    update = net.roaming.since(mark)[-1]
    elapsed = int((update.time - session.start_date_time).total_seconds())
    assert 0 < elapsed < 600
    assert body(update) == expected_update(
        update, watts(11000), watts(7400, 600 - elapsed), {"start_period": 1200 - elapsed, "limit": 22080}
    )
    net.roaming.settle(600)
    assert session_limit_kw(net.cpo, SES) == Decimal("7.4")
    net.roaming.settle(600)
    assert session_limit_kw(net.cpo, SES) is None  # the profile's duration is over


def test_charger_rejects_the_profile(net: Net) -> None:
    cpo_state(net.cpo).outcomes[ProfileRequest.SET] = ChargingProfileResultType.REJECTED
    mark = net.roaming.mark()
    outcome = set_profile(net, profile(watts(11000)))
    assert flow(net.roaming.since(mark)) == [
        ("DE-MSP", "NL-CPA", "PUT", RECEIVER, 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
    ]
    assert outcome.result is not None and outcome.result.result is ChargingProfileResultType.REJECTED
    assert session_limit_kw(net.cpo, SES) is None and cpo_state(net.cpo).sessions == {}


def test_timeout_when_the_charger_never_answers(net: Net) -> None:
    cpo_state(net.cpo).outcomes[ProfileRequest.SET] = None
    mark = net.roaming.mark()
    began = net.roaming.env.now
    outcome = net.roaming.run(pc.set_charging_profile(net.emsp, cpo=CPA, session_id=SES, profile=profile(watts(1))))
    assert net.roaming.env.now - began == 30
    net.roaming.settle(60)
    assert outcome.timed_out and outcome.result is None
    assert flow(net.roaming.since(mark)) == [("DE-MSP", "NL-CPA", "PUT", RECEIVER, 200, 1000)]


# --- get ------------------------------------------------------------------------------------------


def test_get_active_profile_without_a_set_profile_is_the_evse_maximum(net: Net) -> None:
    mark = net.roaming.mark()
    outcome = net.run(pc.get_active_charging_profile(net.emsp, cpo=CPA, session_id=SES, duration_s=900))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSP", "NL-CPA", "GET", RECEIVER, 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
    ]  # no update PUT: nobody set a profile on this session
    assert query(exchanges[0]) == {"duration": ["900"], "response_url": [outcome.response_url]}
    assert body(exchanges[1]) == {
        "result": "ACCEPTED",
        "profile": expected_update(exchanges[1], EVSE_MAX, duration=900),
    }
    assert outcome.result is not None and outcome.result.result is ChargingProfileResultType.ACCEPTED
    assert check(exchanges) == []


def test_get_active_profile_after_a_set(net: Net) -> None:
    set_profile(net, profile(watts(7400)))
    outcome = net.run(pc.get_active_charging_profile(net.emsp, cpo=CPA, session_id=SES, duration_s=60))
    result = net.roaming.exchanges[-1]
    assert body(result)["profile"] == expected_update(result, watts(7400), duration=60)
    assert outcome.result is not None


# --- clear ----------------------------------------------------------------------------------------


def test_clear_profile_sends_the_evse_maximum(net: Net) -> None:
    set_profile(net, profile(watts(11000)))
    mark = net.roaming.mark()
    outcome = net.run(pc.clear_charging_profile(net.emsp, cpo=CPA, session_id=SES))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSP", "NL-CPA", "DELETE", RECEIVER, 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "DE-MSP", "PUT", UPDATE, 200, 1000),
    ]
    assert query(exchanges[0]) == {"response_url": [outcome.response_url]}
    assert body(exchanges[1]) == {"result": "ACCEPTED"}
    assert body(exchanges[2]) == expected_update(exchanges[2], EVSE_MAX)
    assert session_limit_kw(net.cpo, SES) is None
    again = net.roaming.mark()
    unknown = net.run(pc.clear_charging_profile(net.emsp, cpo=CPA, session_id=SES))
    assert unknown.result is not None and unknown.result.result is ChargingProfileResultType.UNKNOWN
    assert len(net.roaming.since(again)) == 2  # nothing changed: no update
    assert check(net.roaming.since(mark)) == []


def test_session_stop_sends_the_evse_maximum_once_more(net: Net) -> None:
    set_profile(net, profile(watts(11000)))
    mark = net.roaming.mark()
    outcome = net.run(cc.stop_session(net.emsp, cpo=CPA, session_id=SES))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges) == [
        ("DE-MSP", "NL-CPA", "POST", "/ocpi/2.2.1/receiver/commands/STOP_SESSION", 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "DE-MSP", "PATCH", f"/ocpi/2.2.1/receiver/sessions/NL/CPA/{SES}", 200, 1000),
        ("NL-CPA", "DE-MSP", "PUT", UPDATE, 200, 1000),
        ("NL-CPA", "DE-MSP", "POST", "/ocpi/2.2.1/receiver/cdrs", 201, 1000),
        ("NL-CPA", "DE-MSP", "PATCH", "/ocpi/2.2.1/receiver/locations/NL/CPA/LOC1/E1", 200, 1000),
    ]  # the update follows the session's end (sessions.on_session_ended), before the CDR
    assert body(exchanges[3]) == expected_update(exchanges[3], EVSE_MAX)
    assert cpo_state(net.cpo).sessions == {}
    assert check(exchanges) == []


@pytest.mark.parametrize(
    ("end", "status"),
    [
        (lambda net: sc.stop_session(net.cpo, SES), SessionStatus.COMPLETED),
        (lambda net: sc.set_session_status(net.cpo, SES, SessionStatus.INVALID), SessionStatus.INVALID),
    ],
    ids=["stop_session", "declared-invalid"],
)
def test_a_session_ended_without_a_command_sends_the_evse_maximum_once_more(
    net: Net, end: Any, status: SessionStatus
) -> None:
    assert start(net, evse_uid="E3", connector_id="1").accepted  # SES000002: nobody sets a profile on it
    set_profile(net, profile(watts(11000)))
    mark = net.roaming.mark()
    net.roaming.run(end(net))
    exchanges = net.roaming.since(mark)
    assert flow(exchanges)[:2] == [
        ("NL-CPA", "DE-MSP", "PATCH", f"/ocpi/2.2.1/receiver/sessions/NL/CPA/{SES}", 200, 1000),
        ("NL-CPA", "DE-MSP", "PUT", UPDATE, 200, 1000),
    ]
    assert len(exchanges) == (3 if status is SessionStatus.COMPLETED else 2)  # + the CDR of a stop
    assert body(exchanges[0])["status"] == status.value
    assert body(exchanges[1]) == expected_update(exchanges[1], EVSE_MAX)
    assert cpo_state(net.cpo).sessions == {} and session_limit_kw(net.cpo, SES) is None
    again = net.roaming.mark()
    net.roaming.run(sc.stop_session(net.cpo, "SES000002"))
    assert [e.method for e in net.roaming.since(again)] == ["PATCH", "POST"]  # no update: no profile was set
    assert check(net.roaming.since(mark)) == []


def test_a_session_ending_after_a_clear_sends_no_further_update(net: Net) -> None:
    set_profile(net, profile(watts(11000)))
    net.run(pc.clear_charging_profile(net.emsp, cpo=CPA, session_id=SES))  # the EVSE maximum went out here
    mark = net.roaming.mark()
    net.roaming.run(sc.stop_session(net.cpo, SES))
    assert [(e.method, path(e.url)) for e in net.roaming.since(mark)] == [
        ("PATCH", f"/ocpi/2.2.1/receiver/sessions/NL/CPA/{SES}"),
        ("POST", "/ocpi/2.2.1/receiver/cdrs"),
    ]  # the active profile did not change: no update
    assert cpo_state(net.cpo).sessions == {}
    assert check(net.roaming.since(mark)) == []


# --- refusals -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session_id", "expected"),
    [("NOPE", ChargingProfileResponseType.UNKNOWN_SESSION), ("SES000002", ChargingProfileResponseType.NOT_SUPPORTED)],
)
def test_synchronous_refusals(net: Net, session_id: str, expected: ChargingProfileResponseType) -> None:
    assert start(net, evse_uid="E3", connector_id="1").accepted  # SES000002 at E3: not CHARGING_PROFILE_CAPABLE
    mark = net.roaming.mark()
    outcome = set_profile(net, profile(watts(11000)), session_id)
    assert [(e.response_status, e.ocpi_status) for e in net.roaming.since(mark)] == [(200, 1000)]
    assert outcome.response is not None and outcome.response.result is expected and outcome.result is None
    assert cpo_state(net.cpo).sessions == {}


def test_session_of_another_emsp_is_rejected(net: Net) -> None:
    other = net.roaming.emsp("DE-OTH")
    net.roaming.connect(other, net.cpo)
    outcome = net.run(pc.set_charging_profile(other, cpo=CPA, session_id=SES, profile=profile(watts(1))))
    assert outcome.response is not None and outcome.response.result is ChargingProfileResponseType.REJECTED
    assert cpo_state(net.cpo).sessions == {}


def test_invalid_requests_are_2001(net: Net) -> None:
    url = f"https://{net.cpo.host}{RECEIVER}"

    def send(method: str, params: dict[str, str] | None = None, request_body: Any = None) -> Exchange:
        call = net.emsp.call_peer(net.emsp_conn, method, url, module="chargingprofiles", body=request_body,
                                  params=params, sender=net.owner, to=CPA)  # fmt: skip
        exchange: Exchange = net.roaming.run(call)
        return exchange

    callback = "https://de-msp.roamsim.test/ocpi/2.2.1/sender/chargingprofiles/result/x"
    mark = net.roaming.mark()
    answers = [
        send("PUT", request_body={"charging_profile": {"charging_profile_period": []}, "response_url": callback}),
        send("GET", {"response_url": callback}),
        send("GET", {"duration": "soon", "response_url": callback}),
        send("DELETE"),
        send("DELETE", {"response_url": "not a url"}),
    ]
    net.roaming.settle(60)
    assert [(a.http_status, a.ocpi_status) for a in answers] == [(200, 2001)] * 5
    assert len(net.roaming.since(mark)) == 5 and cpo_state(net.cpo).sessions == {}


def test_unknown_callback_and_bad_update_bodies(net: Net) -> None:
    outcome = set_profile(net, profile(watts(11000)))
    connection = net.cpo.connections[net.emsp.name]

    def send(method: str, url: str, request_body: Any) -> Exchange:
        call = net.cpo.call_peer(connection, method, url, module="chargingprofiles", body=request_body,
                                 sender=CPA, to=net.owner)  # fmt: skip
        exchange: Exchange = net.roaming.run(call)
        return exchange

    assert outcome.response_url is not None
    unknown = send("POST", outcome.response_url.rsplit("/", 1)[0] + "/nope", {"result": "ACCEPTED"})
    assert unknown.http_status == 404
    wrong_type = send("POST", outcome.response_url, {"result": "MAYBE"})
    assert (wrong_type.http_status, wrong_type.ocpi_status) == (200, 2001)
    bad_update = send("PUT", f"https://{net.emsp.host}{UPDATE}", {"start_date_time": "yesterday"})
    assert (bad_update.http_status, bad_update.ocpi_status) == (200, 2001)
    assert len(pc.emsp_state(net.emsp).received) == 1  # only the CPO's real update


def test_no_chargingprofiles_in_211(roaming: Roaming) -> None:
    net = chargers(roaming, V211)
    mark = roaming.mark()
    outcome = roaming.run(pc.set_charging_profile(net.emsp, cpo=CPA, session_id=SES, profile=profile(watts(1))))
    assert outcome.error is not None and outcome.exchange is None and roaming.since(mark) == []
    assert not any("chargingprofiles" in url for _, _, url in net.emsp.advertised_endpoints(V211))


def test_active_profile_of_a_session_without_profile(net: Net) -> None:
    computed = active_profile(net.cpo, SES, 600)
    assert computed.charging_profile.charging_profile_period is not None
    assert [(p.start_period, p.limit) for p in computed.charging_profile.charging_profile_period] == [(0, 22080)]
    assert session_limit_kw(net.cpo, SES) is None


# --- via hub --------------------------------------------------------------------------------------


def test_set_profile_via_hub(roaming: Roaming) -> None:
    _, emsp = chargers_via_hub(roaming)
    assert roaming.run(cc.start_session(emsp, cpo=CPA, location_id="LOC1", token_uid="TOK1", evse_uid="E1")).accepted
    roaming.settle(60)
    mark = roaming.mark()
    outcome = roaming.run(pc.set_charging_profile(emsp, cpo=CPA, session_id=SES, profile=profile(watts(11000))))
    roaming.settle(60)
    exchanges = roaming.since(mark)
    relay = path(body(exchanges[0])["response_url"])
    assert flow(exchanges) == [
        ("NL-HUB", "NL-CPA", "PUT", RECEIVER, 200, 1000),
        ("DE-MSP", "NL-HUB", "PUT", RECEIVER, 200, 1000),
        ("NL-HUB", "DE-MSP", "POST", path(outcome.response_url), 200, 1000),
        ("NL-CPA", "NL-HUB", "POST", relay, 200, 1000),
        ("NL-HUB", "DE-MSP", "PUT", UPDATE, 200, 1000),
        ("NL-CPA", "NL-HUB", "PUT", UPDATE, 200, 1000),
    ]
    assert outcome.result is not None and outcome.result.result is ChargingProfileResultType.ACCEPTED
    assert (CPA.key, SES.casefold()) in pc.emsp_state(emsp).active
    assert check(exchanges) == []
