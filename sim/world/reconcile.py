"""CDR reconciliation: an eMSP re-prices every CDR it receives from its own copy of the tariffs.

``Reconciler(bus, platforms)`` listens for ``CDRReceived`` (published when an eMSP stores a CDR,
pushed or pulled) and, for the eMSPs among ``platforms``, publishes one ``CDRReconciled`` per CDR:

* the tariffs: those the CDR's periods name (``tariff_id``) and those the CDR carries, by id, but
  taken from the eMSP's **own** store (``emsp.emsp_data.tariffs``, owner = the CPO) — what the eMSP
  showed its driver, not what the CPO says now.  A tariff the eMSP does not hold (a new one the CPO
  has not pushed, or one changed and not yet pulled — then the copy is the old one and the totals
  differ) makes the CDR unpriceable or different: a mismatch either way;
* the time zone: the eMSP's copy of the Location (``cdr_location.id``), else the one a 2.1.1 CDR
  embedded; without either the CDR cannot be priced (mismatch);
* the price: ``price_session`` on the CDR's charging periods from ``start_date_time`` to
  ``end_date_time``, for the OCPI version of the eMSP's connection to the CPO (2.1.1: no VAT, no
  price limits — the same rules the CPO priced with);
* mismatch when ``total_cost`` excl. VAT, or incl. VAT where both sides have it, differ by more than
  0.01 (the engine's totals are compared at the CDR's four decimals).

``reconcile`` does one CDR and returns the event (the listener publishes it); it never raises for a
CDR it cannot price — that is a finding, reported in ``reason``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from sim.bus import EventBus
from sim.events import CDRReceived, CDRReconciled
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import CDR
from sim.parties.modules.cdrs import cdrs_state
from sim.parties.platform import Platform
from sim.parties.stores import object_key
from sim.pricing import PricingInputError, TariffError, periods_to_inputs, price_session
from sim.pricing.result import quantize
from sim.world.charging import pricing_tariffs, version_with

TOLERANCE = Decimal("0.01")


class Reconciler:
    """Re-prices the CDRs the eMSPs among ``platforms`` receive (see the module docstring)."""

    def __init__(self, bus: EventBus, platforms: Sequence[Platform]) -> None:
        self.bus = bus
        self.emsps = {p.name: p for p in platforms if p.emsp is not None}
        self.results: list[CDRReconciled] = []
        self.unsubscribe: Callable[[], None] = bus.subscribe(self._received, CDRReceived)

    def _received(self, event: CDRReceived) -> None:
        emsp = self.emsps.get(event.emsp)
        if emsp is None:
            return
        result = reconcile(emsp, PartyRef.parse(event.cpo), event.cdr_id)
        if result is not None:
            self.results.append(result)
            self.bus.publish(result)


def _tariff_ids(cdr: CDR) -> list[str]:
    ids: list[str] = []
    for tariff_id in [p.tariff_id for p in cdr.charging_periods] + [t.id for t in cdr.tariffs or []]:
        if tariff_id is not None and tariff_id.casefold() not in {i.casefold() for i in ids}:
            ids.append(tariff_id)
    return ids


def _time_zone(emsp: Platform, cpo: PartyRef, cdr: CDR) -> str | None:
    location = emsp.emsp_data.locations.get(cpo, cdr.cdr_location.id)
    if location is None:
        location = cdrs_state(emsp).locations_211.get(object_key(cpo, cdr.id))
    return location.time_zone if location is not None else None


def reconcile(emsp: Platform, cpo: PartyRef, cdr_id: str) -> CDRReconciled | None:
    """Re-price the stored CDR ``cdr_id`` of ``cpo`` at ``emsp`` (None when it holds no such CDR)."""
    cdr = emsp.emsp_data.cdrs.get(cpo, cdr_id)
    if cdr is None:
        return None
    cpo_total = cdr.total_cost.excl_vat

    def outcome(emsp_total: Decimal | None, mismatch: bool, reason: str | None) -> CDRReconciled:
        return CDRReconciled(
            time=emsp.clock.now(),
            emsp=emsp.name,
            cpo=str(cpo),
            cdr_id=cdr.id,
            cpo_total_excl=cpo_total,
            emsp_total_excl=emsp_total,
            mismatch=mismatch,
            reason=reason,
        )

    ids = _tariff_ids(cdr)
    if not ids:
        return outcome(None, True, "the CDR names no tariff")
    copies = [emsp.emsp_data.tariffs.get(cpo, tariff_id) for tariff_id in ids]
    unknown = [tariff_id for tariff_id, copy in zip(ids, copies, strict=True) if copy is None]
    if unknown:
        return outcome(None, True, f"tariff {', '.join(unknown)} unknown to {emsp.name}")
    time_zone = _time_zone(emsp, cpo, cdr)
    if time_zone is None:
        return outcome(None, True, f"location {cdr.cdr_location.id} unknown to {emsp.name}")
    try:
        priced = price_session(
            pricing_tariffs([copy for copy in copies if copy is not None]),
            periods_to_inputs(cdr.charging_periods),
            session_start=cdr.start_date_time,
            session_end=cdr.end_date_time,
            time_zone=time_zone,
            version=version_with(emsp, cpo, "SENDER"),
        )
    except (PricingInputError, TariffError) as exc:
        return outcome(None, True, f"cannot price: {exc}")
    mine = priced.totals.cost
    excl = quantize(mine.excl)
    differences = [abs(excl - cpo_total)]
    if cdr.total_cost.incl_vat is not None and priced.totals.has_vat:
        differences.append(abs(quantize(mine.incl) - cdr.total_cost.incl_vat))
    if max(differences) > TOLERANCE:
        return outcome(excl, True, f"total differs: CPO {cpo_total}, {emsp.name} {excl}")
    return outcome(excl, False, None)


__all__ = ["TOLERANCE", "Reconciler", "reconcile"]
