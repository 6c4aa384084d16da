"""A whole roaming network built in code, every OCPI flow run once, the whole trace conformance-checked.

Topology: hub NL-HUB with CPOs NL-CPA and BE-CPB and eMSPs DE-MSA and NL-MSB on OCPI 2.2.1, and a
bilateral OCPI 2.1.1 link between CPO FR-CPC and eMSP BE-MSC (locations pulled, the rest pushed).
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from sim.conformance import check
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import AuthMethod, ChargingPeriod
from sim.ocpi.v221.chargingprofiles import ChargingProfile
from sim.ocpi.v221.commands import CommandResultType
from sim.ocpi.v221.locations import Location, Status
from sim.ocpi.v221.sessions import SessionStatus
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.tokens import AllowedType, Token, TokenType
from sim.ocpi.v221.types import Price, Role
from sim.parties.connection import SyncMode
from sim.parties.hub import Hub
from sim.parties.modules import chargingprofiles_client as profiles
from sim.parties.modules import commands_client as commands
from sim.parties.modules import locations_client as locations
from sim.parties.modules import sessions_client as sessions
from sim.parties.modules import tariffs_client as tariffs
from sim.parties.modules import tokens_client as tokens
from sim.parties.platform import Platform
from sim.trace import TraceWriter

V211 = OCPIVersion.V2_1_1
CAPABILITIES = ["RFID_READER", "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE", "CHARGING_PROFILE_CAPABLE"]


def location(owner: str, location_id: str, country: str, city: str, tariff_id: str, evses: int = 2) -> Location:
    country_code, party_id = owner.split("-")
    stamp = "2026-03-01T00:00:00Z"
    connector = {"standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 230,
                 "max_amperage": 32, "tariff_ids": [tariff_id], "last_updated": stamp}  # fmt: skip
    return Location.model_validate(
        {
            "country_code": country_code, "party_id": party_id, "id": location_id, "publish": True,
            "address": "Stationsplein 1", "city": city, "postal_code": "1012 AB", "country": country,
            "coordinates": {"latitude": "52.378900", "longitude": "4.900400"}, "time_zone": "Europe/Amsterdam",
            "evses": [
                {"uid": f"{location_id}-E{n}", "evse_id": f"{country_code}*{party_id}*E{location_id[-1]}{n}",
                 "status": "AVAILABLE", "capabilities": CAPABILITIES, "connectors": [{"id": "1", **connector}],
                 "last_updated": stamp}
                for n in range(1, evses + 1)
            ],
            "last_updated": stamp,
        }
    )  # fmt: skip


def tariff(owner: str, tariff_id: str, per_kwh: str) -> Tariff:
    country_code, party_id = owner.split("-")
    return Tariff.model_validate(
        {"country_code": country_code, "party_id": party_id, "id": tariff_id, "currency": "EUR",
         "elements": [{"price_components": [{"type": "ENERGY", "price": Decimal(per_kwh), "vat": Decimal(21),
                                             "step_size": 1}]}],
         "last_updated": "2026-03-01T00:00:00Z"}
    )  # fmt: skip


def token(owner: str, uid: str, whitelist: str, token_type: str = "RFID") -> Token:
    country_code, party_id = owner.split("-")
    return Token.model_validate(
        {"country_code": country_code, "party_id": party_id, "uid": uid, "type": token_type,
         "contract_id": f"{country_code}-{party_id}-C{uid[-4:]}", "issuer": f"eMSP {owner}", "valid": True,
         "whitelist": whitelist, "last_updated": "2026-03-01T00:00:00Z"}
    )  # fmt: skip


class Network:
    """The parties of the scenario, built and connected."""

    def __init__(self, roaming: Roaming) -> None:
        self.roaming = roaming
        self.hub: Hub = roaming.hub("NL-HUB")
        self.cpa, self.cpb = roaming.cpo("NL-CPA"), roaming.cpo("BE-CPB")
        self.msa, self.msb = roaming.emsp("DE-MSA"), roaming.emsp("NL-MSB")
        self.cpc = roaming.cpo("FR-CPC", versions=[V211])
        self.msc = roaming.emsp("BE-MSC", versions=[V211])
        self.results: dict[str, Any] = {}

    def run(self, process: Any) -> Any:
        return self.roaming.run(process)


@pytest.fixture(scope="module")
def network() -> tuple[Network, str]:
    """Runs the whole scenario once; every test below inspects one aspect of it."""
    roaming = Roaming(seed=2026)
    trace = io.StringIO()
    TraceWriter(trace).attach(roaming.bus)
    net = Network(roaming)
    play(net)
    return net, trace.getvalue()


def play(net: Network) -> None:
    roaming, results = net.roaming, net.results
    # 1. Handshakes: four parties register with the hub (it hands out token A), one bilateral 2.1.1 pair.
    for party in (net.cpa, net.cpb, net.msa, net.msb):
        roaming.connect(party, net.hub)
    roaming.settle(5)  # HubClientInfo announcements
    msc_link, _ = roaming.connect(net.msc, net.cpc, sync={"locations": SyncMode.PULL})
    # 2. Locations and tariffs: pushed through the hub (broadcast) and over 2.1.1; pulled both ways too.
    for cpo, country, city, code in ((net.cpa, "NLD", "Amsterdam", "A"), (net.cpb, "BEL", "Gent", "B"),
                                     (net.cpc, "FRA", "Lille", "C")):  # fmt: skip
        tariffs.add_tariff(cpo, tariff(cpo.name, f"T-{code}", "0.35"))
        locations.add_location(cpo, location(cpo.name, f"LOC-{code}1", country, city, f"T-{code}"))
        results[f"push-tariffs-{code}"] = net.run(tariffs.push_all_tariffs(cpo))
        results[f"push-locations-{code}"] = net.run(locations.push_all_locations(cpo))
    results["pull-locations-msc"] = net.run(locations.pull_locations(net.msc, msc_link))
    results["pull-locations-msb"] = net.run(locations.pull_locations(net.msb, net.msb.connections["NL-HUB"]))
    results["pull-tariffs-msb"] = net.run(tariffs.pull_tariffs(net.msb, net.msb.connections["NL-HUB"]))
    net.run(locations.set_evse_status(net.cpa, "LOC-A1", "LOC-A1-E2", Status.OUTOFORDER))
    # 3. Tokens: pushed (broadcast to both CPOs / bilateral), then authorized locally and in real time.
    tokens.add_token(net.msa, token("DE-MSA", "MSA-RFID-0001", "ALWAYS"))
    tokens.add_token(net.msa, token("DE-MSA", "MSA-APP-0002", "NEVER", "APP_USER"))
    tokens.add_token(net.msb, token("NL-MSB", "MSB-RFID-0003", "NEVER"))
    tokens.add_token(net.msc, token("BE-MSC", "MSC-RFID-0004", "NEVER"))
    for emsp in (net.msa, net.msc):
        results[f"push-tokens-{emsp.name}"] = net.run(tokens.push_tokens(emsp))
    ask = tokens.authorize
    results["auth-whitelist"] = net.run(ask(net.cpa, uid="MSA-RFID-0001", token_type=TokenType.RFID, location_id="LOC-A1",
                                            evse_uids=["LOC-A1-E1"]))  # fmt: skip
    results["auth-hub-unpushed"] = net.run(ask(net.cpb, uid="MSB-RFID-0003", token_type=TokenType.RFID, location_id="LOC-B1",
                                               evse_uids=["LOC-B1-E1"]))  # fmt: skip
    results["auth-211"] = net.run(ask(net.cpc, uid="MSC-RFID-0004", token_type=TokenType.RFID, location_id="LOC-C1",
                                      evse_uids=["LOC-C1-E1"]))  # fmt: skip
    # 4. A session started by RFID at NL-CPA for DE-MSA, two updates, stop, CDR — all through the hub.
    auth = results["auth-whitelist"]
    session = net.run(sessions.start_session(net.cpa, location_id="LOC-A1", evse_uid="LOC-A1-E1", connector_id="1",
                                             token=auth.cdr_token(), auth_method=AuthMethod.WHITELIST))  # fmt: skip
    for step, kwh in ((1, "5.5"), (2, "11.0")):
        roaming.settle(900)
        period = ChargingPeriod.model_validate(
            {"start_date_time": session.start_date_time + timedelta(minutes=15 * (step - 1)),
             "dimensions": [{"type": "ENERGY", "volume": Decimal("5.5")}, {"type": "TIME", "volume": Decimal("0.25")}]}
        )  # fmt: skip
        net.run(sessions.update_session(net.cpa, session.id, kwh=Decimal(kwh), period=period,
                                        total_cost=Price(excl_vat=Decimal("1.925") * step)))  # fmt: skip
    # 5. Smart charging on that session (eMSP DE-MSA → hub → NL-CPA), then the CDR.
    limit = ChargingProfile.model_validate(
        {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": Decimal(7400)}]}
    )
    results["profile-set"] = net.run(profiles.set_charging_profile(net.msa, cpo=net.cpa.ref(Role.CPO), session_id=session.id,
                                                                   profile=limit))  # fmt: skip
    results["profile-get"] = net.run(profiles.get_active_charging_profile(net.msa, cpo=net.cpa.ref(Role.CPO),
                                                                          session_id=session.id, duration_s=900))  # fmt: skip
    results["profile-clear"] = net.run(
        profiles.clear_charging_profile(net.msa, cpo=net.cpa.ref(Role.CPO), session_id=session.id)
    )
    results["cdr-hub"] = net.run(sessions.stop_session(net.cpa, session.id, cost=Price(excl_vat=Decimal("3.85"),
                                                                                       incl_vat=Decimal("4.66"))))  # fmt: skip
    # 6. Every command, through the hub (2.2.1) and bilaterally (2.1.1).
    for emsp, cpo, uid, loc in (
        (net.msb, net.cpb, "MSB-RFID-0003", "LOC-B1"),
        (net.msc, net.cpc, "MSC-RFID-0004", "LOC-C1"),
    ):
        tag = emsp.name
        expiry = roaming.clock.now() + timedelta(hours=1)
        results[f"reserve-{tag}"] = net.run(commands.reserve_now(emsp, cpo=cpo.ref(Role.CPO), location_id=loc, token_uid=uid,
                                                                 expiry_date=expiry, reservation_id="7",
                                                                 evse_uid=f"{loc}-E2"))  # fmt: skip
        if emsp.connections and next(iter(emsp.connections.values())).version is not V211:
            results[f"cancel-{tag}"] = net.run(
                commands.cancel_reservation(emsp, cpo=cpo.ref(Role.CPO), reservation_id="7")
            )
        results[f"start-{tag}"] = net.run(commands.start_session(emsp, cpo=cpo.ref(Role.CPO), location_id=loc, token_uid=uid,
                                                                 evse_uid=f"{loc}-E1", connector_id="1"))  # fmt: skip
        roaming.settle(30)  # the result arrives first; the CPO then creates and pushes the session
        started = [s for s in cpo.cpo_data.sessions if s.status is SessionStatus.ACTIVE]
        results[f"stop-{tag}"] = net.run(commands.stop_session(emsp, cpo=cpo.ref(Role.CPO), session_id=started[-1].id))
        results[f"unlock-{tag}"] = net.run(commands.unlock_connector(emsp, cpo=cpo.ref(Role.CPO), location_id=loc,
                                                                     evse_uid=f"{loc}-E1", connector_id="1"))  # fmt: skip
    roaming.settle(60)


def test_every_recorded_exchange_conforms(network: tuple[Network, str]) -> None:
    net, _ = network
    assert len(net.roaming.exchanges) > 150
    assert check(net.roaming.exchanges) == []


def test_every_handshake_completed_with_the_negotiated_version(network: tuple[Network, str]) -> None:
    net, _ = network
    assert sorted(net.hub.connections) == ["BE-CPB", "DE-MSA", "NL-CPA", "NL-MSB"]
    assert all(c.version is OCPIVersion.V2_2_1 for c in net.hub.connections.values())
    assert net.msc.connections["FR-CPC"].version is V211 and net.cpc.connections["BE-MSC"].version is V211
    # Every 2.2.1 party learned about the others from HubClientInfo.
    assert sorted(f"{c}-{p}:{r}" for c, p, r in net.msa.hub_clients) == ["BE-CPB:CPO", "NL-CPA:CPO", "NL-MSB:EMSP"]


def test_locations_and_tariffs_reached_every_emsp_by_push_and_pull(network: tuple[Network, str]) -> None:
    net, _ = network
    ref = PartyRef.parse
    for emsp in (net.msa, net.msb):
        assert [loc.id for loc in emsp.emsp_data.locations] == ["LOC-A1", "LOC-B1"]
        assert {t.id for t in emsp.emsp_data.tariffs} == {"T-A", "T-B"}
    assert net.results["pull-locations-msb"].complete
    assert [loc.id for loc in net.msc.emsp_data.locations] == ["LOC-C1"]  # pulled over 2.1.1
    assert net.msc.emsp_data.tariffs.get(ref("FR-CPC"), "T-C") is not None  # pushed over 2.1.1
    stored = net.msa.emsp_data.locations.get(ref("NL-CPA"), "LOC-A1")
    assert stored is not None and stored.evses is not None and stored.evses[1].status.value == "OUTOFORDER"


def test_tokens_were_authorized_locally_and_in_real_time(network: tuple[Network, str]) -> None:
    net, _ = network
    whitelist, via_hub, bilateral = (net.results[k] for k in ("auth-whitelist", "auth-hub-unpushed", "auth-211"))
    assert (whitelist.allowed, whitelist.method, whitelist.exchanges) == (AllowedType.ALLOWED, AuthMethod.WHITELIST, ())
    assert (via_hub.allowed, via_hub.method, via_hub.emsp) == (
        AllowedType.ALLOWED,
        AuthMethod.AUTH_REQUEST,
        PartyRef("NL", "MSB"),
    )
    assert via_hub.authorization_reference is not None
    assert (bilateral.allowed, bilateral.method) == (AllowedType.ALLOWED, AuthMethod.AUTH_REQUEST)
    assert {t.uid for t in net.cpa.cpo_data.tokens} == {"MSA-RFID-0001", "MSA-APP-0002"}  # broadcast by the hub
    assert {t.uid for t in net.cpc.cpo_data.tokens} == {"MSC-RFID-0004"}


def test_the_hub_session_ended_in_a_cdr_at_the_emsp(network: tuple[Network, str]) -> None:
    net, _ = network
    cdr = net.results["cdr-hub"]
    received = net.msa.emsp_data.cdrs.get(PartyRef("NL", "CPA"), cdr.id)
    assert received is not None and received.total_cost == Price(excl_vat=Decimal("3.85"), incl_vat=Decimal("4.66"))
    session = net.msa.emsp_data.sessions.get(PartyRef("NL", "CPA"), cdr.session_id or "")
    assert session is not None and session.status is SessionStatus.COMPLETED
    assert session.charging_periods is not None and len(session.charging_periods) == 2  # PATCHes appended
    assert net.results["profile-set"].result is not None


@pytest.mark.parametrize("emsp", ["NL-MSB", "BE-MSC"])
def test_every_command_got_its_asynchronous_result(network: tuple[Network, str], emsp: str) -> None:
    net, _ = network
    names = ["reserve", "start", "stop", "unlock"] + (["cancel"] if emsp == "NL-MSB" else [])
    for name in names:
        outcome = net.results[f"{name}-{emsp}"]
        assert outcome.result is not None and outcome.result.result is CommandResultType.ACCEPTED, (name, outcome)
        assert not outcome.timed_out


def test_the_hub_forwarded_with_new_request_ids_and_the_same_correlation_ids(network: tuple[Network, str]) -> None:
    net, _ = network
    exchanges = net.roaming.exchanges
    forwarded = [e for e in exchanges if e.from_party == "NL-HUB" and e.module == "commands"]
    assert forwarded
    for hop in forwarded:
        incoming = [e for e in exchanges if e.to_party == "NL-HUB" and e.correlation_id == hop.correlation_id]
        assert incoming and all(e.request_id != hop.request_id for e in incoming)


def test_the_trace_is_one_json_line_per_exchange(network: tuple[Network, str]) -> None:
    net, trace = network
    lines = trace.splitlines()
    assert len(lines) == len(net.roaming.exchanges)
    assert lines[0].startswith('{"seq":1,"time":"2026-03-02T06:00:00.050Z","from":"NL-CPA","to":"NL-HUB",')
