"""OCPI 2.1.1 Credentials module: the object exchanged during registration (one party per side)."""

from __future__ import annotations

from typing import Annotated

from sim.ocpi.common import OCPIModel
from sim.ocpi.v211.locations import BusinessDetails
from sim.ocpi.v211.types import URL, CountryCode, PartyId, String


class Credentials(OCPIModel):
    """Token, versions URL and identity of the party that sends this object."""

    token: Annotated[str, String(64)]
    url: URL
    business_details: BusinessDetails
    party_id: PartyId
    country_code: CountryCode


__all__ = ["Credentials"]
