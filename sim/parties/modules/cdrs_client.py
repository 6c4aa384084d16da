"""CDRs module (SPEC-DIGEST §7), client side: the CPO issues CDRs, the eMSP pulls them.

``issue_cdr`` turns a finished Session into a CDR, stores it for pull and, when the token owner's
connection (direct, or the hub that knows the owner) synchronises ``cdrs`` by push, POSTs it there.
The CDR is built from the Session and the CPO's stored objects:

* ``cdr_location``: snapshot of the stored Location, EVSE and Connector.  CdrLocation's ``address``
  (45) and ``state`` (20) are shorter than Location's (spec ambiguity #9): longer values are cut.
  An EVSE without ``evse_id`` gives its ``uid`` (``evse_id`` is required in a CdrLocation, and ``#NA``
  is reserved for reservation-only CDRs);
* ``tariffs``: the stored tariffs the connector references; ``charging_periods``: the Session's (a
  session without any gets one period at its start with its energy and duration, since a CDR needs
  at least one);
* totals, when the caller priced the session with the tariff engine (``totals``, the engine's
  ``Totals`` for the OCPI ``version`` of the token owner's connection): every total field of that
  version (2.2.1: ``total_cost``, the fixed/energy/time/parking/reservation costs that occurred,
  ``total_energy``, ``total_time``, ``total_parking_time``; 2.1.1: ``total_cost`` excl. VAT and the
  three volumes), four decimals.  The caller then also passes the ``tariffs`` it priced with (they
  go into the CDR as they were then, even if the CPO changed them since).
* totals otherwise: ``total_energy`` = the Session's kWh, ``total_time`` = end − start in hours,
  ``total_parking_time`` = sum of PARKING_TIME volumes (only when there are any), ``total_cost`` = the
  ``cost`` argument, else the Session's ``total_cost``, else 0.

``issue_cdr`` publishes ``CDRIssued`` for every CDR it creates, whoever calls it.

``pull_cdrs`` and ``pull_sessions`` (in ``sessions_client``) crawl a Sender's paginated list with
``pull.crawl`` (every page, owner rules, ``PullResult``), keeping the Location each 2.1.1 item
embeds.  A CDR already held is kept as it is (CDRs are immutable); a pulled Session replaces the one
held.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import simpy

from sim.events import CDRIssued
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import cdrs as cdr211
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v221.cdrs import CDR, CdrDimension, CdrDimensionType, CdrLocation, ChargingPeriod
from sim.ocpi.v221.sessions import Session
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.types import Price, Role
from sim.parties.connection import Connection, SyncMode
from sim.parties.modules.cdrs import MODULE, announce_received, cdr_from_wire, cdr_to_wire, cdrs_state
from sim.parties.modules.locations import find_connector, find_evse
from sim.parties.modules.pull import PullResult, crawl
from sim.parties.modules.sessions import Delivery, EmbeddedLocations, owner_of, stored_location
from sim.parties.stores import object_key
from sim.parties.targets import Target, direct_or_via_hub

if TYPE_CHECKING:
    from sim.parties.platform import Platform
    from sim.pricing.result import Totals

# --- delivering to the token owner -----------------------------------------------------------------


def owner_target(platform: Platform, owner: PartyRef, module: str) -> Target | None:
    """Where the data of ``module`` for eMSP ``owner`` is pushed; None when that connection pulls."""
    target = direct_or_via_hub(platform, owner, module, "RECEIVER")
    if target is None or target.connection.sync_mode(module) is not SyncMode.PUSH:
        return None
    return target


def deliver(
    platform: Platform, target: Target, method: str, url: str, module: str, body: Any
) -> Generator[simpy.Event, Any, Delivery]:
    """Send one push as the CPO and record the outcome."""
    exchange = yield from platform.call_peer(
        target.connection, method, url, module=module, body=body, sender=platform.ref(Role.CPO), to=target.to
    )
    return Delivery(method, url, exchange)


# --- CPO: issuing CDRs ------------------------------------------------------------------------------


def hours(span: timedelta) -> Decimal:
    """A duration in hours, exact to the microsecond, at most 4 decimals."""
    value = Decimal(span // timedelta(microseconds=1)) / Decimal(3_600_000_000)
    return value.quantize(Decimal("0.0001")).normalize()


def total_cost(totals: Totals, version: OCPIVersion) -> Price:
    """The engine's total cost as a (2.2.1 domain) Price; 2.1.1 prices carry no VAT."""
    fields = totals.cdr_fields(version)
    if version is OCPIVersion.V2_1_1:
        return Price(excl_vat=fields["total_cost"])
    return Price(**fields["total_cost"])


def _priced_fields(totals: Totals, version: OCPIVersion) -> dict[str, Any]:
    """Every CDR total field of ``version`` from the engine's totals, as 2.2.1 domain values."""
    fields = totals.cdr_fields(version)
    fields["total_cost"] = total_cost(totals, version)
    for name, value in fields.items():
        if isinstance(value, dict):
            fields[name] = Price(**value)
    return fields


def build_cdr(
    platform: Platform,
    session: Session,
    cdr_id: str,
    *,
    cost: Price | None,
    now: datetime,
    totals: Totals | None = None,
    version: OCPIVersion = OCPIVersion.V2_2_1,
    tariffs: Sequence[Tariff] | None = None,
) -> CDR:
    """The CDR of ``session`` (see the module docstring for every field's source)."""
    owner = owner_of(session)
    location = stored_location(platform, owner, session.location_id)
    evse = find_evse(location, session.evse_uid)
    connector = find_connector(evse, session.connector_id) if evse else None
    if evse is None or connector is None:
        raise ValueError(f"Location {location.id} has no EVSE {session.evse_uid} with connector {session.connector_id}")
    cdr_location = CdrLocation(
        id=location.id,
        name=location.name,
        address=location.address[:45],
        city=location.city,
        postal_code=location.postal_code,
        state=location.state[:20] if location.state else None,
        country=location.country,
        coordinates=location.coordinates,
        evse_uid=evse.uid,
        evse_id=evse.evse_id or evse.uid,
        connector_id=connector.id,
        connector_standard=connector.standard,
        connector_format=connector.format,
        connector_power_type=connector.power_type,
    )
    if tariffs is None:
        tariffs = [t for t in (platform.cpo_data.tariffs.get(owner, tid) for tid in connector.tariff_ids or []) if t]
    end = session.end_date_time or now
    total_time = hours(end - session.start_date_time)
    periods = list(session.charging_periods or []) or [
        ChargingPeriod(
            start_date_time=session.start_date_time,
            dimensions=[
                CdrDimension(type=CdrDimensionType.ENERGY, volume=session.kwh),
                CdrDimension(type=CdrDimensionType.TIME, volume=total_time),
            ],
        )
    ]
    parking = [d.volume for p in periods for d in p.dimensions if d.type is CdrDimensionType.PARKING_TIME]
    totals_fields: dict[str, Any] = {
        "total_cost": cost or session.total_cost or Price(excl_vat=Decimal(0)),
        "total_energy": session.kwh,
        "total_time": total_time,
        "total_parking_time": sum(parking, Decimal(0)) if parking else None,
    }
    if totals is not None:
        totals_fields = _priced_fields(totals, version)
    return CDR(
        country_code=session.country_code,
        party_id=session.party_id,
        id=cdr_id,
        start_date_time=session.start_date_time,
        end_date_time=end,
        session_id=session.id,
        cdr_token=session.cdr_token,
        auth_method=session.auth_method,
        authorization_reference=session.authorization_reference,
        cdr_location=cdr_location,
        meter_id=session.meter_id,
        currency=session.currency,
        tariffs=list(tariffs) or None,
        charging_periods=periods,
        last_updated=now,
        **totals_fields,
    )


def issue_cdr(
    cpo: Platform,
    session: Session,
    *,
    cost: Price | None = None,
    totals: Totals | None = None,
    version: OCPIVersion = OCPIVersion.V2_2_1,
    tariffs: Sequence[Tariff] | None = None,
) -> Generator[simpy.Event, Any, CDR]:
    """Build, store, announce (``CDRIssued``) and — when the owner's connection pushes CDRs — POST
    the CDR of ``session`` (``totals``/``version``/``tariffs``: see ``build_cdr``)."""
    module_state = cdrs_state(cpo)
    cdr_id = f"CDR{module_state.next_number:06d}"
    module_state.next_number += 1
    now = cpo.clock.now()
    cdr = build_cdr(cpo, session, cdr_id, cost=cost, now=now, totals=totals, version=version, tariffs=tariffs)
    cpo.cpo_data.cdrs.put(owner_of(cdr), cdr.id, cdr)
    cpo.bus.publish(
        CDRIssued(
            time=now,
            cpo=cpo.name,
            emsp=str(owner_of(cdr.cdr_token)),
            cdr_id=cdr.id,
            session_id=cdr.session_id,
            currency=cdr.currency,
            total_excl=cdr.total_cost.excl_vat,
            total_incl=cdr.total_cost.incl_vat,
            kwh=cdr.total_energy,
        )
    )
    target = owner_target(cpo, owner_of(cdr.cdr_token), MODULE)
    if target is None:
        return cdr
    try:
        body: Any = cdr_to_wire(cpo, cdr) if target.connection.version is OCPIVersion.V2_1_1 else cdr
    except ConversionError as exc:
        module_state.failures.append(Delivery("POST", target.url, None, str(exc)))
        return cdr
    delivery = yield from deliver(cpo, target, "POST", target.url, MODULE, body)
    stored_at = delivery.exchange.headers.get("location") if delivery.exchange else None
    if delivery.ok and stored_at:
        module_state.delivered[object_key(owner_of(cdr), cdr.id)] = stored_at
    else:
        module_state.failures.append(delivery)
    return cdr


# --- eMSP: pulling ----------------------------------------------------------------------------------


def pull_cdrs(
    emsp: Platform, connection: Connection, *, date_from: datetime | None = None, limit: int | None = None
) -> Generator[simpy.Event, Any, PullResult]:
    """GET the CPO's CDRs (all pages) and store the new ones; a CDR already held stays as it is."""
    embedded = EmbeddedLocations(cdrs_state(emsp).locations_211)

    def from_211(body: cdr211.CDR, cpo: PartyRef) -> CDR:
        return embedded.hold(*cdr_from_wire(emsp, body, cpo))

    def stored(cdr: CDR) -> None:
        embedded.keep(cdr)
        announce_received(emsp, cdr)

    return (
        yield from crawl(
            emsp,
            connection,
            MODULE,
            store=emsp.emsp_data.cdrs,
            model_221=CDR,
            model_211=cdr211.CDR,
            from_211=from_211,
            limit=limit,
            date_from=date_from,
            keep_existing=True,
            on_stored=stored,
        )
    )
