"""Builders and helpers shared by the flow tests in ``tests/parties`` (each defined once, here).

* Reading recorded exchanges: ``path``, ``query``, ``headers``, ``body``, ``data``, ``only_bad_bodies``.
* Sending a raw request (for bodies the client functions would never send): ``send``.
* Networks: ``Bilateral`` (CPO ``NL-CPA`` and one eMSP registered with it; ``bilateral`` builds it, a
  test file's own ``Net`` may subclass it to add helpers), ``catalog`` (the Locations/Tariffs
  network), ``join_hub``.
* OCPI objects: ``site`` (a published Location at Stationsplein 1, Utrecht, with EVSEs from
  ``evse_json``/``connector_json``) and ``token``.  Each test file composes its own fixtures from
  them, so what a fixture means stays next to the tests that rely on it.
* The charger network of the Commands and ChargingProfiles tests: ``Chargers``, ``chargers``,
  ``charger_location``, ``start``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from sim.conformance import check
from sim.events import MessageExchanged
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import Session
from sim.ocpi.v221.tokens import Token
from sim.ocpi.v221.types import Role
from sim.ocpi.wirejson import loads
from sim.parties.connection import Connection, SyncMode
from sim.parties.hub import Hub
from sim.parties.modules import commands_client as cc
from sim.parties.modules.locations_client import add_location, push_location
from sim.parties.modules.tokens_client import add_token
from sim.parties.party import Exchange, Party
from sim.parties.platform import Platform

V211, V221 = OCPIVersion.V2_1_1, OCPIVersion.V2_2_1
CPA = PartyRef("NL", "CPA")
"""The CPO of every bilateral network."""
STAMP = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
"""``last_updated`` of the objects a test starts with: an hour before every network starts."""
OLD = datetime(2015, 1, 1, tzinfo=UTC)
"""Long before anything else (objects that ``date_from`` filters must leave out)."""
EXAMPLES = Path(__file__).parents[2].parent / "shared" / "ocpi" / "examples"
"""The spec's example JSON documents, by version."""

# --- reading recorded exchanges --------------------------------------------------------------------


def path(url: str | None) -> str:
    """The path of ``url`` (which must be there)."""
    assert url is not None
    return urlsplit(url).path


def query(exchange: MessageExchanged) -> dict[str, list[str]]:
    """The query parameters of the request."""
    return parse_qs(urlsplit(exchange.url).query)


def headers(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Recorded headers by lower-case name."""
    return {k.lower(): v for k, v in pairs}


def body(exchange: MessageExchanged, side: str = "request") -> Any:
    """The request (or ``"response"``) body as JSON; None when there is none."""
    text = exchange.request_body if side == "request" else exchange.response_body
    return loads(text or "null")


def data(exchange: MessageExchanged) -> Any:
    """The ``data`` of the response envelope."""
    return loads(exchange.response_body or "{}").get("data")


def only_bad_bodies(exchanges: list[MessageExchanged], *bad: int) -> None:
    """Everything conforms except the request bodies a test broke on purpose (given by index)."""
    assert [(v.seq, v.where) for v in check(exchanges)] == [(exchanges[i].seq, "request body") for i in bad]


# --- sending a raw request -------------------------------------------------------------------------


def send(roaming: Roaming, party: Party, peer: Party, method: str, url: str, **kw: Any) -> Exchange:
    """A raw request over ``party``'s connection to ``peer`` (routing headers as a direct peer sends them)."""
    connection = party.connections[peer.name]
    module = url.split("/")[6]
    return roaming.run(party.call_peer(connection, method, url, module=module, sender=party.roles[0].party,
                                       to=peer.roles[0].party, **kw))  # fmt: skip


# --- networks --------------------------------------------------------------------------------------


@dataclass
class Bilateral:
    """CPO ``NL-CPA`` and an eMSP registered with each other; the eMSP speaks only ``version``."""

    roaming: Roaming
    cpo: Platform
    emsp: Platform
    emsp_conn: Connection
    """The eMSP's connection to the CPO."""
    cpo_conn: Connection
    """The CPO's connection to the eMSP."""
    version: OCPIVersion

    @property
    def owner(self) -> PartyRef:
        """The eMSP party (owner of its tokens)."""
        return self.emsp.emsp_data.party

    def path(self, interface: str, module: str, *segments: str) -> str:
        """``/ocpi/{version}/{interface}/{module}/{segments...}`` (either party's server)."""
        return "/".join([f"/ocpi/{self.version.value}/{interface}/{module}", *segments])

    def receiver(self, module: str, *segments: str) -> str:
        """The eMSP Receiver URL of ``module`` joined with ``segments``."""
        return f"https://{self.emsp.host}" + self.path("receiver", module, *segments)

    def sender(self, module: str, *segments: str) -> str:
        """The CPO Sender URL of ``module`` joined with ``segments``."""
        return f"https://{self.cpo.host}" + self.path("sender", module, *segments)

    def cpo_sends(self, method: str, url: str, module: str, body: Any = None) -> Exchange:
        """A raw request from the CPO to the eMSP."""
        to = self.cpo_conn.parties()[0]
        return self.roaming.run(
            self.cpo.call_peer(self.cpo_conn, method, url, module=module, body=body, sender=CPA, to=to)
        )

    def emsp_sends(self, method: str, url: str, module: str, body: Any = None) -> Exchange:
        """A raw request from the eMSP to the CPO."""
        sender = self.emsp.ref(Role.EMSP)
        call = self.emsp.call_peer(self.emsp_conn, method, url, module=module, body=body, sender=sender, to=CPA)
        return self.roaming.run(call)


NetT = TypeVar("NetT", bound=Bilateral)


def bilateral(
    kind: type[NetT],
    roaming: Roaming,
    version: OCPIVersion,
    *,
    emsp_221: str = "DE-MSA",
    sync: dict[str, SyncMode] | None = None,
) -> NetT:
    """``NL-CPA`` (both versions) and ``emsp_221`` (2.2.1) or ``DE-MSB`` (2.1.1 only), the eMSP registering."""
    cpo = roaming.cpo("NL-CPA")
    emsp = roaming.emsp(emsp_221) if version is V221 else roaming.emsp("DE-MSB", versions=[V211])
    emsp_conn, cpo_conn = roaming.connect(emsp, cpo, sync=sync)
    assert emsp_conn.version is version
    return kind(roaming, cpo, emsp, emsp_conn, cpo_conn, version)


def catalog(roaming: Roaming, version: OCPIVersion, sync: SyncMode = SyncMode.PUSH) -> Bilateral:
    """The Locations/Tariffs network: eMSP ``DE-MSP`` (or ``DE-MSB``) synchronising both by ``sync``."""
    return bilateral(Bilateral, roaming, version, emsp_221="DE-MSP", sync={"locations": sync, "tariffs": sync})


def join_hub(roaming: Roaming, hub: Hub, *parties: Party) -> None:
    """``parties`` register with ``hub`` one after the other, each one's HubClientInfo delivered."""
    for party in parties:
        roaming.connect(party, hub)
        roaming.settle()


# --- OCPI objects ----------------------------------------------------------------------------------


def connector_json(connector_id: str = "1", *, last_updated: datetime = STAMP, **extra: Any) -> dict[str, Any]:
    """A Type 2 socket, 3 × 230 V × 32 A (22080 W), as Location JSON."""
    return {"id": connector_id, "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE",
            "max_voltage": 230, "max_amperage": 32, "last_updated": last_updated, **extra}  # fmt: skip


def evse_json(uid: str, *connectors: dict[str, Any], last_updated: datetime = STAMP, **extra: Any) -> dict[str, Any]:
    """An AVAILABLE EVSE with ``connectors``, as Location JSON."""
    return {"uid": uid, "status": "AVAILABLE", "connectors": list(connectors), "last_updated": last_updated, **extra}


def site(
    location_id: str = "LOC1",
    *evses: dict[str, Any],
    owner: PartyRef | str = CPA,
    last_updated: datetime = STAMP,
    **extra: Any,
) -> Location:
    """A published Location at Stationsplein 1, Utrecht, with ``evses`` (none: a site without EVSEs)."""
    ref = PartyRef.parse(owner) if isinstance(owner, str) else owner
    document = {
        "country_code": ref.country_code, "party_id": ref.party_id, "id": location_id, "publish": True,
        "address": "Stationsplein 1", "city": "Utrecht", "postal_code": "3511", "country": "NLD",
        "coordinates": {"latitude": "52.089444", "longitude": "5.110278"}, "time_zone": "Europe/Amsterdam",
        "last_updated": last_updated,
    }  # fmt: skip
    if evses:
        document["evses"] = list(evses)
    return Location.model_validate({**document, **extra})


def token(
    owner: PartyRef | str,
    uid: str = "RFID0001",
    *,
    whitelist: str = "ALLOWED",
    valid: bool = True,
    kind: str = "RFID",
    last_updated: datetime = STAMP,
) -> Token:
    """A token of ``owner`` with contract id ``{CC}-{PID}-C{uid}``."""
    ref = PartyRef.parse(owner) if isinstance(owner, str) else owner
    return Token.model_validate({
        "country_code": ref.country_code, "party_id": ref.party_id, "uid": uid, "type": kind,
        "contract_id": f"{ref.country_code}-{ref.party_id}-C{uid}", "issuer": "Example eMSP", "valid": valid,
        "whitelist": whitelist, "last_updated": last_updated,
    })  # fmt: skip


# --- the charger network (Commands and ChargingProfiles) -------------------------------------------

ALL_REMOTE = ["REMOTE_START_STOP_CAPABLE", "RESERVABLE", "UNLOCK_CAPABLE", "CHARGING_PROFILE_CAPABLE"]


def charger_location() -> Location:
    """LOC1: E1 (every remote capability), E2 (RFID reader only), E3 (START_SESSION_CONNECTOR_REQUIRED)."""
    return site(
        "LOC1",
        evse_json("E1", connector_json(), capabilities=ALL_REMOTE),
        evse_json("E2", connector_json(), capabilities=["RFID_READER"]),
        evse_json(
            "E3",
            connector_json("1"),
            connector_json("2"),
            capabilities=["REMOTE_START_STOP_CAPABLE", "START_SESSION_CONNECTOR_REQUIRED"],
        ),
    )


class Chargers(Bilateral):
    """The charger network: LOC1 pushed to the eMSP, which owns token ``TOK1``."""

    def run(self, process: Any) -> Any:
        """Run an eMSP operation, then let the charger and its consequences play out."""
        outcome = self.roaming.run(process)
        self.roaming.settle(60)
        return outcome

    def post(self, command: str, body: Any) -> Exchange:
        """A raw command POST (for bodies the client functions would never send)."""
        url = f"https://{self.cpo.host}" + self.path("receiver", "commands", command)
        exchange = self.emsp_sends("POST", url, "commands", body)
        self.roaming.settle(60)
        return exchange

    def cpo_session(self, session_id: str) -> Session | None:
        """The CPO's session ``session_id``."""
        return self.cpo.cpo_data.sessions.get(CPA, session_id)

    def evse_status(self, evse_uid: str) -> tuple[Status, Status]:
        """The EVSE's status at the CPO and at the eMSP."""
        mine = self.cpo.cpo_data.locations.get(CPA, "LOC1")
        theirs = self.emsp.emsp_data.locations.get(CPA, "LOC1")
        assert mine is not None and theirs is not None
        return next(e.status for e in mine.evses or [] if e.uid == evse_uid), next(
            e.status for e in theirs.evses or [] if e.uid == evse_uid
        )


def chargers(roaming: Roaming, version: OCPIVersion, sync: dict[str, SyncMode] | None = None) -> Chargers:
    """``NL-CPA`` with ``charger_location`` and eMSP ``DE-MSP`` (or ``DE-MSB``) owning token ``TOK1``."""
    net = bilateral(Chargers, roaming, version, emsp_221="DE-MSP", sync=sync)
    add_location(net.cpo, charger_location())
    roaming.run(push_location(net.cpo, "LOC1"))
    add_token(net.emsp, token(net.owner, "TOK1", whitelist="ALWAYS"))
    return net


def start(net: Chargers, **kwargs: Any) -> cc.CommandOutcome:
    """START_SESSION at LOC1 for TOK1 (``kwargs`` add or override the arguments)."""
    arguments = {"location_id": "LOC1", "token_uid": "TOK1", **kwargs}
    outcome: cc.CommandOutcome = net.run(cc.start_session(net.emsp, cpo=CPA, **arguments))
    return outcome


def chargers_via_hub(roaming: Roaming) -> tuple[Platform, Platform]:
    """``(cpo, emsp)``: NL-CPA with ``charger_location`` and DE-MSP owning TOK1, both behind hub NL-HUB."""
    cpo, emsp = roaming.cpo("NL-CPA"), roaming.emsp("DE-MSP")
    join_hub(roaming, roaming.hub("NL-HUB"), cpo, emsp)
    add_location(cpo, charger_location())
    add_token(emsp, token(emsp.emsp_data.party, "TOK1", whitelist="ALWAYS"))
    return cpo, emsp
