"""Assemble a network of parties in code: the environment, clock, bus, network and connections.

Used by tests and, later, by the scenario loader.  ``Roaming`` keeps every ``MessageExchanged`` in
``exchanges`` so a caller can assert on the exact sequence of messages.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import simpy

from sim.bus import EventBus
from sim.clock import SimClock
from sim.events import MessageExchanged
from sim.net.links import LinkCondition, Links
from sim.net.network import Network
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.parties import registration
from sim.parties.connection import Connection, SyncMode
from sim.parties.hub import Hub
from sim.parties.party import SUPPORTED_VERSIONS, Party
from sim.parties.platform import CPO, EMSP, SCSP

T = TypeVar("T")

DEFAULT_START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


class Roaming:
    """A simulated roaming network under construction (see the module docstring)."""

    def __init__(self, *, start: datetime = DEFAULT_START, seed: int = 42, latency_s: float = 0.05) -> None:
        self.env = simpy.Environment()
        self.clock = SimClock(self.env, start)
        self.bus = EventBus()
        self.network = Network(bus=self.bus, clock=self.clock.now, links=Links(LinkCondition(latency_s=latency_s)))
        self.seed = seed
        self.exchanges: list[MessageExchanged] = []
        self.bus.subscribe(self.exchanges.append, MessageExchanged)

    def cpo(self, ref: str, name: str | None = None, versions: Sequence[OCPIVersion] = SUPPORTED_VERSIONS) -> CPO:
        """Add a CPO platform (``ref`` like ``NL-CPA``)."""
        return CPO(
            PartyRef.parse(ref),
            name or f"CPO {ref}",
            env=self.env,
            clock=self.clock,
            network=self.network,
            seed=self.seed,
            versions=versions,
        )

    def emsp(self, ref: str, name: str | None = None, versions: Sequence[OCPIVersion] = SUPPORTED_VERSIONS) -> EMSP:
        """Add an eMSP platform."""
        return EMSP(
            PartyRef.parse(ref),
            name or f"eMSP {ref}",
            env=self.env,
            clock=self.clock,
            network=self.network,
            seed=self.seed,
            versions=versions,
        )

    def hub(self, ref: str, name: str | None = None) -> Hub:
        """Add a 2.2.1 hub platform (parties register with it: ``connect(party, hub)``)."""
        return Hub(
            PartyRef.parse(ref),
            name or f"Hub {ref}",
            env=self.env,
            clock=self.clock,
            network=self.network,
            seed=self.seed,
        )

    def scsp(self, ref: str, name: str | None = None, versions: Sequence[OCPIVersion] = SUPPORTED_VERSIONS) -> SCSP:
        """Add a smart-charging service provider (ChargingProfiles exist only in 2.2.1)."""
        return SCSP(
            PartyRef.parse(ref),
            name or f"SCSP {ref}",
            env=self.env,
            clock=self.clock,
            network=self.network,
            seed=self.seed,
            versions=[v for v in versions if v is OCPIVersion.V2_2_1] or [OCPIVersion.V2_2_1],
        )

    def run(self, process: Generator[simpy.Event, Any, T]) -> T:
        """Run one SimPy sub-process to completion (and everything it triggers until then)."""
        started = self.env.process(process)
        self.env.run(until=started)
        return cast(T, started.value)

    def settle(self, seconds: float = 600.0) -> None:
        """Let background processes (asynchronous results, polling) run for a while."""
        self.env.run(until=self.env.now + seconds)

    def connect(
        self,
        client: Party,
        server: Party,
        *,
        sync: dict[str, SyncMode] | None = None,
        version: OCPIVersion | None = None,
    ) -> tuple[Connection, Connection]:
        """``server`` hands token A to ``client``, which registers; returns (client's, server's) connection."""
        token_a = server.issue_token_a(client.name)
        client_side = self.run(registration.register(client, server.versions_url, token_a, version=version))
        server_side = server.connections[client.name]
        for module, mode in (sync or {}).items():
            client_side.sync[module] = mode
            server_side.sync[module] = mode
        return client_side, server_side

    def mark(self) -> int:
        """Position in ``exchanges`` to slice from later."""
        return len(self.exchanges)

    def since(self, mark: int) -> list[MessageExchanged]:
        """Exchanges recorded after ``mark``."""
        return self.exchanges[mark:]
