"""The fault controls: every button changes the running network at the current simulated instant,
publishes ``FaultChanged``, and its effect shows in the exchanges that follow; the list shows manual
and scheduled faults, each removable.  Scenario: bilateral-basics (CPO NL-UCP, eMSP DE-EMA, one
direct 2.2.1 link, 50 ms each way) unless said otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from app.controller import SimController
from app.views.faults_view import FaultsView
from sim.events import ChargeRefused, FaultChanged, MessageExchanged
from sim.net.live_faults import ErrorKind

HOUR = 3600.0


def make_view(qtbot: QtBot, controller: SimController) -> FaultsView:
    view = FaultsView(controller)
    qtbot.addWidget(view)
    view.resize(600, 560)
    return view


def click(qtbot: QtBot, button: QPushButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def switches(controller: SimController) -> list[FaultChanged]:
    seen: list[FaultChanged] = []
    controller.sim().bus.subscribe(seen.append, FaultChanged)
    return seen


def exchanges_since(controller: SimController, moment: datetime, party: str) -> list[MessageExchanged]:
    assert controller.bridge is not None
    return [e for e in controller.bridge.exchanges if e.time >= moment and party in (e.from_party, e.to_party)]


@pytest.mark.parametrize("party", ["NL-UCP", "DE-EMA"])
def test_a_party_taken_offline_fails_its_exchanges_until_brought_back(
    qtbot: QtBot, controller: SimController, party: str
) -> None:
    view = make_view(qtbot, controller)
    seen = switches(controller)
    controller.run_to(2 * HOUR)
    view.select_party(party)
    assert view.party_state.text() == "online" and not view.back_button.isEnabled()
    click(qtbot, view.offline_button)
    clock = controller.sim().clock
    off_at = clock.now()
    links = controller.sim().roaming.network.links
    assert links.condition("NL-UCP", "DE-EMA").offline
    assert [(e.time, e.description, e.active) for e in seen] == [(off_at, f"{party} taken offline, by hand", True)]
    assert view.fault_rows() == [(f"{party} taken offline, by hand", "by hand")]
    assert "offline" in view.party_state.text() and not view.offline_button.isEnabled()

    controller.run_to(4 * HOUR)
    failed = exchanges_since(controller, off_at, party)
    assert failed, "the drivers kept charging: exchanges to and from the party were tried"
    other = "DE-EMA" if party == "NL-UCP" else "NL-UCP"
    assert {(e.response_status, e.error) for e in failed} <= {
        (0, f"{party} unreachable from {other} (link down)"),
        (0, f"{other} unreachable from {party} (link down)"),
    }

    click(qtbot, view.back_button)
    back_at = clock.now()
    assert not links.condition("NL-UCP", "DE-EMA").offline
    assert seen[-1].description == f"{party} taken offline, by hand" and seen[-1].active is False
    assert view.fault_rows() == [] and view.empty_label.isVisibleTo(view)
    controller.run_to(6 * HOUR)
    delivered = exchanges_since(controller, back_at, party)
    assert delivered and all(200 <= e.response_status < 300 and e.error is None for e in delivered)


def test_with_the_cpo_offline_starts_are_refused(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    refused: list[ChargeRefused] = []
    controller.sim().bus.subscribe(refused.append, ChargeRefused)
    controller.run_to(HOUR)  # connected, tokens pushed
    view.select_party("NL-UCP")
    click(qtbot, view.offline_button)
    controller.run_to(6 * HOUR)
    assert refused and {r.reason for r in refused} == {"cpo_unreachable"}  # app starts; RFID cards still charge


def test_latency_on_a_link_sets_the_latency_of_its_exchanges(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(2 * HOUR)
    before = exchanges_since(controller, controller.sim().clock.at(60), "NL-UCP")  # after the handshake
    assert {e.latency_s for e in before} == {0.1}  # 50 ms each way
    view.select_link("NL-UCP", "DE-EMA")
    view.latency_ms.setValue(1500)
    click(qtbot, view.latency_button)
    since = controller.sim().clock.now()
    assert view.fault_rows() == [("latency 1500 ms on link DE-EMA<->NL-UCP, by hand", "by hand")]
    controller.run_to(5 * HOUR)
    after = [e for e in exchanges_since(controller, since, "NL-UCP") if e.time > since]
    assert after and {e.latency_s for e in after} == {3.0}  # 1.5 s there and 1.5 s back


@pytest.mark.parametrize(
    ("kind", "http_status", "ocpi_status"),
    [(ErrorKind.HTTP_500, 500, 3000), (ErrorKind.HTTP_503, 503, 3000), (ErrorKind.OCPI_3000, 200, 3000)],
)
def test_errors_at_100_percent_answer_every_exchange_of_the_link(
    qtbot: QtBot, controller: SimController, kind: ErrorKind, http_status: int, ocpi_status: int
) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(2 * HOUR)
    view.select_link("DE-EMA", "NL-UCP")
    view.error_kind.setCurrentIndex(view.error_kind.findData(kind))
    view.error_rate.setValue(100)
    click(qtbot, view.errors_button)
    since = controller.sim().clock.now()
    controller.run_to(4 * HOUR)
    after = exchanges_since(controller, since, "NL-UCP")
    assert after and {(e.response_status, e.ocpi_status) for e in after} == {(http_status, ocpi_status)}
    assert all(e.notes and e.notes[-1].startswith("fault: link answers") for e in after)


def test_a_link_taken_down_gives_no_connection(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(2 * HOUR)
    view.select_link("DE-EMA", "NL-UCP")
    click(qtbot, view.down_button)
    since = controller.sim().clock.now()
    controller.run_to(4 * HOUR)
    after = exchanges_since(controller, since, "NL-UCP")
    assert after and {e.response_status for e in after} == {0}
    assert view.fault_rows() == [("outage on link DE-EMA<->NL-UCP, by hand", "by hand")]


def test_restore_all_and_remove_buttons(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(HOUR)
    view.select_party("DE-EMA")
    click(qtbot, view.offline_button)
    view.select_link("DE-EMA", "NL-UCP")
    click(qtbot, view.latency_button)
    click(qtbot, view.down_button)
    assert [text for text, _ in view.fault_rows()] == [
        "DE-EMA taken offline, by hand",
        "latency 2000 ms on link DE-EMA<->NL-UCP, by hand",
        "outage on link DE-EMA<->NL-UCP, by hand",
    ]
    remove_latency = view.table.cellWidget(1, 4)
    assert isinstance(remove_latency, QPushButton)
    click(qtbot, remove_latency)
    assert [text for text, _ in view.fault_rows()] == [
        "DE-EMA taken offline, by hand",
        "outage on link DE-EMA<->NL-UCP, by hand",
    ]
    click(qtbot, view.restore_button)
    links = controller.sim().roaming.network.links
    assert view.fault_rows() == [] and links.active_faults() == []
    assert not links.condition("DE-EMA", "NL-UCP").offline
    assert not view.restore_button.isEnabled() and view.offline_button.isEnabled()


def test_scheduled_faults_are_listed_and_can_be_removed_early(
    qtbot: QtBot, controller_at: Callable[[str], SimController]
) -> None:
    controller = controller_at("partner-outage")  # DE-EMA down 10:00-10:45 local (05:00 UTC = 06:00 local)
    view = make_view(qtbot, controller)
    controller.run_to(4.25 * HOUR)  # 10:15
    assert view.fault_rows() == [("outage of DE-EMA, for 45m", "scenario")]
    view.select_party("DE-EMA")
    assert view.party_state.text() == "<b style='color:#b00020'>cut off by an outage fault</b>"
    assert [view.table.item(0, c).text() for c in (1, 2)] == ["10:00:00", "10:45:00"]  # type: ignore[union-attr]
    seen = switches(controller)
    remove = view.table.cellWidget(0, 4)
    assert isinstance(remove, QPushButton)
    click(qtbot, remove)
    assert view.fault_rows() == [] and controller.sim().roaming.network.links.active_faults() == []
    assert view.party_state.text() == "online"
    assert [(e.description, e.active) for e in seen] == [("outage of DE-EMA, for 45m", False)]
    since = controller.sim().clock.now()
    controller.run_to(4.75 * HOUR)
    after = exchanges_since(controller, since, "DE-EMA")
    assert after and all(e.response_status != 0 for e in after)


def test_a_reset_clears_the_list_and_the_faults(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    view.select_party("NL-UCP")
    click(qtbot, view.offline_button)
    assert len(view.fault_rows()) == 1
    controller.reset()
    assert view.fault_rows() == [] and view.party_state.text() == "online"
    assert not controller.sim().roaming.network.links.condition("NL-UCP", "DE-EMA").offline
    assert view.actions.active() == []


def test_parties_and_links_offered(qtbot: QtBot, controller_at: Callable[[str], SimController]) -> None:
    view = make_view(qtbot, controller_at("hub-network"))
    parties = [view.party_box.itemText(i) for i in range(view.party_box.count())]
    assert parties[0] == "NL-HUB — Dutch Roaming Hub (HUB)" and len(parties) == 8
    links = [view.link_box.itemText(i) for i in range(view.link_box.count())]
    assert links == [
        "BE-CTY ↔ NL-GRD",
        "BE-CTY ↔ NL-HUB",
        "DE-EMA ↔ NL-HUB",
        "FR-RDE ↔ NL-HUB",
        "NL-DMN ↔ NL-HUB",
        "NL-FST ↔ NL-HUB",
        "NL-GRN ↔ NL-HUB",
    ]


def test_screenshot(qtbot: QtBot, controller: SimController, tmp_path: Path) -> None:
    view = make_view(qtbot, controller)
    view.select_party("NL-UCP")
    click(qtbot, view.offline_button)
    assert view.grab().save(str(tmp_path / "faults.png"))
