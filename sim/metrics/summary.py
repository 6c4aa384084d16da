"""The flat KPI summary computed from ``Records`` (the keys are documented in ``sim.metrics``).

Groups come in a fixed order; inside a group, keys named after a reason, party, module or status are
sorted, so the same run always prints the same summary.  Families whose values are known in advance
(the documented refusal reasons, OCPI allowed values and command types) are always present, at 0 when
nothing happened — an expectation ``refused.no_roaming_agreement <= 0`` can then be checked on a run
without a single refusal, while a misspelt name is still reported as unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from sim.metrics.records import LocationKey, Records
from sim.metrics.stats import mean, percentile, ratio, rounded, union_length
from sim.ocpi.v221.commands import CommandType
from sim.ocpi.v221.tokens import AllowedType
from sim.pricing.result import Money

Summary = dict[str, float | int]

KNOWN_REFUSAL_REASONS = (
    "not_allowed",
    "blocked",
    "unknown_token",
    "no_roaming_agreement",
    "cpo_unreachable",
    "command_rejected",
    "command_timeout",
    "evse_occupied",
    "evse_broken",
)
"""The reasons ``ChargeRefused`` documents; others appear when they occur."""
UNDECIDED = "undecided"
"""``authorizations.undecided``: an ``AuthorizationDecided`` with ``allowed`` None."""


def build_summary(
    records: Records, *, now_s: float, duration_s: float, evse_counts: Mapping[LocationKey, int] | None
) -> Summary:
    """Every KPI as of ``now_s`` run seconds (the run time is ``now_s`` capped at ``duration_s``)."""
    run_s = min(max(now_s, 0.0), duration_s)
    out: Summary = {"run_s": rounded(run_s)}
    _sessions(out, records)
    _authorizations_and_commands(out, records)
    _queueing(out, records)
    _energy_and_utilisation(out, records, run_s, evse_count_table(records, evse_counts))
    _cdrs(out, records)
    _money(out, records)
    _messages(out, records)
    out["faults_activated"] = records.faults_activated
    faults = ((min(on, run_s), min(off, run_s)) for on, off in records.fault_time(run_s))
    out["faults_active_s"] = rounded(union_length(faults))
    return out


def evse_count_table(records: Records, evse_counts: Mapping[LocationKey, int] | None) -> dict[LocationKey, int]:
    """EVSEs per (cpo, location): as given, else the distinct EVSEs the events named there."""
    table = dict(evse_counts or {})
    for key, seen in records.evses_seen.items():
        table.setdefault(key, len(seen))
    return dict(sorted(table.items()))


def _ms(values_s: list[float]) -> tuple[float, float]:
    return rounded(mean(values_s) * 1000), rounded(percentile(values_s, 95) * 1000)


def _sessions(out: Summary, r: Records) -> None:
    attempted = sum(r.attempts_by_method.values())
    started = len(r.start_times)
    completed = len(r.end_times)
    out["sessions_attempted"] = attempted
    for method, count in sorted(r.attempts_by_method.items()):
        out[f"attempts.{method}"] = count
    out["sessions_started"] = started
    out["sessions_refused"] = sum(r.refusals.values())
    out["sessions_completed"] = completed
    out["sessions_active"] = sum(1 for s in r.sessions.values() if s.ended_s is None)
    out["sessions_start_ratio"] = rounded(ratio(started, attempted))
    out["start_latency_ms_avg"], out["start_latency_ms_p95"] = _ms(r.start_latencies_s)
    for reason in sorted(set(KNOWN_REFUSAL_REASONS) | set(r.refusals)):
        out[f"refused.{reason}"] = r.refusals[reason]


def _authorizations_and_commands(out: Summary, r: Records) -> None:
    out["authorizations"] = len(r.auth_latencies_s)
    out["authorization_latency_ms_avg"], out["authorization_latency_ms_p95"] = _ms(r.auth_latencies_s)
    for allowed in sorted({a.value for a in AllowedType} | {UNDECIDED} | set(r.auth_allowed)):
        out[f"authorizations.{allowed}"] = r.auth_allowed[allowed]
    for method, count in sorted(r.auth_methods.items()):
        out[f"authorization_method.{method}"] = count
    out["commands_sent"] = len(r.command_latencies_s)
    for outcome in ("accepted", "rejected", "failed", "timed_out"):
        out[f"commands_{outcome}"] = r.command_outcomes[outcome]
    out["commands_timeout_then_started"] = r.late_starts.count
    out["command_latency_ms_avg"], out["command_latency_ms_p95"] = _ms(r.command_latencies_s)
    for command in sorted({c.value for c in CommandType} | set(r.command_types)):
        out[f"commands.{command}"] = r.command_types[command]


def _queueing(out: Summary, r: Records) -> None:
    out["queued"] = r.queued
    out["abandoned"] = len(r.gave_up_times)
    out["abandoned_drivers"] = len(r.gave_up_drivers)
    out["drivers_needing_charge"] = len(r.drivers_needing)
    out["abandonment_ratio"] = rounded(ratio(len(r.gave_up_drivers), len(r.drivers_needing)))
    for reason, count in sorted(r.gave_up_reasons.items()):
        out[f"abandoned.{reason}"] = count


def _energy_and_utilisation(out: Summary, r: Records, run_s: float, evses: dict[LocationKey, int]) -> None:
    energy: dict[str, Decimal] = {}
    occupied: dict[LocationKey, float] = {}
    for s in r.sessions.values():
        if s.ended_s is not None:
            energy[s.cpo] = energy.get(s.cpo, Decimal(0)) + (s.kwh or Decimal(0))
            busy = s.charging_s + s.parking_s
        else:  # still plugged in: occupied from its start (or the run's) until now
            busy = max(0.0, run_s - max(s.started_s, 0.0))
        key = (s.cpo, s.location_id)
        occupied[key] = occupied.get(key, 0.0) + busy
    cpos = sorted({cpo for cpo, _ in evses} | set(r.cpos))
    out["energy_kwh"] = rounded(float(sum(energy.values(), Decimal(0))))
    for cpo in cpos:
        out[f"energy_kwh.{cpo}"] = rounded(float(energy.get(cpo, Decimal(0))))
    out["utilisation"] = _utilisation(occupied.values(), evses.values(), run_s)
    for cpo in cpos:
        mine = [key for key in evses if key[0] == cpo]
        out[f"utilisation.{cpo}"] = _utilisation((occupied.get(k, 0.0) for k in mine), (evses[k] for k in mine), run_s)
    for key, count in evses.items():
        out[f"utilisation.{key[0]}/{key[1]}"] = _utilisation([occupied.get(key, 0.0)], [count], run_s)


def _utilisation(busy_s: Iterable[float], evse_counts: Iterable[int], run_s: float) -> float:
    return rounded(ratio(sum(busy_s), sum(evse_counts) * run_s))


def _cdrs(out: Summary, r: Records) -> None:
    delays = [r.received[key][0] - at for key, (at, _) in r.issued.items() if key in r.received]
    delivered = len(delays)
    out["cdrs_issued"] = len(r.issued)
    out["cdrs_received"] = len(r.received)
    out["cdrs_delivered"] = delivered
    out["cdrs_undelivered"] = len(r.issued) - delivered
    out["cdrs_delivered_ratio"] = rounded(ratio(delivered, len(r.issued)))
    out["cdrs_received_duplicates"] = r.received_duplicates
    out["cdr_delivery_delay_s_avg"] = rounded(mean(delays))
    out["cdr_delivery_delay_s_max"] = rounded(max(delays, default=0.0))
    out["cdrs_reconciled"] = r.reconciled
    out["reconciliation_mismatches"] = r.mismatches
    out["reconciliation_unpriced"] = r.unpriced


def money_by_party(entries: Iterable[tuple[str, str, Decimal, Decimal | None]]) -> dict[str, dict[str, Money]]:
    """(party, currency, excl, incl) → party → currency → Σ Money (``incl`` None counts as ``excl``)."""
    totals: dict[str, dict[str, Money]] = {}
    for party, currency, excl, incl in entries:
        per_currency = totals.setdefault(party, {})
        per_currency[currency] = per_currency.get(currency, Money()) + Money(excl, excl if incl is None else incl)
    return totals


def _money(out: Summary, r: Records) -> None:
    revenue = money_by_party((e.cpo, e.currency, e.total_excl, e.total_incl) for _, e in r.issued.values())
    cost = money_by_party((e.emsp, e.currency, e.total_excl, e.total_incl) for _, e in r.received.values())
    _money_keys(out, "revenue", sorted(r.cpos), revenue)
    _money_keys(out, "cost", sorted(r.emsps), cost)


def _money_keys(out: Summary, prefix: str, parties: list[str], totals: dict[str, dict[str, Money]]) -> None:
    # One currency per party is the rule; a party with several gets one key pair per currency rather
    # than a meaningless sum.
    for party in sorted(set(parties) | set(totals)):
        per_currency = totals.get(party, {})
        if len(per_currency) <= 1:
            money = next(iter(per_currency.values()), Money())
            out[f"{prefix}_excl.{party}"] = rounded(float(money.excl))
            out[f"{prefix}_incl.{party}"] = rounded(float(money.incl))
            continue
        for currency, money in sorted(per_currency.items()):
            out[f"{prefix}_excl.{party}.{currency}"] = rounded(float(money.excl))
            out[f"{prefix}_incl.{party}.{currency}"] = rounded(float(money.incl))


def _messages(out: Summary, r: Records) -> None:
    errors = len(r.error_times)
    out["messages_total"] = r.messages
    out["errors_total"] = errors
    out["error_ratio"] = rounded(ratio(errors, r.messages))
    out["message_latency_ms_avg"], out["message_latency_ms_p95"] = _ms(r.message_latencies_s)
    for module, count in sorted(r.by_module.items()):
        out[f"messages.module.{module}"] = count
    for party, count in sorted(r.by_party.items()):
        out[f"messages.party.{party}"] = count
    for status, count in sorted(r.by_http.items()):
        out[f"messages.http.{status}"] = count
    for ocpi, count in sorted(r.by_ocpi.items(), key=lambda item: (item[0] == "none", item[0])):
        out[f"messages.ocpi.{ocpi}"] = count
    for module, count in sorted(r.errors_by_module.items()):
        out[f"errors.module.{module}"] = count
    for party, count in sorted(r.errors_by_party.items()):
        out[f"errors.party.{party}"] = count
