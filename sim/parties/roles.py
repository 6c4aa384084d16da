"""The data each role keeps on a platform (a platform may host several roles in 2.2.1).

All objects are held as OCPI 2.2.1 models — the richer of the two versions — and converted to
2.1.1 at the edge of a 2.1.1 connection (``sim.ocpi.v211.convert``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import CDR
from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.sessions import Session
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.v221.tokens import Token
from sim.parties.stores import ObjectStore


@dataclass
class CPOData:
    """What a CPO owns (locations, tariffs, sessions, CDRs) and what it caches (eMSPs' tokens)."""

    party: PartyRef
    locations: ObjectStore[Location] = field(default_factory=ObjectStore)
    tariffs: ObjectStore[Tariff] = field(default_factory=ObjectStore)
    sessions: ObjectStore[Session] = field(default_factory=ObjectStore)
    cdrs: ObjectStore[CDR] = field(default_factory=ObjectStore)
    tokens: ObjectStore[Token] = field(default_factory=ObjectStore)
    """Tokens pushed by eMSPs, keyed by (eMSP, ``uid`` + token type)."""


@dataclass
class EMSPData:
    """What an eMSP owns (its drivers' tokens) and what it receives from CPOs."""

    party: PartyRef
    tokens: ObjectStore[Token] = field(default_factory=ObjectStore)
    locations: ObjectStore[Location] = field(default_factory=ObjectStore)
    tariffs: ObjectStore[Tariff] = field(default_factory=ObjectStore)
    sessions: ObjectStore[Session] = field(default_factory=ObjectStore)
    cdrs: ObjectStore[CDR] = field(default_factory=ObjectStore)


@dataclass
class SCSPData:
    """What a smart-charging service provider learns from the CPOs it works for (2.2.1)."""

    party: PartyRef
    locations: ObjectStore[Location] = field(default_factory=ObjectStore)
    sessions: ObjectStore[Session] = field(default_factory=ObjectStore)
