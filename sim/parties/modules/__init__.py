"""OCPI module services: each module file registers its endpoints on a platform and offers the
client-side operations (push, pull, authorize, commands …) as functions taking the platform.

``install_cpo`` / ``install_emsp`` / ``install_common`` are called by ``Platform`` for the roles it
hosts; the order below is the order endpoints appear in version details.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.parties.modules import (
    cdrs,
    chargingprofiles,
    commands,
    hubclientinfo,
    locations,
    sessions,
    tariffs,
    tokens,
)

if TYPE_CHECKING:
    from sim.parties.platform import Platform

__all__ = [
    "cdrs",
    "chargingprofiles",
    "commands",
    "hubclientinfo",
    "install_common",
    "install_cpo",
    "install_emsp",
    "install_scsp",
    "locations",
    "sessions",
    "tariffs",
    "tokens",
]


def install_cpo(platform: Platform) -> None:
    """Endpoints of the CPO role."""
    locations.install_cpo(platform)
    sessions.install_cpo(platform)
    cdrs.install_cpo(platform)
    tariffs.install_cpo(platform)
    tokens.install_cpo(platform)
    commands.install_cpo(platform)
    chargingprofiles.install_cpo(platform)


def install_emsp(platform: Platform) -> None:
    """Endpoints of the eMSP role."""
    locations.install_emsp(platform)
    sessions.install_emsp(platform)
    cdrs.install_emsp(platform)
    tariffs.install_emsp(platform)
    tokens.install_emsp(platform)
    commands.install_emsp(platform)
    chargingprofiles.install_emsp(platform)


def install_scsp(platform: Platform) -> None:
    """Endpoints of a smart-charging provider: the ChargingProfiles Sender (result callbacks)."""
    chargingprofiles.install_emsp(platform)


def install_common(platform: Platform) -> None:
    """Endpoints every platform connected to a hub serves (HubClientInfo receiver)."""
    hubclientinfo.install_receiver(platform)
