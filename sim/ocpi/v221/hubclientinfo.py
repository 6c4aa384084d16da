"""OCPI 2.2.1 HubClientInfo module: which parties behind a Hub exist and whether they are reachable."""

from __future__ import annotations

from enum import StrEnum

from sim.ocpi.common import OCPIModel
from sim.ocpi.v221.types import CountryCode, DateTime, PartyId, Role


class ConnectionStatus(StrEnum):
    """State of the Hub's connection to one party."""

    CONNECTED = "CONNECTED"
    OFFLINE = "OFFLINE"
    PLANNED = "PLANNED"
    SUSPENDED = "SUSPENDED"


class ClientInfo(OCPIModel):
    """One party (role) connected to a Hub and the state of its connection."""

    party_id: PartyId
    country_code: CountryCode
    role: Role
    status: ConnectionStatus
    last_updated: DateTime


__all__ = ["ClientInfo", "ConnectionStatus"]
