"""Tokens module (SPEC-DIGEST §10), server side: the CPO's token cache and the eMSP's Sender.

Endpoints, for every version the platform speaks:

* CPO **Receiver** ``{tokens}/{country_code}/{party_id}/{token_uid}``: GET, PUT, PATCH of the tokens
  eMSPs push.  They are cached in ``platform.cpo.tokens`` keyed by owner and ``token_id(uid, type)``.
  In 2.2.1 the token type comes from ``?type=`` (default ``RFID``) and must equal the body's ``type``
  (2001 otherwise).  2.1.1 URLs carry no type: GET/PATCH pick the owner's token with that uid (the
  given type, else RFID, else the only one) and PUT stores under the body's type.
* eMSP **Sender** ``{tokens}``: GET list (paginated) of the eMSP's own tokens, and
  ``POST {tokens}/{token_uid}/authorize[?type=]`` — real-time authorization with optional
  LocationReferences.

The eMSP decides an authorization with a small policy kept in its module state, checked in this
order:

1. token unknown → 2.2.1: HTTP 404 with status 2004 and no ``data`` (the digest's reading of the
   spec's double wording).  2.1.1 has no 2004: HTTP 404 with the generic client error 2000;
2. ``valid=false`` → ``BLOCKED`` (the token's own state wins over any override);
3. a per-token verdict set with ``set_authorization_verdict`` (``EXPIRED``, ``NO_CREDIT``, …);
4. a per-token "needs location" flag (``set_needs_location``) and no LocationReferences sent → 2002;
5. otherwise ``ALLOWED``; 2.2.1 adds an ``authorization_reference`` (``new_authorization_reference``).

The sent LocationReferences are echoed only with ``ALLOWED`` (the spec: "only when the driver may
charge there"); a 2.1.1 request's references are echoed as received, ``connector_ids`` included.
2.2.1 AuthorizationInfo carries the full Token.  In 2.1.1 app tokens travel as type ``OTHER``, so an
authorization for ``OTHER`` also finds the eMSP's ``APP_USER``/``AD_HOC_USER`` token with that uid.

Client operations (pushing tokens, asking for an authorization) are in ``tokens_client``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.pagination import PageRequest, paginate
from sim.ocpi.router import OCPIReply, OCPIRequest, validate_body
from sim.ocpi.status import (
    InvalidOrMissingParameters,
    NotEnoughInformation,
    NotFound,
    UnknownToken,
)
from sim.ocpi.v211 import tokens as tok211
from sim.ocpi.v211.convert import ConversionError
from sim.ocpi.v211.convert_commands import (
    authorization_info_to_211,
    location_references_from_211,
    token_from_211,
    token_patch_from_211,
    token_to_211,
)
from sim.ocpi.v221.tokens import AllowedType, AuthorizationInfo, LocationReferences, Token, TokenPatch, TokenType
from sim.parties.modules.common import check_body_owner, state, stored, url_owner
from sim.parties.stores import ObjectStore

if TYPE_CHECKING:
    from sim.parties.platform import Platform

MODULE = "tokens"
LIST_LIMIT = 50
"""Page-size cap of the eMSP's token list."""

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def token_id(uid: str, token_type: TokenType) -> str:
    """The store id of a token: uid and type together identify it within its eMSP."""
    return f"{uid}:{token_type.value}"


@dataclass(frozen=True)
class AuthorizationDecision:
    """One real-time authorization the eMSP answered (kept for inspection and later checks)."""

    at: datetime
    uid: str
    token_type: TokenType
    allowed: AllowedType | None
    status: int
    authorization_reference: str | None = None
    location: LocationReferences | None = None


@dataclass
class TokensState:
    """The eMSP's authorization policy and its record of answered authorizations."""

    verdicts: dict[str, AllowedType] = field(default_factory=dict)
    needs_location: set[str] = field(default_factory=set)
    decisions: list[AuthorizationDecision] = field(default_factory=list)


def tokens_state(platform: Platform) -> TokensState:
    """The Tokens module state of ``platform``."""
    return state(platform, MODULE, TokensState)


def _policy_key(uid: str, token_type: TokenType) -> str:
    return token_id(uid, token_type).casefold()


def set_authorization_verdict(
    emsp: Platform, uid: str, verdict: AllowedType | None, token_type: TokenType = TokenType.RFID
) -> None:
    """Make the eMSP answer ``verdict`` for a valid token (``None`` goes back to ``ALLOWED``)."""
    policy = tokens_state(emsp)
    if verdict is None:
        policy.verdicts.pop(_policy_key(uid, token_type), None)
    else:
        policy.verdicts[_policy_key(uid, token_type)] = verdict


def set_needs_location(emsp: Platform, uid: str, needed: bool = True, token_type: TokenType = TokenType.RFID) -> None:
    """Make the eMSP answer 2002 when this token is authorised without LocationReferences."""
    policy = tokens_state(emsp)
    if needed:
        policy.needs_location.add(_policy_key(uid, token_type))
    else:
        policy.needs_location.discard(_policy_key(uid, token_type))


def find_token(
    store: ObjectStore[Token], uid: str, token_type: TokenType | None, owner: PartyRef | None = None
) -> Token | None:
    """A stored token by uid (case-insensitive) and type, optionally of one owner (first in creation order).

    ``token_type=None`` (a 2.1.1 URL without type) prefers RFID, then the only token with that uid.
    """
    if owner is not None:
        same_uid = [t for t in store.owned_by(owner) if t.uid.casefold() == uid.casefold()]
    else:
        same_uid = store.matching(_folded_uid, uid.casefold())
    if token_type is not None:
        return next((t for t in same_uid if t.type is token_type), None)
    rfid = next((t for t in same_uid if t.type is TokenType.RFID), None)
    return rfid or (same_uid[0] if len(same_uid) == 1 else None)


def _folded_uid(token: Token) -> str:
    return token.uid.casefold()


def merged(current: M, changes: dict[str, Any]) -> M:
    """A validated copy of ``current`` with ``changes`` written over it (2001 if the result is invalid)."""
    return validate_body(type(current), {**current.model_dump(), **changes})


def query_type(request: OCPIRequest, version: OCPIVersion, default: TokenType | None) -> TokenType | None:
    """The ``?type=`` parameter as a TokenType of ``version`` (2001 for a value the version does not know)."""
    text = request.query.get("type")
    if text is None or text == "":
        return default
    allowed = tok211.TokenType if version is OCPIVersion.V2_1_1 else TokenType
    if text not in {member.value for member in allowed}:
        raise InvalidOrMissingParameters(f"query parameter type: {text!r} is not a TokenType of OCPI {version.value}")
    return TokenType(text)


def converted(convert: Callable[[], T]) -> T:
    """Run a version conversion; what the other version cannot hold becomes 2001."""
    try:
        return convert()
    except ConversionError as exc:
        raise InvalidOrMissingParameters(str(exc)) from None


def version_items(items: Iterable[Any], convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` applied to every item, leaving out those the version cannot express."""
    out = []
    for item in items:
        try:
            out.append(convert(item))
        except ConversionError:
            continue  # a list answer keeps going; the object simply does not exist in that version
    return out


# --- CPO Receiver -----------------------------------------------------------------------------------


def install_cpo(platform: Platform) -> None:
    """Serve the Tokens Receiver interface (the CPO's token cache) for every version."""
    for version in platform.versions:
        _install_receiver(platform, version)


def _install_receiver(platform: Platform, version: OCPIVersion) -> None:
    cache = platform.cpo_data.tokens
    v211 = version is OCPIVersion.V2_1_1
    url_type_default = None if v211 else TokenType.RFID

    def cached(request: OCPIRequest, owner: PartyRef, token_type: TokenType | None) -> Token:
        uid = request.path_params["token_uid"]
        token = find_token(cache, uid, token_type, owner)
        if token is None:
            raise NotFound(f"no token {uid!r} of {owner} is stored here")
        return token

    def get_token(request: OCPIRequest) -> OCPIReply:
        owner = url_owner(request)
        token = cached(request, owner, query_type(request, version, url_type_default))
        return OCPIReply(data=converted(lambda: token_to_211(token)) if v211 else token)

    def put_token(request: OCPIRequest) -> OCPIReply:
        owner = url_owner(request)
        uid = request.path_params["token_uid"]
        if v211:
            body = request.model(tok211.Token)
            check_body_owner(owner, body, id_field="uid", url_id=uid)
            token = converted(lambda: token_from_211(body, country_code=owner.country_code, party_id=owner.party_id))
        else:
            token = request.model(Token)
            check_body_owner(owner, token, id_field="uid", url_id=uid)
            url_type = query_type(request, version, TokenType.RFID)
            if token.type is not url_type:
                raise InvalidOrMissingParameters(f"URL names token type {url_type} but the object says {token.type}")
        created = cache.put(owner, token_id(token.uid, token.type), token)
        return stored(created)

    def patch_token(request: OCPIRequest) -> OCPIReply:
        owner = url_owner(request)
        if v211:
            body = request.model(tok211.TokenPatch)
            patch = converted(lambda: token_patch_from_211(body, received_at=platform.clock.now()))
            url_type = patch.type
        else:
            patch = request.model(TokenPatch)
            url_type = query_type(request, version, TokenType.RFID)
        current = cached(request, owner, url_type)
        for name, value in (("uid", current.uid), ("type", current.type)):
            sent = getattr(patch, name)
            if sent is not None and str(sent).casefold() != str(value).casefold():
                raise InvalidOrMissingParameters(f"a PATCH cannot change {name} ({value} → {sent})")
        check_body_owner(owner, patch, id_field="uid", url_id=current.uid)
        cache.put(owner, token_id(current.uid, current.type), merged(current, patch.model_dump(exclude_none=True)))
        return stored(False)

    path = "/{country_code}/{party_id}/{token_uid}"
    platform.serve(
        version, MODULE, "RECEIVER", [("GET", path, get_token), ("PUT", path, put_token), ("PATCH", path, patch_token)]
    )


# --- eMSP Sender ------------------------------------------------------------------------------------


def install_emsp(platform: Platform) -> None:
    """Serve the Tokens Sender interface (token list and real-time authorization) for every version."""
    for version in platform.versions:
        _install_sender(platform, version)


def _own_token(platform: Platform, uid: str, token_type: TokenType, version: OCPIVersion) -> Token | None:
    emsp = platform.emsp_data
    types = [token_type]
    if version is OCPIVersion.V2_1_1 and token_type is TokenType.OTHER:
        types += [TokenType.APP_USER, TokenType.AD_HOC_USER]  # app tokens travel as OTHER in 2.1.1
    for kind in types:
        found = emsp.tokens.get(emsp.party, token_id(uid, kind))
        if found is not None:
            return found
    return None


def new_authorization_reference(platform: Platform) -> str:
    """A fresh ``authorization_reference`` (AuthorizationInfo, StartSession, ReserveNow) of the eMSP.

    Drawn from the platform's own ``authorization_reference`` stream, never from the credentials
    token stream, so a reference more or less does not change the tokens of later registrations.
    """
    return f"AUTH{platform.random_stream('authorization_reference').getrandbits(48):012X}"


def _install_sender(platform: Platform, version: OCPIVersion) -> None:
    emsp = platform.emsp_data
    v211 = version is OCPIVersion.V2_1_1

    def list_tokens(request: OCPIRequest) -> OCPIReply:
        page_request = PageRequest.from_query(request.query, version)
        page = paginate(
            emsp.tokens.owned_by(emsp.party),
            page_request,
            url=request.http.url,
            max_limit=LIST_LIMIT,
            last_updated=lambda t: t.last_updated,
        )
        items = version_items(page.items, token_to_211) if v211 else page.items
        return OCPIReply(data=items, headers=page.headers())

    def authorize(request: OCPIRequest) -> OCPIReply:
        uid = request.path_params["token_uid"]
        token_type = query_type(request, version, TokenType.RFID)
        assert token_type is not None  # a default was given
        refs211: tok211.LocationReferences | None = None
        refs: LocationReferences | None = None
        if request.http.content and request.json() is not None:
            if v211:
                refs211 = request.model(tok211.LocationReferences)
                refs = location_references_from_211(refs211)
            else:
                refs = request.model(LocationReferences)
        info = decide(platform, uid, token_type, refs, version)
        if v211:
            info211 = authorization_info_to_211(info)
            if info211.location is not None and refs211 is not None:
                info211 = info211.model_copy(update={"location": refs211})  # echo exactly what was asked
            return OCPIReply(data=info211)
        return OCPIReply(data=info)

    platform.serve(version, MODULE, "SENDER", [("GET", "", list_tokens), ("POST", "/{token_uid}/authorize", authorize)])


def decide(
    platform: Platform, uid: str, token_type: TokenType, refs: LocationReferences | None, version: OCPIVersion
) -> AuthorizationInfo:
    """The eMSP's answer to an authorization (see the module docstring); raises for 404/2004 and 2002."""
    policy = tokens_state(platform)
    now = platform.clock.now()
    token = _own_token(platform, uid, token_type, version)
    if token is None:
        if version is OCPIVersion.V2_1_1:
            policy.decisions.append(AuthorizationDecision(now, uid, token_type, None, 2000))
            raise NotFound(f"unknown token {uid!r} ({token_type})")
        policy.decisions.append(AuthorizationDecision(now, uid, token_type, None, 2004))
        raise UnknownToken(f"unknown token {uid!r} ({token_type})")
    key = _policy_key(token.uid, token.type)
    if not token.valid:
        allowed = AllowedType.BLOCKED
    elif key in policy.verdicts:
        allowed = policy.verdicts[key]
    elif key in policy.needs_location and refs is None:
        policy.decisions.append(AuthorizationDecision(now, uid, token.type, None, 2002))
        raise NotEnoughInformation(f"token {uid!r} can only be authorised for a given location")
    else:
        allowed = AllowedType.ALLOWED
    granted = allowed is AllowedType.ALLOWED
    reference = new_authorization_reference(platform) if granted and version is OCPIVersion.V2_2_1 else None
    location = refs if granted else None
    policy.decisions.append(AuthorizationDecision(now, uid, token.type, allowed, 1000, reference, location))
    return AuthorizationInfo(allowed=allowed, token=token, location=location, authorization_reference=reference)
