"""The sessions view: live rows equal to the CPO's sessions, filter, sort, details, selection."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.controller import SimController
from app.models.sessions_model import COLUMNS, MISMATCH_BRUSH, ROW_ROLE
from app.views.sessions_view import SessionsView
from sim.events import CDRIssued

SHOTS = Path("/tmp/shots")
KWH, COST, CDR_TOTAL, RECONCILIATION = COLUMNS.index("kWh"), 9, 10, 11


def make_view(qtbot: QtBot, controller: SimController) -> SessionsView:
    view = SessionsView(controller)
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    return view


def table(view: SessionsView) -> list[list[str]]:
    """Every shown row's cells, as displayed, in the table's order."""
    proxy = view.proxy
    return [[proxy.index(r, c).data() for c in range(proxy.columnCount())] for r in range(proxy.rowCount())]


def row_of(view: SessionsView, session_id: str) -> list[str]:
    return next(row for row in table(view) if row[0] == session_id)


def cell(view: SessionsView, session_id: str, column: int) -> str:
    return row_of(view, session_id)[column]


def test_rows_are_the_cpos_sessions_with_their_cdr(qtbot: QtBot, controller: SimController) -> None:
    issued: list[CDRIssued] = []
    controller.batch_ready.connect(lambda batch: issued.extend(batch.of(CDRIssued)))
    view = make_view(qtbot, controller)
    controller.run_to(9 * 3600)
    stored = controller.sim().parties["NL-UCP"].cpo.sessions.values()  # type: ignore[attr-defined]
    rows = table(view)
    assert [r[0] for r in rows] == [s.id for s in stored]
    assert [r[1] for r in rows] == [s.cdr_token.uid for s in stored]
    assert view.count_label.text() == "7 sessions"
    # the completed session: its stored energy and cost, and the CDR total of the CDRIssued event
    assert [(e.session_id, e.total_excl) for e in issued] == [("SES000005", Decimal("9.7661"))]
    assert row_of(view, "SES000005") == [
        "SES000005",
        "DEEMA-RFID-000001",
        "DE-EMA",
        "NL-UCP",
        "LOC-0005 / LOC-0005-2",
        "COMPLETED",
        "27.903",
        "",
        "6:46:37",
        "EUR 9.77",
        "EUR 9.77",
        "OK",
    ]
    session = next(s for s in stored if s.id == "SES000005")
    row = next(view.proxy.index(r, 0).data(ROW_ROLE) for r in range(7) if view.proxy.index(r, 0).data() == "SES000005")
    assert (row.kwh, row.cost_excl, row.cdr_total_excl) == (
        session.kwh,
        session.total_cost.excl_vat,
        issued[0].total_excl,
    )
    assert str(row.cdr_total_excl) == "9.7661"
    tip = view.proxy.index(rows.index(row_of(view, "SES000005")), CDR_TOTAL).data(Qt.ItemDataRole.ToolTipRole)
    assert tip == "CDR000001: EUR 9.7661 excl. VAT, EUR 11.8169 incl. VAT"
    # a running one: the meter now, power 0 as the car is full, the cost of the last session update
    assert cell(view, "SES000001", KWH) == "54.708"
    assert cell(view, "SES000001", KWH + 1) == "0.0 (full)"
    assert (
        cell(view, "SES000001", COST) == f"EUR {next(s for s in stored if s.id == 'SES000001').total_cost.excl_vat:.2f}"
    )
    SHOTS.mkdir(exist_ok=True)
    view.select_row(rows.index(row_of(view, "SES000005")))
    assert view.grab().save(str(SHOTS / "sessions.png"))


def test_a_running_sessions_energy_grows_live(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * 3600)
    assert cell(view, "SES000001", KWH) == "38.866"
    assert cell(view, "SES000001", KWH + 1) == "22.0"
    controller.run_to(3 * 3600 + 15 * 60)
    qtbot.waitUntil(lambda: cell(view, "SES000001", KWH) == "44.366", timeout=3000)  # + 22 kW × 15 min
    assert cell(view, "SES000001", 8) == "2:01:19"  # since 06:13:40 UTC, now 08:15


def test_filter_text_and_state(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(9 * 3600)
    view.filter_edit.setText("loc-0005")
    assert [r[0] for r in table(view)] == ["SES000003", "SES000005"]
    assert view.count_label.text() == "2 of 7 sessions"
    view.state_combo.setCurrentIndex(view.state_combo.findData("completed"))
    assert [r[0] for r in table(view)] == ["SES000005"]
    view.filter_edit.setText("")
    assert [r[0] for r in table(view)] == ["SES000005"]
    view.state_combo.setCurrentIndex(view.state_combo.findData("active"))
    assert [r[0] for r in table(view)] == ["SES000001", "SES000002", "SES000003", "SES000004", "SES000006", "SES000007"]
    view.state_combo.setCurrentIndex(view.state_combo.findData("mismatches"))
    assert table(view) == []
    view.state_combo.setCurrentIndex(view.state_combo.findData("all"))
    view.filter_edit.setText("RFID-000009")
    assert [r[0] for r in table(view)] == ["SES000007"]


def test_sort_by_energy_is_numeric(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(2 * 3600)
    view.table.sortByColumn(KWH, Qt.SortOrder.DescendingOrder)
    energies = [r[KWH] for r in table(view)]
    assert len(energies) == 4 and energies == ["16.866", "6.233", "1.833", "1.100"]
    assert energies == sorted(energies, key=Decimal, reverse=True)
    assert energies != sorted(energies, reverse=True)
    view.table.sortByColumn(8, Qt.SortOrder.AscendingOrder)  # duration: the latest start first
    assert [r[0] for r in table(view)] == ["SES000004", "SES000003", "SES000002", "SES000001"]


def test_selecting_a_row_selects_the_session_and_shows_its_details(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(9 * 3600)
    row = [r[0] for r in table(view)].index("SES000005")
    with qtbot.waitSignal(controller.selection.session_selected) as signal:
        view.select_row(row)
    assert signal.args == ["NL-UCP", "SES000005"]
    text = view.details_text()
    for expected in (
        "NL-UCP / SES000005",
        "DEEMA-RFID-000001 (DE-EMA)",
        "DE-EMA/d0001",
        "LOC-0005 / LOC-0005-2 / 1",
        "Charging periods\n29",
        "Tariffs\nAC-STANDARD",
        "CDR000001: EUR 9.7661 excl. VAT, EUR 11.8169 incl. VAT",
        "EUR 9.7661 excl. VAT: totals agree",
    ):
        assert expected in text, expected
    # selected elsewhere (the map, the sequence view): the row follows
    controller.selection.select_session("NL-UCP", "SES000002")
    assert view.table.currentIndex().data() == "SES000002"
    assert "NL-UCP / SES000002" in view.details_text()


def test_a_mismatch_is_flagged_and_tinted(qtbot: QtBot, controller_at: Callable[[str], SimController]) -> None:
    controller = controller_at("tariff-showcase")
    view = make_view(qtbot, controller)
    controller.run_to(9 * 3600)
    view.state_combo.setCurrentIndex(view.state_combo.findData("mismatches"))
    rows = table(view)
    assert len(rows) == 1
    assert rows[0][RECONCILIATION] == "MISMATCH: total differs: CPO 14.0482, NL-SLW 11.7068"
    assert rows[0][CDR_TOTAL] == "EUR 14.05"
    assert view.proxy.index(0, 0).data(Qt.ItemDataRole.BackgroundRole) == MISMATCH_BRUSH
    view.select_row(0)
    assert "MISMATCH — total differs: CPO 14.0482, NL-SLW 11.7068" in view.details_text()


def test_reset_starts_an_empty_table(qtbot: QtBot, controller: SimController) -> None:
    view = make_view(qtbot, controller)
    controller.run_to(3 * 3600)
    assert len(table(view)) == 7
    controller.reset()
    assert table(view) == [] and view.count_label.text() == "0 sessions"
    controller.run_to(1.5 * 3600)
    assert [r[0] for r in table(view)] == ["SES000001", "SES000002"]
