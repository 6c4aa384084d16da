"""A hub passes a body a sender vouched for on as the bytes it received — still parsing it first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.headers import PartyRef
from sim.ocpi.wirejson import dumps, loads
from sim.parties.party import EXT_RELAYABLE

from .builders import join_hub
from .test_hub import HUB_URL, Net, build, send, session


@pytest.fixture
def net(roaming: Roaming) -> Net:
    built = build(roaming)
    join_hub(roaming, built.hub, built.cpa, built.msa, built.cpb, built.msb)
    return built


def test_a_model_body_is_marked_and_relayed_as_received(roaming: Roaming, net: Net) -> None:
    pushed = session("NL-CPA", "S1", "DE-MSA")
    connection = net.cpa.connections["NL-HUB"]
    request = net.cpa.build_request(
        "PUT", f"{HUB_URL}/receiver/sessions/NL/CPA/S1", token=connection.token_out, version=OCPIVersion.V2_2_1,
        module="sessions", body=pushed, sender=PartyRef("NL", "CPA"), to=PartyRef("DE", "MSA"),
    )  # fmt: skip
    assert request.extensions[EXT_RELAYABLE] is True
    mark = roaming.mark()
    answer = roaming.run(net.cpa.call(request))
    assert (answer.http_status, answer.ocpi_status) == (201, 1000)
    forwarded, original = roaming.since(mark)
    assert forwarded.request_body == original.request_body == dumps(loads(request.content))


def test_a_plain_document_is_written_again_by_the_hub(roaming: Roaming, net: Net) -> None:
    # Not vouched for (a float written with an exponent): the hub writes what it parsed, as it always did.
    mark = roaming.mark()
    send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/S2", to="DE-MSA", body={"id": "S2", "kwh": 1e-05})
    forwarded, original = roaming.since(mark)
    assert original.request_body == '{"id":"S2","kwh":1e-05}'
    assert forwarded.request_body == '{"id":"S2","kwh":0.00001}' == dumps(loads(original.request_body))


def test_a_negative_zero_is_not_vouched_for(roaming: Roaming, net: Net) -> None:
    pushed = session("NL-CPA", "S3", "DE-MSA").model_copy(update={"kwh": Decimal("-0")})
    mark = roaming.mark()
    send(roaming, net.cpa, "PUT", "receiver/sessions/NL/CPA/S3", to="DE-MSA", body=pushed)
    forwarded, original = roaming.since(mark)
    assert '"kwh":-0,' in original.request_body and '"kwh":0,' in forwarded.request_body


def test_a_marked_body_that_is_not_json_is_still_refused(roaming: Roaming, net: Net) -> None:
    connection = net.cpa.connections["NL-HUB"]
    request = net.cpa.build_request(
        "PUT", f"{HUB_URL}/receiver/sessions/NL/CPA/S4", token=connection.token_out, version=OCPIVersion.V2_2_1,
        module="sessions", relayed_body=b'{"id":', sender=PartyRef("NL", "CPA"), to=PartyRef("DE", "MSA"),
    )  # fmt: skip
    assert request.extensions[EXT_RELAYABLE] is True
    mark = roaming.mark()
    answer = roaming.run(net.cpa.call(request))
    assert (answer.http_status, answer.ocpi_status) == (400, 2000)
    assert answer.message is not None and answer.message.startswith("request body is not valid JSON")
    assert [event.to_party for event in roaming.since(mark)] == ["NL-HUB"]  # nothing was forwarded
