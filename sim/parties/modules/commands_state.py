"""Commands, CPO side: the charger's settings, the live reservations and the physical hook.

``CPOCommandsState`` (``cpo_state``) holds how the simulated chargers answer (``ChargerBehaviour``),
the live reservations by (eMSP, ``reservation_id``), the results posted, and ``physical``.

**The physical hook.**  A simulation attaches its charge points as ``physical`` (a ``Physical``).
Then the charger's answer comes from the physical truth instead of the EVSE statuses the CPO
stores: START_SESSION needs a car of that token plugged in and waiting (the charge point then starts
the session itself), STOP_SESSION and UNLOCK_CONNECTOR end the charge point's session, RESERVE_NOW
asks whether the EVSE is free, and the charge point hears of every reservation that starts or ends
(``tell_physical``).  A hook method answering None leaves that command to the default behaviour
(e.g. an EVSE the world does not know).  ``ChargerBehaviour.start_timeout_probability`` makes the
charger ignore that share of START_SESSION commands (drawn from the CPO's ``charger`` stream), world
or not.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import simpy

from sim.ocpi.common import case_fold
from sim.ocpi.v221.commands import CommandResult, CommandResultType, CommandType, StartSession, UnlockConnector
from sim.ocpi.v221.tokens import Token
from sim.parties.modules.common import state
from sim.parties.modules.results import Origin
from sim.parties.party import Exchange

if TYPE_CHECKING:
    from sim.parties.platform import Platform

Steps = Generator[simpy.Event, Any, None]
Outcome = tuple[CommandResultType, Steps | None]
"""The charger's result and, if ACCEPTED, the consequences to run after the result is POSTed."""
Act = Callable[[], Outcome]
"""Looks at the charger's situation when it answers: the result and, if ACCEPTED, the consequences."""


class Physical(Protocol):
    """The physical chargers behind a CPO (see the module docstring); None from a method: not mine."""

    def start(self, origin: Origin, cmd: StartSession, evse_uids: list[str]) -> Outcome | None:
        """START_SESSION on one of ``evse_uids`` (the named EVSE, or every capable one)."""

    def stop(self, session_id: str) -> Outcome | None:
        """STOP_SESSION of one of the CPO's sessions."""

    def unlock(self, cmd: UnlockConnector) -> Outcome | None:
        """UNLOCK_CONNECTOR."""

    def verdict(self, origin: Origin, location_id: str, evse_uid: str, token: Token) -> CommandResultType | None:
        """What the EVSE says to being reserved (RESERVE_NOW) for ``token`` right now."""

    def reservation_changed(self, location_id: str, evse_uid: str) -> None:
        """A reservation of that EVSE started or ended."""


@dataclass
class ChargerBehaviour:
    """How the simulated chargers answer commands (change it to script a scenario or a test)."""

    delay_s: float = 5.0
    """Seconds between accepting a command and the charger's answer."""
    outcomes: dict[CommandType, CommandResultType | None] = field(default_factory=dict)
    """Per command: what the charger answers (default ACCEPTED); ``None`` = it never answers."""
    start_timeout_probability: float = 0.0
    """Share of START_SESSION commands the charger never answers (the eMSP sees a TIMEOUT)."""

    def outcome(self, command: CommandType) -> CommandResultType | None:
        """The charger's answer to ``command`` before the EVSE state is looked at."""
        return self.outcomes.get(command, CommandResultType.ACCEPTED)


@dataclass
class Reservation:
    """A live reservation made by RESERVE_NOW."""

    reservation_id: str
    charger_reservation_id: int
    """The CPO's own number for the charger (eMSP ids are not unique across eMSPs)."""
    location_id: str
    evse_uid: str
    token: Token
    expiry_date: datetime
    origin: Origin
    session_id: str | None = None
    """The 2.2.1 reservation Session (None for 2.1.1 commands)."""


ReservationKey = tuple[tuple[str, str], str]


@dataclass
class CPOCommandsState:
    """The CPO's command settings, live reservations and the results it posted."""

    behaviour: ChargerBehaviour = field(default_factory=ChargerBehaviour)
    timeout_s: int = 30
    """The ``timeout`` announced in 2.2.1 CommandResponses."""
    reservations: dict[ReservationKey, Reservation] = field(default_factory=dict)
    """By (eMSP party key, case-folded ``reservation_id``)."""
    next_charger_reservation: int = 1
    results: list[tuple[Origin, CommandResult, Exchange]] = field(default_factory=list)
    """Every result POSTed, with the answer it got (for reports and tests)."""
    physical: Physical | None = None
    """The simulation's charge points, when attached (see the module docstring)."""


def cpo_state(cpo: Platform) -> CPOCommandsState:
    """The CPO's commands state."""
    return state(cpo, "commands:cpo", CPOCommandsState)


def reservation_at(cpo: Platform, location_id: str, evse_uid: str) -> Reservation | None:
    """The live reservation holding EVSE ``evse_uid``, if any."""
    return next((r for r in cpo_state(cpo).reservations.values() if holds(r, location_id, evse_uid)), None)


def holds(reservation: Reservation | None, location_id: str, evse_uid: str) -> bool:
    """Whether ``reservation`` is the one holding EVSE ``evse_uid`` of ``location_id``."""
    return (
        reservation is not None
        and case_fold(reservation.location_id) == case_fold(location_id)
        and case_fold(reservation.evse_uid) == case_fold(evse_uid)
    )


def forget(cpo: Platform, reservation: Reservation) -> None:
    """The reservation is over for the charger (its expiry timer then finds it gone)."""
    store = cpo_state(cpo)
    for key, held in list(store.reservations.items()):
        if held is reservation:
            del store.reservations[key]
    tell_physical(cpo, reservation)


def tell_physical(cpo: Platform, reservation: Reservation) -> None:
    physical = cpo_state(cpo).physical
    if physical is not None:
        physical.reservation_changed(reservation.location_id, reservation.evse_uid)


__all__ = [
    "Act",
    "CPOCommandsState",
    "ChargerBehaviour",
    "Outcome",
    "Physical",
    "Reservation",
    "ReservationKey",
    "Steps",
    "cpo_state",
    "forget",
    "holds",
    "reservation_at",
    "tell_physical",
]
