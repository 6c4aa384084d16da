"""Book-keeping invariants of a run, for the integration tests: each returns its problems (empty = holds).

Amounts and energies in a CDR carry four decimals, so comparisons allow ``tolerance`` per CDR (and
that many times the number of CDRs on a sum).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sim.events import CDRIssued
from sim.metrics.records import Records, SessionKey

TOLERANCE = Decimal("0.0001")


def energy_consistent(records: Records, tolerance: Decimal = TOLERANCE) -> list[str]:
    """Σ energy of the ended sessions (``ChargeEnded``) equals Σ energy of the issued CDRs, session by session
    where a CDR names its session, and in total."""
    problems: list[str] = []
    cdrs = _cdrs_by_session(records)
    ended = [s for s in records.sessions.values() if s.ended_s is not None]
    for s in ended:
        delivered = s.kwh or Decimal(0)
        for cdr in cdrs.get((s.cpo, s.session_id), []):
            if abs(cdr.kwh - delivered) > tolerance:
                problems.append(
                    f"{s.cpo} session {s.session_id}: {delivered} kWh delivered, CDR {cdr.cdr_id} bills {cdr.kwh} kWh"
                )
    # Totals over the ended sessions only: a session stopped remotely (or by a fault) is billed at
    # the stop, while its driver may still be plugged in when a run is cut short.
    ended_keys = {(s.cpo, s.session_id) for s in ended}
    billed = [cdr for _, cdr in records.issued.values() if (cdr.cpo, cdr.session_id) in ended_keys]
    delivered_total = sum((s.kwh or Decimal(0) for s in ended), Decimal(0))
    billed_total = sum((cdr.kwh for cdr in billed), Decimal(0))
    if abs(delivered_total - billed_total) > tolerance * max(1, len(ended), len(billed)):
        problems.append(
            f"energy: {delivered_total} kWh delivered in {len(ended)} ended sessions, "
            f"{billed_total} kWh billed in their {len(billed)} CDRs"
        )
    return problems


def cdr_totals_consistent(records: Records, tolerance: Decimal = TOLERANCE) -> list[str]:
    """Every received CDR was issued, in the same currency and with the same totals; and per currency
    Σ ``total_excl`` issued by the CPOs equals Σ received by the eMSPs (each CDR once).

    VAT-inclusive totals are compared per CDR, where the received CDR has one (2.1.1 CDRs carry none).
    """
    problems: list[str] = []
    for key, (_, got) in records.received.items():
        entry = records.issued.get(key)
        name = f"CDR {key[0]}/{key[1]}"
        if entry is None:
            problems.append(f"{name} received by {got.emsp} was never issued")
            continue
        sent = entry[1]
        if sent.currency != got.currency:
            problems.append(f"{name}: issued in {sent.currency}, received in {got.currency}")
        elif abs(sent.total_excl - got.total_excl) > tolerance:
            problems.append(f"{name}: issued {sent.total_excl} excl. VAT, received {got.total_excl}")
        elif (
            got.total_incl is not None
            and sent.total_incl is not None
            and abs(sent.total_incl - got.total_incl) > tolerance
        ):
            problems.append(f"{name}: issued {sent.total_incl} incl. VAT, received {got.total_incl}")
    issued = _by_currency((cdr.currency, cdr.total_excl) for _, cdr in records.issued.values())
    received = _by_currency((cdr.currency, cdr.total_excl) for _, cdr in records.received.values())
    for currency in sorted(set(issued) | set(received)):
        sent_total, sent_count = issued.get(currency, (Decimal(0), 0))
        got_total, got_count = received.get(currency, (Decimal(0), 0))
        if abs(sent_total - got_total) > tolerance * max(1, sent_count, got_count):
            problems.append(
                f"{currency}: CPOs issued {sent_total} excl. VAT in {sent_count} CDRs, "
                f"eMSPs received {got_total} in {got_count}"
            )
    return problems


def every_session_has_one_cdr(
    records: Records, completed_sessions: Iterable[str | SessionKey] | None = None
) -> list[str]:
    """Each completed session has exactly one issued CDR, and that CDR reached the eMSP it was issued for.

    ``completed_sessions`` are ``(cpo, session_id)`` pairs or bare session ids (then a CDR of any CPO
    with that session id counts — ambiguous when two CPOs number their sessions alike); by default,
    every session with a ``ChargeEnded``.
    """
    by_key: dict[SessionKey, list[CDRIssued]] = _cdrs_by_session(records)
    by_id: dict[str, list[CDRIssued]] = {}
    for (_, session_id), cdrs in by_key.items():
        by_id.setdefault(session_id, []).extend(cdrs)
    if completed_sessions is None:
        completed_sessions = [key for key, s in records.sessions.items() if s.ended_s is not None]
    problems: list[str] = []
    for item in completed_sessions:
        if isinstance(item, str):
            label, cdrs = f"session {item}", by_id.get(item, [])
        else:
            label, cdrs = f"{item[0]} session {item[1]}", by_key.get(item, [])
        if not cdrs:
            problems.append(f"{label} has no CDR")
            continue
        if len(cdrs) > 1:
            problems.append(f"{label} has {len(cdrs)} CDRs: {', '.join(c.cdr_id for c in cdrs)}")
        for cdr in cdrs:
            entry = records.received.get((cdr.cpo, cdr.cdr_id))
            if entry is None:
                problems.append(f"CDR {cdr.cdr_id} of {label} never reached {cdr.emsp}")
            elif entry[1].emsp != cdr.emsp:
                receiver = entry[1].emsp
                problems.append(f"CDR {cdr.cdr_id} of {label} was issued for {cdr.emsp} but received by {receiver}")
    return problems


def _cdrs_by_session(records: Records) -> dict[SessionKey, list[CDRIssued]]:
    cdrs: dict[SessionKey, list[CDRIssued]] = {}
    for _, cdr in records.issued.values():
        if cdr.session_id is not None:
            cdrs.setdefault((cdr.cpo, cdr.session_id), []).append(cdr)
    return cdrs


def _by_currency(entries: Iterable[tuple[str, Decimal]]) -> dict[str, tuple[Decimal, int]]:
    totals: dict[str, tuple[Decimal, int]] = {}
    for currency, amount in entries:
        total, count = totals.get(currency, (Decimal(0), 0))
        totals[currency] = (total + amount, count + 1)
    return totals
