"""Tokens: eMSP pushes to the CPO's cache, PATCH blocking, the eMSP's list, and real-time authorization.

Bilateral networks: CPO NL-CPA with eMSP DE-MSA (2.2.1) or DE-MSB (2.1.1 only); a second eMSP
NL-MSB where the CPO must find a token's owner; a hub NL-HUB for the routed case.
"""

from __future__ import annotations

import pytest

from sim.conformance import check
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion, format_datetime
from sim.ocpi.headers import PartyRef
from sim.ocpi.v221.cdrs import AuthMethod
from sim.ocpi.v221.tokens import AllowedType, Token, TokenType, WhitelistType
from sim.parties.connection import SyncMode
from sim.parties.modules.tokens import set_authorization_verdict, set_needs_location, tokens_state
from sim.parties.modules.tokens_client import Authorization, add_token, authorize, push_tokens, update_token

from .builders import STAMP as T0
from .builders import V211, V221, Bilateral, bilateral, body, join_hub, send, token
from .conftest import flow

CPO_URL = "https://nl-cpa.roamsim.test/ocpi"


class Pair(Bilateral):
    """A CPO and an eMSP registered with each other at ``version``."""

    def cpo_tokens(self) -> str:
        return self.path("receiver", "tokens", self.owner.country_code, self.owner.party_id)

    def authorize_path(self, uid: str) -> str:
        return self.path("sender", "tokens", uid, "authorize")


def build(roaming: Roaming, version: OCPIVersion, sync: dict[str, SyncMode] | None = None) -> Pair:
    return bilateral(Pair, roaming, version, sync=sync)


@pytest.fixture(params=[V221, V211], ids=["2.2.1", "2.1.1"])
def pair(roaming: Roaming, request: pytest.FixtureRequest) -> Pair:
    return build(roaming, request.param)


def given(pair: Pair, *tokens: Token) -> None:
    """The eMSP holds ``tokens`` and has pushed them to the CPO."""
    for each in tokens:
        add_token(pair.emsp, each)
    pushes = pair.roaming.run(push_tokens(pair.emsp))
    assert pushes and all(push.ok for push in pushes)


def ask(pair: Pair, uid: str = "RFID0001", kind: TokenType = TokenType.RFID) -> Authorization:
    return pair.roaming.run(authorize(pair.cpo, uid=uid, token_type=kind, location_id="L1", evse_uids=["E1"]))


# --- pushing tokens ---------------------------------------------------------------------------------


def test_push_221_puts_every_token_with_its_type_then_replaces(roaming: Roaming) -> None:
    pair = build(roaming, V221)
    rfid, app = token("DE-MSA"), token("DE-MSA", "APP0001", kind="APP_USER", whitelist="NEVER")
    add_token(pair.emsp, rfid)
    add_token(pair.emsp, app)
    mark = roaming.mark()
    pushes = roaming.run(push_tokens(pair.emsp))
    base = "/ocpi/2.2.1/receiver/tokens/DE/MSA"
    assert flow(roaming.since(mark)) == [
        ("DE-MSA", "NL-CPA", "PUT", f"{base}/RFID0001", 201, 1000),
        ("DE-MSA", "NL-CPA", "PUT", f"{base}/APP0001", 201, 1000),
    ]
    first, second = roaming.since(mark)
    assert first.url == f"https://nl-cpa.roamsim.test{base}/RFID0001?type=RFID"
    assert second.url == f"https://nl-cpa.roamsim.test{base}/APP0001?type=APP_USER"
    assert first.request_body == rfid.to_json() and second.request_body == app.to_json()
    assert [push.ok for push in pushes] == [True, True]
    assert pair.cpo.cpo_data.tokens.values() == [rfid, app]
    again = roaming.mark()
    roaming.run(push_tokens(pair.emsp))
    assert [e.response_status for e in roaming.since(again)] == [200, 200]  # replaced, not created
    assert len(pair.cpo.cpo_data.tokens) == 2
    assert check(roaming.since(mark)) == []


def test_push_211_has_no_type_in_the_url_and_app_tokens_arrive_as_other(roaming: Roaming) -> None:
    pair = build(roaming, V211)
    add_token(pair.emsp, token("DE-MSB"))
    add_token(pair.emsp, token("DE-MSB", "APP0001", kind="APP_USER", whitelist="NEVER"))
    mark = roaming.mark()
    roaming.run(push_tokens(pair.emsp))
    assert flow(roaming.since(mark)) == [
        ("DE-MSB", "NL-CPA", "PUT", "/ocpi/2.1.1/receiver/tokens/DE/MSB/RFID0001", 201, 1000),
        ("DE-MSB", "NL-CPA", "PUT", "/ocpi/2.1.1/receiver/tokens/DE/MSB/APP0001", 201, 1000),
    ]
    assert "?" not in roaming.since(mark)[0].url
    assert body(roaming.since(mark)[0])["auth_id"] == "DE-MSB-CRFID0001"
    cached = pair.cpo.cpo_data.tokens.values()
    assert [(t.uid, t.type, t.contract_id) for t in cached] == [
        ("RFID0001", TokenType.RFID, "DE-MSB-CRFID0001"),
        ("APP0001", TokenType.OTHER, "DE-MSB-CAPP0001"),
    ]
    # The CPO asks with the type it knows (OTHER); the 2.1.1 eMSP finds its APP_USER token.
    verdict = ask(pair, "APP0001", TokenType.OTHER)
    assert (verdict.allowed, verdict.method) == (AllowedType.ALLOWED, AuthMethod.AUTH_REQUEST)
    assert roaming.since(mark)[-1].url.endswith("/sender/tokens/APP0001/authorize?type=OTHER")
    assert check(roaming.since(mark)) == []


def test_update_token_patches_the_change_and_blocks(pair: Pair) -> None:
    roaming = pair.roaming
    given(pair, token(pair.owner, whitelist="ALWAYS"))
    roaming.settle(60)
    mark, changed_at = roaming.mark(), roaming.clock.now()
    pushes = roaming.run(update_token(pair.emsp, "RFID0001", TokenType.RFID, valid=False))
    assert flow(roaming.since(mark)) == [
        (pair.emsp.name, "NL-CPA", "PATCH", f"{pair.cpo_tokens()}/RFID0001", 200, 1000)
    ]
    patch = roaming.since(mark)[0]
    assert body(patch) == {"valid": False, "last_updated": format_datetime(changed_at, pair.version)}
    assert patch.url.endswith("?type=RFID") is (pair.version is V221)
    assert [push.ok for push in pushes] == [True]
    cached = pair.cpo.cpo_data.tokens.values()[0]
    assert (cached.valid, cached.whitelist) == (False, WhitelistType.ALWAYS)
    assert cached.last_updated.replace(microsecond=0) == changed_at.replace(microsecond=0)
    assert not pair.emsp.emsp_data.tokens.values()[0].valid
    verdict = ask(pair)  # ALWAYS: decided from the cache, which now says blocked
    assert (verdict.allowed, verdict.method, verdict.exchanges) == (AllowedType.BLOCKED, AuthMethod.WHITELIST, ())
    with pytest.raises(ValueError, match="cannot change party_id"):
        roaming.run(update_token(pair.emsp, "RFID0001", TokenType.RFID, party_id="XYZ"))
    assert check(roaming.since(mark)) == []


def test_a_pulling_connection_gets_no_push_and_reads_the_paginated_list(roaming: Roaming) -> None:
    pair = build(roaming, V221, sync={"tokens": SyncMode.PULL})
    for uid in ("RFID0001", "RFID0002", "RFID0003"):
        add_token(pair.emsp, token("DE-MSA", uid))
    mark = roaming.mark()
    assert roaming.run(push_tokens(pair.emsp)) == []
    assert roaming.since(mark) == []
    url = "https://de-msa.roamsim.test/ocpi/2.2.1/sender/tokens"
    first = send(roaming, pair.cpo, pair.emsp, "GET", url, params={"limit": "2"})
    assert [item["uid"] for item in first.data] == ["RFID0001", "RFID0002"]
    assert (first.headers["x-total-count"], first.headers["x-limit"]) == ("3", "2")
    assert first.headers["link"] == f'<{url}?limit=2&offset=2>; rel="next"'
    last = send(roaming, pair.cpo, pair.emsp, "GET", f"{url}?limit=2&offset=2")
    assert [item["uid"] for item in last.data] == ["RFID0003"] and "link" not in last.headers
    assert check(roaming.since(mark)) == []


# --- the CPO's Receiver interface: errors never change the cache -------------------------------------


def test_receiver_221_rejects_bad_pushes_and_keeps_the_cache(roaming: Roaming) -> None:
    pair = build(roaming, V221)
    given(pair, token("DE-MSA"))
    before = pair.cpo.cpo_data.tokens.values()
    base = f"{CPO_URL}/2.2.1/receiver/tokens/DE/MSA"
    good = token("DE-MSA", "RFID0002").to_wire()
    mark = roaming.mark()
    no_issuer = {k: v for k, v in good.items() if k != "issuer"}
    cases = [
        ("PUT", f"{base}/RFID0002", {"json": no_issuer, "params": {"type": "RFID"}}, (200, 2001)),
        ("PUT", f"{CPO_URL}/2.2.1/receiver/tokens/NL/XXX/RFID0002", {"json": good}, (404, 2000)),
        ("PUT", f"{base}/RFID9999", {"json": good, "params": {"type": "RFID"}}, (200, 2001)),
        ("PUT", f"{base}/RFID0002", {"json": good, "params": {"type": "APP_USER"}}, (200, 2001)),
        ("PUT", f"{base}/RFID0002", {"json": good, "params": {"type": "CARD"}}, (200, 2001)),
        ("PATCH", f"{base}/RFID0002", {"json": {"valid": False, "last_updated": "2026-03-02T06:00:00Z"}}, (404, 2000)),
        ("PATCH", f"{base}/RFID0001", {"json": {"valid": False}}, (200, 2001)),  # no last_updated
        ("PATCH", f"{base}/RFID0001", {"json": {"uid": "X", "last_updated": "2026-03-02T06:00:00Z"}}, (200, 2001)),
        ("PATCH", f"{base}/RFID0001", {"json": {"country_code": "NL", "party_id": "MSB",
                                                "last_updated": "2026-03-02T06:00:00Z"}}, (200, 2001)),
        ("GET", f"{base}/RFID0002", {}, (404, 2000)),
        ("GET", f"{base}/RFID0001", {"params": {"type": "APP_USER"}}, (404, 2000)),
    ]  # fmt: skip
    for method, url, options, expected in cases:
        answer = send(roaming, pair.emsp, pair.cpo, method, url, body=options.get("json"),
                      params=options.get("params"))  # fmt: skip
        assert (answer.http_status, answer.ocpi_status) == expected, (method, url, options, answer.message)
        assert answer.data is None
    assert pair.cpo.cpo_data.tokens.values() == before
    found = send(roaming, pair.emsp, pair.cpo, "GET", f"{base}/RFID0001")
    assert (found.http_status, found.data) == (200, before[0].to_wire())
    request = pair.emsp.build_request("GET", f"{base}/RFID0001", token="not-a-token", version=V221, module="tokens",
                                      sender=pair.owner, to=PartyRef("NL", "CPA"))  # fmt: skip
    assert roaming.run(pair.emsp.call(request)).http_status == 401
    # The checker sees exactly the two broken bodies this test sent on purpose.
    assert [(v.where, v.message) for v in check(roaming.since(mark))] == [
        ("request body", "invalid Token: issuer: required field missing"),
        ("request body", "invalid TokenPatch: last_updated: required field missing"),
    ]


def test_receiver_211_checks_uid_and_answers_in_211(roaming: Roaming) -> None:
    pair = build(roaming, V211)
    given(pair, token("DE-MSB"))
    base = f"{CPO_URL}/2.1.1/receiver/tokens/DE/MSB"
    mark = roaming.mark()
    wire = {"uid": "RFID0002", "type": "RFID", "auth_id": "A2", "issuer": "X", "valid": True,
            "whitelist": "ALWAYS", "last_updated": "2026-03-02T06:00:00Z"}  # fmt: skip
    mismatch = send(roaming, pair.emsp, pair.cpo, "PUT", f"{base}/RFID9999", body=wire)
    assert (mismatch.http_status, mismatch.ocpi_status) == (200, 2001)
    assert len(pair.cpo.cpo_data.tokens) == 1
    patched = send(roaming, pair.emsp, pair.cpo, "PATCH", f"{base}/RFID0001", body={"whitelist": "NEVER"})
    assert (patched.http_status, patched.ocpi_status) == (200, 1000)  # last_updated is optional in 2.1.1
    cached = pair.cpo.cpo_data.tokens.values()[0]
    assert cached.whitelist is WhitelistType.NEVER and cached.last_updated > T0
    found = send(roaming, pair.emsp, pair.cpo, "GET", f"{base}/RFID0001")
    assert found.data["auth_id"] == "DE-MSB-CRFID0001" and "contract_id" not in found.data
    assert check(roaming.since(mark)) == []


# --- real-time authorization ------------------------------------------------------------------------

LOCAL, REAL_TIME = "local", "real-time"


@pytest.mark.parametrize(
    ("whitelist", "valid", "how", "allowed"),
    [
        ("ALWAYS", True, LOCAL, AllowedType.ALLOWED),
        ("ALWAYS", False, LOCAL, AllowedType.BLOCKED),
        ("ALLOWED", True, LOCAL, AllowedType.ALLOWED),
        ("ALLOWED", False, REAL_TIME, AllowedType.BLOCKED),  # it may have been unblocked: ask
        ("ALLOWED_OFFLINE", True, REAL_TIME, AllowedType.ALLOWED),
        ("NEVER", True, REAL_TIME, AllowedType.ALLOWED),
        ("NEVER", False, REAL_TIME, AllowedType.BLOCKED),
    ],
)
def test_whitelist_types_decide_local_or_real_time(
    pair: Pair, whitelist: str, valid: bool, how: str, allowed: AllowedType
) -> None:
    roaming = pair.roaming
    given(pair, token(pair.owner, whitelist=whitelist, valid=valid))
    mark = roaming.mark()
    verdict = ask(pair)
    assert verdict.allowed is allowed
    assert verdict.emsp == pair.owner and verdict.token is not None and verdict.token.uid == "RFID0001"
    if how == LOCAL:
        assert roaming.since(mark) == []
        assert (verdict.method, verdict.authorization_reference) == (AuthMethod.WHITELIST, None)
        return
    assert flow(roaming.since(mark)) == [("NL-CPA", pair.emsp.name, "POST", pair.authorize_path("RFID0001"), 200, 1000)]
    assert verdict.method is AuthMethod.AUTH_REQUEST
    granted = allowed is AllowedType.ALLOWED
    assert (verdict.authorization_reference is not None) is (granted and pair.version is V221)
    assert (verdict.location is not None) is granted
    assert check(roaming.since(mark)) == []


@pytest.mark.parametrize("verdict", [AllowedType.EXPIRED, AllowedType.NO_CREDIT, AllowedType.NOT_ALLOWED])
def test_the_emsp_policy_gives_every_allowed_type(pair: Pair, verdict: AllowedType) -> None:
    roaming = pair.roaming
    given(pair, token(pair.owner, whitelist="NEVER"))
    set_authorization_verdict(pair.emsp, "RFID0001", verdict)
    mark = roaming.mark()
    answer = ask(pair)
    assert (answer.allowed, answer.location, answer.authorization_reference) == (verdict, None, None)
    assert body(roaming.since(mark)[0], "response")["data"]["allowed"] == verdict.value
    set_authorization_verdict(pair.emsp, "RFID0001", None)
    assert ask(pair).allowed is AllowedType.ALLOWED
    assert [d.allowed for d in tokens_state(pair.emsp).decisions] == [verdict, AllowedType.ALLOWED]
    assert check(roaming.since(mark)) == []


def test_exact_221_authorization_info_is_deterministic() -> None:
    answers = []
    for _ in range(2):
        roaming = Roaming()
        pair = build(roaming, V221)
        given(pair, token("DE-MSA", whitelist="NEVER"))
        mark = roaming.mark()
        verdict = roaming.run(authorize(pair.cpo, uid="rfid0001", token_type=TokenType.RFID, location_id="L1",
                                        evse_uids=["E1", "E2"]))  # fmt: skip
        event = roaming.since(mark)[0]
        assert event.url == "https://de-msa.roamsim.test/ocpi/2.2.1/sender/tokens/rfid0001/authorize?type=RFID"
        assert body(event) == {"location_id": "L1", "evse_uids": ["E1", "E2"]}
        headers = dict(event.request_headers)
        assert (headers["ocpi-from-party-id"], headers["ocpi-to-party-id"]) == ("CPA", "MSA")
        assert check(roaming.since(mark)) == []
        answers.append((body(event, "response")["data"], verdict))
    (data, verdict), (again, _) = answers
    assert data == again  # same seed, same reference
    assert data == {
        "allowed": "ALLOWED",
        "token": {"country_code": "DE", "party_id": "MSA", "uid": "RFID0001", "type": "RFID",
                  "contract_id": "DE-MSA-CRFID0001", "issuer": "Example eMSP", "valid": True,
                  "whitelist": "NEVER", "last_updated": "2026-03-02T05:00:00Z"},
        "location": {"location_id": "L1", "evse_uids": ["E1", "E2"]},
        "authorization_reference": verdict.authorization_reference,
    }  # fmt: skip
    assert verdict.authorization_reference is not None and len(verdict.authorization_reference) <= 36
    cdr_token = verdict.cdr_token()
    assert cdr_token is not None and (cdr_token.uid, cdr_token.contract_id) == ("RFID0001", "DE-MSA-CRFID0001")


def test_authorization_references_leave_the_credentials_token_stream_alone() -> None:
    asked, silent = build(Roaming(), V221), build(Roaming(), V221)
    for each in (asked, silent):
        given(each, token(each.owner, whitelist="NEVER"))
    assert ask(asked).authorization_reference is not None  # drawn by the eMSP
    assert asked.emsp.new_token() == silent.emsp.new_token()  # its next credentials token is unchanged


def test_needs_location_answers_2002_without_location_references(pair: Pair) -> None:
    roaming = pair.roaming
    given(pair, token(pair.owner, whitelist="NEVER"))
    set_needs_location(pair.emsp, "RFID0001")
    url = f"https://{pair.emsp.host}{pair.authorize_path('RFID0001')}"
    mark = roaming.mark()
    bare = send(roaming, pair.cpo, pair.emsp, "POST", url, params={"type": "RFID"})
    assert (bare.http_status, bare.ocpi_status, bare.data) == (200, 2002, None)
    refs = {"location_id": "L1", "evse_uids": ["E1"]}
    if pair.version is V211:
        refs["connector_ids"] = ["1"]
    with_refs = send(roaming, pair.cpo, pair.emsp, "POST", url, body=refs, params={"type": "RFID"})
    assert with_refs.data["allowed"] == "ALLOWED"
    assert with_refs.data["location"] == refs  # echoed as sent (2.1.1: connector_ids included)
    assert ask(pair).allowed is AllowedType.ALLOWED  # the CPO always sends where the driver is
    assert [d.status for d in tokens_state(pair.emsp).decisions] == [2002, 1000, 1000]
    assert check(roaming.since(mark)) == []


def test_unknown_tokens_are_asked_of_every_emsp_in_order(roaming: Roaming) -> None:
    pair = build(roaming, V221)
    other = roaming.emsp("NL-MSB")
    roaming.connect(other, pair.cpo)
    add_token(other, token("NL-MSB", "RFID7777", whitelist="NEVER"))  # never pushed: not in the cache
    mark = roaming.mark()
    verdict = ask(pair, "RFID7777")
    path = "/ocpi/2.2.1/sender/tokens/RFID7777/authorize"
    assert flow(roaming.since(mark)) == [
        ("NL-CPA", "DE-MSA", "POST", path, 404, 2004),
        ("NL-CPA", "NL-MSB", "POST", path, 200, 1000),
    ]
    assert body(roaming.since(mark)[0], "response").get("data", "absent") == "absent"
    assert (verdict.allowed, verdict.emsp, verdict.method) == (AllowedType.ALLOWED, PartyRef("NL", "MSB"),
                                                                AuthMethod.AUTH_REQUEST)  # fmt: skip
    assert verdict.token == token("NL-MSB", "RFID7777", whitelist="NEVER")  # the full Token of the answer
    assert len(pair.cpo.cpo_data.tokens) == 0
    nobody = ask(pair, "RFID0000")
    assert (nobody.allowed, nobody.token, nobody.emsp) == (None, None, None)
    assert "unknown" in nobody.reason and len(nobody.exchanges) == 2
    assert check(roaming.since(mark)) == []


def test_unknown_token_211_is_http_404_with_2000(roaming: Roaming) -> None:
    pair = build(roaming, V211)
    mark = roaming.mark()
    verdict = ask(pair, "RFID0404")
    assert flow(roaming.since(mark)) == [("NL-CPA", "DE-MSB", "POST", pair.authorize_path("RFID0404"), 404, 2000)]
    assert verdict.allowed is None and "does not know token RFID0404" in verdict.reason
    assert check(roaming.since(mark)) == []


@pytest.mark.parametrize(("whitelist", "allowed"), [("ALLOWED_OFFLINE", AllowedType.ALLOWED), ("NEVER", None)])
def test_offline_emsp_falls_back_to_the_cache_only_for_allowed_offline(
    pair: Pair, whitelist: str, allowed: AllowedType | None
) -> None:
    roaming = pair.roaming
    given(pair, token(pair.owner, whitelist=whitelist))
    roaming.network.links.set_party_offline(pair.emsp.name)
    mark = roaming.mark()
    verdict = ask(pair)
    assert flow(roaming.since(mark)) == [("NL-CPA", pair.emsp.name, "POST", pair.authorize_path("RFID0001"), 0, None)]
    assert verdict.allowed is allowed and "unreachable" in verdict.reason
    expected_method = AuthMethod.WHITELIST if allowed else AuthMethod.AUTH_REQUEST
    assert verdict.method is expected_method and len(verdict.exchanges) == 1
    roaming.network.links.set_party_offline(pair.emsp.name, False)
    assert ask(pair).method is AuthMethod.AUTH_REQUEST  # back online: real-time again
    assert check(roaming.since(mark)) == []


def test_authorization_through_a_hub_and_its_4003_fallback(roaming: Roaming) -> None:
    cpo, emsp = roaming.cpo("NL-CPA"), roaming.emsp("DE-MSA")
    join_hub(roaming, roaming.hub("NL-HUB"), cpo, emsp)
    add_token(emsp, token("DE-MSA", whitelist="ALLOWED_OFFLINE"))
    roaming.run(push_tokens(emsp))  # a broadcast: the hub passes it on to the CPO
    assert [t.uid for t in cpo.cpo_data.tokens.values()] == ["RFID0001"]
    mark = roaming.mark()
    online = roaming.run(authorize(cpo, uid="RFID0001", token_type=TokenType.RFID, location_id="L1", evse_uids=[]))
    path = "/ocpi/2.2.1/sender/tokens/RFID0001/authorize"
    assert flow(roaming.since(mark)) == [
        ("NL-HUB", "DE-MSA", "POST", path, 200, 1000),
        ("NL-CPA", "NL-HUB", "POST", path, 200, 1000),
    ]
    headers = dict(roaming.since(mark)[1].request_headers)
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("DE", "MSA")
    assert body(roaming.since(mark)[1]) == {"location_id": "L1"}
    assert (online.allowed, online.method) == (AllowedType.ALLOWED, AuthMethod.AUTH_REQUEST)
    roaming.network.links.set_party_offline("DE-MSA")
    offline_mark = roaming.mark()
    offline = roaming.run(authorize(cpo, uid="RFID0001", token_type=TokenType.RFID, location_id="L1", evse_uids=[]))
    assert flow(roaming.since(offline_mark))[:2] == [
        ("NL-HUB", "DE-MSA", "POST", path, 0, None),
        ("NL-CPA", "NL-HUB", "POST", path, 200, 4003),
    ]
    assert (offline.allowed, offline.method) == (AllowedType.ALLOWED, AuthMethod.WHITELIST)
    assert "4003" in offline.reason
    assert check(roaming.since(mark)) == []
