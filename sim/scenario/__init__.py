"""Scenarios: the YAML format (``schema``), loading and checking it (``load_scenario``), and the
OCPI locations and tariffs it describes (``sources``, ``generate``, ``presets``)."""

from sim.scenario.loader import LoadedScenario, load_scenario, parse_scenario
from sim.scenario.problems import Problem, ScenarioError, UnreadableScenario
from sim.scenario.schema import SCHEMA_VERSION, Scenario, parse_duration

__all__ = [
    "SCHEMA_VERSION",
    "LoadedScenario",
    "Problem",
    "Scenario",
    "ScenarioError",
    "UnreadableScenario",
    "load_scenario",
    "parse_duration",
    "parse_scenario",
]
