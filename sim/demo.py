"""The demo roaming network, built in code: every OCPI flow once, on both versions.

Topology: hub NL-HUB with CPOs NL-CPA and BE-CPB and eMSPs DE-MSA and NL-MSB on OCPI 2.2.1, and a
bilateral OCPI 2.1.1 link between CPO FR-CPC and eMSP BE-MSC (locations pulled, the rest pushed).

``play`` runs the story in simulated time: handshakes; tariffs and locations pushed (broadcast through
the hub) and pulled (GET all via the hub, paginated GET over 2.1.1); an EVSE status change; tokens
pushed; authorization from the whitelist and in real time (through the hub and bilaterally); an RFID
session with two updates, smart charging on it, its CDR; then every command with its asynchronous
result, through the hub and bilaterally.  ``roamsim demo`` prints the resulting message flow and
tests assert on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.v221.cdrs import AuthMethod, ChargingPeriod
from sim.ocpi.v221.chargingprofiles import ChargingProfile
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import SessionStatus
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.tokens import Token, TokenType
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

CAPABILITIES = ["RFID_READER", "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE", "CHARGING_PROFILE_CAPABLE"]
DATA_STAMP = "2026-03-01T00:00:00Z"


def demo_location(owner: str, location_id: str, country: str, city: str, tariff_id: str, evses: int = 2) -> Location:
    """A public AC location with ``evses`` EVSEs of one Type 2 socket each, all capabilities on."""
    country_code, party_id = owner.split("-")
    connector = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 32,
        "tariff_ids": [tariff_id],
        "last_updated": DATA_STAMP,
    }
    return Location.model_validate(
        {
            "country_code": country_code,
            "party_id": party_id,
            "id": location_id,
            "publish": True,
            "address": "Stationsplein 1",
            "city": city,
            "postal_code": "1012 AB",
            "country": country,
            "coordinates": {"latitude": "52.378900", "longitude": "4.900400"},
            "time_zone": "Europe/Amsterdam",
            "evses": [
                {
                    "uid": f"{location_id}-E{n}",
                    "evse_id": f"{country_code}*{party_id}*E{location_id[-1]}{n}",
                    "status": "AVAILABLE",
                    "capabilities": CAPABILITIES,
                    "connectors": [connector],
                    "last_updated": DATA_STAMP,
                }
                for n in range(1, evses + 1)
            ],
            "last_updated": DATA_STAMP,
        }
    )


def demo_tariff(owner: str, tariff_id: str, per_kwh: str) -> Tariff:
    """An energy-only tariff with 21 % VAT."""
    country_code, party_id = owner.split("-")
    component = {"type": "ENERGY", "price": Decimal(per_kwh), "vat": Decimal(21), "step_size": 1}
    return Tariff.model_validate(
        {
            "country_code": country_code,
            "party_id": party_id,
            "id": tariff_id,
            "currency": "EUR",
            "elements": [{"price_components": [component]}],
            "last_updated": DATA_STAMP,
        }
    )


def demo_token(owner: str, uid: str, whitelist: str, token_type: TokenType = TokenType.RFID) -> Token:
    """A valid token of ``owner`` with the given whitelist type."""
    country_code, party_id = owner.split("-")
    return Token.model_validate(
        {
            "country_code": country_code,
            "party_id": party_id,
            "uid": uid,
            "type": token_type,
            "contract_id": f"{country_code}-{party_id}-C{uid[-4:]}",
            "issuer": f"eMSP {owner}",
            "valid": True,
            "whitelist": whitelist,
            "last_updated": DATA_STAMP,
        }
    )


@dataclass
class DemoNetwork:
    """The demo's parties and what each step returned (by step name)."""

    roaming: Roaming
    hub: Hub
    cpa: Platform
    cpb: Platform
    msa: Platform
    msb: Platform
    cpc: Platform
    msc: Platform
    results: dict[str, Any] = field(default_factory=dict)

    def run(self, process: Any) -> Any:
        """Run one sub-process to completion."""
        return self.roaming.run(process)


def build(roaming: Roaming) -> DemoNetwork:
    """Create the six platforms on ``roaming`` (not yet connected)."""
    return DemoNetwork(
        roaming=roaming,
        hub=roaming.hub("NL-HUB"),
        cpa=roaming.cpo("NL-CPA"),
        cpb=roaming.cpo("BE-CPB"),
        msa=roaming.emsp("DE-MSA"),
        msb=roaming.emsp("NL-MSB"),
        cpc=roaming.cpo("FR-CPC", versions=[OCPIVersion.V2_1_1]),
        msc=roaming.emsp("BE-MSC", versions=[OCPIVersion.V2_1_1]),
    )


def play(net: DemoNetwork) -> None:
    """Run the whole story (see the module docstring); results land in ``net.results``."""
    _connect(net)
    _publish(net)
    _tokens(net)
    _rfid_session(net)
    _commands(net)
    net.roaming.settle(60)


def _connect(net: DemoNetwork) -> None:
    for party in (net.cpa, net.cpb, net.msa, net.msb):
        net.roaming.connect(party, net.hub)
    net.roaming.settle(5)  # HubClientInfo announcements
    net.roaming.connect(net.msc, net.cpc, sync={"locations": SyncMode.PULL})


def _publish(net: DemoNetwork) -> None:
    sites = ((net.cpa, "NLD", "Amsterdam", "A"), (net.cpb, "BEL", "Gent", "B"), (net.cpc, "FRA", "Lille", "C"))
    for cpo, country, city, code in sites:
        tariffs.add_tariff(cpo, demo_tariff(cpo.name, f"T-{code}", "0.35"))
        locations.add_location(cpo, demo_location(cpo.name, f"LOC-{code}1", country, city, f"T-{code}"))
        net.results[f"push-tariffs-{code}"] = net.run(tariffs.push_all_tariffs(cpo))
        net.results[f"push-locations-{code}"] = net.run(locations.push_all_locations(cpo))
    net.results["pull-locations-msc"] = net.run(locations.pull_locations(net.msc, net.msc.connections["FR-CPC"]))
    hub_link = net.msb.connections["NL-HUB"]
    net.results["pull-locations-msb"] = net.run(locations.pull_locations(net.msb, hub_link))
    net.results["pull-tariffs-msb"] = net.run(tariffs.pull_tariffs(net.msb, hub_link))
    net.run(locations.set_evse_status(net.cpa, "LOC-A1", "LOC-A1-E2", Status.OUTOFORDER))


def _tokens(net: DemoNetwork) -> None:
    tokens.add_token(net.msa, demo_token("DE-MSA", "MSA-RFID-0001", "ALWAYS"))
    tokens.add_token(net.msa, demo_token("DE-MSA", "MSA-APP-0002", "NEVER", TokenType.APP_USER))
    tokens.add_token(net.msb, demo_token("NL-MSB", "MSB-RFID-0003", "NEVER"))
    tokens.add_token(net.msc, demo_token("BE-MSC", "MSC-RFID-0004", "NEVER"))
    for emsp in (net.msa, net.msc):
        net.results[f"push-tokens-{emsp.name}"] = net.run(tokens.push_tokens(emsp))
    asks = (("auth-whitelist", net.cpa, "MSA-RFID-0001", "LOC-A1"), ("auth-hub-unpushed", net.cpb, "MSB-RFID-0003",
            "LOC-B1"), ("auth-211", net.cpc, "MSC-RFID-0004", "LOC-C1"))  # fmt: skip
    for name, cpo, uid, location_id in asks:
        net.results[name] = net.run(
            tokens.authorize(
                cpo, uid=uid, token_type=TokenType.RFID, location_id=location_id, evse_uids=[f"{location_id}-E1"]
            )
        )


def _rfid_session(net: DemoNetwork) -> None:
    token = net.results["auth-whitelist"].cdr_token()
    session = net.run(
        sessions.start_session(
            net.cpa,
            location_id="LOC-A1",
            evse_uid="LOC-A1-E1",
            connector_id="1",
            token=token,
            auth_method=AuthMethod.WHITELIST,
        )
    )
    net.results["rfid-session"] = session
    for step in (1, 2):
        net.roaming.settle(900)
        period = ChargingPeriod.model_validate(
            {
                "start_date_time": session.start_date_time + timedelta(minutes=15 * (step - 1)),
                "dimensions": [
                    {"type": "ENERGY", "volume": Decimal("5.5")},
                    {"type": "TIME", "volume": Decimal("0.25")},
                ],
            }
        )
        cost = Price(excl_vat=Decimal("1.925") * step, incl_vat=Decimal("2.32925") * step)
        net.run(sessions.update_session(net.cpa, session.id, kwh=Decimal("5.5") * step, period=period, total_cost=cost))
    cpo = net.cpa.ref(Role.CPO)
    limit = ChargingProfile.model_validate(
        {"charging_rate_unit": "W", "charging_profile_period": [{"start_period": 0, "limit": Decimal(7400)}]}
    )
    net.results["profile-set"] = net.run(
        profiles.set_charging_profile(net.msa, cpo=cpo, session_id=session.id, profile=limit)
    )
    net.results["profile-get"] = net.run(
        profiles.get_active_charging_profile(net.msa, cpo=cpo, session_id=session.id, duration_s=900)
    )
    net.results["profile-clear"] = net.run(profiles.clear_charging_profile(net.msa, cpo=cpo, session_id=session.id))
    final = Price(excl_vat=Decimal("3.85"), incl_vat=Decimal("4.6585"))
    net.results["cdr-hub"] = net.run(sessions.stop_session(net.cpa, session.id, cost=final))


def _commands(net: DemoNetwork) -> None:
    for emsp, cpo_platform, uid, location_id in (
        (net.msb, net.cpb, "MSB-RFID-0003", "LOC-B1"),
        (net.msc, net.cpc, "MSC-RFID-0004", "LOC-C1"),
    ):
        tag, cpo = emsp.name, cpo_platform.ref(Role.CPO)
        expiry = net.roaming.clock.now() + timedelta(hours=1)
        net.results[f"reserve-{tag}"] = net.run(
            commands.reserve_now(
                emsp,
                cpo=cpo,
                location_id=location_id,
                token_uid=uid,
                expiry_date=expiry,
                reservation_id="7",
                evse_uid=f"{location_id}-E2",
            )
        )
        if next(iter(emsp.connections.values())).version is OCPIVersion.V2_2_1:
            net.results[f"cancel-{tag}"] = net.run(commands.cancel_reservation(emsp, cpo=cpo, reservation_id="7"))
        net.results[f"start-{tag}"] = net.run(
            commands.start_session(
                emsp, cpo=cpo, location_id=location_id, token_uid=uid, evse_uid=f"{location_id}-E1", connector_id="1"
            )
        )
        net.roaming.settle(30)  # the result arrives first; the CPO then creates and pushes the session
        active = [s for s in cpo_platform.cpo_data.sessions if s.status is SessionStatus.ACTIVE]
        net.results[f"stop-{tag}"] = net.run(commands.stop_session(emsp, cpo=cpo, session_id=active[-1].id))
        net.results[f"unlock-{tag}"] = net.run(
            commands.unlock_connector(
                emsp, cpo=cpo, location_id=location_id, evse_uid=f"{location_id}-E1", connector_id="1"
            )
        )


def run_demo(seed: int = 2026) -> DemoNetwork:
    """Build and play the demo on a fresh network."""
    net = build(Roaming(seed=seed))
    play(net)
    return net
