"""The message inspector: rows, filters, "hide messages like this", details and shared selection."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.controller import SimController
from app.models.messages_model import Status
from app.views.inspector_view import InspectorView
from sim.events import MessageExchanged
from sim.explain import explain, path_pattern

HOURS = 3600.0


def make_view(qtbot: QtBot, controller: SimController) -> InspectorView:
    view = InspectorView(controller)
    qtbot.addWidget(view)
    view.resize(1200, 600)
    view.show()
    return view


def cell(view: InspectorView, row: int, column: int) -> str:
    return str(view.proxy.index(row, column).data(Qt.ItemDataRole.DisplayRole))


def wildcard_oracle(pattern: str) -> Callable[[MessageExchanged], bool]:
    """An independent reading of the search: ``*``/``?`` anywhere in path+query or a body, any case."""
    regex = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.I | re.S)

    def matches(event: MessageExchanged) -> bool:
        where = event.url.split("roamsim.test", 1)[1]
        return any(regex.search(text or "") for text in (where, event.request_body, event.response_body))

    return matches


def test_rows_are_the_run_s_exchanges_with_their_columns(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * HOURS)
    assert controller.bridge is not None
    assert len(controller.bridge.exchanges) > 40
    assert view.visible_exchanges() == controller.bridge.exchanges
    assert view.proxy.headerData(1, Qt.Orientation.Horizontal) == "Time (Amsterdam)"
    first = controller.bridge.exchanges[0]
    assert [cell(view, 0, c) for c in range(9)] == [
        "1",
        "06:00:00.050",
        "DE-EMA → NL-UCP",
        "GET",
        "versions",
        "200",
        "1000",
        f"{first.latency_s * 1000:.0f} ms",
        "versions",
    ]
    total = len(controller.bridge.exchanges)
    assert view.count_label.text() == f"{total:,} of {total:,} messages"
    # The newest message is in view: the table followed the run.
    bar = view.table.verticalScrollBar()
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum()


def test_a_view_opened_mid_run_and_a_reset(qtbot: QtBot, controller: SimController) -> None:
    controller.run_to(1 * HOURS)
    view = make_view(qtbot, controller)
    assert controller.bridge is not None
    assert view.visible_exchanges() == controller.bridge.exchanges
    controller.run_to(2 * HOURS)
    assert view.visible_exchanges() == controller.bridge.exchanges
    controller.reset()
    assert view.model.rowCount() == len(controller.bridge.exchanges) == 0


def test_module_status_and_search_filters(qtbot: QtBot, controller_at: Callable[[str | Path], SimController]) -> None:
    controller = controller_at("partner-outage")
    view = make_view(qtbot, controller)
    controller.run_to(8.5 * HOURS)  # through the outage (10:00) and the 503 answers (13:00)
    assert controller.bridge is not None
    everything = controller.bridge.exchanges

    # Modules: untick all but sessions and cdrs in the menu.
    for module, action in view.module_actions.items():
        action.setChecked(module in ("sessions", "cdrs"))
    assert view.module_button.text() == "Modules: 2 of 11"
    assert view.visible_exchanges() == [e for e in everything if e.module in ("sessions", "cdrs")]
    view.set_modules(None)

    view.set_status(Status.HTTP_ERRORS)
    no_answer = [e for e in everything if e.response_status == 0]
    answered_503 = [e for e in everything if e.response_status == 503]
    assert no_answer and answered_503
    assert view.visible_exchanges() == [e for e in everything if e.response_status in (0, 503)]
    view.set_status(Status.OCPI_ERRORS)
    assert view.visible_exchanges() == answered_503  # 3000 "Service Unavailable" in the envelope
    view.set_status(Status.OK)
    assert view.visible_exchanges() == [e for e in everything if e.response_status in (200, 201)]
    view.set_status(Status.ALL)

    # Wildcard search, typed: case-insensitive, over path and bodies, * and ?.
    patterns = ("deema-rfid-00000?", "*sessions/nl/ucp/SES00000?", "Service*Unavailable", '"KWH":?,', "ALLOWED*AUTH")
    for pattern in patterns:
        view.search_edit.clear()
        qtbot.keyClicks(view.search_edit, pattern)
        qtbot.waitUntil(lambda p=pattern: view.proxy.search == p, timeout=2000)
        expected = [e for e in everything if wildcard_oracle(pattern)(e)]
        assert expected, pattern
        assert view.visible_exchanges() == expected, pattern
    assert len(view.visible_exchanges()) < len(everything)


def test_party_filter(qtbot: QtBot, controller_at: Callable[[str | Path], SimController]) -> None:
    controller = controller_at("mixed-versions")
    view = make_view(qtbot, controller)
    controller.run_to(2 * HOURS)
    assert controller.bridge is not None
    parties = [view.party_combo.itemData(i) for i in range(view.party_combo.count())]
    assert parties == [None, "DE-EMA", "NL-CLS", "NL-HUB", "NL-NEW", "NL-OLD"]
    view.party_combo.setCurrentIndex(parties.index("NL-OLD"))
    shown = view.visible_exchanges()
    assert shown == [e for e in controller.bridge.exchanges if "NL-OLD" in (e.from_party, e.to_party)]
    assert 0 < len(shown) < len(controller.bridge.exchanges)


def test_hide_messages_like_this(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * HOURS)
    assert controller.bridge is not None
    everything = controller.bridge.exchanges
    row = next(i for i, e in enumerate(everything) if e.method == "PATCH" and e.module == "sessions")
    view.hide_like(row)
    like = ("PATCH", "sessions", "/ocpi/2.2.1/receiver/sessions/*/*/*")
    assert view.proxy.hidden == [like]
    hidden = [e for e in everything if (e.method, e.module, path_pattern(e.url)) == like]
    assert len(hidden) > 5
    assert view.visible_exchanges() == [e for e in everything if e not in hidden]
    # PUTs of the same sessions and PATCHes of locations stay.
    assert any(e.method == "PUT" and e.module == "sessions" for e in view.visible_exchanges())
    assert any(e.method == "PATCH" and e.module == "locations" for e in view.visible_exchanges())
    assert view.hidden_label.text() == "hidden: 1 rule"
    # New messages of that kind stay hidden as the run goes on.
    controller.run_to(4 * HOURS)
    assert all((e.method, e.module, path_pattern(e.url)) != like for e in view.visible_exchanges())
    view.reset_hidden_button.click()
    assert view.hidden_label.text() == "hidden: 0 rules"
    assert view.visible_exchanges() == controller.bridge.exchanges


def test_selecting_a_row_explains_it_and_shares_the_selection(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * HOURS)
    assert controller.bridge is not None
    everything = controller.bridge.exchanges
    row = next(i for i, e in enumerate(everything) if e.url.endswith("/authorize?type=RFID"))
    event = everything[row]
    view.table.scrollTo(view.proxy.index(row, 0))
    rect = view.table.visualRect(view.proxy.index(row, 2))
    with qtbot.waitSignal(controller.selection.exchange_selected) as selected:
        qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert selected.args == [event.seq]
    assert controller.selection.exchange == event.seq
    assert event.request_body is not None and event.response_body is not None
    request = view.request_edit.toPlainText()
    assert request.startswith(f"POST {event.url}\n")
    assert request.endswith("\n\n" + json.dumps(json.loads(event.request_body), indent=2))
    response = view.response_edit.toPlainText()
    assert response.startswith(f"HTTP 200 (after {event.latency_s * 1000:.0f} ms)\ncontent-type: application/json")
    assert response.endswith("\n\n" + json.dumps(json.loads(event.response_body), indent=2, ensure_ascii=False))
    roles = {"NL-UCP": "CPO", "DE-EMA": "EMSP"}
    explained = explain(event, roles)
    text = view.detail_text()
    assert explained.what.startswith("The CPO NL-UCP asks the eMSP DE-EMA whether token DEEMA-RFID-")
    for part in (explained.what, explained.routing, explained.answer):
        assert part in text
    assert "Request body: valid OCPI 2.2.1 LocationReferences." in text
    assert "Response: valid OCPI 2.2.1 AuthorizationInfo (response envelope with object)." in text


def test_an_exchange_selected_elsewhere_is_shown_even_when_filtered_out(
    qtbot: QtBot, controller: SimController
) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * HOURS)
    assert controller.bridge is not None
    everything = controller.bridge.exchanges
    token_push = next(e for e in everything if e.module == "tokens" and e.method == "PUT")
    view.set_modules({"sessions"})
    view.search_edit.setText("SES")
    view.apply_search()
    view.hide_like(everything.index(token_push))
    controller.selection.select_exchange(token_push.seq)
    current = view.table.currentIndex()
    assert current.isValid()
    assert view.model.exchange(view.proxy.mapToSource(current).row()) is token_push
    assert view.module_button.text() == "Modules: all"
    assert view.search_edit.text() == ""
    assert view.proxy.hidden == []
    assert view.current_seq == token_push.seq
    assert view.request_edit.toPlainText().startswith(f"PUT {token_push.url}\n")
    # With a row selected the table no longer jumps to the newest message.
    bar = view.table.verticalScrollBar()
    before = bar.value()
    controller.run_to(5 * HOURS)
    assert bar.value() == before < bar.maximum()
