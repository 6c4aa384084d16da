"""The outbox: data pushes that failed are kept, retried with back-off, and delivered in order.

A good OCPI backend does not lose a Session update because its peer was down for ten minutes.
``Party.call_peer`` hands every **data push** to the party's ``Outbox`` (unless ``party.resilient``
is False): a PUT/PATCH/DELETE of Locations, Tariffs, Tokens or Sessions, or a POST of a CDR, sent to
the peer's Receiver interface.  Never commands, their results, charging profiles, credentials,
versions, real-time authorization (``POST tokens/…/authorize``) or charging preferences — those are
requests whose answer is wanted now, and their callers handle a failure themselves.

* A push is sent at once when nothing is waiting in its **queue**.  Queues are per (connection,
  module, receiving party): on a hub connection the pushes for one eMSP never wait behind those for
  another, and a direct connection has a single receiving party anyway.
* A push that **fails retryably** — no answer, HTTP 5xx or 429, OCPI 3xxx, or a hub's 4002/4003
  (the receiver behind the hub did not answer / is not connected) — goes to its queue and the caller
  gets the failed ``Exchange``.  Anything else is final: a success, HTTP 4xx (a bad request is not
  retried), OCPI 2xxx and the other hub codes, and a 2xx whose body cannot be read (the receiver did
  take it: sending a 2.2.1 Session PATCH twice would append its period twice).
* A push made while its queue is not empty waits behind it, so order is kept (2.2.1 Session PATCHes
  append, and a PATCH before its PUT would be refused); the caller gets a synthetic
  ``Exchange(http_status=0, error="queued behind N pushes")`` at once and no message is sent.
* Each queue is drained by one SimPy process: the first retry ``first_delay_s`` after the failure,
  then the wait doubles up to ``max_delay_s``; after a success the next push goes at once (and a
  later failure starts the back-off afresh).  Each try is a new request — a new ``X-Request-ID``,
  the same ``X-Correlation-ID`` — built when it is sent, with the connection's token of that moment.
  A final answer (success or not) takes the push off the queue; the ``listeners`` hear about it.

Order across queues is not kept (a CDR may arrive before the last Session PATCH): OCPI does not ask
for it.  Two pushes in flight at the same time whose link fails between them may swap places (at
most one round trip apart); pushes are not serialised while nothing fails, so a healthy network
behaves exactly as without an outbox.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import X_CORRELATION_ID, PartyRef
from sim.ocpi.status import OCPIStatus
from sim.parties.connection import Connection

if TYPE_CHECKING:
    from sim.parties.party import Exchange, Party

PUSH_METHODS: dict[str, frozenset[str]] = {
    "locations": frozenset({"PUT", "PATCH", "DELETE"}),
    "tariffs": frozenset({"PUT", "PATCH", "DELETE"}),
    "tokens": frozenset({"PUT", "PATCH", "DELETE"}),
    "sessions": frozenset({"PUT", "PATCH", "DELETE"}),
    "cdrs": frozenset({"POST"}),
}
"""Methods that push data, per module (``POST tokens`` is real-time authorization: not a push)."""
RETRY_HUB_STATUSES = frozenset({OCPIStatus.TIMEOUT_ON_FORWARDED_REQUEST, OCPIStatus.CONNECTION_PROBLEM})

QueueKey = tuple[str, str, tuple[str, str] | None]
"""(peer connection name, module, receiving party key)."""


@dataclass
class PeerMessage:
    """One request to a peer over a connection, as ``Party.call_peer`` was asked to send it."""

    connection: Connection
    method: str
    url: str
    module: str
    body: Any = None
    params: dict[str, str] | None = None
    sender: PartyRef | None = None
    to: PartyRef | None = None
    correlation_id: str | None = None
    tries: int = 0
    """Requests sent so far."""

    @property
    def queue_key(self) -> QueueKey:
        """The queue this message waits in when it has to."""
        return (self.connection.peer, self.module, self.to.key if self.to else None)

    def is_data_push(self) -> bool:
        """A push of data to the peer's Receiver interface (see the module docstring)."""
        if self.method.upper() not in PUSH_METHODS.get(self.module, frozenset()):
            return False
        receiver = self.connection.endpoint(self.module, "RECEIVER")
        return receiver is not None and self.url.startswith(receiver)


def retryable(exchange: Exchange) -> bool:
    """Whether a push that got ``exchange`` should be tried again later (see the module docstring)."""
    status = exchange.http_status
    if status == 0 or status >= 500 or status == 429:
        return True
    if 400 <= status < 500:
        return False
    code = exchange.ocpi_status
    return code is not None and (3000 <= code < 4000 or code in RETRY_HUB_STATUSES)


@dataclass
class OutboxStats:
    """What the outbox did so far (counts)."""

    queued: int = 0
    """Pushes that had to wait (failed, or made behind a waiting one)."""
    retries: int = 0
    """Requests sent by the drain processes."""
    delivered: int = 0
    """Waiting pushes that finally succeeded."""
    rejected: int = 0
    """Waiting pushes that got a final failure (e.g. 4xx) and were dropped."""


@dataclass
class Outbox:
    """The queues of unsent pushes of one party (see the module docstring)."""

    party: Party
    first_delay_s: float = 5.0
    max_delay_s: float = 600.0
    queues: dict[QueueKey, deque[PeerMessage]] = field(default_factory=dict)
    stats: OutboxStats = field(default_factory=OutboxStats)
    listeners: list[Callable[[PeerMessage, Exchange], None]] = field(default_factory=list)
    """Called with each waiting push and its final answer when it leaves its queue."""

    def pending(self) -> list[PeerMessage]:
        """Every waiting push, queue by queue (oldest queue first), in order."""
        return [message for queue in self.queues.values() for message in queue]

    def send(self, message: PeerMessage) -> Generator[simpy.Event, Any, Exchange]:
        """Send a data push now, or queue it (see the module docstring); the caller's view of it."""
        from sim.parties.party import Exchange  # late import: party.py imports this module

        queue = self.queues.get(message.queue_key)
        if queue:
            if message.correlation_id is None and message.connection.version is OCPIVersion.V2_2_1:
                message.correlation_id = self.party.ids.new()
            queue.append(message)
            self.stats.queued += 1
            ahead = len(queue) - 1
            return Exchange(0, None, None, None, {}, error=f"queued behind {ahead} push{'es' if ahead != 1 else ''}")
        exchange = yield from self._try(message)
        if retryable(exchange):
            self._enqueue(message)
        return exchange

    def _try(self, message: PeerMessage) -> Generator[simpy.Event, Any, Exchange]:
        request = self.party.peer_request(message)
        message.correlation_id = request.headers.get(X_CORRELATION_ID, message.correlation_id)
        message.tries += 1
        return (yield from self.party.call(request))

    def _enqueue(self, message: PeerMessage) -> None:
        self.stats.queued += 1
        queue = self.queues.get(message.queue_key)
        if queue:  # another push failed while this one was in flight: it stays ahead
            queue.append(message)
            return
        self.queues[message.queue_key] = deque([message])
        self.party.env.process(self._drain(message.queue_key))

    def _drain(self, key: QueueKey) -> Generator[simpy.Event, Any, None]:
        queue = self.queues[key]
        failures = 1  # the failure that created the queue
        while queue:
            if failures:
                yield self.party.env.timeout(min(self.first_delay_s * 2 ** (failures - 1), self.max_delay_s))
            message = queue[0]
            exchange = yield from self._try(message)
            self.stats.retries += 1
            if retryable(exchange):
                failures = min(failures + 1, 32)  # the wait is capped long before 2**31 × first_delay_s
                continue
            failures = 0
            queue.popleft()
            if exchange.ok:
                self.stats.delivered += 1
            else:
                self.stats.rejected += 1
            for listener in list(self.listeners):
                listener(message, exchange)
        del self.queues[key]
