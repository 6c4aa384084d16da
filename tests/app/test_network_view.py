"""The network view: a node per party, an edge per connection with its OCPI version, traffic, faults."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt

from app.controller import SimController
from app.views.network_items import ERROR_COLOR, MODULE_COLORS
from app.views.network_view import DOT_S, NetworkView
from sim.events import FaultChanged
from sim.live.network import edge_key


def make_view(controller: SimController, qtbot: object) -> NetworkView:
    view = NetworkView(controller)
    qtbot.addWidget(view)  # type: ignore[attr-defined]
    view.resize(900, 600)
    view.show()
    return view


def labels(view: NetworkView) -> dict[tuple[str, str], str]:
    return {tuple(sorted(key)): item.label_text() for key, item in view.edges.items()}  # type: ignore[misc]


def test_mixed_versions_has_a_node_per_party_and_an_edge_per_connection(
    controller_at: Callable[[str], SimController], qtbot: object
) -> None:
    controller = controller_at("mixed-versions")
    view = make_view(controller, qtbot)
    assert list(view.nodes) == ["NL-HUB", "NL-NEW", "NL-OLD", "DE-EMA", "NL-CLS"]
    assert view.nodes["NL-OLD"].label_text() == "NL-OLD\nLegacy Charge Points (2.1.1 only)"
    expected = {
        ("NL-HUB", "NL-NEW"): "2.2.1",
        ("DE-EMA", "NL-HUB"): "2.2.1",
        ("DE-EMA", "NL-OLD"): "2.1.1",
        ("NL-CLS", "NL-NEW"): "2.1.1",
    }
    assert labels(view) == expected
    controller.run_to(600)  # the handshakes are done: the versions are the negotiated ones
    view.refresh()
    assert all(item.edge.connected for item in view.edges.values())
    assert {k: v.split(" · ")[0] for k, v in labels(view).items()} == expected


def test_hub_in_the_centre_cpos_left_emsps_right(controller_at: Callable[[str], SimController], qtbot: object) -> None:
    view = make_view(controller_at("hub-network"), qtbot)
    x = {party: item.pos().x() for party, item in view.nodes.items()}
    hub = x["NL-HUB"]
    assert all(x[cpo] < hub for cpo in ("NL-DMN", "NL-FST", "BE-CTY"))
    assert all(x[emsp] > hub for emsp in ("DE-EMA", "NL-GRN", "FR-RDE"))
    assert sorted(labels(view)) == sorted(
        tuple(sorted(pair))  # type: ignore[misc]
        for pair in (
            ("NL-DMN", "NL-HUB"),
            ("NL-FST", "NL-HUB"),
            ("BE-CTY", "NL-HUB"),
            ("DE-EMA", "NL-HUB"),
            ("NL-GRN", "NL-HUB"),
            ("FR-RDE", "NL-HUB"),
            ("BE-CTY", "NL-GRD"),
        )
    )
    assert set(labels(view).values()) == {"2.2.1"}


def test_an_exchange_runs_as_a_dot_along_its_edge(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    assert controller.step()  # the first exchange, alone in its batch
    exchange = controller.bridge.exchanges[-1]  # type: ignore[union-attr]
    assert len(view.dots) == 1 and not view.aggregated
    dot = view.dots[0]
    assert dot.exchange is exchange
    assert dot.edge is view.edge(exchange.from_party, exchange.to_party)
    assert dot.item.brush().color() == MODULE_COLORS["credentials/versions"]  # the handshake starts with versions
    view.animate(now=dot.started + DOT_S / 2)
    halfway = dot.edge.point_at(0.5)
    assert (dot.item.pos() - halfway).manhattanLength() < 1e-6
    start = view.nodes[exchange.from_party].pos()
    assert (dot.edge.point_at(0.0, dot.reverse) - start).manhattanLength() < 1e-6
    view.animate(now=dot.started + DOT_S + 0.01)
    assert view.dots == []


def test_heavy_traffic_switches_to_link_load(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(2 * 3600)  # one big batch
    assert view.aggregated and view.dots == []
    assert view.mode_label.text().startswith("Heavy traffic")
    key = edge_key("DE-EMA", "NL-UCP")
    between = [e for e in controller.bridge.exchanges if edge_key(e.from_party, e.to_party) == key]  # type: ignore[union-attr]
    assert view.load.totals[key] == len(between) > 30
    edge = view.edge("DE-EMA", "NL-UCP")
    assert edge is not None
    assert edge.label_text() == f"2.2.1 · {len(between) / 3.0:.1f}/s"
    assert edge.width > 1.5


def test_as_fast_as_possible_shows_the_load_even_for_a_few_exchanges(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.set_speed(None)
    assert controller.step()
    assert view.aggregated and view.dots == []
    exchange = controller.bridge.exchanges[-1]  # type: ignore[union-attr]
    assert view.load.totals == {edge_key(exchange.from_party, exchange.to_party): 1}


def test_a_failed_exchange_flashes_its_edge_red(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(600)
    view.refresh(now=10_000.0)
    view._set_aggregated(False)
    view._busy_until = 0.0
    good = controller.bridge.exchanges[-1]  # type: ignore[union-attr]
    failed = replace(good, response_status=503, ocpi_status=None)
    view.show_exchanges([failed], now=10_000.0)
    edge = view.edge(good.from_party, good.to_party)
    assert edge is not None and edge.flashing
    assert edge.pen().color() == ERROR_COLOR
    assert view.dots[-1].item.brush().color() == ERROR_COLOR
    view.refresh(now=10_001.0)
    assert not edge.flashing
    assert edge.pen().color() != ERROR_COLOR


def test_a_party_taken_offline_shows_its_links_dashed_red(
    controller_at: Callable[[str], SimController], qtbot: object
) -> None:
    controller = controller_at("hub-network")
    view = make_view(controller, qtbot)
    controller.run_to(300)
    controller.sim().roaming.network.links.set_party_offline("NL-FST")
    controller.sim().bus.publish(FaultChanged(controller.sim().clock.now(), "NL-FST taken off the network", True))
    controller.run_to(301)  # the batch with the FaultChanged refreshes the view at once
    offline = view.edge("NL-FST", "NL-HUB")
    assert offline is not None
    assert offline.state == "offline" and offline.label_text().endswith("offline")
    assert offline.pen().color() == ERROR_COLOR and offline.pen().style() == Qt.PenStyle.DashLine
    assert "NL-FST is off the network" in offline.toolTip()
    assert all(item.state == "ok" for key, item in view.edges.items() if "NL-FST" not in key)
    controller.sim().roaming.network.links.set_party_offline("NL-FST", False)
    view.refresh()
    assert offline.state == "ok" and offline.pen().style() == Qt.PenStyle.SolidLine


def test_a_scheduled_outage_and_error_fault_show_on_the_link(
    controller_at: Callable[[str], SimController], qtbot: object
) -> None:
    controller = controller_at("partner-outage")
    view = make_view(controller, qtbot)
    outage, errors = controller.sim().faults.entries[:2]
    controller.run_to(outage.start_s + 60)
    edge = view.edge("DE-EMA", "NL-UCP")
    assert edge is not None and edge.state == "offline"
    assert outage.fault.label in edge.toolTip()
    controller.run_to(errors.start_s + 60)
    assert edge.state == "degraded" and edge.pen().style() == Qt.PenStyle.DashLine
    assert errors.fault.label in edge.toolTip()


def test_reset_rebuilds_the_diagram(controller: SimController, qtbot: object) -> None:
    view = make_view(controller, qtbot)
    controller.run_to(3600)
    controller.reset()
    assert list(view.nodes) == ["NL-UCP", "DE-EMA"]
    assert labels(view) == {("DE-EMA", "NL-UCP"): "2.2.1"}
    assert view.load.totals == {} and not view.aggregated
