"""A tiny rig for metrics tests: a SimPy env, clock and real EventBus, and event builders with defaults.

``Rig.play((t, event), …)`` publishes each event from a SimPy process at its run second ``t``, so the
events reach the metrics in simulated-time order exactly as the world would publish them.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import simpy

from sim.bus import EventBus
from sim.clock import SimClock
from sim.events import (
    CDRIssued,
    CDRReceived,
    ChargeAttempted,
    ChargeEnded,
    ChargeRefused,
    ChargeStarted,
    CommandCompleted,
    MessageExchanged,
)
from sim.metrics import Metrics

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
CPO = "NL-CPA"
EMSP = "DE-MSA"
LOC = "LOC1"


def at(seconds: float) -> datetime:
    """The instant ``seconds`` into the run."""
    return SimClock(simpy.Environment(), START).at(seconds)


class Rig:
    """env + clock + bus + the Metrics under test."""

    def __init__(self, duration_s: float = 3600.0, evse_counts: Mapping[tuple[str, str], int] | None = None) -> None:
        self.env = simpy.Environment()
        self.clock = SimClock(self.env, START)
        self.bus = EventBus()
        self.metrics = Metrics(self.bus, self.clock, start=START, duration_s=duration_s, evse_counts=evse_counts)

    def play(self, *steps: tuple[float, object], until: float | None = None) -> dict[str, float | int]:
        """Publish each event at its second, run until ``until`` (default: the last step), return the summary."""

        def publisher() -> Generator[simpy.Event, Any, None]:
            for moment, event in steps:
                yield self.env.timeout(moment - self.env.now)
                self.bus.publish(event)

        self.env.run(until=self.env.process(publisher()))
        if until is not None and until > self.env.now:
            self.env.run(until=until)
        return self.metrics.summary()


def attempted(t: float, driver: str = "d1", evse: str = "E1", method: str = "rfid", **kw: Any) -> ChargeAttempted:
    return ChargeAttempted(at(t), driver, kw.get("emsp", EMSP), kw.get("cpo", CPO), kw.get("loc", LOC), evse, method)


def refused(t: float, reason: str, driver: str = "d1", evse: str = "E1") -> ChargeRefused:
    return ChargeRefused(at(t), driver, EMSP, CPO, LOC, evse, reason)


def started(
    t: float, session: str, driver: str = "d1", evse: str = "E1", latency_s: float = 1.0, **kw: Any
) -> ChargeStarted:
    return ChargeStarted(
        at(t),
        driver,
        kw.get("emsp", EMSP),
        kw.get("cpo", CPO),
        kw.get("loc", LOC),
        evse,
        session,
        kw.get("method", "rfid"),
        latency_s,
    )


def ended(
    t: float, session: str, kwh: str, charging_s: float, parking_s: float = 0.0, driver: str = "d1", **kw: Any
) -> ChargeEnded:
    evse = kw.get("evse", "E1")
    return ChargeEnded(
        at(t), driver, kw.get("cpo", CPO), kw.get("loc", LOC), evse, session, Decimal(kwh), charging_s, parking_s
    )


def command(
    t: float, latency_s: float, response: str | None, result: str | None, timed_out: bool = False, **kw: Any
) -> CommandCompleted:
    name = kw.get("command", "START_SESSION")
    return CommandCompleted(
        at(t), kw.get("emsp", EMSP), kw.get("cpo", CPO), name, response, result, timed_out, latency_s
    )


def issued(
    t: float, cdr_id: str, session: str | None, excl: str, incl: str | None, kwh: str = "10", **kw: Any
) -> CDRIssued:
    return CDRIssued(
        at(t),
        kw.get("cpo", CPO),
        kw.get("emsp", EMSP),
        cdr_id,
        session,
        kw.get("currency", "EUR"),
        Decimal(excl),
        None if incl is None else Decimal(incl),
        Decimal(kwh),
    )


def received(t: float, cdr_id: str, excl: str, incl: str | None, **kw: Any) -> CDRReceived:
    return CDRReceived(
        at(t),
        kw.get("emsp", EMSP),
        kw.get("cpo", CPO),
        cdr_id,
        kw.get("currency", "EUR"),
        Decimal(excl),
        None if incl is None else Decimal(incl),
    )


def message(
    t: float,
    url: str,
    status: int = 200,
    ocpi: int | None = 1000,
    module: str | None = "locations",
    sender: str = CPO,
    receiver: str = EMSP,
    latency_s: float = 0.05,
    error: str | None = None,
) -> MessageExchanged:
    return MessageExchanged(
        seq=0,
        time=at(t),
        from_party=sender,
        to_party=receiver,
        method="PUT",
        url=url,
        module=module,
        ocpi_version="2.2.1",
        request_headers=(),
        request_body=None,
        response_status=status,
        response_headers=(),
        response_body=None,
        ocpi_status=ocpi,
        request_id=None,
        correlation_id=None,
        latency_s=latency_s,
        error=error,
    )
