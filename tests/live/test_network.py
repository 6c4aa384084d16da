"""The network as a graph: nodes, edges with versions, layout, module colours, errors, link states, load."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sim.events import MessageExchanged
from sim.live.network import (
    Edge,
    LinkLoad,
    Node,
    edge_key,
    is_error,
    layout,
    link_state,
    module_category,
    network_graph,
)
from sim.net.links import LinkFault, LinkFaultKind, Links
from sim.ocpi.common import OCPIVersion
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass
class Conn:
    version: OCPIVersion
    registered: bool


@dataclass
class P:
    connections: dict[str, Conn]


def test_graph_of_the_mixed_versions_scenario() -> None:
    parties = load_scenario(SCENARIOS / "mixed-versions.yaml").scenario.parties
    nodes, edges = network_graph(parties, {})
    assert [n.id for n in nodes] == ["NL-HUB", "NL-NEW", "NL-OLD", "DE-EMA", "NL-CLS"]
    assert [(e.a, e.b, e.version, e.connected) for e in edges] == [
        ("NL-NEW", "NL-HUB", "2.2.1", False),
        ("DE-EMA", "NL-HUB", "2.2.1", False),
        ("DE-EMA", "NL-OLD", "2.1.1", False),
        ("NL-CLS", "NL-NEW", "2.1.1", False),
    ]


def test_registered_connections_give_the_negotiated_version_and_new_edges() -> None:
    parties = load_scenario(SCENARIOS / "mixed-versions.yaml").scenario.parties
    live = {
        "NL-HUB": P({"NL-NEW": Conn(OCPIVersion.V2_2_1, True)}),
        "NL-OLD": P({"NL-CLS": Conn(OCPIVersion.V2_1_1, True)}),  # a link the scenario does not declare
    }
    _nodes, edges = network_graph(parties, live)
    by_key = {e.key: e for e in edges}
    assert by_key[edge_key("NL-NEW", "NL-HUB")] == Edge("NL-NEW", "NL-HUB", "2.2.1", True)
    assert by_key[edge_key("NL-CLS", "NL-OLD")] == Edge("NL-OLD", "NL-CLS", "2.1.1", True)
    assert len(edges) == 5


def test_layout_puts_hubs_in_the_middle_cpos_left_emsps_right_others_below() -> None:
    nodes = [
        Node("H", "H", "HUB"),
        Node("C1", "C1", "CPO"),
        Node("C2", "C2", "CPO"),
        Node("E", "E", "EMSP"),
        Node("S", "S", "SCSP"),
    ]
    places = layout(nodes, 800, 500)
    assert places["H"] == (400, 200) and places["E"] == (704, 200)
    assert places["C1"] == (96, 400 / 3) and places["C2"] == (96, 800 / 3)
    assert places["S"] == (400, 460)
    assert layout(nodes, 800, 500) == places


def test_module_categories_and_errors() -> None:
    assert [module_category(m) for m in ("credentials", "versions", "cdrs", None, "x")] == [
        "credentials/versions",
        "credentials/versions",
        "cdrs",
        "other",
        "other",
    ]
    ok = MessageExchanged(
        1,
        datetime(2026, 1, 1, tzinfo=UTC),
        "A",
        "B",
        "GET",
        "u",
        "cdrs",
        "2.2.1",
        (),
        None,
        200,
        (),
        None,
        1000,
        None,
        None,
        0.0,
    )
    assert not is_error(ok)
    assert is_error(replace(ok, response_status=404))
    assert is_error(replace(ok, ocpi_status=2001))
    assert is_error(replace(ok, response_status=0, ocpi_status=None))


def test_link_state_from_offline_parties_and_faults() -> None:
    links = Links()
    assert link_state(links, "A", "B").state == "ok"
    links.set_party_offline("B")
    assert link_state(links, "A", "B").state == "offline"
    assert link_state(links, "A", "B").reasons == ("B is off the network",)
    assert link_state(links, "A", "C").state == "ok"
    links.set_party_offline("B", False)
    handle = links.add_fault(
        LinkFault(LinkFaultKind.ERRORS, pair=("A", "B"), probability=0.2, label="HTTP 503 answers")
    )
    assert link_state(links, "B", "A") == link_state(links, "A", "B")
    assert link_state(links, "A", "B").state == "degraded"
    links.remove_fault(handle)
    links.add_fault(LinkFault(LinkFaultKind.OUTAGE, party="A", label="outage of A"))
    assert (link_state(links, "C", "A").state, link_state(links, "C", "A").reasons) == ("offline", ("outage of A",))


def test_link_load_is_a_sliding_window() -> None:
    load = LinkLoad(window_s=3.0)
    key = edge_key("A", "B")
    load.add(key, 6, 10.0)
    load.add(key, 3, 12.0)
    assert load.rate(key, 12.0) == 3.0
    assert load.rate(key, 13.5) == 1.0  # the first 6 left the window
    assert load.totals[key] == 9
    assert load.rate(edge_key("B", "C"), 12.0) == 0.0
