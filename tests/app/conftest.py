"""Fixtures for GUI tests: Qt runs offscreen, settings go to a temporary directory."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.controller import SimController

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"


@pytest.fixture(autouse=True)
def _private_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROAMSIM_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


@pytest.fixture
def controller_at(qtbot: object) -> Iterator[Callable[[str | Path], SimController]]:
    """Make controllers with a scenario loaded (a name in scenarios/ or a path), paused at t=0."""
    made: list[SimController] = []

    def make(scenario: str | Path) -> SimController:
        path = Path(scenario)
        if not path.is_file():
            path = SCENARIOS / f"{scenario}.yaml"
        controller = SimController()
        assert controller.open(path), path
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.pause()


@pytest.fixture
def controller(controller_at: Callable[[str | Path], SimController]) -> SimController:
    """A controller with scenarios/bilateral-basics.yaml loaded, paused at t=0."""
    return controller_at("bilateral-basics")
