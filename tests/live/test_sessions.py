"""The sessions table's data (``sim.live.sessions``) against the CPO's own stores and the events."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sim.events import CDRIssued, CDRReconciled
from sim.live.sessions import SessionBook, format_duration, format_kwh, format_money, format_power
from sim.ocpi.common import case_fold
from sim.scenario import load_scenario
from sim.simulation import Simulation

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def running(name: str) -> tuple[Simulation, list[Any], Callable[[float], list[Any]]]:
    """A started simulation, the list of every event published, and ``advance(hours)`` (to that many hours
    after the start) → the events since the previous call."""
    simulation = Simulation(load_scenario(SCENARIOS / f"{name}.yaml"))
    events: list[Any] = []
    simulation.bus.subscribe(events.append)
    simulation.start()
    taken = 0

    def advance(hours: float) -> list[Any]:
        nonlocal taken
        simulation.advance(hours * 3600, 600)
        new, taken = events[taken:], len(events)
        return new

    return simulation, events, advance


@pytest.fixture(scope="module")
def basics_at_9h() -> tuple[Simulation, SessionBook, list[Any]]:
    """bilateral-basics at +9 h: one session completed with its CDR, six still running (cars full)."""
    simulation, events, advance = running("bilateral-basics")
    book = SessionBook(simulation)
    book.apply(advance(9))
    book.refresh()
    return simulation, book, events


def test_rows_are_the_cpos_stored_sessions(basics_at_9h: tuple[Simulation, SessionBook, list[Any]]) -> None:
    simulation, book, _ = basics_at_9h
    cpo = simulation.parties["NL-UCP"].cpo  # type: ignore[attr-defined]
    stored = cpo.sessions.values()
    assert [r.session_id for r in book.rows] == [s.id for s in stored] == [f"SES00000{i}" for i in range(1, 8)]
    for row, session in zip(book.rows, stored, strict=True):
        assert (row.cpo, row.token_uid, row.emsp) == ("NL-UCP", session.cdr_token.uid, "DE-EMA")
        assert (row.location_id, row.evse_uid, row.status) == (session.location_id, session.evse_uid, session.status)
        assert row.cost_excl == session.total_cost.excl_vat
        assert row.charging_periods == len(session.charging_periods)
        assert row.tariff_ids == ("AC-STANDARD",)
    assert book.rows[0].token_uid == "DEEMA-RFID-000007"
    assert book.rows[2].driver == "DE-EMA/d0004" and book.rows[2].auth_method == "COMMAND"


def test_a_completed_session_shows_its_stored_energy_and_its_cdr(
    basics_at_9h: tuple[Simulation, SessionBook, list[Any]],
) -> None:
    _simulation, book, events = basics_at_9h
    issued = [e for e in events if isinstance(e, CDRIssued)]
    reconciled = [e for e in events if isinstance(e, CDRReconciled)]
    assert [(e.cdr_id, e.session_id) for e in issued] == [("CDR000001", "SES000005")]
    row = book.row("NL-UCP", "ses000005")  # ids are case-insensitive
    assert row is not None and not row.active and row.status == "COMPLETED"
    assert row.kwh == Decimal("27.903") and row.power_kw is None
    assert (row.cdr_id, row.cdr_total_excl, row.cdr_total_incl) == ("CDR000001", Decimal("9.7661"), Decimal("11.8169"))
    assert row.cdr_total_excl == issued[0].total_excl
    assert row.cost_excl == Decimal("9.7661")
    assert row.reconciled and not row.mismatch and row.reconciliation == "OK"
    assert reconciled[0].emsp_total_excl == row.emsp_total_excl
    assert format_duration(row.duration_s(book.now())) == "6:46:37"
    assert book.row_index("NL-UCP", "SES000005") not in book.active


def test_a_running_session_shows_the_meter_not_the_last_update(
    basics_at_9h: tuple[Simulation, SessionBook, list[Any]],
) -> None:
    simulation, book, _ = basics_at_9h
    row = book.row("NL-UCP", "SES000001")
    assert row is not None and row.active
    point = simulation.world.sessions[("NL-UCP", case_fold("SES000001"))]
    assert point.charging is not None
    assert row.kwh == point.charging.kwh == Decimal("54.708")
    assert row.full and row.power_kw == 0  # the car was full before 9 h: parking
    assert book.active == {0, 1, 2, 3, 5, 6}


def test_energy_grows_and_refresh_reads_only_running_sessions() -> None:
    simulation, _events, advance = running("bilateral-basics")
    book = SessionBook(simulation)
    book.apply(advance(3))
    book.refresh()
    first = book.row("NL-UCP", "SES000001")
    assert first is not None and first.power_kw == Decimal("22.000") and not first.full
    before = first.kwh
    changes = book.apply(advance(3.25))
    assert not changes.inserted
    refreshed = book.refresh()
    assert first.kwh == before + Decimal("5.500")  # 22 kW for a quarter of an hour
    assert refreshed.changed == book.active == set(range(7))


def test_new_sessions_are_appended_with_their_driver() -> None:
    simulation, _events, advance = running("bilateral-basics")
    book = SessionBook(simulation)
    assert book.rows == []
    changes = book.apply(advance(1.5))
    assert changes.inserted == [0, 1]
    assert [(r.session_id, r.driver) for r in book.rows] == [
        ("SES000001", "DE-EMA/d0007"),
        ("SES000002", "DE-EMA/d0003"),
    ]
    assert book.apply(advance(3)).inserted == [2, 3, 4, 5, 6]


def test_a_reconciliation_mismatch_is_noted_with_its_reason() -> None:
    simulation, _events, advance = running("tariff-showcase")
    book = SessionBook(simulation)
    book.apply(advance(9))
    mismatched = [r for r in book.rows if r.mismatch]
    assert [(r.cdr_id, r.emsp) for r in mismatched] == [("CDR000015", "NL-SLW")]
    assert mismatched[0].reconciliation == "MISMATCH: total differs: CPO 14.0482, NL-SLW 11.7068"
    assert mismatched[0].emsp_total_excl == Decimal("11.7068")


def test_texts() -> None:
    assert format_money("EUR", Decimal("3.4150")) == "EUR 3.42"  # half-up, for display only
    assert format_money("EUR", Decimal("3")) == "EUR 3.00"
    assert format_money("EUR", None) == ""
    assert format_kwh(Decimal("5.5")) == "5.500"
    assert format_power(Decimal("11.000")) == "11.0" and format_power(None) == ""
    assert format_duration(3600 * 27 + 62.9) == "27:01:02"
