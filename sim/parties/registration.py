"""Versions, version details and Credentials: the endpoints every party serves and the handshake.

Server side (``install``): ``GET /ocpi/versions``, ``GET /ocpi/{version}`` and
``GET|POST|PUT|DELETE /ocpi/{version}/credentials``.  A POST with token A makes this party fetch
the client's versions and version details with the client's token B — a nested request, in zero
simulated time, while the POST is still open — then answer with its own credentials carrying a new
token C.  Errors as the spec says: 405 for POST when registered and PUT/DELETE when not, 401 for a
dead or unknown token, 3001 when the client's API cannot be used, 3002 when the client does not
offer the version being registered, 3003 when it offers no module.

Client side: ``register`` (token A → B/C), ``update_credentials`` (PUT: rotate tokens, switch
version) and ``unregister`` (DELETE), each a SimPy sub-process.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef, default_token_encoding
from sim.ocpi.router import Auth, OCPIReply, OCPIRequest
from sim.ocpi.status import (
    MethodNotAllowed,
    NoMatchingEndpoints,
    UnableToUseClientAPI,
    UnsupportedVersion,
)
from sim.ocpi.v211 import credentials as c211
from sim.ocpi.v211 import locations as l211
from sim.ocpi.v211 import versions as v211
from sim.ocpi.v221 import credentials as c221
from sim.ocpi.v221 import locations as l221
from sim.ocpi.v221 import versions as v221
from sim.ocpi.v221.types import Role
from sim.parties.connection import Connection, PeerRole

if TYPE_CHECKING:
    from sim.parties.party import Party


class RegistrationError(Exception):
    """The handshake could not be completed; the message says at which step and why."""


# --- what a party says about itself -------------------------------------------------------------


def versions_list(party: Party) -> list[dict[str, str]]:
    """The Version[] answer."""
    return [{"version": v.value, "url": party.version_url(v)} for v in party.versions]


def version_details(party: Party, version: OCPIVersion) -> dict[str, Any]:
    """The VersionDetails answer of ``version`` (with interface roles in 2.2.1)."""
    credentials_url = f"{party.version_url(version)}/credentials"
    if version is OCPIVersion.V2_1_1:
        endpoints = [{"identifier": "credentials", "url": credentials_url}]
        seen = {"credentials"}
        for module, _, url in party.advertised_endpoints(version):
            if module not in seen:
                seen.add(module)
                endpoints.append({"identifier": module, "url": url})
        return v211.VersionDetails.model_validate({"version": version.value, "endpoints": endpoints}).to_wire()
    endpoints_221 = [{"identifier": "credentials", "role": "SENDER", "url": credentials_url}]
    endpoints_221 += [
        {"identifier": module, "role": interface or "SENDER", "url": url}
        for module, interface, url in party.advertised_endpoints(version)
    ]
    return v221.VersionDetails.model_validate({"version": version.value, "endpoints": endpoints_221}).to_wire()


def credentials_object(party: Party, token: str, version: OCPIVersion) -> dict[str, Any]:
    """This party's Credentials in ``version`` form, handing out ``token``."""
    if version is OCPIVersion.V2_1_1:
        first = party.roles[0]
        return c211.Credentials(
            token=token,
            url=party.versions_url,
            business_details=l211.BusinessDetails(name=first.name),
            party_id=first.party.party_id,
            country_code=first.party.country_code,
        ).to_wire()
    roles = [
        c221.CredentialsRole(
            role=r.role,
            business_details=l221.BusinessDetails(name=r.name),
            party_id=r.party.party_id,
            country_code=r.party.country_code,
        )
        for r in party.roles
    ]
    return c221.Credentials(token=token, url=party.versions_url, roles=roles).to_wire()


def peer_roles(document: Any, version: OCPIVersion) -> tuple[str, list[PeerRole]]:
    """(token, roles) from a peer's Credentials; 2.1.1 roles are guessed as CPO/EMSP later."""
    if version is OCPIVersion.V2_1_1:
        creds11 = c211.Credentials.model_validate(document)
        ref = PartyRef(creds11.country_code, creds11.party_id)
        return creds11.token, [PeerRole(Role.OTHER, ref, creds11.business_details.name)]
    creds = c221.Credentials.model_validate(document)
    roles = [PeerRole(r.role, PartyRef(r.country_code, r.party_id), r.business_details.name) for r in creds.roles]
    return creds.token, roles


def _endpoints(details: Any, version: OCPIVersion) -> dict[tuple[str, str | None], str]:
    if version is OCPIVersion.V2_1_1:
        parsed11 = v211.VersionDetails.model_validate(details)
        return {(e.identifier.value, None): e.url for e in parsed11.endpoints}
    parsed = v221.VersionDetails.model_validate(details)
    found: dict[tuple[str, str | None], str] = {}
    for endpoint in parsed.endpoints:
        found[(endpoint.identifier.value, endpoint.role.value)] = endpoint.url
    return found


def _infer_211_roles(party: Party, roles: list[PeerRole]) -> list[PeerRole]:
    """2.1.1 credentials carry no role, but a 2.1.1 connection always joins a CPO and an eMSP."""
    peer_role = Role.EMSP if party.role(Role.CPO) is not None else Role.CPO
    return [PeerRole(peer_role, r.party, r.name) for r in roles]


# --- server side --------------------------------------------------------------------------------


def install(party: Party) -> None:
    """Register the configuration endpoints of every supported version on the party's router."""

    def get_versions(request: OCPIRequest) -> OCPIReply:
        return OCPIReply(data=versions_list(party))

    party.router.add("GET", "/ocpi/versions", get_versions, module="versions", version=None, auth=Auth.TOKEN_OR_A)
    for version in party.versions:
        _install_version(party, version)


def _install_version(party: Party, version: OCPIVersion) -> None:
    def get_details(request: OCPIRequest) -> OCPIReply:
        return OCPIReply(data=version_details(party, version))

    def get_credentials(request: OCPIRequest) -> OCPIReply:
        token = request.peer.token_in if request.peer else request.auth.token if request.auth else ""
        return OCPIReply(data=credentials_object(party, token, version))

    def post_credentials(request: OCPIRequest) -> OCPIReply:
        if request.peer is not None:
            raise MethodNotAllowed("already registered: use PUT to update or DELETE to unregister")
        body = request.json()
        connection = _fetch_client(party, body, version)
        connection.token_in = party.new_token()
        if request.auth is not None:
            party.revoke_token_a(request.auth.token)
        party.add_connection(connection)
        return OCPIReply(data=credentials_object(party, connection.token_in, version))

    def put_credentials(request: OCPIRequest) -> OCPIReply:
        current: Connection | None = request.peer
        if current is None:
            raise MethodNotAllowed("not registered: POST credentials first")
        updated = _fetch_client(party, request.json(), version)
        party.forget_token(current.token_in)
        current.version = updated.version
        current.versions_url = updated.versions_url
        current.endpoints = updated.endpoints
        current.token_out = updated.token_out
        current.token_encoding = updated.token_encoding
        current.roles = updated.roles or current.roles
        current.token_in = party.new_token()
        party.accept_token(current.token_in, current)
        return OCPIReply(data=credentials_object(party, current.token_in, version))

    def delete_credentials(request: OCPIRequest) -> OCPIReply:
        if request.peer is None:
            raise MethodNotAllowed("not registered: nothing to delete")
        party.remove_connection(request.peer)
        return OCPIReply(include_data=False)

    party.router.add(
        "GET", f"/ocpi/{version.value}", get_details, module="versions", version=version, auth=Auth.TOKEN_OR_A
    )
    path = f"/ocpi/{version.value}/credentials"
    for method, handler in (
        ("GET", get_credentials),
        ("POST", post_credentials),
        ("PUT", put_credentials),
        ("DELETE", delete_credentials),
    ):
        party.router.add(method, path, handler, module="credentials", version=version, auth=Auth.TOKEN_OR_A)


def _fetch_client(party: Party, body: Any, version: OCPIVersion) -> Connection:
    """Validate a client's credentials and fetch its versions and details with its token (nested)."""
    from sim.ocpi.router import validate_body

    model = c211.Credentials if version is OCPIVersion.V2_1_1 else c221.Credentials
    validate_body(model, body)
    token_b, roles = peer_roles(body, version)
    versions_url = str(body["url"])
    exchange = party.send_now(
        party.build_request("GET", versions_url, token=token_b, version=version, module="versions")
    )
    if not exchange.ok:
        raise UnableToUseClientAPI(f"GET {versions_url} failed: {exchange.describe()}")
    offered = {str(v.get("version")): str(v.get("url")) for v in exchange.data or [] if isinstance(v, dict)}
    if version.value not in offered:
        raise UnsupportedVersion(f"client does not offer OCPI {version.value} (offers {', '.join(offered) or 'none'})")
    details = party.send_now(
        party.build_request("GET", offered[version.value], token=token_b, version=version, module="versions")
    )
    if not details.ok:
        raise UnableToUseClientAPI(f"GET {offered[version.value]} failed: {details.describe()}")
    try:
        endpoints = _endpoints(details.data, version)
    except ValueError as exc:
        raise UnableToUseClientAPI(f"client's version details are invalid: {exc}") from None
    if not any(module != "credentials" for module, _ in endpoints):
        raise NoMatchingEndpoints("client offers no module besides credentials")
    if version is OCPIVersion.V2_1_1:
        roles = _infer_211_roles(party, roles)
    return Connection(
        peer=str(roles[0].party),
        version=version,
        versions_url=versions_url,
        token_out=token_b,
        token_in="",
        token_encoding=default_token_encoding(version),
        roles=roles,
        endpoints=endpoints,
    )


# --- client side --------------------------------------------------------------------------------


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def register(
    party: Party, versions_url: str, token_a: str, *, version: OCPIVersion | None = None
) -> Generator[simpy.Event, Any, Connection]:
    """Register with the platform at ``versions_url`` using ``token_a`` (SimPy sub-process).

    The highest version both offer is used, unless ``version`` pins one (a scenario's link may
    insist on 2.1.1 between two parties that both speak 2.2.1).
    """
    probe_version = party.versions[0]
    exchange = yield from party.call(
        party.build_request("GET", versions_url, token=token_a, version=probe_version, module="versions")
    )
    if not exchange.ok:
        raise RegistrationError(f"{party.name}: GET {versions_url} failed: {exchange.describe()}")
    offered = {str(v.get("version")): str(v.get("url")) for v in exchange.data or [] if isinstance(v, dict)}
    mutual = sorted((v for v in party.versions if v.value in offered), key=lambda v: _version_key(v.value))
    if not mutual:
        raise RegistrationError(f"{party.name}: no common OCPI version with {versions_url} (offers {sorted(offered)})")
    if version is not None and version not in mutual:
        raise RegistrationError(f"{party.name}: OCPI {version.value} is not offered by both sides of {versions_url}")
    version = version or mutual[-1]
    details = yield from party.call(
        party.build_request("GET", offered[version.value], token=token_a, version=version, module="versions")
    )
    if not details.ok:
        raise RegistrationError(f"{party.name}: GET version details failed: {details.describe()}")
    endpoints = _endpoints(details.data, version)
    credentials_url = endpoints.get(("credentials", None)) or next(
        (url for (module, _), url in endpoints.items() if module == "credentials"), None
    )
    if credentials_url is None:
        raise RegistrationError(f"{party.name}: peer offers no credentials endpoint; not registering")
    token_b = party.new_token()
    connection = Connection(
        peer=f"(registering at {versions_url})",
        version=version,
        versions_url=versions_url,
        token_out=token_a,
        token_in=token_b,
        token_encoding=default_token_encoding(version),
        endpoints=endpoints,
    )
    party.accept_token(token_b, connection)  # the peer calls back with B while our POST is open
    response = yield from party.call(
        party.build_request(
            "POST",
            credentials_url,
            token=token_a,
            version=version,
            module="credentials",
            body=credentials_object(party, token_b, version),
        )
    )
    if not response.ok:
        party.forget_token(token_b)
        raise RegistrationError(f"{party.name}: POST credentials failed: {response.describe()}")
    token_c, roles = peer_roles(response.data, version)
    if version is OCPIVersion.V2_1_1:
        roles = _infer_211_roles(party, roles)
    connection.peer = str(roles[0].party)
    connection.roles = roles
    connection.token_out = token_c
    party.add_connection(connection)
    return connection


def update_credentials(
    party: Party, connection: Connection, version: OCPIVersion | None = None
) -> Generator[simpy.Event, Any, Connection]:
    """PUT new credentials (new token for the peer, optionally another version); takes the peer's new token."""
    target = version or connection.version
    exchange = yield from party.call(
        party.build_request(
            "GET", connection.versions_url, token=connection.token_out, version=connection.version, module="versions"
        )
    )
    offered = {str(v.get("version")): str(v.get("url")) for v in exchange.data or [] if isinstance(v, dict)}
    if not exchange.ok or target.value not in offered:
        raise RegistrationError(f"{party.name}: peer does not offer OCPI {target.value}: {exchange.describe()}")
    details = yield from party.call(  # a version's details endpoint speaks that version
        party.build_request("GET", offered[target.value], token=connection.token_out, version=target, module="versions")
    )
    if not details.ok:
        raise RegistrationError(f"{party.name}: GET version details failed: {details.describe()}")
    endpoints = _endpoints(details.data, target)
    credentials_url = next(url for (module, _), url in endpoints.items() if module == "credentials")
    new_token_in = party.new_token()
    party.accept_token(new_token_in, connection)  # valid before the peer calls back with it
    response = yield from party.call(
        party.build_request(
            "PUT",
            credentials_url,
            token=connection.token_out,
            version=target,
            module="credentials",
            encoding=connection.token_encoding,
            body=credentials_object(party, new_token_in, target),
        )
    )
    if not response.ok:
        party.forget_token(new_token_in)
        raise RegistrationError(f"{party.name}: PUT credentials failed: {response.describe()}")
    token_out, _ = peer_roles(response.data, target)
    party.forget_token(connection.token_in)
    connection.token_in = new_token_in
    connection.token_out = token_out
    connection.version = target
    connection.endpoints = endpoints
    connection.token_encoding = default_token_encoding(target)
    return connection


def unregister(party: Party, connection: Connection) -> Generator[simpy.Event, Any, None]:
    """DELETE our credentials at the peer; both sides forget the connection."""
    credentials_url = connection.endpoint("credentials", "SENDER") or next(
        url for (module, _), url in connection.endpoints.items() if module == "credentials"
    )
    exchange = yield from party.call_peer(connection, "DELETE", credentials_url, module="credentials")
    if not exchange.ok:
        raise RegistrationError(f"{party.name}: DELETE credentials failed: {exchange.describe()}")
    party.remove_connection(connection)
