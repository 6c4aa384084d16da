"""OCPI 2.2.1 Versions module: the version list and the per-version endpoint list."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from sim.ocpi.common import OCPIModel
from sim.ocpi.v221.types import URL


class VersionNumber(StrEnum):
    """An OCPI version label (a string, never a float)."""

    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"
    V2_2 = "2.2"
    V2_2_1 = "2.2.1"


class ModuleID(StrEnum):
    """Identifier of an OCPI module in a version details endpoint list."""

    CDRS = "cdrs"
    CHARGING_PROFILES = "chargingprofiles"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    HUB_CLIENT_INFO = "hubclientinfo"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class InterfaceRole(StrEnum):
    """Which side of a module an endpoint implements."""

    SENDER = "SENDER"
    RECEIVER = "RECEIVER"


class Version(OCPIModel):
    """One supported version and the URL of its details endpoint."""

    version: VersionNumber
    url: URL


class Endpoint(OCPIModel):
    """One module interface offered in a version, and its URL."""

    identifier: ModuleID
    role: InterfaceRole
    url: URL


class VersionDetails(OCPIModel):
    """The modules (endpoints) a party offers in one version."""

    version: VersionNumber
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]


__all__ = [  # noqa: RUF022 - priority order: main object, sub-objects, patch forms, enums
    "Version",
    "VersionDetails",
    "Endpoint",
    "VersionNumber",
    "ModuleID",
    "InterfaceRole",
]
