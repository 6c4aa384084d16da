"""Tariffs client side: the CPO keeping its Receivers up to date, the eMSP pulling and polling.

CPO (data owner), each push a SimPy sub-process returning a ``PushResult`` (one ``(target, Exchange)``
per receiver; peers' error answers are recorded, never raised):

* ``add_tariff`` stores a Tariff (no message); ``push_tariff`` PUTs it to every push target
  (``push_targets(cpo, "tariffs", Role.EMSP)``), ``push_all_tariffs`` does that for every Tariff in
  creation order.  A Tariff 2.1.1 cannot express (reservation-only) is skipped for 2.1.1 receivers.
* ``delete_tariff`` removes a Tariff from the CPO's store and DELETEs it at every push target.
  2.2.1 advises removing it from all ``Connector.tariff_ids`` first (``set_connector_tariffs``); that
  order is left to the caller.

eMSP (receiver): ``pull_tariffs`` crawls the peer's Sender list into ``platform.emsp.tariffs`` and,
after a complete unfiltered pull on a direct connection, drops the peer's Tariffs it no longer lists
("a pull receiver replaces its known list with the result"); ``poll_tariffs`` starts a process that
pulls fully once and then incrementally every ``interval_s`` (see ``pull.poll``).
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v211 import convert_tariffs
from sim.ocpi.v211 import tariffs as t211
from sim.ocpi.v221.tariffs import Tariff
from sim.parties.connection import Connection
from sim.parties.modules.pull import PullResult, PushResult, crawl, deliver, poll
from sim.parties.modules.tariffs import MODULE

if TYPE_CHECKING:
    from sim.parties.platform import Platform

PushProcess = Generator[simpy.Event, Any, PushResult]


def add_tariff(cpo: Platform, tariff: Tariff) -> bool:
    """Keep ``tariff`` as one of the CPO's own (no message); True when it is new.

    ``ValueError`` when the Tariff's ``country_code``/``party_id`` are not the CPO's.
    """
    data = cpo.cpo_data
    owner = PartyRef(tariff.country_code, tariff.party_id)
    if owner.key != data.party.key:
        raise ValueError(f"Tariff {tariff.id} is owned by {owner}, not by {data.party}")
    return data.tariffs.put(data.party, tariff.id, tariff)


def own_tariff(cpo: Platform, tariff_id: str) -> Tariff:
    """One of the CPO's Tariffs (``KeyError`` when it has none with that id)."""
    data = cpo.cpo_data
    tariff = data.tariffs.get(data.party, tariff_id)
    if tariff is None:
        raise KeyError(f"{cpo.name} has no Tariff {tariff_id!r}")
    return tariff


def _segments(cpo: Platform, tariff_id: str) -> list[str]:
    party = cpo.cpo_data.party
    return [party.country_code, party.party_id, tariff_id]


def push_tariff(cpo: Platform, tariff_id: str) -> PushProcess:
    """PUT the full Tariff to every push target (2.1.1 receivers get the converted form)."""
    tariff = own_tariff(cpo, tariff_id)

    def body_for(version: OCPIVersion) -> Any:
        return convert_tariffs.tariff_to_211(tariff) if version is OCPIVersion.V2_1_1 else tariff

    return (yield from deliver(cpo, MODULE, "PUT", tariff.id, _segments(cpo, tariff.id), body_for))


def push_all_tariffs(cpo: Platform) -> Generator[simpy.Event, Any, list[PushResult]]:
    """``push_tariff`` for every Tariff of the CPO, oldest first."""
    results = []
    for tariff in cpo.cpo_data.tariffs:
        results.append((yield from push_tariff(cpo, tariff.id)))
    return results


def delete_tariff(cpo: Platform, tariff_id: str) -> PushProcess:
    """Remove the Tariff from the CPO's store and DELETE it at every push target."""
    tariff = own_tariff(cpo, tariff_id)
    cpo.cpo_data.tariffs.remove(cpo.cpo_data.party, tariff.id)
    return (yield from deliver(cpo, MODULE, "DELETE", tariff.id, _segments(cpo, tariff.id), None))


# --- eMSP: pull and poll --------------------------------------------------------------------------


def _tariff_from_211(wire: t211.Tariff, owner: PartyRef) -> Tariff:
    return convert_tariffs.tariff_from_211(wire, country_code=owner.country_code, party_id=owner.party_id)


def pull_tariffs(
    emsp: Platform, connection: Connection, *, limit: int | None = None, date_from: datetime | None = None
) -> Generator[simpy.Event, Any, PullResult]:
    """GET the peer's Tariffs list page by page into ``emsp.emsp.tariffs`` (see ``pull.crawl``)."""
    return (
        yield from crawl(
            emsp,
            connection,
            MODULE,
            store=emsp.emsp_data.tariffs,
            model_221=Tariff,
            model_211=t211.Tariff,
            from_211=_tariff_from_211,
            limit=limit,
            date_from=date_from,
            replace=True,
        )
    )


def poll_tariffs(
    emsp: Platform, connection: Connection, interval_s: float, *, limit: int | None = None
) -> simpy.Process:
    """Start polling the peer's Tariffs (full pull, then incremental ones); interrupt to stop."""
    return poll(
        emsp, connection, MODULE, interval_s, lambda since: pull_tariffs(emsp, connection, limit=limit, date_from=since)
    )
