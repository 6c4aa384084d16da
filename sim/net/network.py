"""``Network``: the in-process internet of one simulation.

It owns the shared ``InProcessTransport``, the link conditions and the exchange counter, and gives
each attached party an ``httpx.Client`` whose transport records through the one choke point.  The
client builds the party's requests (its default headers, the timeout extension); a party sends them
straight through that transport (``recorder``): ``Client.send`` would only add redirect, auth and
cookie handling that in-process OCPI never uses, at a cost paid on every exchange.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime

import httpx

from sim.bus import EventBus
from sim.net.inprocess import InProcessTransport
from sim.net.links import Links
from sim.net.recording import RecordingTransport
from sim.ocpi.router import Router

USER_AGENT = "roamsim"


class Network:
    """Where parties attach their routers and get their clients."""

    def __init__(self, *, bus: EventBus, clock: Callable[[], datetime], links: Links | None = None) -> None:
        self.bus = bus
        self.links = links or Links()
        self._clock = clock
        self._transport = InProcessTransport()
        self._sequence = itertools.count(1)
        self._recorders: dict[str, RecordingTransport] = {}

    def attach(self, name: str, host: str, router: Router) -> httpx.Client:
        """Serve ``router`` at ``host`` and return the client party ``name`` sends with."""
        self._transport.attach(host, router)
        recording = RecordingTransport(
            self._transport, owner=name, bus=self.bus, clock=self._clock, links=self.links, sequence=self._sequence
        )
        self._recorders[name] = recording
        return httpx.Client(transport=recording, trust_env=False, headers={"User-Agent": USER_AGENT})

    def recorder(self, name: str) -> RecordingTransport:
        """The recording transport of the client ``attach`` gave party ``name``."""
        return self._recorders[name]

    def detach(self, host: str) -> None:
        """Remove a party's server from the network."""
        self._transport.detach(host)

    def owner_of(self, url: str) -> str | None:
        """The party serving a URL, if any."""
        return self._transport.owner_of(httpx.URL(url).host)

    def owner_of_host(self, host: str) -> str | None:
        """The party serving ``host``, if any."""
        return self._transport.owner_of(host)

    def latency(self, sender: str, receiver: str) -> float:
        """Current one-way latency between two parties."""
        return self.links.latency(sender, receiver)
