"""``FirstOf`` resumes a process exactly when SimPy's ``a | b`` would."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy

from sim.world.waiting import FirstOf

Wait = Callable[[simpy.Environment, simpy.Event, simpy.Event], simpy.Event]


def _order(wait: Wait) -> list[tuple[float, str]]:
    """What happens, in order, when a waiter races a timeout against a wake-up other processes cause."""
    env = simpy.Environment()
    seen: list[tuple[float, str]] = []
    wake = env.event()

    def waiter() -> Generator[simpy.Event, Any, None]:
        for round_ in range(3):
            nonlocal wake
            wake = env.event()
            yield wait(env, env.timeout(5), wake)
            seen.append((env.now, f"waiter {round_} woke {'early' if wake.triggered else 'on time'}"))

    def other(name: str, at: float, wakes: bool) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(at)
        seen.append((env.now, name))
        if wakes and not wake.triggered:
            wake.succeed()

    env.process(waiter())
    env.process(other("a", 5, False))
    env.process(other("b", 7, True))
    env.process(other("c", 10, False))
    env.process(other("d", 12, True))
    env.run()
    return seen


def test_first_of_orders_events_as_a_condition_does() -> None:
    expected = _order(lambda env, timeout, wake: timeout | wake)
    assert _order(lambda env, timeout, wake: FirstOf(env, timeout, wake)) == expected
    assert [entry for entry in expected if "early" in entry[1]]  # the wake-up path is exercised


def test_first_of_an_event_processed_already_succeeds_at_once() -> None:
    env = simpy.Environment()
    done = env.event().succeed()
    env.run()
    first = FirstOf(env, done, env.timeout(3))
    env.run(until=1)
    assert first.processed and first.value is None


def test_first_of_fails_with_the_first_event_that_fails() -> None:
    env = simpy.Environment()
    failing = env.event()
    first = FirstOf(env, failing, env.timeout(3))
    failing.fail(RuntimeError("broken"))
    first.defused = True
    env.run(until=1)
    assert first.triggered and not first.ok and isinstance(first.value, RuntimeError)
