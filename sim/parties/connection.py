"""What a party knows about one registered peer platform after the credentials handshake."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef, TokenEncoding
from sim.ocpi.v221.types import Role


class SyncMode(StrEnum):
    """How the data of one module travels on a connection."""

    PUSH = "push"
    """The data owner PUTs/PATCHes/POSTs changes as they happen."""
    PULL = "pull"
    """The receiver GETs the owner's lists (paginated) and then polls with ``date_from``."""


@dataclass(frozen=True)
class PeerRole:
    """One role a peer platform hosts (from its credentials; 2.1.1 peers have exactly one)."""

    role: Role
    party: PartyRef
    name: str


@dataclass
class Connection:
    """One registered peer: tokens both ways, negotiated version, its endpoints and roles.

    ``token_out`` is what this party sends in its Authorization header; ``token_in`` is what the
    peer must send.  ``endpoints`` maps ``(module, interface role)`` to the peer's URL; on 2.1.1
    connections the interface role is None (2.1.1 version details have no roles).
    """

    peer: str
    version: OCPIVersion
    versions_url: str
    token_out: str
    token_in: str
    token_encoding: TokenEncoding
    roles: list[PeerRole] = field(default_factory=list)
    endpoints: dict[tuple[str, str | None], str] = field(default_factory=dict)
    sync: dict[str, SyncMode] = field(default_factory=dict)
    registered: bool = False

    def endpoint(self, module: str, interface: str | None) -> str | None:
        """The peer's URL for a module interface (``interface`` ignored on 2.1.1)."""
        if self.version is OCPIVersion.V2_1_1:
            return self.endpoints.get((module, None))
        return self.endpoints.get((module, interface))

    def parties(self, role: Role | None = None) -> list[PartyRef]:
        """The peer's parties, optionally only those of one role."""
        return [r.party for r in self.roles if role is None or r.role is role]

    def has_role(self, role: Role) -> bool:
        """Whether the peer platform hosts ``role``."""
        return any(r.role is role for r in self.roles)

    def sync_mode(self, module: str) -> SyncMode:
        """Push unless configured otherwise for this module."""
        return self.sync.get(module, SyncMode.PUSH)


@dataclass
class KnownClient:
    """A party behind a hub, as the hub's HubClientInfo describes it."""

    party: PartyRef
    role: Role
    status: str
    hub: str
    """Name of the connection (the hub) through which it is reached."""

    @property
    def connected(self) -> bool:
        """True when the hub says the party is CONNECTED."""
        return self.status == "CONNECTED"
