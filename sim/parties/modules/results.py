"""Asynchronous results, CPO side: POSTing an outcome to the ``response_url`` a request gave.

Commands (CommandResult) and ChargingProfiles (the three *Result objects) answer a request at once
and later POST the outcome to the request's ``response_url``.  ``Origin`` records what that needs;
``post_to_origin`` sends it

* over the connection serving the URL's host — the requester itself, or a hub that put its own relay
  URL in the request — otherwise over the connection the request came in on;
* as the CPO, addressed (TO) to the requesting eMSP, with the request's ``X-Correlation-ID`` (the
  spec leaves it open; reusing it ties the asynchronous answer to its request in the trace).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection
from sim.parties.party import Exchange

if TYPE_CHECKING:
    from sim.parties.platform import Platform


@dataclass(frozen=True)
class Origin:
    """Where and how to report back on one accepted request."""

    emsp: PartyRef
    response_url: str
    correlation_id: str | None
    version: OCPIVersion
    via: str
    """Name of the connection the request arrived on (the fallback route for the result)."""


def connection_serving(platform: Platform, url: str) -> Connection | None:
    """The registered peer whose server answers at ``url`` (the eMSP itself, or a hub)."""
    return platform.connections.get(platform.network.owner_of(url) or "")


def post_to_origin(
    cpo: Platform, origin: Origin, module: str, body_for: Callable[[OCPIVersion], Any]
) -> Generator[simpy.Event, Any, Exchange]:
    """POST an asynchronous result to ``origin.response_url`` (see the module docstring).

    ``body_for(version)`` builds the body for the version of the connection it goes over.
    """
    connection = connection_serving(cpo, origin.response_url) or cpo.connections.get(origin.via)
    if connection is None:
        return Exchange(0, None, None, None, {}, error=f"no connection to reach {origin.response_url}")
    return (
        yield from cpo.call_peer(
            connection,
            "POST",
            origin.response_url,
            module=module,
            body=body_for(connection.version),
            sender=cpo.ref(Role.CPO),
            to=origin.emsp,
            correlation_id=origin.correlation_id,
        )
    )
