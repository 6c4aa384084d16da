"""Command outcomes, and "TIMEOUT then started" matched through the driver's app attempt."""

from __future__ import annotations

from .builders import Rig, attempted, command, started


def test_each_command_lands_in_exactly_one_outcome() -> None:
    kpi = Rig().play(
        (10, command(10, 2.0, "ACCEPTED", "ACCEPTED")),
        (20, command(20, 1.0, "REJECTED", None)),
        (30, command(30, 3.0, "ACCEPTED", "EVSE_OCCUPIED", command="RESERVE_NOW")),
        (40, command(40, 4.0, None, None, command="STOP_SESSION")),  # the CPO never answered
        (50, command(50, 30.0, "ACCEPTED", None, timed_out=True)),
        (60, command(60, 10.0, "ACCEPTED", "TIMEOUT", command="UNLOCK_CONNECTOR")),
    )

    assert kpi["commands_sent"] == 6
    assert kpi["commands_accepted"] == 1
    assert kpi["commands_rejected"] == 2
    assert kpi["commands_failed"] == 1
    assert kpi["commands_timed_out"] == 2
    assert kpi["command_latency_ms_avg"] == 8333.333333
    assert kpi["command_latency_ms_p95"] == 30000.0
    assert kpi["commands.START_SESSION"] == 3
    assert (kpi["commands.STOP_SESSION"], kpi["commands.CANCEL_RESERVATION"]) == (1, 0)
    assert kpi["commands_timeout_then_started"] == 0


def test_timeout_then_started_before_and_after_the_timeout() -> None:
    window = 600.0
    kpi = Rig().play(
        # d1: the CommandResult callback was lost — the session started while the eMSP was waiting.
        (100, attempted(100, driver="d1", evse="E1", method="app")),
        (100, attempted(100, driver="d0", evse="E0", method="rfid")),  # sends no command
        (110, started(110, "S1", driver="d1", evse="E1", method="app")),
        (130, command(130, 30.0, "ACCEPTED", None, timed_out=True)),
        # d2: the charger was late — the session started after the eMSP gave up.
        (200, attempted(200, driver="d2", evse="E2", method="app")),
        (230, command(230, 30.0, "ACCEPTED", None, timed_out=True)),
        (300, started(300, "S2", driver="d2", evse="E2", method="app")),
        # d3: too late to be that command's session.
        (400, attempted(400, driver="d3", evse="E3", method="app")),
        (430, command(430, 30.0, "ACCEPTED", None, timed_out=True)),
        (430 + window + 1, started(430 + window + 1, "S3", driver="d3", evse="E3", method="app")),
    )

    assert kpi["commands_timed_out"] == 3
    assert kpi["commands_timeout_then_started"] == 2


def test_a_concurrent_successful_start_is_not_taken_for_the_timed_out_one() -> None:
    kpi = Rig().play(
        (500, attempted(500, driver="d4", evse="E4", method="app")),
        (505, attempted(505, driver="d5", evse="E5", method="app")),
        (505.5, attempted(505.5, driver="d6", evse="E6", method="rfid")),  # no command
        (510, started(510, "S5", driver="d5", evse="E5", method="app")),
        (510, command(510, 5.0, "ACCEPTED", "ACCEPTED")),  # d5's command, sent at 505
        (511, started(511, "S6", driver="d6", evse="E6")),
        (530, command(530, 30.0, "ACCEPTED", None, timed_out=True)),  # d4's, sent at 500
        (540, started(540, "S7", driver="d4", evse="E9", method="rfid")),  # d4, but elsewhere
    )

    assert kpi["commands_timed_out"] == 1
    assert kpi["commands_timeout_then_started"] == 0


def test_a_rejected_start_followed_by_a_session_is_not_a_timeout_then_start() -> None:
    kpi = Rig().play(
        (10, attempted(10, driver="d1", method="app")),
        (12, command(12, 2.0, "REJECTED", None)),
        (20, started(20, "S1", driver="d1", method="app")),
    )

    assert kpi["commands_timeout_then_started"] == 0
