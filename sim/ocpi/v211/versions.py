"""OCPI 2.1.1 Versions module: the version list and the per-version endpoint list."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from sim.ocpi.common import OCPIModel
from sim.ocpi.v211.types import URL


class VersionNumber(StrEnum):
    """An OCPI version known to 2.1.1 (always a string, never a float)."""

    V2_0 = "2.0"
    V2_1 = "2.1"
    V2_1_1 = "2.1.1"


class ModuleID(StrEnum):
    """Identifier of a 2.1.1 module in a version-details endpoint list."""

    CDRS = "cdrs"
    COMMANDS = "commands"
    CREDENTIALS = "credentials"
    LOCATIONS = "locations"
    SESSIONS = "sessions"
    TARIFFS = "tariffs"
    TOKENS = "tokens"


class Version(OCPIModel):
    """One supported version and the URL of its details endpoint."""

    version: VersionNumber
    url: URL


class Endpoint(OCPIModel):
    """Where one module of a version can be reached (2.1.1 has no interface role)."""

    identifier: ModuleID
    url: URL


class VersionDetails(OCPIModel):
    """A version number with the list of its module endpoints."""

    version: VersionNumber
    endpoints: Annotated[list[Endpoint], Field(min_length=1)]


__all__ = [  # noqa: RUF022 - ordered by detection priority, not alphabetically
    "Version",
    "VersionDetails",
    "Endpoint",
    "VersionNumber",
    "ModuleID",
]
