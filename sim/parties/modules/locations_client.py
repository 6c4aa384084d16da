"""Locations client side: the CPO keeping its Receivers up to date, the eMSP pulling and polling.

CPO (data owner), each a SimPy sub-process returning a ``PushResult`` (one ``(target, Exchange)``
per receiver; peers' error answers are recorded, never raised):

* ``add_location`` stores a Location (no message); ``push_location`` PUTs the full Location to every
  push target (``push_targets(cpo, "locations", Role.EMSP)``: direct eMSP peers on push connections,
  each hub once as a broadcast), ``push_all_locations`` does that for every Location in creation order.
* ``set_evse_status`` changes an EVSE's status, bumps the EVSE's and the Location's ``last_updated``
  to the simulated now, publishes ``EVSEStatusChanged`` and PATCHes ``{status, last_updated}`` to the
  EVSE URL — only when the status actually changes (2.2.1: "only actual changes should be pushed").
  ``set_connector_tariffs`` does the same for a Connector's ``tariff_ids`` (bumping Connector, EVSE
  and Location; no event).
* On 2.1.1 targets bodies are converted; a ``publish=false`` Location is never sent to a 2.1.1
  receiver (2.1.1 cannot restrict visibility) and shows up in ``PushResult.skipped``.  2.2.1
  receivers do get unpublished Locations: the object carries ``publish``/``publish_allowed_to``.

eMSP (receiver):

* ``pull_locations`` crawls the peer's Sender list (``pull.crawl``) into ``platform.emsp.locations``;
  on a connection to a hub the GET is addressed to the hub itself ("GET all via hub").
* ``poll_locations`` starts a process: one full pull, then every ``interval_s`` an incremental pull
  with ``date_from`` = the start time of the previous successful pull (inclusive, so nothing changed
  while that pull ran is missed).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import simpy

from sim.events import EVSEStatusChanged
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import convert, convert_locations
from sim.ocpi.v211 import locations as l211
from sim.ocpi.v221.locations import ConnectorPatch, EVSEPatch, Location
from sim.ocpi.v221.locations_enums import Status
from sim.parties.connection import Connection
from sim.parties.modules.locations import MODULE, find_connector, find_evse, with_connector, with_evse
from sim.parties.modules.pull import PullResult, PushResult, crawl, deliver, poll

if TYPE_CHECKING:
    from sim.parties.platform import Platform

PushProcess = Generator[simpy.Event, Any, PushResult]


def add_location(cpo: Platform, location: Location) -> bool:
    """Keep ``location`` as one of the CPO's own (no message); True when it is new.

    ``ValueError`` when the Location's ``country_code``/``party_id`` are not the CPO's.
    """
    data = cpo.cpo_data
    owner = PartyRef(location.country_code, location.party_id)
    if owner.key != data.party.key:
        raise ValueError(f"Location {location.id} is owned by {owner}, not by {data.party}")
    return data.locations.put(data.party, location.id, location)


def own_location(cpo: Platform, location_id: str) -> Location:
    """One of the CPO's Locations (``KeyError`` when it has none with that id)."""
    data = cpo.cpo_data
    location = data.locations.get(data.party, location_id)
    if location is None:
        raise KeyError(f"{cpo.name} has no Location {location_id!r}")
    return location


def _versioned(location: Location, make_221: Any, make_211: Callable[[], Any]) -> Callable[[OCPIVersion], Any]:
    """``body_for`` for ``deliver``: the 2.2.1 body, or the 2.1.1 one if the Location may go there."""

    def body_for(version: OCPIVersion) -> Any:
        if version is not OCPIVersion.V2_1_1:
            return make_221
        if not location.publish:
            raise convert.ConversionError(f"Location {location.id} is not published; 2.1.1 cannot restrict it")
        return make_211()

    return body_for


def push_location(cpo: Platform, location_id: str) -> PushProcess:
    """PUT the full Location to every push target (see the module docstring)."""
    location = own_location(cpo, location_id)
    party = cpo.cpo_data.party
    return (
        yield from deliver(
            cpo,
            MODULE,
            "PUT",
            location.id,
            [party.country_code, party.party_id, location.id],
            _versioned(location, location, lambda: convert_locations.location_to_211(location)),
        )
    )


def push_all_locations(cpo: Platform) -> Generator[simpy.Event, Any, list[PushResult]]:
    """``push_location`` for every Location of the CPO, oldest first."""
    results = []
    for location in cpo.cpo_data.locations:
        results.append((yield from push_location(cpo, location.id)))
    return results


def set_evse_status(cpo: Platform, location_id: str, evse_uid: str, status: Status) -> PushProcess:
    """Change an EVSE's status, publish ``EVSEStatusChanged`` and PATCH ``{status, last_updated}`` to
    every push target.

    Nothing is stored, published or sent when the EVSE already has that status.  ``KeyError`` for an unknown
    Location or EVSE.
    """
    location = own_location(cpo, location_id)
    evse = find_evse(location, evse_uid)
    if evse is None:
        raise KeyError(f"Location {location_id!r} has no EVSE {evse_uid!r}")
    segments = _segments(cpo, location, evse.uid)
    if evse.status is status:
        return PushResult(MODULE, "PATCH", "/".join(segments[2:]))
    now = cpo.clock.now()
    location, _ = with_evse(location, evse.model_copy(update={"status": status, "last_updated": now}), last_updated=now)
    cpo.cpo_data.locations.put(cpo.cpo_data.party, location.id, location)
    cpo.bus.publish(EVSEStatusChanged(now, cpo.name, location.id, evse.uid, status.value))
    patch = EVSEPatch(status=status, last_updated=now)
    body_for = _versioned(location, patch, lambda: convert_locations.evse_patch_to_211(patch))
    return (yield from deliver(cpo, MODULE, "PATCH", "/".join(segments[2:]), segments, body_for))


def set_connector_tariffs(
    cpo: Platform, location_id: str, evse_uid: str, connector_id: str, tariff_ids: Sequence[str]
) -> PushProcess:
    """Point a Connector at other tariffs and PATCH ``{tariff_ids, last_updated}`` to every push target.

    2.1.1 receivers get ``tariff_id`` = the first id (2.1.1 has one tariff per connector).  Nothing is
    stored or sent when the list is unchanged.  ``KeyError`` for an unknown Location, EVSE or Connector.
    """
    location = own_location(cpo, location_id)
    evse = find_evse(location, evse_uid)
    connector = find_connector(evse, connector_id) if evse is not None else None
    if evse is None or connector is None:
        raise KeyError(f"Location {location_id!r} has no EVSE {evse_uid!r} with Connector {connector_id!r}")
    segments = [*_segments(cpo, location, evse.uid), connector.id]
    if list(connector.tariff_ids or []) == list(tariff_ids):
        return PushResult(MODULE, "PATCH", "/".join(segments[2:]))
    now = cpo.clock.now()
    evse, _ = with_connector(
        evse, connector.model_copy(update={"tariff_ids": list(tariff_ids), "last_updated": now}), last_updated=now
    )
    location, _ = with_evse(location, evse, last_updated=now)
    cpo.cpo_data.locations.put(cpo.cpo_data.party, location.id, location)
    patch = ConnectorPatch(tariff_ids=list(tariff_ids), last_updated=now)
    body_for = _versioned(location, patch, lambda: convert_locations.connector_patch_to_211(patch))
    return (yield from deliver(cpo, MODULE, "PATCH", "/".join(segments[2:]), segments, body_for))


def _segments(cpo: Platform, location: Location, evse_uid: str) -> list[str]:
    party = cpo.cpo_data.party
    return [party.country_code, party.party_id, location.id, evse_uid]


# --- eMSP: pull and poll --------------------------------------------------------------------------


def _location_from_211(wire: l211.Location, owner: PartyRef) -> Location:
    return convert_locations.location_from_211(wire, country_code=owner.country_code, party_id=owner.party_id)


def pull_locations(
    emsp: Platform, connection: Connection, *, limit: int | None = None, date_from: datetime | None = None
) -> Generator[simpy.Event, Any, PullResult]:
    """GET the peer's Locations list page by page into ``emsp.emsp.locations`` (see ``pull.crawl``)."""
    return (
        yield from crawl(
            emsp,
            connection,
            MODULE,
            store=emsp.emsp_data.locations,
            model_221=Location,
            model_211=l211.Location,
            from_211=_location_from_211,
            limit=limit,
            date_from=date_from,
        )
    )


def poll_locations(
    emsp: Platform, connection: Connection, interval_s: float, *, limit: int | None = None
) -> simpy.Process:
    """Start polling the peer's Locations (full pull, then incremental ones); interrupt to stop."""
    return poll(
        emsp,
        connection,
        MODULE,
        interval_s,
        lambda since: pull_locations(emsp, connection, limit=limit, date_from=since),
    )
