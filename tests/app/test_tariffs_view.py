"""The tariffs view: each CPO's tariffs in plain words, their JSON, and the exact price preview."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from pytestqt.qtbot import QtBot

from app.controller import SimController
from app.views.tariffs_view import TariffsView
from sim.cli import main as roamsim

SHOWCASE = {
    "TOD": "€0.45/kWh (billed per 100 Wh) on weekdays 17:00–21:00, VAT 21 %; €0.25/kWh (billed per 100 Wh) otherwise, "
    "VAT 21 %",
    "PARK": "€0.32/kWh, VAT 21 %; €6.00/h parking (billed per 15 min) after 2 h, VAT 21 %",
    "MINMAX": "€1.00 per session + €0.30/kWh, VAT 21 %; Minimum price €2.50 excl. VAT (€3.03 incl. VAT); "
    "Maximum price €12.00 excl. VAT (€14.52 incl. VAT)",
    "BASIC": "€0.35/kWh, VAT 21 %",
}


def make_view(qtbot: QtBot, controller: SimController) -> TariffsView:
    view = TariffsView(controller)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    return view


def choose(view: TariffsView, tariff_id: str) -> None:
    """Click the tariff in the tree (as the user does)."""
    top = view.tree.topLevelItem(0)
    item = next(top.child(i) for i in range(top.childCount()) if top.child(i).text(0) == tariff_id)
    view.tree.setCurrentItem(item)


def sketch(view: TariffsView, day: int, hour: int, minute: int, kwh: float, charging: int, parking: int) -> None:
    """Fill the preview form: plug-in on 2026-03-``day`` at local time, energy, minutes charging and parking."""
    view.start_edit.setDateTime(QDateTime(QDate(2026, 3, day), QTime(hour, minute), QTimeZone.utc()))
    view.energy_spin.setValue(kwh)
    view.charging_spin.setValue(charging)
    view.parking_spin.setValue(parking)


def test_each_cpo_s_tariffs_are_listed_with_their_description(
    qtbot: QtBot, controller_at: Callable[[str | Path], SimController]
) -> None:
    view = make_view(qtbot, controller_at("tariff-showcase"))
    assert view.tree.topLevelItemCount() == 1
    top = view.tree.topLevelItem(0)
    assert top.text(0) == "NL-TRF · Tariff Showcase Charging · 4 tariffs"
    rows = {top.child(i).text(0): top.child(i).text(1) for i in range(top.childCount())}
    assert rows == SHOWCASE
    hub = make_view(qtbot, controller_at("hub-network"))
    cpos = [hub.tree.topLevelItem(i).text(0) for i in range(hub.tree.topLevelItemCount())]
    assert [text.split(" · ")[0] for text in cpos] == ["NL-DMN", "NL-FST", "BE-CTY"]
    assert hub.described()[("BE-CTY", "TIME-OF-DAY")] == [
        "€0.45/kWh on weekdays 17:00–21:00, VAT 21 %",
        "€0.25/kWh otherwise, VAT 21 %",
    ]


def test_a_selected_tariff_shows_its_words_and_json(
    qtbot: QtBot, controller_at: Callable[[str | Path], SimController]
) -> None:
    controller = controller_at("tariff-showcase")
    view = make_view(qtbot, controller)
    choose(view, "TOD")
    text = view.description.toPlainText()
    assert text.startswith("TOD · NL-TRF · EUR\n")
    assert "€0.45/kWh (billed per 100 Wh) on weekdays 17:00–21:00, VAT 21 %" in text
    assert "The CPO's own words (en): Peak weekdays 17:00-21:00. Energy billed per 100 Wh." in text
    shown = view.json_edit.toPlainText()
    assert '\n  "id": "TOD",\n' in shown  # pretty-printed
    stored = controller.sim().party("NL-TRF").cpo_data.tariffs.values()  # type: ignore[attr-defined]
    assert json.loads(shown) == json.loads(next(t for t in stored if t.id == "TOD").to_json())


def test_the_preview_prices_exactly_like_roamsim_price(
    qtbot: QtBot,
    controller_at: Callable[[str | Path], SimController],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    view = make_view(qtbot, controller_at("tariff-showcase"))
    choose(view, "PARK")
    sketch(view, 5, 7, 0, 20.0, 120, 40)  # Thursday 07:00 Amsterdam: 2 h charging, 40 min parking
    assert view.start_label.text() == "Plug-in (Europe/Amsterdam)"
    assert view.table_rows() == [
        ("Thu 07:00:00", "ENERGY", "20.0000 kWh", "20.0000 kWh", "0.3200", "21", "6.4000", "7.7440"),
        ("Thu 07:00:00", "TIME", "2.0000 h", "2.0000 h", "free", "", "0.0000", "0.0000"),
        ("Thu 09:00:00", "PARKING_TIME", "0.6666 h", "0.7500 h", "6.0000", "21", "4.5000", "5.4450"),
        ("energy", "", "", "", "", "", "6.4000", "7.7440"),
        ("charging time", "", "", "", "", "", "0.0000", "0.0000"),
        ("parking", "", "", "", "", "", "4.5000", "5.4450"),
        ("total", "", "", "", "", "", "10.9000", "13.1890"),
    ]
    assert view.preview_note.text().startswith("<b>Total €10.90 excl. VAT, €13.189 incl. VAT</b>")

    # The same session as a hand-written CDR through `roamsim price` gives the same totals.
    tariff_file, cdr_file = tmp_path / "park.json", tmp_path / "cdr.json"
    tariff_file.write_text(view.json_edit.toPlainText(), encoding="utf-8")
    cdr = {
        "start_date_time": "2026-03-05T06:00:00Z",
        "end_date_time": "2026-03-05T08:40:00Z",
        "currency": "EUR",
        "charging_periods": [
            {
                "start_date_time": "2026-03-05T06:00:00Z",
                "dimensions": [{"type": "ENERGY", "volume": 20}, {"type": "TIME", "volume": 2}],
            },
            {"start_date_time": "2026-03-05T08:00:00Z", "dimensions": [{"type": "PARKING_TIME", "volume": 0.6667}]},
        ],
    }
    cdr_file.write_text(json.dumps(cdr), encoding="utf-8")
    capsys.readouterr()
    argv = ["price", "--tariff", str(tariff_file), "--cdr", str(cdr_file), "--format", "json"]
    assert roamsim([*argv, "--time-zone", "Europe/Amsterdam"]) == 0
    totals = json.loads(capsys.readouterr().out)
    assert totals["total_cost"] == {"excl_vat": 10.9, "incl_vat": 13.189}
    assert totals["total_parking_cost"] == {"excl_vat": 4.5, "incl_vat": 5.445}


def test_peak_hours_price_limits_and_impossible_input(
    qtbot: QtBot, controller_at: Callable[[str | Path], SimController]
) -> None:
    view = make_view(qtbot, controller_at("tariff-showcase"))
    choose(view, "TOD")
    sketch(view, 5, 20, 30, 10.0, 60, 0)  # half of the hour in the weekday peak (until 21:00 local)
    assert [row[:2] + row[4:] for row in view.table_rows()[:4]] == [
        ("Thu 20:30:00", "ENERGY", "0.4500", "21", "2.2500", "2.7225"),
        ("Thu 20:30:00", "TIME", "free", "", "0.0000", "0.0000"),
        ("Thu 21:00:00", "ENERGY", "0.2500", "21", "1.2500", "1.5125"),
        ("Thu 21:00:00", "TIME", "free", "", "0.0000", "0.0000"),
    ]
    assert view.table_rows()[-1][-2:] == ("3.5000", "4.2350")

    choose(view, "MINMAX")
    sketch(view, 5, 9, 0, 50.0, 120, 0)  # 1.00 + 50 × 0.30 = 16.00, above the maximum
    assert view.table_rows()[-2:] == [
        ("total before price limits", "", "", "", "", "", "16.0000", "19.3600"),
        ("total", "", "", "", "", "", "12.0000", "14.5200"),
    ]
    view.energy_spin.setValue(2.0)  # 1.60, below the minimum
    assert view.table_rows()[-1] == ("total", "", "", "", "", "", "2.5000", "3.0300")

    view.power_spin.setValue(11.0)
    view.energy_spin.setValue(30.0)
    view.charging_spin.setValue(60)
    assert view.table_rows() == []
    assert (
        view.preview_note.text()
        == "Cannot price this: 30 kWh at 11 kW takes 2 h 43 min 39 s, longer than the charging time"
    )


def test_a_tariff_changed_during_the_run_is_shown(
    qtbot: QtBot, controller_at: Callable[[str | Path], SimController]
) -> None:
    controller = controller_at("tariff-showcase")
    view = make_view(qtbot, controller)
    choose(view, "BASIC")
    assert view.described()[("NL-TRF", "BASIC")] == ["€0.35/kWh, VAT 21 %"]
    controller.run_to(4.5 * 3600)  # past 11:00 local, when the CPO raises BASIC
    assert view.described()[("NL-TRF", "BASIC")] == ["€0.42/kWh, VAT 21 %"]
    assert view.selected == ("NL-TRF", "BASIC")
    assert view.tree.currentItem().text(0) == "BASIC"
    assert "New price from 11:00." in view.description.toPlainText()
    assert view.table_rows()[0][4] == "0.4200"
    controller.reset()
    assert view.described()[("NL-TRF", "BASIC")] == ["€0.35/kWh, VAT 21 %"]
