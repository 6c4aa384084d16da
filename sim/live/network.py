"""The roaming network as a graph for the network view (no Qt).

``network_graph`` makes one node per party and one edge per connection: the links the scenario
declares (``to``: a bilateral connection, ``via``: the connection to the hub) with the OCPI
version they will use, replaced by the negotiated version once the credentials handshake has
happened (``Party.connections``).  ``layout`` places the nodes deterministically: hubs in the centre,
CPOs on the left, eMSPs on the right, other roles (SCSP, NSP …) below.

``module_category`` maps an exchange's module to a legend colour key, ``is_error`` says whether an
exchange failed (no answer, HTTP ≥ 400 or OCPI status ≥ 2000), ``link_state`` what the network's
``Links`` do to an edge right now, and ``LinkLoad`` counts exchanges per edge in a sliding window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from sim.events import MessageExchanged
from sim.net.links import LinkFaultKind, Links
from sim.scenario.schema import Party as PartySpec
from sim.scenario.schema import RoleName


class ConnectionLike(Protocol):
    """What the graph reads of a party's connection (``sim.parties.connection.Connection``)."""

    @property
    def version(self) -> object: ...

    @property
    def registered(self) -> bool: ...


class PartyLike(Protocol):
    """What the graph reads of a party (``sim.parties.party.Party``)."""

    @property
    def connections(self) -> Mapping[str, ConnectionLike]: ...


@dataclass(frozen=True)
class Node:
    """A party: its id (e.g. ``NL-HUB``), display name and role (``CPO``, ``EMSP``, ``HUB``, ``SCSP``)."""

    id: str
    name: str
    role: str


@dataclass(frozen=True)
class Edge:
    """A connection between two parties (``a`` declared the link), with its OCPI version."""

    a: str
    b: str
    version: str
    connected: bool
    """True once the credentials handshake has registered the connection."""

    @property
    def key(self) -> frozenset[str]:
        """The unordered pair of party ids."""
        return frozenset((self.a, self.b))


def edge_key(a: str, b: str) -> frozenset[str]:
    """The key of the edge between ``a`` and ``b`` (either direction)."""
    return frozenset((a, b))


def _default_version(a: PartySpec, b: PartySpec) -> str:
    common = [v.value for v in a.versions if v in b.versions]
    return max(common, key=lambda v: tuple(int(p) for p in v.split("."))) if common else "?"


def network_graph(specs: Iterable[PartySpec], parties: Mapping[str, PartyLike]) -> tuple[list[Node], list[Edge]]:
    """Nodes (scenario order) and edges (declaration order, one per connected pair) of the network."""
    specs = list(specs)
    by_id = {spec.id: spec for spec in specs}
    nodes = [Node(spec.id, spec.name or spec.id, spec.role.value) for spec in specs]
    edges: dict[frozenset[str], Edge] = {}
    for spec in specs:
        for link in spec.links:
            other = link.to or link.via
            if other is None or other not in by_id or edge_key(spec.id, other) in edges:
                continue
            version = link.version.value if link.version is not None else _default_version(spec, by_id[other])
            edges[edge_key(spec.id, other)] = Edge(spec.id, other, version, False)
    for party_id in sorted(parties):  # connections made at run time (e.g. after a re-registration)
        for peer, connection in sorted(parties[party_id].connections.items()):
            if peer not in by_id:
                continue
            key = edge_key(party_id, peer)
            found = edges.get(key)
            version = str(getattr(connection.version, "value", connection.version))
            if found is None:
                edges[key] = Edge(party_id, peer, version, connection.registered)
            elif connection.registered or found.version != version:
                edges[key] = Edge(found.a, found.b, version, found.connected or connection.registered)
    return nodes, list(edges.values())


SIDES = {RoleName.CPO.value: "left", RoleName.EMSP.value: "right", RoleName.HUB.value: "centre"}


def layout(nodes: Iterable[Node], width: float = 800.0, height: float = 500.0) -> dict[str, tuple[float, float]]:
    """Node id → (x, y) with (0, 0) top left: hubs centred, CPOs left, eMSPs right, others along the bottom.

    Each group keeps the order given and is spread evenly over its column (or row); with no hub the
    columns still face each other, so bilateral links cross the middle.
    """
    groups: dict[str, list[Node]] = {"left": [], "centre": [], "right": [], "bottom": []}
    for node in nodes:
        groups[SIDES.get(node.role, "bottom")].append(node)
    bottom = groups["bottom"]
    column_height = height * (0.8 if bottom else 1.0)
    xs = {"left": width * 0.12, "centre": width * 0.5, "right": width * 0.88}
    places: dict[str, tuple[float, float]] = {}
    for side in ("left", "centre", "right"):
        column = groups[side]
        for i, node in enumerate(column):
            places[node.id] = (xs[side], column_height * (i + 1) / (len(column) + 1))
    for i, node in enumerate(bottom):
        places[node.id] = (width * (i + 1) / (len(bottom) + 1), height * 0.92)
    return places


MODULE_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("locations", ("locations",)),
    ("tariffs", ("tariffs",)),
    ("tokens", ("tokens",)),
    ("sessions", ("sessions",)),
    ("cdrs", ("cdrs",)),
    ("commands", ("commands",)),
    ("credentials/versions", ("credentials", "versions")),
    ("hubclientinfo", ("hubclientinfo",)),
    ("chargingprofiles", ("chargingprofiles",)),
    ("other", ()),
)
"""(legend key, OCPI module identifiers) of the colours of exchanges."""

_MODULE_CATEGORY = {module: key for key, modules in MODULE_CATEGORIES for module in modules}


def module_category(module: str | None) -> str:
    """The legend key of an exchange's module (``other`` for anything unlisted or unknown)."""
    return _MODULE_CATEGORY.get(module or "", "other")


def is_error(exchange: MessageExchanged) -> bool:
    """No answer (HTTP status 0), HTTP ≥ 400, or an OCPI status ≥ 2000."""
    status = exchange.response_status
    return status == 0 or status >= 400 or (exchange.ocpi_status is not None and exchange.ocpi_status >= 2000)


@dataclass(frozen=True)
class LinkState:
    """What the network does to an edge now: ``ok``, ``degraded`` (a fault touches it) or ``offline``."""

    state: str
    reasons: tuple[str, ...] = ()


def link_state(links: Links, a: str, b: str) -> LinkState:
    """The edge's state from the base conditions (a party or pair offline) and the active faults.

    Offline: either direction's base condition is offline, or an outage fault that always hits
    touches it.  Degraded: any other active fault touches it (the reasons are the faults' labels).
    """
    offline = links.condition(a, b).offline or links.condition(b, a).offline
    reasons: list[str] = []
    if offline:
        # A party's own "pair" with itself has no condition of its own: offline there means the party is.
        gone = [p for p in (a, b) if links.condition(p, p).offline]
        reasons = [f"{p} is off the network" for p in gone] or ["link offline"]
    degraded = False
    for fault in links.active_faults():
        if not (fault.touches(a, b) or fault.touches(b, a)):
            continue
        if fault.kind is LinkFaultKind.OUTAGE and fault.probability >= 1:
            offline = True
        else:
            degraded = True
        reasons.append(fault.label or fault.kind.value)
    if offline:
        return LinkState("offline", tuple(reasons))
    return LinkState("degraded" if degraded else "ok", tuple(reasons))


class LinkLoad:
    """Exchanges per edge within the last ``window_s`` seconds of some clock (the caller's)."""

    def __init__(self, window_s: float = 3.0) -> None:
        self.window_s = window_s
        self._marks: dict[frozenset[str], deque[tuple[float, int]]] = {}
        self.totals: dict[frozenset[str], int] = {}
        """Every exchange counted so far, per edge."""

    def add(self, key: frozenset[str], count: int, now: float) -> None:
        """Count ``count`` exchanges on edge ``key`` at ``now``."""
        if count <= 0:
            return
        self._marks.setdefault(key, deque()).append((now, count))
        self.totals[key] = self.totals.get(key, 0) + count

    def rate(self, key: frozenset[str], now: float) -> float:
        """Exchanges per second on ``key`` over the window ending at ``now``."""
        marks = self._marks.get(key)
        if not marks:
            return 0.0
        while marks and marks[0][0] <= now - self.window_s:
            marks.popleft()
        return sum(count for _t, count in marks) / self.window_s

    def clear(self) -> None:
        """Forget everything (a new simulation)."""
        self._marks.clear()
        self.totals.clear()


__all__ = [
    "MODULE_CATEGORIES",
    "Edge",
    "LinkLoad",
    "LinkState",
    "Node",
    "edge_key",
    "is_error",
    "layout",
    "link_state",
    "module_category",
    "network_graph",
]
