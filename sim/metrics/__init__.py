"""KPIs, settlement and expectation checks of a run, computed from the events on the bus.

``Metrics(bus, clock, start=…, duration_s=…, evse_counts=…)`` subscribes once to every event; it reads
the domain events of ``sim.events`` and ``MessageExchanged``, never the parties' internals.

Conventions: counts are ``int``; everything else is a ``float`` rounded to 6 decimals (money is
summed in ``Decimal`` first).  An average, percentile or ratio over nothing is **0** (never NaN or
None).  ``p95`` is the nearest-rank percentile (always one of the values).  Latencies are in ms,
delays and durations in s.  ``<cpo>``/``<emsp>`` are party ids (``NL-CPA``); ``<a>-><b>`` a sender and
receiver of an exchange.  Keys come in this order; ``<…>`` families are sorted.

Run and sessions
    ``run_s``                         run time so far: elapsed simulated time capped at ``duration_s``
    ``sessions_attempted``            ``ChargeAttempted`` events
    ``attempts.<method>``             … by method (``rfid``, ``app``)
    ``sessions_started``              ``ChargeStarted`` events
    ``sessions_refused``              ``ChargeRefused`` events
    ``sessions_completed``            ``ChargeEnded`` events
    ``sessions_active``               started and not yet ended
    ``sessions_start_ratio``          started ÷ attempted
    ``start_latency_ms_avg``/``_p95`` ``ChargeStarted.start_latency_s`` (attempt → session)
    ``refused.<reason>``              refusals by reason; the reasons ``ChargeRefused`` documents are always
                                      present (0 when none), others appear when they occur
Authorization and commands
    ``authorizations``                ``AuthorizationDecided`` events
    ``authorization_latency_ms_avg``/``_p95``
    ``authorizations.<allowed>``      by ``allowed`` (ALLOWED, BLOCKED, EXPIRED, NO_CREDIT, NOT_ALLOWED always
                                      present; ``undecided`` = no decision possible)
    ``authorization_method.<method>`` by ``AuthorizationDecided.method``
    ``commands_sent``                 ``CommandCompleted`` events (a command still in flight is not counted)
    ``commands_accepted``             response and result ACCEPTED
    ``commands_rejected``             the CPO (response) or the charger (result) said no
    ``commands_failed``               no usable answer (CPO unreachable, error answer)
    ``commands_timed_out``            the eMSP saw no result in time, or the result TIMEOUT
                                      (sent = accepted + rejected + failed + timed_out)
    ``commands_timeout_then_started`` timed-out START_SESSIONs whose session started anyway
                                      (see ``sim.metrics.latestarts`` for how they are matched)
    ``command_latency_ms_avg``/``_p95``
    ``commands.<COMMAND>``            by command type (the five OCPI 2.2.1 types always present)
Queueing and abandonment
    ``queued``                        ``DriverQueued`` events
    ``abandoned``                     ``DriverGaveUp`` events
    ``abandoned_drivers``             distinct drivers who gave up at least once
    ``drivers_needing_charge``        distinct drivers seen attempting, queueing, starting or giving up
    ``abandonment_ratio``             abandoned_drivers ÷ drivers_needing_charge
    ``abandoned.<reason>``            ``DriverGaveUp`` by reason
Energy and utilisation
    ``energy_kwh``                    Σ ``ChargeEnded.kwh``
    ``energy_kwh.<cpo>``              … per CPO
    ``utilisation``                   Σ occupied time ÷ (EVSEs × ``run_s``); occupied = charging + parking
                                      time of ended sessions, start → now for sessions still plugged in
    ``utilisation.<cpo>``             … per CPO
    ``utilisation.<cpo>/<location>``  … per location
CDRs (each CDR is identified by (cpo, cdr id); a CDR received twice counts once)
    ``cdrs_issued``                   distinct ``CDRIssued``
    ``cdrs_received``                 distinct ``CDRReceived``
    ``cdrs_delivered``                issued CDRs that were received
    ``cdrs_undelivered``              issued − delivered
    ``cdrs_delivered_ratio``          delivered ÷ issued (0 when nothing was issued)
    ``cdrs_received_duplicates``      receipts of a CDR already received (a push and a pull, a retry)
    ``cdr_delivery_delay_s_avg``/``_max``  first receipt − issue, over the delivered CDRs
    ``cdrs_reconciled``               ``CDRReconciled`` events
    ``reconciliation_mismatches``     … with ``mismatch``
    ``reconciliation_unpriced``       … the eMSP could not price (tariff unknown to it)
Money (a party with CDRs in several currencies gets ``….<party>.<CUR>`` keys instead, never a mixed sum)
    ``revenue_excl.<cpo>``/``revenue_incl.<cpo>``  Σ totals of the CDRs the CPO issued (every CPO seen)
    ``cost_excl.<emsp>``/``cost_incl.<emsp>``      Σ totals of the CDRs the eMSP received (every eMSP seen);
                                      a total without VAT-inclusive amount (2.1.1) counts its excl. amount
Messages (every ``MessageExchanged``: each hop through a hub is a message)
    ``messages_total``, ``errors_total``, ``error_ratio`` (errors ÷ messages)
                                      error = no answer, HTTP status outside 2xx, OCPI status outside 1xxx
    ``message_latency_ms_avg``/``_p95``
    ``messages.module.<module>``      by OCPI module (from the URL when the receiver never answered)
    ``messages.party.<a>-><b>``       by sender and receiver
    ``messages.http.<status>``        by HTTP status (0 = no answer)
    ``messages.ocpi.<status>``        by OCPI status code (``none`` = no OCPI envelope)
    ``errors.module.<module>``, ``errors.party.<a>-><b>``  errors by module and by sender/receiver
Faults
    ``faults_activated``              scenario faults switched on (``FaultChanged``)
    ``faults_active_s``               time with at least one fault on (overlaps counted once)

``Metrics.timeseries(step_s)`` samples a few KPIs over time (``sim.metrics.timeseries``);
``Metrics.settlement()`` is the (emsp, cpo) → Money matrix (``sim.metrics.settlement``);
``Metrics.evaluate(expectations)`` checks ``expect:`` thresholds (``sim.metrics.expectations``); the
invariant helpers return lists of problems (``sim.metrics.invariants``).
"""

from __future__ import annotations

from sim.metrics.core import Metrics
from sim.metrics.expectations import ExpectationResult, evaluate
from sim.metrics.settlement import SETTLEMENT_COLUMNS, format_settlement, settlement_rows
from sim.metrics.stats import percentile
from sim.metrics.timeseries import COLUMNS as TIMESERIES_COLUMNS

__all__ = [
    "SETTLEMENT_COLUMNS",
    "TIMESERIES_COLUMNS",
    "ExpectationResult",
    "Metrics",
    "evaluate",
    "format_settlement",
    "percentile",
    "settlement_rows",
]
