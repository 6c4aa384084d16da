"""Building scenarios for the tests: Python dicts dumped to YAML, loaded as a file would be."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.scenario import LoadedScenario, ScenarioError, parse_scenario

SOURCE = "s.yaml"
AREA = {"lat": 52.37, "lon": 4.9, "radius_km": 3}

BASE: dict[str, Any] = {
    "name": "references",
    "parties": [
        {"id": "NL-HUB", "role": "HUB"},
        {
            "id": "NL-CPA",
            "role": "CPO",
            "links": [{"via": "NL-HUB"}],
            "locations": [{"count": 2, "area": AREA}],
        },
        {"id": "DE-EMA", "role": "EMSP", "links": [{"via": "NL-HUB"}], "drivers": {"count": 3}},
        {"id": "NL-EMB", "role": "EMSP", "versions": ["2.1.1"], "links": [{"to": "NL-CPA", "version": "2.1.1"}]},
        {"id": "NL-GRD", "role": "SCSP", "links": [{"via": "NL-HUB"}]},
    ],
}
"""A hub network that loads cleanly; each test breaks one thing."""


def base() -> dict[str, Any]:
    """A fresh copy of ``BASE``."""
    return copy.deepcopy(BASE)


def dump(document: dict[str, Any]) -> str:
    """The scenario as YAML text."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def load_text(text: str, base_dir: Path | None = None) -> LoadedScenario:
    """Load YAML text as the file ``s.yaml``."""
    return parse_scenario(text, source=SOURCE, base_dir=base_dir or Path.cwd())


def load(document: dict[str, Any], base_dir: Path | None = None) -> LoadedScenario:
    """Load a scenario given as a dict."""
    return load_text(dump(document), base_dir)


def problems_of_text(text: str, base_dir: Path | None = None) -> list[str]:
    """The problem lines of YAML text that must not load."""
    with pytest.raises(ScenarioError) as caught:
        load_text(text, base_dir)
    return caught.value.messages


def problems(document: dict[str, Any], base_dir: Path | None = None) -> list[str]:
    """The problem lines of a scenario dict that must not load."""
    return problems_of_text(dump(document), base_dir)


def broken(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """``BASE`` with one change applied."""
    document = base()
    change(document)
    return document
