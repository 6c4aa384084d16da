"""A small world for the charge point, charging and reconciliation tests.

``network`` builds CPO ``NL-CPA`` (Location ``LOC1``: EVSE ``AC1``, a Type 2 socket of 11 kW, and
EVSE ``DC1``, a CCS cable of 50 kW, both on tariff ``T1``) and one eMSP registered with it
(``DE-MSA`` on 2.2.1, ``DE-MSB`` on 2.1.1) holding token ``TOK1`` (RFID, whitelist ALWAYS) and
``APP1`` (APP_USER, NEVER), everything pushed, and a ``World`` with failures off unless asked.
``Car`` stands in for a driver: the interface a ``ChargePoint`` uses (name, emsp, token, kind, ev).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import simpy

from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.tokens import Token
from sim.parties.connection import SyncMode
from sim.parties.modules.locations_client import add_location, push_all_locations
from sim.parties.modules.tariffs_client import add_tariff, push_all_tariffs
from sim.parties.modules.tokens_client import add_token, push_tokens
from sim.parties.platform import Platform
from sim.scenario.schema import ChargerBehaviour, Reliability, TokenKind
from sim.world.chargepoint import ChargePoint
from sim.world.ev import EV_PRESETS, EVState
from sim.world.world import CPOSettings, World

V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1
CPA = PartyRef("NL", "CPA")
STAMP = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
NO_FAILURES = Reliability(mtbf=0, mttr=0)
CAPABILITIES = ["RFID_READER", "REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE", "CHARGING_PROFILE_CAPABLE"]


def tariff(tariff_id: str = "T1", *, energy: str = "0.30", parking: str = "6.00") -> Tariff:
    """Energy per kWh and parking per hour, both with 21 % VAT and step size 1."""
    components = [
        {"type": "ENERGY", "price": Decimal(energy), "vat": Decimal(21), "step_size": 1},
        {"type": "PARKING_TIME", "price": Decimal(parking), "vat": Decimal(21), "step_size": 1},
    ]
    return Tariff.model_validate({
        "country_code": "NL", "party_id": "CPA", "id": tariff_id, "currency": "EUR",
        "elements": [{"price_components": components}], "last_updated": STAMP,
    })  # fmt: skip


def location(tariff_id: str = "T1") -> Location:
    """LOC1 with AC1 (11 kW Type 2 socket) and DC1 (50 kW CCS cable)."""
    ac = {
        "id": "1",
        "standard": "IEC_62196_T2",
        "format": "SOCKET",
        "power_type": "AC_3_PHASE",
        "max_voltage": 230,
        "max_amperage": 16,
        "max_electric_power": 11000,
        "tariff_ids": [tariff_id],
        "last_updated": STAMP,
    }
    dc = {
        "id": "1",
        "standard": "IEC_62196_T2_COMBO",
        "format": "CABLE",
        "power_type": "DC",
        "max_voltage": 400,
        "max_amperage": 125,
        "max_electric_power": 50000,
        "tariff_ids": [tariff_id],
        "last_updated": STAMP,
    }
    evses = [
        {
            "uid": uid,
            "evse_id": f"NL*CPA*E{uid}",
            "status": "AVAILABLE",
            "capabilities": CAPABILITIES,
            "connectors": [connector],
            "last_updated": STAMP,
        }
        for uid, connector in (("AC1", ac), ("DC1", dc))
    ]
    return Location.model_validate({
        "country_code": "NL", "party_id": "CPA", "id": "LOC1", "publish": True, "address": "Stationsplein 1",
        "city": "Utrecht", "postal_code": "3511", "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"}, "time_zone": "Europe/Amsterdam",
        "evses": evses, "last_updated": STAMP,
    })  # fmt: skip


def token(owner: PartyRef, uid: str, *, kind: str = "RFID", whitelist: str = "ALWAYS", valid: bool = True) -> Token:
    """A token of ``owner``."""
    return Token.model_validate({
        "country_code": owner.country_code, "party_id": owner.party_id, "uid": uid, "type": kind,
        "contract_id": f"{owner.country_code}-{owner.party_id}-C{uid}", "issuer": "eMSP", "valid": valid,
        "whitelist": whitelist, "last_updated": STAMP,
    })  # fmt: skip


@dataclass
class Car:
    """The driver interface a charge point uses."""

    name: str
    emsp: Platform
    token: Token
    kind: TokenKind
    ev: EVState


@dataclass
class Net:
    """The test world (see the module docstring)."""

    roaming: Roaming
    cpo: Platform
    emsp: Platform
    world: World
    events: list[Any] = field(default_factory=list)

    @property
    def env(self) -> simpy.Environment:
        return self.roaming.env

    def point(self, evse_uid: str = "AC1") -> ChargePoint:
        found = self.world.charge_point("NL-CPA", "LOC1", evse_uid)
        assert found is not None
        return found

    def car(self, uid: str = "TOK1", *, model: str = "compact", soc: str = "0.5", name: str = "d1") -> Car:
        owner = self.emsp.emsp_data.party
        held = next(t for t in self.emsp.emsp_data.tokens if t.uid == uid)
        kind = TokenKind.APP if held.type.value == "APP_USER" else TokenKind.RFID
        return Car(f"{owner}/{name}", self.emsp, held, kind, EVState(EV_PRESETS[model], Decimal(soc)))

    def of(self, kind: type) -> list[Any]:
        """The published events of one type, in order."""
        return [e for e in self.events if isinstance(e, kind)]

    def at(self, when: float, process: Generator[Any, Any, Any]) -> simpy.Process:
        """Start ``process`` at simulated second ``when``."""

        def later() -> Generator[Any, Any, Any]:
            yield self.env.timeout(when - self.env.now)
            return (yield from process)

        return self.env.process(later())

    def run_until(self, when: float) -> None:
        self.env.run(until=when)


def network(
    *,
    version: OCPIVersion = V221,
    seed: int = 42,
    update_interval: float = 900.0,
    reliability: Reliability = NO_FAILURES,
    chargers: ChargerBehaviour | None = None,
    sync: dict[str, SyncMode] | None = None,
) -> Net:
    """The test world, set up and settled by simulated second 60."""
    roaming = Roaming(seed=seed)
    cpo = roaming.cpo("NL-CPA")
    emsp = roaming.emsp("DE-MSA") if version is V221 else roaming.emsp("DE-MSB", versions=[V211])
    roaming.connect(emsp, cpo, sync=sync)
    add_tariff(cpo, tariff())
    add_location(cpo, location())
    roaming.run(push_all_tariffs(cpo))
    roaming.run(push_all_locations(cpo))
    owner = emsp.emsp_data.party
    add_token(emsp, token(owner, "TOK1"))
    add_token(emsp, token(owner, "APP1", kind="APP_USER", whitelist="NEVER"))
    roaming.run(push_tokens(emsp))
    world = World(roaming.env, roaming.clock, roaming.bus, seed=seed)
    settings = CPOSettings(reliability, chargers or ChargerBehaviour(delay=5), update_interval)
    world.add_cpo(cpo, settings)
    net = Net(roaming, cpo, emsp, world)
    roaming.bus.subscribe(net.events.append)
    world.start()
    roaming.settle(60 - roaming.env.now)
    return net
