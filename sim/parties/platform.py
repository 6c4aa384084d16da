"""``Platform``: a party hosting any mix of CPO and eMSP roles, with their module interfaces.

``CPO`` and ``EMSP`` are the common single-role cases.  Role data lives in ``self.cpo`` /
``self.emsp`` (``CPOData`` / ``EMSPData``); the module services in ``sim.parties.modules`` register
their endpoints for the roles present and read and write that data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import simpy

from sim.clock import SimClock
from sim.net.network import Network
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.types import Role
from sim.parties import modules
from sim.parties.party import SUPPORTED_VERSIONS, Party, PartyRole
from sim.parties.roles import CPOData, EMSPData, SCSPData


class Platform(Party):
    """A CPO and/or eMSP platform (see the module docstring)."""

    def __init__(
        self,
        roles: Sequence[PartyRole],
        *,
        env: simpy.Environment,
        clock: SimClock,
        network: Network,
        seed: int | str = 0,
        versions: Sequence[OCPIVersion] = SUPPORTED_VERSIONS,
    ) -> None:
        super().__init__(roles, env=env, clock=clock, network=network, seed=seed, versions=versions)
        cpo_role = self.role(Role.CPO)
        emsp_role = self.role(Role.EMSP)
        scsp_role = self.role(Role.SCSP)
        if cpo_role is None and emsp_role is None and scsp_role is None:
            raise ValueError(f"{self.name}: a platform needs a CPO, EMSP or SCSP role")
        self.cpo: CPOData | None = CPOData(cpo_role.party) if cpo_role else None
        self.emsp: EMSPData | None = EMSPData(emsp_role.party) if emsp_role else None
        self.scsp: SCSPData | None = SCSPData(scsp_role.party) if scsp_role else None
        if self.cpo is not None:
            modules.install_cpo(self)
        if self.emsp is not None:
            modules.install_emsp(self)
        if self.scsp is not None and self.emsp is None:
            modules.install_scsp(self)
        modules.install_common(self)

    @property
    def cpo_data(self) -> CPOData:
        """The CPO role's data (``ValueError`` when the platform hosts no CPO)."""
        if self.cpo is None:
            raise ValueError(f"{self.name} hosts no CPO role")
        return self.cpo

    @property
    def emsp_data(self) -> EMSPData:
        """The eMSP role's data (``ValueError`` when the platform hosts no eMSP)."""
        if self.emsp is None:
            raise ValueError(f"{self.name} hosts no EMSP role")
        return self.emsp


class SingleRole(Platform):
    """A platform hosting exactly one party, in the role ``ROLE`` of the subclass."""

    ROLE: ClassVar[Role]

    def __init__(
        self,
        party: PartyRef,
        name: str,
        *,
        env: simpy.Environment,
        clock: SimClock,
        network: Network,
        seed: int | str = 0,
        versions: Sequence[OCPIVersion] = SUPPORTED_VERSIONS,
    ) -> None:
        roles = [PartyRole(self.ROLE, party, name)]
        super().__init__(roles, env=env, clock=clock, network=network, seed=seed, versions=versions)


class CPO(SingleRole):
    """A charge point operator: Locations, Tariffs, Sessions, CDRs as Sender; Tokens, Commands,
    ChargingProfiles as Receiver."""

    ROLE = Role.CPO


class SCSP(SingleRole):
    """A smart-charging service provider (2.2.1), e.g. a grid operator: ChargingProfiles as Sender,
    reading the sessions of the CPOs that delegated smart charging to it."""

    ROLE = Role.SCSP


class EMSP(SingleRole):
    """An e-mobility service provider: Locations, Tariffs, Sessions, CDRs as Receiver; Tokens as
    Sender; Commands and ChargingProfiles callbacks."""

    ROLE = Role.EMSP
