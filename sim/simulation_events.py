"""Scheduled scenario events: a tariff change, a location closing or opening, a party joining or
leaving a hub, tokens being blocked — each a SimPy process that acts through the parties' own
client functions at its moment, so every consequence travels as OCPI."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.parties import registration
from sim.parties.modules import tariffs_client, tokens_client
from sim.parties.platform import Platform
from sim.scenario.schema import EventAction, ScheduledEvent
from sim.scenario.timing import resolve_instant

if TYPE_CHECKING:
    from sim.simulation import Simulation


def schedule_events(simulation: Simulation) -> None:
    """Start one process per scheduled event of the scenario."""
    scenario = simulation.scenario
    for event in scenario.events:
        delay = resolve_instant(event.at, scenario.start, scenario.time_zone)
        simulation.env.process(_at(simulation, max(0.0, delay - simulation.env.now), event))


def _at(simulation: Simulation, delay: float, event: ScheduledEvent) -> Generator[simpy.Event, Any, None]:
    yield simulation.env.timeout(delay)
    party = simulation.party(event.party)
    if event.action is EventAction.CHANGE_TARIFF and isinstance(party, Platform) and event.tariff is not None:
        tariff = simulation.loaded.resolve_tariff(event.party, event.tariff, now=simulation.clock.now())
        tariffs_client.add_tariff(party, tariff)
        yield from tariffs_client.push_tariff(party, tariff.id)
    elif event.action in (EventAction.CLOSE_LOCATION, EventAction.OPEN_LOCATION) and isinstance(party, Platform):
        # The charge points push their own status (INOPERATIVE when closed, their true state on reopening).
        for charge_point in simulation.world.at_location(party.name, event.location or ""):
            charge_point.set_closed(event.action is EventAction.CLOSE_LOCATION)
    elif event.action is EventAction.JOIN_HUB:
        hub = simulation.party(event.hub or "")
        token_a = hub.issue_token_a(party.name)
        try:
            yield from registration.register(party, hub.versions_url, token_a)
        except registration.RegistrationError as exc:
            simulation.stats.setup_problems.append(str(exc))
    elif event.action is EventAction.LEAVE_HUB:
        connection = party.connections.get(event.hub or "")
        if connection is not None:
            yield from registration.unregister(party, connection)
    elif event.action is EventAction.BLOCK_TOKEN and isinstance(party, Platform):
        for token in list(party.emsp_data.tokens)[: event.tokens]:
            yield from tokens_client.update_token(party, token.uid, token.type, valid=False)
