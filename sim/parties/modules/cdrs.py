"""CDRs module (SPEC-DIGEST §7), server side: the CPO's Sender and the eMSP's Receiver.

CPO **Sender** ``{cdrs}``: GET list, paginated (``date_from`` optional; it filters on ``last_updated``,
which is the creation time since CDRs never change).  As for Sessions, a CPO lists only the CDRs of
tokens owned by the requesting peer's parties, a hub sees all; on 2.1.1 each CDR embeds the stored
Location reduced to the EVSE and Connector used, with the CDR's location snapshot written over it.

eMSP **Receiver**:

* ``POST {cdrs}`` — no owner segments in the URL (CDRs are the exception to client-owned URLs).  The
  owner is the CDR's ``country_code``/``party_id`` in 2.2.1 (it must be one of the pushing peer's
  parties unless the peer is a hub: 2001 otherwise) and the connection's peer party in 2.1.1.  A CDR
  is immutable: a second POST of the same owner and id → 2001 and the stored one stays.  The answer is
  HTTP 201 without ``data`` and with ``Location: {receiver url}/{country_code}/{party_id}/{cdr_id}``.
* Every CDR stored — pushed here or pulled (``cdrs_client.pull_cdrs``) — is announced with
  ``CDRReceived`` (``announce_received``), after it is stored.
* ``GET`` at that URL returns the stored CDR to its owner (another party's owner segments → 404, as
  for every client-owned URL).  The Location embedded in a 2.1.1 CDR is kept so a 2.1.1 GET can give
  the CDR back in the form it arrived.

Client operations (issuing a CDR, pulling CDRs) are in ``cdrs_client``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.events import CDRReceived
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import LOCATION, PartyRef
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import InvalidOrMissingParameters, NotFound
from sim.ocpi.v211 import cdrs as cdr211
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v211.convert_locations import location_from_211
from sim.ocpi.v211.convert_sessions import cdr_from_211, cdr_to_211
from sim.ocpi.v221.cdrs import CDR
from sim.ocpi.v221.locations import Location
from sim.parties.connection import Connection
from sim.parties.modules.common import join_url, state, url_owner
from sim.parties.modules.sessions import (
    Delivery,
    accepts_owner,
    embedded_location,
    owner_of,
    sender_list,
    token_arguments,
)
from sim.parties.modules.tokens import converted
from sim.parties.stores import Key, object_key

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "cdrs"
LIST_LIMIT = 50
"""Page-size cap of the CPO's CDR list."""


@dataclass
class CdrsState:
    """Module state: id counter and delivery record (CPO); receiver URLs and 2.1.1 Locations (eMSP)."""

    next_number: int = 1
    receiver_urls: dict[OCPIVersion, str] = field(default_factory=dict)
    locations_211: dict[Key, Location] = field(default_factory=dict)
    delivered: dict[Key, str] = field(default_factory=dict)
    """CPO: where each pushed CDR is stored at the eMSP (the ``Location`` header of the answer)."""
    failures: list[Delivery] = field(default_factory=list)
    """CPO: CDR pushes that were not stored (the eMSP resynchronises by pulling)."""


def cdrs_state(platform: Platform) -> CdrsState:
    """The CDRs module state of ``platform``."""
    return state(platform, MODULE, CdrsState)


def cdr_to_wire(platform: Platform, cdr: CDR) -> cdr211.CDR:
    """The 2.1.1 form of one of the CPO's CDRs (with its stored Location embedded)."""
    location = platform.cpo_data.locations.get(owner_of(cdr), cdr.cdr_location.id)
    if location is None:
        raise ConversionError(f"CDR {cdr.id!r}: 2.1.1 embeds its Location {cdr.cdr_location.id!r}, unknown")
    return cdr_to_211(cdr, location=location)


def cdr_from_wire(platform: Platform, body: cdr211.CDR, owner: PartyRef) -> tuple[CDR, Location]:
    """A received 2.1.1 CDR as (2.2.1 CDR, its embedded Location), owned by ``owner``.

    ``ConversionError`` when 2.2.1 cannot hold it (a receiver answers 2001, a pull rejects the item).
    """
    country, party = owner.country_code, owner.party_id
    cdr = cdr_from_211(body, country_code=country, party_id=party, **token_arguments(platform, body.auth_id))
    return cdr, location_from_211(body.location, country_code=country, party_id=party)


def announce_received(platform: Platform, cdr: CDR) -> None:
    """Publish ``CDRReceived``: the eMSP ``platform`` has just stored ``cdr``."""
    platform.bus.publish(
        CDRReceived(
            time=platform.clock.now(),
            emsp=platform.name,
            cpo=str(owner_of(cdr)),
            cdr_id=cdr.id,
            currency=cdr.currency,
            total_excl=cdr.total_cost.excl_vat,
            total_incl=cdr.total_cost.incl_vat,
        )
    )


# --- CPO Sender -------------------------------------------------------------------------------------


def install_cpo(platform: Platform) -> None:
    """Serve the CDRs Sender interface for every version."""
    cpo = platform.cpo_data
    for version in platform.versions:

        def list_cdrs(request: OCPIRequest, version: OCPIVersion = version) -> OCPIReply:
            return sender_list(
                request,
                version,
                cpo.cdrs.values(),
                require_date_from=False,
                to_211=lambda c: cdr_to_wire(platform, c),
                limit=LIST_LIMIT,
            )

        platform.serve(version, MODULE, "SENDER", [("GET", "", list_cdrs)])


# --- eMSP Receiver ----------------------------------------------------------------------------------


def install_emsp(platform: Platform) -> None:
    """Serve the CDRs Receiver interface for every version."""
    for version in platform.versions:
        _install_receiver(platform, version)


def _install_receiver(platform: Platform, version: OCPIVersion) -> None:
    emsp = platform.emsp_data
    module_state = cdrs_state(platform)
    v211 = version is OCPIVersion.V2_1_1

    def post_cdr(request: OCPIRequest) -> OCPIReply:
        peer: Connection | None = request.peer
        location: Location | None = None
        if v211:
            body = request.model(cdr211.CDR)
            if peer is None or not peer.parties():
                raise InvalidOrMissingParameters("the CDR's owner cannot be told from this connection")
            owner = peer.parties()[0]
            cdr, location = converted(lambda: cdr_from_wire(platform, body, owner))
        else:
            cdr = request.model(CDR)
            owner = owner_of(cdr)
            if not accepts_owner(peer, owner):
                raise InvalidOrMissingParameters(f"CDR owner {owner} is not one of the parties of this connection")
        key = object_key(owner, cdr.id)
        if emsp.cdrs.get(owner, cdr.id) is not None:
            raise InvalidOrMissingParameters(f"CDR {cdr.id!r} of {owner} was already received; CDRs are immutable")
        emsp.cdrs.put(owner, cdr.id, cdr)
        if location is not None:
            module_state.locations_211[key] = location
        announce_received(platform, cdr)
        url = join_url(module_state.receiver_urls[version], owner.country_code, owner.party_id, cdr.id)
        return OCPIReply(http_status=201, include_data=False, headers={LOCATION: url})

    def get_cdr(request: OCPIRequest) -> OCPIReply:
        owner = url_owner(request)
        cdr = emsp.cdrs.get(owner, request.path_params["cdr_id"])
        if cdr is None:
            raise NotFound(f"no CDR {request.path_params['cdr_id']!r} of {owner} is stored here")
        if not v211:
            return OCPIReply(data=cdr)
        location = embedded_location(platform, module_state.locations_211, cdr, cdr.cdr_location.id)
        return OCPIReply(data=converted(lambda: cdr_to_211(cdr, location=location)))

    url = platform.serve(
        version, MODULE, "RECEIVER", [("POST", "", post_cdr), ("GET", "/{country_code}/{party_id}/{cdr_id}", get_cdr)]
    )
    module_state.receiver_urls[version] = url
