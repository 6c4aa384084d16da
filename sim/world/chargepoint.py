"""A charge point: one EVSE as a physical device, and its CPO's backend acting for it.

Physical state (``status``): ``BROKEN`` (failed and not yet repaired, or its location closed),
``OCCUPIED`` (a car is plugged in), ``RESERVED`` (a reservation of the CPO holds it: only the
reserving token's driver may plug in), ``FREE``.  ``freed()`` fires when it next becomes FREE.

A driver plugs in (``plug_in``), then starts by RFID (``start_by_rfid``: the CPO authorizes the
token with ``tokens_client.authorize`` — whitelist or real time — and publishes
``AuthorizationDecided`` with the latency on simulated time) or waits for the eMSP's START_SESSION
(``await_remote_start``; the CPO's commands module consults the World, ``sim.world.world``, and the
charge point starts the session with auth method COMMAND).  A session start goes through
``commands_charger.begin_session`` (a reservation of that token becomes the session), then the
charging process runs (``sim.world.charging``) and ``ChargeStarted`` is published.  ``unplug`` ends
it: final PATCH, CDR priced from the real timeline, ``ChargeEnded``.

Choices:

* **Refusal reasons** (``StartOutcome.reason``, which the driver publishes as ``ChargeRefused``):
  those of the authorization (``sim.world.plug.refusal_reason``), ``evse_broken``, ``unplugged``,
  ``not_plugged_in``, ``command_timeout`` (no remote start in time).
* **A session ends before the car leaves** on STOP_SESSION, UNLOCK_CONNECTOR and a failure: the
  charger stops the transaction at once (OCPP's behaviour), so the session is COMPLETED and its CDR
  issued then, priced up to that instant; the car stays until the driver comes back, and time after
  the end is not billed.  The EVSE shows ``BLOCKED`` meanwhile (OCPI: "not accessible because of a
  physical barrier, i.e. a car"), ``OUTOFORDER`` after a failure.  ``ChargeEnded`` is still
  published at the unplug, with the session's figures.
* **Failures** (``break_down``/``repair``, driven by the World's MTBF/MTTR process) may strike at
  any time, as in life: a running session ends as above, a driver waiting for a remote start is
  told ``evse_broken``, a reservation is cancelled by the CPO (CANCELED_RESERVATION).  A closed
  location (``set_closed``) shows INOPERATIVE; sessions running there go on until unplugged.
* **Status pushes** go through ``locations_client.set_evse_status`` (which publishes
  ``EVSEStatusChanged``): CHARGING at a session start, BLOCKED/OUTOFORDER/INOPERATIVE/RESERVED/
  AVAILABLE as the truth says when it changes (each push carries the state of its moment, so an
  eMSP sees every state in order).  Nothing is pushed when a car is merely plugged in.  Every backend
  action of one charge point (session messages, status pushes) runs in one queue (``backend``), so
  they reach the eMSPs in the order they happened.
"""

from __future__ import annotations

from collections.abc import Generator
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import simpy

from sim.events import AuthorizationDecided, ChargeEnded, ChargeStarted
from sim.ocpi.common import case_fold
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import AuthMethod, CdrToken
from sim.ocpi.v221.locations import EVSE, Connector, Location
from sim.ocpi.v221.locations_enums import ConnectorType, Status
from sim.parties.modules import tokens_client
from sim.parties.modules.commands_charger import (
    Reservation,
    begin_session,
    cancel_reservation_by_cpo,
    cpo_state,
    reservation_at,
)
from sim.parties.modules.locations import find_connector
from sim.parties.modules.locations_client import set_evse_status
from sim.parties.modules.sessions import cdr_token
from sim.parties.platform import Platform
from sim.world.charging import Charging, connector_kw, finish
from sim.world.plug import Driver, EVSEState, Plug, StartOutcome, refusal_reason

if TYPE_CHECKING:
    from sim.world.ev import EVModel
    from sim.world.world import World

Steps = Generator[simpy.Event, Any, Any]
EVSEKey = tuple[str, str, str]
"""(CPO party name e.g. ``NL-CPA``, location id, EVSE uid)."""


class ChargePoint:
    """One EVSE of a CPO's Location (see the module docstring)."""

    def __init__(self, world: World, cpo: Platform, location: Location, evse_uid: str) -> None:
        self.world, self.cpo, self.evse_uid = world, cpo, evse_uid
        self.env = cpo.env
        self.key: EVSEKey = (cpo.name, location.id, evse_uid)
        self._location = location
        self.broken = False
        self.closed = False
        self.plug: Plug | None = None
        self._freed: list[simpy.Event] = []
        self._tail: simpy.Process | None = None
        # The EVSE found in the Location object last looked at, and per set of plugs a car takes the
        # first connector that fits it.  Never stale: Locations and EVSEs are never changed in place
        # (every change stores new objects), and both are worked out again when the object differs.
        self._seen_location: Location | None = None
        self._seen_evse: EVSE | None = None
        self._fitting: dict[frozenset[ConnectorType], Connector | None] = {}
        self._fitting_evse: EVSE | None = None

    def __repr__(self) -> str:
        return f"<ChargePoint {'/'.join(self.key)} {self.status.value}>"

    # --- what it is -------------------------------------------------------------------------------

    @property
    def location(self) -> Location:
        """The CPO's own Location, as it is now."""
        data = self.cpo.cpo_data
        return data.locations.get(data.party, self.key[1]) or self._location

    @property
    def evse(self) -> EVSE:
        """The CPO's EVSE object, as it is now."""
        location = self.location
        if location is not self._seen_location:
            self._seen_evse = self.world.evse_in(self.cpo.name, location, self.evse_uid)
            self._seen_location = location
        evse = self._seen_evse
        if evse is None:
            raise KeyError(f"{self.cpo.name} has no EVSE {self.evse_uid} at {self.key[1]} any more")
        return evse

    @property
    def status(self) -> EVSEState:
        """The physical truth (a closed location counts as BROKEN: nobody can charge there)."""
        if self.broken or self.closed:
            return EVSEState.BROKEN
        if self.plug is not None:
            return EVSEState.OCCUPIED
        if reservation_at(self.cpo, self.key[1], self.evse_uid) is not None:
            return EVSEState.RESERVED
        return EVSEState.FREE

    @property
    def charging(self) -> Charging | None:
        """The running charge, if any."""
        return self.plug.charging if self.plug is not None else None

    def compatible_connector(self, ev: EVModel) -> Connector | None:
        """The first connector of the EVSE the car can use."""
        evse = self.evse
        if evse is not self._fitting_evse:
            self._fitting, self._fitting_evse = {}, evse
        plugs = ev.connectors
        if plugs not in self._fitting:
            self._fitting[plugs] = next((c for c in evse.connectors if c.standard in plugs), None)
        return self._fitting[plugs]

    def max_power_kw(self, connector: Connector) -> Decimal:
        """The most ``connector`` delivers, in kW."""
        return connector_kw(connector)

    def freed(self) -> simpy.Event:
        """An event that succeeds when the charge point next becomes FREE (at once if it is FREE)."""
        event = self.env.event()
        self._freed.append(event)
        self.notify()
        return event

    def notify(self) -> None:
        """Fire the ``freed()`` events if the charge point is FREE now (after any change of state)."""
        if self.status is EVSEState.FREE:
            waiting, self._freed = self._freed, []
            for event in waiting:
                event.succeed()

    # --- the backend queue ------------------------------------------------------------------------

    def backend(self, steps: Steps) -> simpy.Process:
        """Run ``steps`` after every earlier backend action of this charge point; returns its process."""
        previous = self._tail

        def run() -> Steps:
            if previous is not None:
                yield previous
            return (yield from steps)

        self._tail = self.env.process(run())
        return self._tail

    def ocpi_status(self) -> Status | None:
        """The EVSE status the truth calls for (None: leave it, e.g. a car plugged in, not started)."""
        if self.closed:
            return Status.INOPERATIVE
        if self.broken:
            return Status.OUTOFORDER
        if self.plug is not None:
            if self.plug.charging is not None:
                return Status.CHARGING
            return Status.BLOCKED if self.plug.summary is not None else None
        if reservation_at(self.cpo, self.key[1], self.evse_uid) is not None:
            return Status.RESERVED
        return Status.AVAILABLE

    def _status_steps(self, status: Status | None) -> Steps:
        if status is not None:
            yield from set_evse_status(self.cpo, self.key[1], self.evse_uid, status)

    def push_status(self) -> simpy.Process:
        """Queue a push of the status the truth calls for now (nothing is sent when it is unchanged)."""
        return self.backend(self._status_steps(self.ocpi_status()))

    # --- a driver at the charger ------------------------------------------------------------------

    def _reserved_for(self, driver: Driver) -> bool:
        reservation = reservation_at(self.cpo, self.key[1], self.evse_uid)
        token = driver.token
        return (
            reservation is not None
            and reservation.origin.emsp.key == PartyRef(token.country_code, token.party_id).key
            and case_fold(reservation.token.uid) == case_fold(token.uid)
        )

    def plug_in(self, driver: Driver, connector_id: str) -> bool:
        """Occupy the charge point with ``driver``'s car; False if it is not free (or reserved for them)."""
        status = self.status
        if status is not EVSEState.FREE and not (status is EVSEState.RESERVED and self._reserved_for(driver)):
            return False
        connector = find_connector(self.evse, connector_id)
        if connector is None:
            return False
        self.plug = Plug(driver, connector, self.env.now)
        return True

    def _mine(self, driver: Driver) -> Plug | None:
        return self.plug if self.plug is not None and self.plug.driver is driver else None

    def start_by_rfid(self, driver: Driver) -> Generator[simpy.Event, Any, StartOutcome]:
        """The driver holds their card to the reader: the CPO authorizes, then charging starts."""
        began = self.env.now
        plug = self._mine(driver)
        if plug is None or plug.starting or plug.session_id is not None:
            return StartOutcome(False, None, "not_plugged_in" if plug is None else "already_started", 0.0)
        if self.status is EVSEState.BROKEN:
            return StartOutcome(False, None, "evse_broken", 0.0)
        plug.starting = True
        token = driver.token
        auth = yield from tokens_client.authorize(
            self.cpo, uid=token.uid, token_type=token.type, location_id=self.key[1], evse_uids=[self.evse_uid]
        )
        latency = self.env.now - began
        self.cpo.bus.publish(
            AuthorizationDecided(
                time=self.cpo.clock.now(),
                cpo=self.cpo.name,
                emsp=str(auth.emsp) if auth.emsp is not None else None,
                token_uid=token.uid,
                allowed=auth.allowed.value if auth.allowed is not None else None,
                method=auth.method.value,
                latency_s=latency,
            )
        )
        if not auth.ok:
            plug.starting = False
            return StartOutcome(False, None, refusal_reason(auth), latency)
        identity = auth.cdr_token() or cdr_token(token)
        session_id = yield self.start_session(plug, identity, auth.method, auth.authorization_reference, began)
        if session_id is None:
            return StartOutcome(False, None, self._why_not(plug), self.env.now - began)
        return StartOutcome(True, session_id, None, self.env.now - began)

    def await_remote_start(self, driver: Driver, timeout_s: float) -> Generator[simpy.Event, Any, StartOutcome]:
        """After ``plug_in``: wait until the CPO's START_SESSION hook starts the session, or ``timeout_s``."""
        began = self.env.now
        plug = self._mine(driver)
        if plug is None:
            return StartOutcome(False, None, "not_plugged_in", 0.0)
        if plug.session_id is not None:
            return StartOutcome(True, plug.session_id, None, 0.0)
        waiting = plug.waiting = self.env.event()
        plug.wait_started = began
        yield waiting | self.env.timeout(timeout_s)
        if not waiting.triggered and plug.starting:
            yield waiting  # the charger accepted the command: the session is being created
        if waiting.triggered:
            return cast(StartOutcome, waiting.value)
        plug.waiting = None  # a START_SESSION arriving later finds nobody waiting
        return StartOutcome(False, None, "command_timeout", self.env.now - began)

    def waiting_for(self, token_uid: str, emsp: PartyRef) -> Plug | None:
        """The plugged car of ``token_uid`` (owned by ``emsp``) waiting for a remote start, if any."""
        plug = self.plug
        if plug is None or plug.waiting is None or plug.waiting.triggered or plug.starting:
            return None
        token = plug.driver.token
        if case_fold(token.uid) != case_fold(token_uid) or PartyRef(token.country_code, token.party_id).key != emsp.key:
            return None
        return plug

    def start_session(
        self, plug: Plug, token: CdrToken, auth_method: AuthMethod, reference: str | None, began: float
    ) -> simpy.Process:
        """Queue the session start for ``plug`` (its process returns the session id, or None)."""
        plug.starting = True
        return self.backend(self._start_steps(plug, token, auth_method, reference, began))

    def _start_steps(
        self, plug: Plug, token: CdrToken, auth_method: AuthMethod, reference: str | None, began: float
    ) -> Generator[simpy.Event, Any, str | None]:
        if not self._holds(plug):
            self._resolve(plug, StartOutcome(False, None, self._why_not(plug), self.env.now - began))
            return None
        location = self.location
        session = yield from begin_session(
            self.cpo,
            location_id=location.id,
            evse_uid=self.evse_uid,
            connector_id=plug.connector.id,
            token=token,
            auth_method=auth_method,
            authorization_reference=reference,
        )
        plug.session_id = session.id
        plug.method = plug.driver.kind.value
        plug.charging = self.world.new_charging(self, plug, session)
        self.world.sessions[(self.cpo.name, case_fold(session.id))] = self
        latency = self.env.now - began
        self.cpo.bus.publish(
            ChargeStarted(
                time=self.cpo.clock.now(),
                driver=plug.driver.name,
                emsp=plug.driver.emsp.name,
                cpo=self.cpo.name,
                location_id=location.id,
                evse_uid=self.evse_uid,
                session_id=session.id,
                method=plug.method,
                start_latency_s=latency,
            )
        )
        self._resolve(plug, StartOutcome(True, session.id, None, latency))
        self.push_status()  # CHARGING, right after this step
        if not self._holds(plug):
            self.end_session(plug)  # the car left or the charger broke while the session was being set up
            if self.plug is not plug:
                self._ended(plug)
        return session.id

    def _holds(self, plug: Plug) -> bool:
        """Whether ``plug`` is still here and the charger can charge it."""
        return self.plug is plug and self.status is not EVSEState.BROKEN

    def _resolve(self, plug: Plug, outcome: StartOutcome) -> None:
        if plug.waiting is not None and not plug.waiting.triggered:
            plug.waiting.succeed(outcome)

    def _why_not(self, plug: Plug) -> str:
        return "unplugged" if self.plug is not plug else "evse_broken"

    def end_session(self, plug: Plug) -> simpy.Process | None:
        """Stop ``plug``'s running charge now; queue the final PATCH, the CDR and the status push."""
        if plug.charging is None:
            return None
        plug.summary = plug.charging.stop()
        plug.charging = None
        process = self.backend(finish(self.cpo, plug.summary))
        self.push_status()
        return process

    def unplug(self, driver: Driver) -> Generator[simpy.Event, Any, None]:
        """The car leaves: its session (if still running) ends and its CDR is issued; ``ChargeEnded``."""
        plug = self._mine(driver)
        if plug is None:
            return
        self.plug = None
        self._resolve(plug, StartOutcome(False, None, "unplugged", self.env.now - plug.wait_started))
        ending = self.end_session(plug)
        status = self.push_status()
        self._ended(plug)
        self.notify()
        yield ending if ending is not None else status

    def _ended(self, plug: Plug) -> None:
        summary = plug.summary
        if summary is None or plug.session_id is None:
            return
        self.cpo.bus.publish(
            ChargeEnded(
                time=self.cpo.clock.now(),
                driver=plug.driver.name,
                cpo=self.cpo.name,
                location_id=self.key[1],
                evse_uid=self.evse_uid,
                session_id=plug.session_id,
                kwh=summary.kwh,
                charging_s=summary.charging_s,
                parking_s=summary.parking_s,
            )
        )

    # --- failures, repairs, closing ---------------------------------------------------------------

    def break_down(self) -> None:
        """The charger fails now (see the module docstring for what happens to its users)."""
        if self.broken:
            return
        self.broken = True
        plug = self.plug
        if plug is not None:
            self.end_session(plug)
            if not plug.starting:
                self._resolve(plug, StartOutcome(False, None, "evse_broken", self.env.now - plug.wait_started))
        self.push_status()
        reservation = reservation_at(self.cpo, self.key[1], self.evse_uid)
        if reservation is not None:
            self.backend(self._cancel(reservation))

    def _cancel(self, reservation: Reservation) -> Steps:
        if any(held is reservation for held in cpo_state(self.cpo).reservations.values()):  # not expired meanwhile
            yield from cancel_reservation_by_cpo(self.cpo, reservation.reservation_id, emsp=reservation.origin.emsp)

    def repair(self) -> None:
        """The charger works again."""
        if not self.broken:
            return
        self.broken = False
        self.push_status()
        self.notify()

    def set_closed(self, closed: bool) -> None:
        """The CPO closes (True) or reopens its location's charge point; the status is pushed."""
        if self.closed == closed:
            return
        self.closed = closed
        self.push_status()
        self.notify()

    def recompute(self) -> None:
        """A power limit changed (e.g. a new charging profile): the running charge adapts now."""
        if self.charging is not None:
            self.charging.recompute()


__all__ = ["ChargePoint", "Driver", "EVSEKey", "EVSEState", "Plug", "StartOutcome", "refusal_reason"]
