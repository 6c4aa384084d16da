"""``sim.explain`` and ``sim.explain_checks``: an exchange in plain words, and its bodies validated."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim.events import MessageExchanged
from sim.explain import explain, path_pattern, short_path, status_meaning
from sim.explain_checks import check_bodies
from sim.scenario import load_scenario
from sim.simulation import Simulation

ROLES = {"NL-CPA": "CPO", "DE-EMA": "EMSP", "NL-HUB": "HUB"}
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
ENVELOPE_OK = '{"status_code":1000,"timestamp":"2026-03-02T08:00:00Z"}'


def exchange(
    method: str,
    url: str,
    module: str | None,
    *,
    sender: str = "NL-CPA",
    receiver: str = "DE-EMA",
    body: str | None = None,
    status: int = 200,
    answer: str | None = ENVELOPE_OK,
    ocpi: int | None = 1000,
    headers: tuple[tuple[str, str], ...] = (),
    response_headers: tuple[tuple[str, str], ...] = (),
    error: str | None = None,
) -> MessageExchanged:
    return MessageExchanged(
        seq=7,
        time=datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        from_party=sender,
        to_party=receiver,
        method=method,
        url=url,
        module=module,
        ocpi_version="2.2.1",
        request_headers=(("authorization", "Token abc"), *headers),
        request_body=body,
        response_status=status,
        response_headers=(("content-type", "application/json"), *response_headers),
        response_body=answer,
        ocpi_status=ocpi,
        request_id="r1",
        correlation_id="c1",
        latency_s=0.1,
        error=error,
    )


AUTHORIZE = exchange(
    "POST",
    "https://de-ema.roamsim.test/ocpi/2.2.1/sender/tokens/DEEMA-RFID-000007/authorize?type=RFID",
    "tokens",
    body='{"location_id":"LOC-0001","evse_uids":["LOC-0001-1"]}',
    answer=(
        '{"data":{"allowed":"ALLOWED","token":{"country_code":"DE","party_id":"EMA","uid":"DEEMA-RFID-000007",'
        '"type":"RFID","contract_id":"DE-EMA-C00000007","issuer":"eMSP DE-EMA","valid":true,'
        '"whitelist":"ALLOWED_OFFLINE","last_updated":"2026-03-02T06:00:00Z"},'
        '"authorization_reference":"AUTH0001"},"status_code":1000,"timestamp":"2026-03-02T08:00:00Z"}'
    ),
    headers=(
        ("ocpi-from-country-code", "NL"),
        ("ocpi-from-party-id", "CPA"),
        ("ocpi-to-country-code", "DE"),
        ("ocpi-to-party-id", "EMA"),
    ),
)


def test_a_real_time_authorization() -> None:
    explained = explain(AUTHORIZE, ROLES)
    assert explained.what == (
        "The CPO NL-CPA asks the eMSP DE-EMA whether token DEEMA-RFID-000007 (RFID) may charge at location "
        "LOC-0001, EVSE LOC-0001-1 (real-time authorization; Tokens module, the eMSP's Sender interface)."
    )
    assert explained.routing == "Routing headers: from NL-CPA to DE-EMA (OCPI-from-*/OCPI-to-*)."
    assert explained.answer == (
        "Answer: HTTP 200, OCPI 1000 success. ALLOWED: the driver may charge; authorization reference AUTH0001."
    )
    assert check_bodies(AUTHORIZE) == [
        "Request body: valid OCPI 2.2.1 LocationReferences.",
        "Response: valid OCPI 2.2.1 AuthorizationInfo (response envelope with object).",
    ]


def test_roles_follow_the_interface_without_a_role_map() -> None:
    assert explain(AUTHORIZE).what.startswith("The CPO NL-CPA asks the eMSP DE-EMA whether token")


def test_an_unknown_token_answer() -> None:
    unknown = dataclasses.replace(
        AUTHORIZE,
        response_status=404,
        ocpi_status=2004,
        response_body='{"status_code":2004,"status_message":"unknown token","timestamp":"2026-03-02T08:00:00Z"}',
    )
    assert explain(unknown, ROLES).answer == (
        "Answer: HTTP 404 (not found: no such object or route (in 2.2.1 also a real-time authorization of an "
        "unknown token)), OCPI 2004 unknown token: the eMSP does not know the token (OCPI 2.2.1, answered with "
        "HTTP 404). Message: “unknown token”."
    )
    assert check_bodies(unknown)[1] == "Response: valid OCPI 2.2.1 response envelope (no data)."


def test_a_remote_start_through_a_hub_and_its_result() -> None:
    hub_headers = (
        ("ocpi-from-country-code", "DE"),
        ("ocpi-from-party-id", "EMA"),
        ("ocpi-to-country-code", "NL"),
        ("ocpi-to-party-id", "CPA"),
    )
    command = exchange(
        "POST",
        "https://nl-hub.roamsim.test/ocpi/2.2.1/receiver/commands/START_SESSION",
        "commands",
        sender="DE-EMA",
        receiver="NL-HUB",
        headers=hub_headers,
        body=(
            '{"response_url":"https://de-ema.roamsim.test/ocpi/2.2.1/sender/commands/START_SESSION/u1",'
            '"token":{"country_code":"DE","party_id":"EMA","uid":"DEEMA-APP-000001","type":"APP_USER",'
            '"contract_id":"DE-EMA-C1","issuer":"eMSP DE-EMA","valid":true,"whitelist":"ALLOWED",'
            '"last_updated":"2026-03-02T06:00:00Z"},"location_id":"LOC-0001","evse_uid":"LOC-0001-2"}'
        ),
        answer='{"data":{"result":"ACCEPTED","timeout":30},"status_code":1000,"timestamp":"2026-03-02T08:00:00Z"}',
    )
    explained = explain(command, ROLES)
    assert explained.text() == (
        "The eMSP DE-EMA asks the CPO NL-CPA to start charging at location LOC-0001, EVSE LOC-0001-2 for token "
        "DEEMA-APP-000001 (Commands module, the CPO's Receiver interface; the CPO answers at once whether it will "
        "try, the charger's result follows, POSTed to the response_url).\n"
        "Sent to the hub NL-HUB, which forwards it to NL-CPA named in the headers (OCPI-to-country-code NL, "
        "OCPI-to-party-id CPA).\n"
        "Answer: HTTP 200, OCPI 1000 success. ACCEPTED: NL-CPA will carry it out; the result is due within 30 s."
    )
    result = exchange(
        "POST",
        "https://de-ema.roamsim.test/ocpi/2.2.1/sender/commands/START_SESSION/u1",
        "commands",
        sender="NL-HUB",
        receiver="DE-EMA",
        headers=tuple((k, v) for k, v in (hub_headers[2], hub_headers[3], hub_headers[0], hub_headers[1])),
        body='{"result":"ACCEPTED"}',
    )
    result = dataclasses.replace(
        result,
        request_headers=(
            ("ocpi-from-country-code", "NL"),
            ("ocpi-from-party-id", "CPA"),
            ("ocpi-to-country-code", "DE"),
            ("ocpi-to-party-id", "EMA"),
        ),
    )
    assert explain(result, ROLES).text() == (
        "The CPO NL-CPA reports to the eMSP DE-EMA the charger's result of the START_SESSION command: ACCEPTED "
        "(Commands module, the asynchronous result POSTed to the response_url).\n"
        "Forwarded by the hub NL-HUB for NL-CPA (OCPI-from-* headers), addressed to DE-EMA.\n"
        "Answer: HTTP 200, OCPI 1000 success."
    )
    assert check_bodies(result)[0] == "Request body: valid OCPI 2.2.1 CommandResult."


def test_a_cdr_post() -> None:
    cdr = exchange(
        "POST",
        "https://de-ema.roamsim.test/ocpi/2.2.1/receiver/cdrs",
        "cdrs",
        body=(
            '{"country_code":"NL","party_id":"CPA","id":"CDR000001","session_id":"SES000001","currency":"EUR",'
            '"total_energy":12.345,"total_cost":{"excl_vat":4.3200,"incl_vat":5.2272}}'
        ),
        status=201,
        response_headers=(("location", "https://de-ema.roamsim.test/ocpi/2.2.1/receiver/cdrs/NL/CPA/CDR000001"),),
    )
    explained = explain(cdr, ROLES)
    assert explained.what == (
        "The CPO NL-CPA sends the eMSP DE-EMA the charge detail record CDR000001 of session SES000001: "
        "12.345 kWh, total cost 4.3200 EUR excl. VAT (5.2272 incl. VAT) (CDRs module, the final bill of a "
        "session on DE-EMA's Receiver interface)."
    )
    assert explained.routing == ""
    assert explained.answer == (
        "Answer: HTTP 201, OCPI 1000 success. Created: the receiver did not have it before. "
        "Stored at https://de-ema.roamsim.test/ocpi/2.2.1/receiver/cdrs/NL/CPA/CDR000001."
    )
    # The body above is a partial CDR: the check says exactly what a full one needs.
    assert check_bodies(cdr)[0].startswith("Request body: invalid OCPI 2.2.1 CDR: start_date_time: required field")


def test_errors_without_an_answer_and_from_the_hub() -> None:
    down = exchange(
        "PATCH",
        "https://de-ema.roamsim.test/ocpi/2.2.1/receiver/sessions/NL/CPA/SES000006",
        "sessions",
        body='{"kwh":31.616,"last_updated":"2026-03-02T08:00:00Z"}',
        status=0,
        answer=None,
        ocpi=None,
        error="DE-EMA unreachable from NL-CPA (link down)",
    )
    explained = explain(down, ROLES)
    assert explained.what == (
        "The CPO NL-CPA sends the eMSP DE-EMA a progress update of session SES000006: 31.616 kWh so far "
        "(Sessions module, a partial update on DE-EMA's Receiver interface)."
    )
    assert explained.answer == "No answer: DE-EMA unreachable from NL-CPA (link down)."
    assert check_bodies(down) == [
        "Request body: valid OCPI 2.2.1 SessionPatch.",
        "Response: none (the request was not answered).",
    ]
    refused = exchange(
        "PUT",
        "https://nl-hub.roamsim.test/ocpi/2.2.1/receiver/sessions/NL/CPA/SES000006",
        "sessions",
        receiver="NL-HUB",
        ocpi=4003,
        answer='{"status_code":4003,"timestamp":"2026-03-02T08:00:00Z"}',
        headers=(
            ("ocpi-from-country-code", "NL"),
            ("ocpi-from-party-id", "CPA"),
            ("ocpi-to-country-code", "DE"),
            ("ocpi-to-party-id", "EMA"),
        ),
    )
    assert explain(refused, ROLES).answer == (
        "Answer: HTTP 200, OCPI 4003 connection problem: the receiving party is known to the hub but not connected."
    )
    assert status_meaning(2001).startswith("invalid or missing parameters")
    assert status_meaning(3900) == "a custom server error code"


def test_url_labels() -> None:
    url = "https://de-ema.roamsim.test/ocpi/2.2.1/receiver/locations/NL/CPA/LOC-0001/LOC-0001-1"
    assert path_pattern(url) == "/ocpi/2.2.1/receiver/locations/*/*/*/*"
    assert short_path(url) == "receiver/locations/NL/CPA/LOC-0001/LOC-0001-1"
    assert path_pattern(AUTHORIZE.url) == "/ocpi/2.2.1/sender/tokens/*/authorize"
    assert short_path(AUTHORIZE.url) == "sender/tokens/DEEMA-RFID-000007/authorize?type=RFID"
    command = "https://x.test/ocpi/2.1.1/sender/commands/STOP_SESSION/9f587913-1490-442d-83e2-d40bbc360c16"
    assert path_pattern(command) == "/ocpi/2.1.1/sender/commands/STOP_SESSION/*"
    assert short_path("https://x.test/ocpi/versions") == "versions"


@pytest.fixture(scope="module")
def basics_run() -> list[MessageExchanged]:
    simulation = Simulation(load_scenario(SCENARIOS / "bilateral-basics.yaml"))
    seen: list[MessageExchanged] = []
    simulation.bus.subscribe(lambda e: seen.append(e) if isinstance(e, MessageExchanged) else None)
    simulation.start()
    simulation.advance(3 * 3600, 60)
    return seen


def test_every_exchange_of_a_run_is_explained_and_valid(basics_run: list[MessageExchanged]) -> None:
    roles = {spec.id: spec.role.value for spec in load_scenario(SCENARIOS / "bilateral-basics.yaml").scenario.parties}
    assert {e.module for e in basics_run} >= {"versions", "credentials", "locations", "tariffs", "tokens", "sessions"}
    for event in basics_run:
        explained = explain(event, roles)
        assert " module" in explained.what or "Versions" in explained.what, explained.what
        assert "None" not in explained.what, explained.what
        assert explained.answer.startswith("Answer: HTTP 2"), explained.answer
        request, response = check_bodies(event)
        assert request.startswith(("Request body: valid", "Request: no body")), (event.url, request)
        assert response.startswith("Response: valid"), (event.url, response)
