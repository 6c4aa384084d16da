"""Tokens module (SPEC-DIGEST §10), client side: the eMSP pushes its tokens, the CPO authorises them.

eMSP: ``add_token`` keeps a token, ``push_tokens`` PUTs every token to each Tokens Receiver the eMSP
pushes to (direct CPO peers that sync tokens by push, and each hub once as a broadcast), and
``update_token`` changes a token and PATCHes the change (``valid=False`` blocks it).  In 2.2.1 every
token URL carries ``?type=`` explicitly, even for the default ``RFID``, so the receiver never has to
guess.

CPO: ``authorize`` decides whether a driver's token may charge, following the token's whitelist type
(§10.1):

* cached ``ALWAYS`` → decided locally (``ALLOWED`` if ``valid``, else ``BLOCKED``), no request;
* cached ``ALLOWED`` and ``valid`` → decided locally (the spec lets the CPO choose; local is the fast
  path a driver at the charger prefers).  An invalid ``ALLOWED`` token is asked in real time, since it
  may have been unblocked since the last push;
* cached ``ALLOWED_OFFLINE`` → real-time; only when the eMSP cannot be reached (no route, no HTTP
  answer, or a hub's 4002/4003) is it accepted locally from the cache;
* cached ``NEVER`` → real-time, and no decision when the eMSP cannot be reached;
* not cached → every eMSP the CPO knows is asked, sorted by party, until one gives an answer other
  than "unknown token" (HTTP 404 or 2004); unreachable ones are skipped too.

Real-time requests go to the token owner directly or through a hub with ``OCPI-to`` = the owner.
A 2.2.1 answer's Token is returned but not put into the cache: the cache holds what eMSPs pushed.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import simpy

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.status import OCPIStatus
from sim.ocpi.v211 import tokens as tok211
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v211.convert_commands import (
    location_references_from_211,
    location_references_to_211,
    token_patch_to_211,
    token_to_211,
)
from sim.ocpi.v221.cdrs import AuthMethod, CdrToken
from sim.ocpi.v221.tokens import (
    AllowedType,
    AuthorizationInfo,
    LocationReferences,
    Token,
    TokenPatch,
    TokenType,
    WhitelistType,
)
from sim.ocpi.v221.types import Role
from sim.parties.modules.common import join_url
from sim.parties.modules.tokens import MODULE, find_token, token_id
from sim.parties.party import Exchange
from sim.parties.targets import Target, direct_or_via_hub, push_targets

if TYPE_CHECKING:
    from sim.parties.platform import Platform

UNREACHABLE_STATUSES = frozenset({OCPIStatus.TIMEOUT_ON_FORWARDED_REQUEST, OCPIStatus.CONNECTION_PROBLEM})
"""Hub answers meaning "the eMSP could not be reached" (besides getting no HTTP answer at all)."""
_TYPES_211 = frozenset(member.value for member in tok211.TokenType)


# --- eMSP: pushing tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenPush:
    """The outcome of one PUT or PATCH of a token to one receiver."""

    receiver: str
    method: str
    uid: str
    token_type: TokenType
    exchange: Exchange | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """The receiver stored it."""
        return self.exchange is not None and self.exchange.ok


def add_token(emsp: Platform, token: Token) -> None:
    """Keep ``token`` as one of the eMSP's own tokens (no message; see ``push_tokens``)."""
    data = emsp.emsp_data
    if PartyRef(token.country_code, token.party_id).key != data.party.key:
        raise ValueError(f"token {token.uid} belongs to {token.country_code}-{token.party_id}, not {data.party}")
    data.tokens.put(data.party, token_id(token.uid, token.type), token)


def _token_url(target: Target, token: Token) -> tuple[str, dict[str, str] | None]:
    url = join_url(target.url, token.country_code, token.party_id, token.uid)
    if target.connection.version is OCPIVersion.V2_2_1:
        return url, {"type": token.type.value}
    return url, None


def _send(
    emsp: Platform, target: Target, method: str, token: Token, body: Any
) -> Generator[simpy.Event, Any, TokenPush]:
    url, params = _token_url(target, token)
    exchange = yield from emsp.call_peer(
        target.connection,
        method,
        url,
        module=MODULE,
        body=body,
        params=params,
        sender=emsp.ref(Role.EMSP),
        to=target.to,
    )
    return TokenPush(target.connection.peer, method, token.uid, token.type, exchange)


def push_tokens(emsp: Platform) -> Generator[simpy.Event, Any, list[TokenPush]]:
    """PUT every own token (creation order) to every Tokens Receiver the eMSP pushes to."""
    data = emsp.emsp_data
    results = []
    for target in push_targets(emsp, MODULE, Role.CPO):
        for token in data.tokens.owned_by(data.party):
            try:
                body: Any = token_to_211(token) if target.connection.version is OCPIVersion.V2_1_1 else token
            except ConversionError as exc:
                results.append(TokenPush(target.connection.peer, "PUT", token.uid, token.type, None, str(exc)))
                continue
            results.append((yield from _send(emsp, target, "PUT", token, body)))
    return results


def update_token(
    emsp: Platform, uid: str, token_type: TokenType, **changes: Any
) -> Generator[simpy.Event, Any, list[TokenPush]]:
    """Change one own token (e.g. ``valid=False``), store it, and PATCH the change to every receiver."""
    data = emsp.emsp_data
    current = data.tokens.get(data.party, token_id(uid, token_type))
    if current is None:
        raise ValueError(f"{emsp.name} has no token {uid} ({token_type})")
    unknown = sorted(set(changes) - set(Token.model_fields))
    if unknown or {"uid", "type", "country_code", "party_id"} & set(changes):
        raise ValueError(f"cannot change {', '.join(unknown or sorted(changes))} of a token with a PATCH")
    now = emsp.clock.now()
    updated = Token.model_validate({**current.model_dump(), **changes, "last_updated": now})
    data.tokens.put(data.party, token_id(uid, token_type), updated)
    patch = TokenPatch.model_validate({**changes, "last_updated": now})
    results = []
    for target in push_targets(emsp, MODULE, Role.CPO):
        try:
            body: Any = token_patch_to_211(patch) if target.connection.version is OCPIVersion.V2_1_1 else patch
        except ConversionError as exc:
            results.append(TokenPush(target.connection.peer, "PATCH", uid, token_type, None, str(exc)))
            continue
        results.append((yield from _send(emsp, target, "PATCH", updated, body)))
    return results


# --- CPO: authorization -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Authorization:
    """The CPO's decision on a token at a charger, and how it was reached.

    ``allowed`` is None when no decision could be made (token unknown everywhere, eMSP unreachable
    for a token that must be checked in real time, an error answer); ``reason`` says why.
    """

    allowed: AllowedType | None
    token: Token | None
    authorization_reference: str | None
    method: AuthMethod
    emsp: PartyRef | None
    reason: str
    location: LocationReferences | None = None
    exchanges: tuple[Exchange, ...] = ()

    @property
    def ok(self) -> bool:
        """The driver may charge."""
        return self.allowed is AllowedType.ALLOWED

    def cdr_token(self) -> CdrToken | None:
        """The token as Sessions and CDRs name it (None when the token is not known)."""
        if self.token is None:
            return None
        t = self.token
        return CdrToken(
            country_code=t.country_code, party_id=t.party_id, uid=t.uid, type=t.type, contract_id=t.contract_id
        )


@dataclass(frozen=True)
class _Answer:
    kind: str  # "decided", "unknown", "unreachable", "failed"
    authorization: Authorization


def _local(token: Token, reason: str, exchanges: tuple[Exchange, ...] = ()) -> Authorization:
    allowed = AllowedType.ALLOWED if token.valid else AllowedType.BLOCKED
    owner = PartyRef(token.country_code, token.party_id)
    return Authorization(allowed, token, None, AuthMethod.WHITELIST, owner, reason, exchanges=exchanges)


def _ask(
    cpo: Platform, owner: PartyRef, uid: str, token_type: TokenType, refs: LocationReferences, cached: Token | None
) -> Generator[simpy.Event, Any, _Answer]:
    """One real-time authorization request to ``owner`` (direct or via a hub)."""

    def answer(kind: str, reason: str, exchanges: tuple[Exchange, ...] = (), **found: Any) -> _Answer:
        values: dict[str, Any] = {"allowed": None, "token": cached, "authorization_reference": None, "location": None}
        values.update(found)
        return _Answer(
            kind,
            Authorization(method=AuthMethod.AUTH_REQUEST, emsp=owner, reason=reason, exchanges=exchanges, **values),
        )

    target = direct_or_via_hub(cpo, owner, MODULE, "SENDER")
    if target is None:
        return answer("unreachable", f"no route to the Tokens Sender of {owner}")
    v211 = target.connection.version is OCPIVersion.V2_1_1
    wire_type = token_type.value if not v211 or token_type.value in _TYPES_211 else "OTHER"
    body: Any = location_references_to_211(refs) if v211 else refs
    exchange = yield from cpo.call_peer(
        target.connection,
        "POST",
        join_url(target.url, uid, "authorize"),
        module=MODULE,
        body=body,
        params={"type": wire_type},
        sender=cpo.ref(Role.CPO),
        to=target.to,
    )
    seen = (exchange,)
    if exchange.http_status == 0 or exchange.ocpi_status in UNREACHABLE_STATUSES:
        return answer("unreachable", f"{owner} unreachable: {exchange.describe()}", seen)
    if exchange.http_status == 404 or exchange.ocpi_status == OCPIStatus.UNKNOWN_TOKEN:
        return answer("unknown", f"{owner} does not know token {uid}: {exchange.describe()}", seen)
    if not exchange.ok:
        return answer("failed", f"{owner} answered {exchange.describe()}", seen)
    try:
        if v211:
            info211 = exchange.model(tok211.AuthorizationInfo)
            location = location_references_from_211(info211.location) if info211.location else None
            allowed, token, reference = AllowedType(info211.allowed.value), cached, None
        else:
            info = exchange.model(AuthorizationInfo)
            allowed, token, reference, location = info.allowed, info.token, info.authorization_reference, info.location
    except ValueError as exc:
        return answer("failed", f"{owner} answered an invalid AuthorizationInfo: {exc}", seen)
    return answer(
        "decided",
        f"{owner} answered {allowed.value}",
        seen,
        allowed=allowed,
        token=token,
        authorization_reference=reference,
        location=location,
    )


def authorize(
    cpo: Platform, *, uid: str, token_type: TokenType, location_id: str, evse_uids: Sequence[str]
) -> Generator[simpy.Event, Any, Authorization]:
    """Decide whether token ``uid`` may charge at ``location_id``/``evse_uids`` (see the module docstring)."""
    refs = LocationReferences(location_id=location_id, evse_uids=list(evse_uids) or None)
    cached = find_token(cpo.cpo_data.tokens, uid, token_type)
    if cached is not None:
        owner = PartyRef(cached.country_code, cached.party_id)
        whitelist = cached.whitelist
        if whitelist is WhitelistType.ALWAYS or (whitelist is WhitelistType.ALLOWED and cached.valid):
            return _local(cached, f"whitelist {whitelist.value}: decided from the cache")
        asked = yield from _ask(cpo, owner, uid, token_type, refs, cached)
        if asked.kind == "unreachable" and whitelist is WhitelistType.ALLOWED_OFFLINE:
            reason = f"{asked.authorization.reason}; whitelist ALLOWED_OFFLINE: decided from the cache"
            return _local(cached, reason, asked.authorization.exchanges)
        return asked.authorization
    exchanges: list[Exchange] = []
    reasons: list[str] = []
    for emsp in sorted(cpo.known_parties(Role.EMSP), key=lambda ref: ref.key):
        asked = yield from _ask(cpo, emsp, uid, token_type, refs, None)
        exchanges.extend(asked.authorization.exchanges)
        if asked.kind not in ("unknown", "unreachable"):
            return asked.authorization
        reasons.append(asked.authorization.reason)
    reason = "; ".join(reasons) or "no eMSP to ask"
    return Authorization(
        None, None, None, AuthMethod.AUTH_REQUEST, None, f"token {uid} unknown: {reason}", exchanges=tuple(exchanges)
    )
