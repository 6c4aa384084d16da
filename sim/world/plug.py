"""What is plugged into a charge point: the driver as a charge point sees them, the car's plug, and
how a start attempt ends.

``refusal_reason`` turns a negative authorization into the ``ChargeRefused`` reason code:
AllowedType ``BLOCKED``/``EXPIRED``/``NO_CREDIT``/``NOT_ALLOWED`` → ``blocked``/``expired``/
``no_credit``/``not_allowed``; no decision → ``emsp_unreachable`` when an eMSP could not be reached
(no HTTP answer, a hub's 4002/4003), else ``unknown_token`` (no eMSP knew the token).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

import simpy

from sim.ocpi.v221.locations import Connector
from sim.parties.modules import tokens_client
from sim.parties.platform import Platform

if TYPE_CHECKING:
    from sim.ocpi.v221.tokens import Token
    from sim.scenario.schema import TokenKind
    from sim.world.charging import ChargeSummary, Charging
    from sim.world.ev import EVState


class Driver(Protocol):
    """What a charge point knows of a driver (``sim.world.driver.Driver`` is one)."""

    @property
    def name(self) -> str: ...
    @property
    def emsp(self) -> Platform: ...
    @property
    def token(self) -> Token: ...
    @property
    def kind(self) -> TokenKind: ...
    @property
    def ev(self) -> EVState: ...


class EVSEState(StrEnum):
    """The physical truth of a charge point (see the module docstring)."""

    FREE = "FREE"
    OCCUPIED = "OCCUPIED"
    RESERVED = "RESERVED"
    BROKEN = "BROKEN"


@dataclass(frozen=True)
class StartOutcome:
    """How a start attempt ended; ``latency_s`` from the attempt to the session (or the refusal)."""

    started: bool
    session_id: str | None
    reason: str | None
    latency_s: float


@dataclass
class Plug:
    """A car plugged in, and what became of it."""

    driver: Driver
    connector: Connector
    since: float
    waiting: simpy.Event | None = None
    """Set while the driver waits for a remote start (``await_remote_start``)."""
    wait_started: float = 0.0
    starting: bool = False
    """A start is under way (authorized, or a START_SESSION was accepted for it)."""
    charging: Charging | None = None
    session_id: str | None = None
    method: str = ""
    summary: ChargeSummary | None = None
    """The ended session's figures (set when the session ends)."""


_REFUSALS = {"BLOCKED": "blocked", "EXPIRED": "expired", "NO_CREDIT": "no_credit", "NOT_ALLOWED": "not_allowed"}


def refusal_reason(authorization: tokens_client.Authorization) -> str:
    """The ``ChargeRefused`` reason code of a negative authorization (see the module docstring)."""
    if authorization.allowed is not None:
        return _REFUSALS.get(authorization.allowed.value, authorization.allowed.value.lower())
    unreachable = any(
        e.http_status == 0 or e.ocpi_status in tokens_client.UNREACHABLE_STATUSES for e in authorization.exchanges
    )
    return "emsp_unreachable" if unreachable else "unknown_token"


__all__ = ["Driver", "EVSEState", "Plug", "StartOutcome", "refusal_reason"]
