"""Tariffs module endpoints: the CPO's Sender interface and the eMSP's Receiver interface.

Both exist in 2.1.1 and 2.2.1.  Parties keep 2.2.1 Tariffs; 2.1.1 connections convert at the edge
(``sim.ocpi.v211.convert_tariffs``: owner fields, ``type``, price limits, validity dates and VAT are
dropped going out; reservation-only tariffs cannot go out at all).  The client side is in
``tariffs_client``.

Sender (CPO): ``GET {url}``, the paginated list of the CPO's Tariffs (``pull.list_reply``; a Tariff
2.1.1 cannot express is left out of a 2.1.1 list with a trace note).  The spec has no single-object
GET on the Sender.

Receiver (eMSP), client-owned URLs ``{url}/{country_code}/{party_id}/{tariff_id}``:

* ``GET`` the stored Tariff (HTTP 404 when unknown);
* ``PUT`` create or replace (201/200), the body checked against the URL (owner and id: 2001);
* ``DELETE`` remove it (HTTP 404 when unknown: there is no resource to remove, and 2.1.1 words 404
  for any non-existent resource).  The 2.2.1 advice to first drop the id from every
  ``Connector.tariff_ids`` is the CPO's business; the receiver does not check it;
* ``PATCH`` only in 2.1.1 (2.2.1 removed it: "use PUT"; the router answers 405 there because the
  route does not exist).  The fields present are merged into the stored Tariff (lists such as
  ``elements`` replace the stored ones), ``last_updated`` defaults to the receiving time when
  absent (optional in 2.1.1), the result is validated as a whole; an unknown Tariff is HTTP 404.

A URL owner that is not the authenticated peer's party is HTTP 404 (``common.url_owner``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sim.ocpi.common import OCPIVersion
from sim.ocpi.router import OCPIReply, OCPIRequest
from sim.ocpi.status import InvalidOrMissingParameters, NotFound, OCPIServerError
from sim.ocpi.v211 import convert, convert_tariffs
from sim.ocpi.v211 import tariffs as t211
from sim.ocpi.v221.tariffs import Tariff
from sim.parties.modules.common import check_body_owner, stored, url_owner
from sim.parties.modules.pull import list_reply, sync_state

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "tariffs"
_OWNED_PATH = "/{country_code}/{party_id}/{tariff_id}"

Route = tuple[str, str, Callable[[OCPIRequest], OCPIReply]]


def _wire(tariff: Tariff, version: OCPIVersion | None) -> Any:
    """The Tariff in the connection's version (``ConversionError`` when 2.1.1 cannot hold it)."""
    return convert_tariffs.tariff_to_211(tariff) if version is OCPIVersion.V2_1_1 else tariff


# --- CPO: Sender interface ------------------------------------------------------------------------


def install_cpo(platform: Platform) -> None:
    """Serve the Tariffs Sender interface (the paginated list) in every version the platform speaks."""

    def get_list(request: OCPIRequest) -> OCPIReply:
        return list_reply(
            request,
            platform.cpo_data.tariffs,
            to_wire=lambda tariff: _wire(tariff, request.version),
            page_limit=sync_state(platform, MODULE).page_limit,
        )

    for version in platform.versions:
        platform.serve(version, MODULE, "SENDER", [("GET", "", get_list)])


# --- eMSP: Receiver interface ---------------------------------------------------------------------


def install_emsp(platform: Platform) -> None:
    """Serve the Tariffs Receiver interface in every version the platform speaks."""
    for version in platform.versions:
        routes: list[Route] = [
            ("GET", _OWNED_PATH, lambda request: _receiver_get(platform, request)),
            ("PUT", _OWNED_PATH, lambda request: _receiver_put(platform, request)),
            ("DELETE", _OWNED_PATH, lambda request: _receiver_delete(platform, request)),
        ]
        if version is OCPIVersion.V2_1_1:
            routes.append(("PATCH", _OWNED_PATH, lambda request: _receiver_patch(platform, request)))
        platform.serve(version, MODULE, "RECEIVER", routes)


def _stored_tariff(platform: Platform, request: OCPIRequest) -> Tariff:
    owner = url_owner(request)
    tariff_id = request.path_params["tariff_id"]
    tariff = platform.emsp_data.tariffs.get(owner, tariff_id)
    if tariff is None:
        raise NotFound(f"unknown Tariff {owner}/{tariff_id}")
    return tariff


def _receiver_get(platform: Platform, request: OCPIRequest) -> OCPIReply:
    tariff = _stored_tariff(platform, request)
    try:
        return OCPIReply(data=_wire(tariff, request.version))
    except convert.ConversionError as exc:
        raise OCPIServerError(f"cannot answer in OCPI 2.1.1: {exc}") from None


def _receiver_put(platform: Platform, request: OCPIRequest) -> OCPIReply:
    owner = url_owner(request)
    tariff_id = request.path_params["tariff_id"]
    if request.version is OCPIVersion.V2_1_1:
        wire = request.model(t211.Tariff)
        check_body_owner(owner, wire, id_field="id", url_id=tariff_id)
        try:
            tariff = convert_tariffs.tariff_from_211(wire, country_code=owner.country_code, party_id=owner.party_id)
        except convert.ConversionError as exc:
            raise InvalidOrMissingParameters(str(exc)) from None
    else:
        tariff = request.model(Tariff)
        check_body_owner(owner, tariff, id_field="id", url_id=tariff_id)
    return stored(platform.emsp_data.tariffs.put(owner, tariff_id, tariff))


def _receiver_delete(platform: Platform, request: OCPIRequest) -> OCPIReply:
    tariff = _stored_tariff(platform, request)
    platform.emsp_data.tariffs.remove(url_owner(request), tariff.id)
    return OCPIReply(include_data=False)


def _receiver_patch(platform: Platform, request: OCPIRequest) -> OCPIReply:
    """2.1.1 only: merge the given fields into the stored Tariff."""
    owner = url_owner(request)
    tariff_id = request.path_params["tariff_id"]
    patch = request.model(t211.TariffPatch)
    check_body_owner(owner, patch, id_field="id", url_id=tariff_id)
    current = _stored_tariff(platform, request)
    try:
        changes = convert_tariffs.tariff_patch_from_211(patch, received_at=platform.clock.now())
        merged = convert_tariffs.apply_tariff_patch(current, changes)
    except convert.ConversionError as exc:
        raise InvalidOrMissingParameters(str(exc)) from None
    platform.emsp_data.tariffs.put(owner, tariff_id, merged)
    return stored(False)
