"""Locations module endpoints: the CPO's Sender interface and the eMSP's Receiver interface.

Both interfaces exist in 2.1.1 ("CPO interface"/"eMSP interface") and 2.2.1.  Parties keep 2.2.1
Locations; a 2.1.1 connection converts at the edge (``sim.ocpi.v211.convert_locations``).  The client
side (pushes, pulls, polling) is in ``locations_client``; the list and crawl machinery in ``pull``.

Sender (CPO): ``GET {url}`` is the paginated list (see ``pull.list_reply``), ``GET {url}/{location_id}
[/{evse_uid}[/{connector_id}]]`` one object, HTTP 404 when any part of the path is unknown.

Receiver (eMSP): ``GET|PUT|PATCH {url}/{country_code}/{party_id}/{location_id}[/{evse_uid}
[/{connector_id}]]``, stored in ``platform.emsp.locations`` by (owner from the URL, location id).

Choices where the spec leaves room:

* ``publish=false`` Locations never appear in the Sender's lists, for any client (a list is a public
  catalogue, and the Sender cannot tell which of an eMSP's drivers ``publish_allowed_to`` admits).
  A 2.2.1 GET of the single object still returns it — the object says ``publish=false``, so the
  client knows not to show it — while 2.1.1 cannot express the restriction: 404 there.
* Writes never get an HTTP error once the URL names a route and the peer may write there (the 2.2.1
  errata rule): a PUT/PATCH below a Location the eMSP does not know is ``2003`` Unknown Location; a
  Connector PUT under an unknown EVSE, or a PATCH of an EVSE/Connector that does not exist, is
  ``2001`` (the URL names a parent or object the receiver does not have; the CPO should PUT it).
  GET of anything unknown is HTTP 404.  A URL owner that is not the peer's party is HTTP 404.
* PATCH merges the fields present in the body into the stored object; list fields (``evses``,
  ``connectors``, ``tariff_ids``, …) replace the stored list (the digest's recommendation); a
  ``null`` is treated like an absent field, since a PATCH cannot remove shared information.  The
  merged object is validated as a whole; a body that fails changes nothing.
* 2.2.1 obliges the Receiver to bump parents' ``last_updated`` when an EVSE or Connector changes:
  the parent gets the child's ``last_updated`` when that is newer (the owner's time of the change,
  not the eMSP's clock).  2.1.1 stores what the CPO sent.
* Ids are compared case-insensitively (CiString in 2.2.1; the stores fold case for 2.1.1 too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sim.ocpi.common import OCPIModel, OCPIVersion, PatchModel, case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.router import OCPIReply, OCPIRequest, validate_body
from sim.ocpi.status import InvalidOrMissingParameters, NotFound, OCPIServerError, UnknownLocation
from sim.ocpi.v211 import convert, convert_locations
from sim.ocpi.v211 import locations as l211
from sim.ocpi.v221.locations import EVSE, Connector, ConnectorPatch, EVSEPatch, Location, LocationPatch
from sim.parties.modules.common import check_body_owner, stored, url_owner
from sim.parties.modules.pull import list_reply, sync_state

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "locations"
M = TypeVar("M", bound=OCPIModel)

_OBJECT_PATHS = ("/{location_id}", "/{location_id}/{evse_uid}", "/{location_id}/{evse_uid}/{connector_id}")
_OWNED_PATHS = tuple("/{country_code}/{party_id}" + path for path in _OBJECT_PATHS)


# --- helpers on the object tree (also used by locations_client) -----------------------------------


def find_evse(location: Location, evse_uid: str) -> EVSE | None:
    """The EVSE with ``evse_uid`` (case-insensitive), if the Location has it."""
    # A plain loop with the wanted key folded once: a status change looks up its EVSE among dozens.
    wanted = case_fold(evse_uid)
    for evse in location.evses or ():
        if case_fold(evse.uid) == wanted:
            return evse
    return None


def find_connector(evse: EVSE, connector_id: str) -> Connector | None:
    """The Connector with ``connector_id`` (case-insensitive), if the EVSE has it."""
    wanted = case_fold(connector_id)
    for connector in evse.connectors:
        if case_fold(connector.id) == wanted:
            return connector
    return None


def with_evse(location: Location, evse: EVSE, *, last_updated: datetime | None = None) -> tuple[Location, bool]:
    """``location`` with ``evse`` put in place of the EVSE with its uid (or appended); True if appended.

    ``last_updated`` also sets the Location's ``last_updated`` (a child change bumps the parent).
    """
    evses, appended = _put(location.evses or [], evse, lambda e: e.uid)
    return _updated(location, {"evses": evses}, last_updated), appended


def with_connector(evse: EVSE, connector: Connector, *, last_updated: datetime | None = None) -> tuple[EVSE, bool]:
    """``evse`` with ``connector`` put in place of the Connector with its id (or appended); True if appended."""
    connectors, appended = _put(evse.connectors, connector, lambda c: c.id)
    return _updated(evse, {"connectors": connectors}, last_updated), appended


Item = TypeVar("Item")


def _put(items: Iterable[Item], item: Item, ident: Callable[[Item], str]) -> tuple[list[Item], bool]:
    """``items`` with ``item`` in place of the one with its (case-insensitive) id, or appended; True if appended."""
    result = list(items)
    wanted = case_fold(ident(item))
    for index, old in enumerate(result):  # a plain loop: status pushes put EVSEs among dozens
        if case_fold(ident(old)) == wanted:
            result[index] = item
            return result, False
    result.append(item)
    return result, True


def _updated(parent: M, update: dict[str, Any], last_updated: datetime | None) -> M:
    """``parent`` with ``update`` (and ``last_updated`` when given: a child change bumps its parent)."""
    if last_updated is not None:
        update = {**update, "last_updated": last_updated}
    return parent.model_copy(update=update)


def merge(current: M, patch: PatchModel) -> M:
    """``current`` with the non-null fields present in ``patch`` written over it, validated (2001 if not)."""
    data = current.model_dump(mode="python", exclude_none=True)
    data.update(patch.model_dump(mode="python", exclude_none=True, include=set(patch.model_fields_set)))
    return validate_body(type(current), data)


def _newest(current: datetime, candidate: datetime) -> datetime:
    return candidate if candidate > current else current


def _wire(obj: Location | EVSE | Connector, version: OCPIVersion | None) -> Any:
    """The object in the connection's version (2.1.1 converted)."""
    if version is not OCPIVersion.V2_1_1:
        return obj
    try:
        if isinstance(obj, Location):
            return convert_locations.location_to_211(obj)
        if isinstance(obj, EVSE):
            return convert_locations.evse_to_211(obj)
        return convert_locations.connector_to_211(obj)
    except convert.ConversionError as exc:
        raise OCPIServerError(f"cannot answer in OCPI 2.1.1: {exc}") from None


def _pick(location: Location, params: dict[str, str]) -> Location | EVSE | Connector:
    """The object a GET path names inside ``location`` (404 when the EVSE or Connector is unknown)."""
    evse_uid = params.get("evse_uid")
    if evse_uid is None:
        return location
    evse = find_evse(location, evse_uid)
    if evse is None:
        raise NotFound(f"Location {location.id} has no EVSE {evse_uid}")
    connector_id = params.get("connector_id")
    if connector_id is None:
        return evse
    connector = find_connector(evse, connector_id)
    if connector is None:
        raise NotFound(f"EVSE {evse_uid} has no Connector {connector_id}")
    return connector


# --- CPO: Sender interface ------------------------------------------------------------------------


def install_cpo(platform: Platform) -> None:
    """Serve the Locations Sender interface in every version the platform speaks."""

    def get_list(request: OCPIRequest) -> OCPIReply:
        published = [loc for loc in platform.cpo_data.locations if loc.publish]
        return list_reply(
            request,
            published,
            to_wire=lambda loc: _wire(loc, request.version),
            page_limit=sync_state(platform, MODULE).page_limit,
        )

    def get_object(request: OCPIRequest) -> OCPIReply:
        cpo = platform.cpo_data
        location_id = request.path_params["location_id"]
        location = cpo.locations.get(cpo.party, location_id)
        if location is None or (request.version is OCPIVersion.V2_1_1 and not location.publish):
            raise NotFound(f"unknown Location {location_id}")
        return OCPIReply(data=_wire(_pick(location, request.path_params), request.version))

    routes: list[tuple[str, str, Callable[[OCPIRequest], OCPIReply]]] = [("GET", "", get_list)]
    routes += [("GET", path, get_object) for path in _OBJECT_PATHS]
    for version in platform.versions:
        platform.serve(version, MODULE, "SENDER", routes)


# --- eMSP: Receiver interface ---------------------------------------------------------------------


def install_emsp(platform: Platform) -> None:
    """Serve the Locations Receiver interface in every version the platform speaks."""
    routes: list[tuple[str, str, Callable[[OCPIRequest], OCPIReply]]] = []
    for path in _OWNED_PATHS:
        routes += [
            ("GET", path, lambda request: _receiver_get(platform, request)),
            ("PUT", path, lambda request: _receiver_put(platform, request)),
            ("PATCH", path, lambda request: _receiver_patch(platform, request)),
        ]
    for version in platform.versions:
        platform.serve(version, MODULE, "RECEIVER", routes)


def _receiver_get(platform: Platform, request: OCPIRequest) -> OCPIReply:
    owner = url_owner(request)
    location_id = request.path_params["location_id"]
    location = platform.emsp_data.locations.get(owner, location_id)
    if location is None:
        raise NotFound(f"unknown Location {owner}/{location_id}")
    return OCPIReply(data=_wire(_pick(location, request.path_params), request.version))


def _parse(request: OCPIRequest, model_221: type[M], model_211: type[OCPIModel], *, id_field: str, url_id: str) -> Any:
    """The body in its wire version, checked against the URL's owner and id (2001 otherwise)."""
    owner = url_owner(request)
    body = request.model(model_211 if request.version is OCPIVersion.V2_1_1 else model_221)
    check_body_owner(owner, body, id_field=id_field, url_id=url_id)
    return body


def _from_211(make: Callable[[], M]) -> M:
    """Run a 2.1.1 → 2.2.1 conversion; what cannot be converted is the client's fault (2001)."""
    try:
        return make()
    except convert.ConversionError as exc:
        raise InvalidOrMissingParameters(str(exc)) from None


def _stored_location(platform: Platform, owner: PartyRef, location_id: str) -> Location:
    location = platform.emsp_data.locations.get(owner, location_id)
    if location is None:
        raise UnknownLocation(f"unknown Location {owner}/{location_id}: PUT the Location first")
    return location


def _stored_evse(location: Location, evse_uid: str) -> EVSE:
    evse = find_evse(location, evse_uid)
    if evse is None:
        raise InvalidOrMissingParameters(f"Location {location.id} has no EVSE {evse_uid}: PUT the EVSE first")
    return evse


def _bump(v211: bool, parent: datetime, child: datetime) -> datetime | None:
    """The parent's new ``last_updated`` after a child change: 2.2.1 only, never backwards."""
    return None if v211 else _newest(parent, child)


def _receiver_put(platform: Platform, request: OCPIRequest) -> OCPIReply:
    params = request.path_params
    owner = url_owner(request)
    v211 = request.version is OCPIVersion.V2_1_1
    store = platform.emsp_data.locations
    location_id, evse_uid, connector_id = params["location_id"], params.get("evse_uid"), params.get("connector_id")
    if evse_uid is None:
        wire = _parse(request, Location, l211.Location, id_field="id", url_id=location_id)
        location = (
            _from_211(
                lambda: convert_locations.location_from_211(
                    wire, country_code=owner.country_code, party_id=owner.party_id
                )
            )
            if v211
            else wire
        )
        return stored(store.put(owner, location_id, location))
    if connector_id is None:
        wire = _parse(request, EVSE, l211.EVSE, id_field="uid", url_id=evse_uid)
        evse: EVSE = _from_211(lambda: convert_locations.evse_from_211(wire)) if v211 else wire
        location = _stored_location(platform, owner, location_id)
        updated, created = with_evse(location, evse, last_updated=_bump(v211, location.last_updated, evse.last_updated))
        store.put(owner, location_id, updated)
        return stored(created)
    wire = _parse(request, Connector, l211.Connector, id_field="id", url_id=connector_id)
    connector: Connector = _from_211(lambda: convert_locations.connector_from_211(wire)) if v211 else wire
    location = _stored_location(platform, owner, location_id)
    evse = _stored_evse(location, evse_uid)
    evse, created = with_connector(evse, connector, last_updated=_bump(v211, evse.last_updated, connector.last_updated))
    location, _ = with_evse(location, evse, last_updated=_bump(v211, location.last_updated, evse.last_updated))
    store.put(owner, location_id, location)
    return stored(created)


def _receiver_patch(platform: Platform, request: OCPIRequest) -> OCPIReply:
    params = request.path_params
    owner = url_owner(request)
    v211 = request.version is OCPIVersion.V2_1_1
    now = platform.clock.now()
    store = platform.emsp_data.locations
    location_id, evse_uid, connector_id = params["location_id"], params.get("evse_uid"), params.get("connector_id")
    if evse_uid is None:
        wire = _parse(request, LocationPatch, l211.LocationPatch, id_field="id", url_id=location_id)
        patch: PatchModel = (
            _from_211(lambda: convert_locations.location_patch_from_211(wire, received_at=now)) if v211 else wire
        )
        store.put(owner, location_id, merge(_stored_location(platform, owner, location_id), patch))
        return stored(False)
    if connector_id is None:
        wire = _parse(request, EVSEPatch, l211.EVSEPatch, id_field="uid", url_id=evse_uid)
        patch = _from_211(lambda: convert_locations.evse_patch_from_211(wire, received_at=now)) if v211 else wire
        location = _stored_location(platform, owner, location_id)
        evse = merge(_stored_evse(location, evse_uid), patch)
    else:
        wire = _parse(request, ConnectorPatch, l211.ConnectorPatch, id_field="id", url_id=connector_id)
        patch = _from_211(lambda: convert_locations.connector_patch_from_211(wire, received_at=now)) if v211 else wire
        location = _stored_location(platform, owner, location_id)
        evse = _stored_evse(location, evse_uid)
        current = find_connector(evse, connector_id)
        if current is None:
            raise InvalidOrMissingParameters(f"EVSE {evse_uid} has no Connector {connector_id}: PUT it first")
        connector = merge(current, patch)
        evse, _ = with_connector(evse, connector, last_updated=_bump(v211, evse.last_updated, connector.last_updated))
    location, _ = with_evse(location, evse, last_updated=_bump(v211, location.last_updated, evse.last_updated))
    store.put(owner, location_id, location)
    return stored(False)
