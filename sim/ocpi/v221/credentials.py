"""OCPI 2.2.1 Credentials module: the object exchanged during registration and updates."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from sim.ocpi.common import OCPIModel
from sim.ocpi.v221.locations import BusinessDetails
from sim.ocpi.v221.types import URL, CountryCode, PartyId, Role, String


class CredentialsRole(OCPIModel):
    """One party (role, country code, party id) hosted on the platform sending the credentials."""

    role: Role
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


class Credentials(OCPIModel):
    """The token the other side must use to call us, our versions URL, and the parties we host."""

    token: Annotated[str, String(64)]
    url: URL
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]


__all__ = ["Credentials", "CredentialsRole"]
