"""``InProcessTransport``: delivers an ``httpx.Request`` to the router of the party its host names.

No sockets and no threads: ``handle_request`` calls the receiving party's ``Router.dispatch``
directly and returns its ``httpx.Response``.  A host nobody is attached to behaves like an
unreachable server (``httpx.ConnectError``).
"""

from __future__ import annotations

import httpx

from sim.ocpi.router import Router


class InProcessTransport(httpx.BaseTransport):
    """Host name → Router, one shared instance per network."""

    def __init__(self) -> None:
        self._routers: dict[str, Router] = {}

    def attach(self, host: str, router: Router) -> None:
        """Make ``router`` answer requests for ``host``."""
        if host in self._routers:
            raise ValueError(f"host {host} is already attached")
        self._routers[host] = router

    def detach(self, host: str) -> None:
        """Stop answering for ``host`` (requests to it then fail to connect)."""
        self._routers.pop(host, None)

    def owner_of(self, host: str) -> str | None:
        """The party name behind a host, if one is attached."""
        router = self._routers.get(host)
        return router.owner if router else None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Dispatch to the router of ``request.url.host``."""
        return self.deliver(request)

    def deliver(self, request: httpx.Request, headers: dict[str, str] | None = None) -> httpx.Response:
        """``handle_request``, for a caller that has read the request's headers already (by lower-case
        name, as ``messages.header_dict`` reads them): the router then need not read them again."""
        router = self._routers.get(request.url.host)
        if router is None:
            raise httpx.ConnectError(f"no party answers at {request.url.host}", request=request)
        request.read()
        return router.dispatch(request, headers)
