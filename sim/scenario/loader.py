"""``load_scenario(path)``: a scenario file, checked through and through, with its world data loaded.

Checking happens in stages, each reporting every problem it finds:

1. YAML syntax (``line L, column C: reason``), then the document must be a mapping;
2. the schema (``sim.scenario.schema``, unknown keys rejected), errors as ``parties[2].links[0].via``;
3. once the structure is sound: cross-references (``sim.scenario.references``) and the CPOs' locations
   and tariffs (``sim.scenario.sources``), and what depends on those (events naming locations,
   tariffs published by events).

Any problem raises ``ScenarioError`` with all of them; warnings ride along on the result (or on the
error).  Nothing here reads the wall clock or global random state: the same file gives the same
``LoadedScenario``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.wirejson import UnreadableText, read_text_file
from sim.scenario.generate import distance_km
from sim.scenario.presets import DEFAULT_AREA
from sim.scenario.problems import Findings, Problem, ScenarioError, UnreadableScenario, join
from sim.scenario.references import check_event_locations, check_references
from sim.scenario.schema import Area, EventAction, GeneratedLocations, Party, RoleName, Scenario, TariffRef
from sim.scenario.sources import CPOData, SourceContext, event_tariff, load_cpo
from sim.scenario.structure import record_schema_errors
from sim.scenario.timing import resolve_instant
from sim.scenario.yamlread import YAMLSyntaxError, read_yaml

MAX_AREA_RADIUS_KM = 500.0


@dataclass
class LoadedScenario:
    """A valid scenario and the world data it describes, ready for ``sim.simulation.Simulation``."""

    scenario: Scenario
    locations: dict[str, list[Location]]
    """Per CPO party id (scenario order): the Locations it owns and publishes at the start."""
    tariffs: dict[str, list[Tariff]]
    """Per CPO party id: its Tariffs; connectors of its locations name only these."""
    warnings: list[str]
    """``file: path: reason`` lines worth reading; the scenario runs anyway."""
    base_dir: Path
    """Directory the scenario's relative file names are read from."""
    source: str = "<scenario>"
    """The scenario file as named when loading (used in messages)."""
    default_area: Area = DEFAULT_AREA
    """Where things are when the scenario does not say (drivers' homes): the first generated area,
    else a circle around every location, else central Amsterdam."""
    event_tariffs: dict[int, Tariff] = field(default_factory=dict)
    """Index in ``scenario.events`` → the tariff a ``change_tariff`` event publishes."""

    def party(self, party_id: str) -> Party:
        """A party of the scenario by id (``KeyError`` if there is none)."""
        for party in self.scenario.parties:
            if party.id == party_id:
                return party
        raise KeyError(party_id)

    def instant(self, at: float | str) -> float:
        """Seconds after the start for a scenario instant (``"HH:MM"`` is its next occurrence)."""
        return resolve_instant(at, self.scenario.start, self.scenario.time_zone)

    def resolve_tariff(self, party_id: str, ref: TariffRef, *, now: datetime) -> Tariff:
        """The tariff a ``change_tariff`` event with ``ref`` publishes, last updated ``now``."""
        for index, event in enumerate(self.scenario.events):
            if event.party == party_id and event.tariff == ref and index in self.event_tariffs:
                return self.event_tariffs[index].model_copy(update={"last_updated": now})
        raise KeyError(f"no change_tariff event of {party_id} publishes that tariff")

    @property
    def location_count(self) -> int:
        """Locations of every CPO."""
        return sum(len(locations) for locations in self.locations.values())

    @property
    def evse_count(self) -> int:
        """EVSEs of every CPO."""
        return sum(len(location.evses or []) for locations in self.locations.values() for location in locations)

    @property
    def driver_count(self) -> int:
        """Drivers of every eMSP (an eMSP without ``drivers`` has none)."""
        return sum(p.drivers.count for p in self.scenario.parties if p.drivers is not None)


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, check and load a scenario file; ``ScenarioError`` lists every problem."""
    label = str(path)
    file = Path(path)
    try:
        text = read_text_file(file, "scenario file")
    except UnreadableText as exc:
        raise UnreadableScenario([Problem(label, "", str(exc))]) from None
    return parse_scenario(text, source=label, base_dir=file.parent)


def parse_scenario(text: str, *, source: str = "<scenario>", base_dir: Path | None = None) -> LoadedScenario:
    """Check and load scenario YAML held in memory (relative file names are read from ``base_dir``)."""
    findings = Findings(source)
    base = base_dir if base_dir is not None else Path.cwd()
    try:
        document = read_yaml(text)
    except YAMLSyntaxError as exc:
        findings.error(exc.where, f"YAML syntax error: {exc.reason}")
        findings.raise_if_any()
    if document is None:
        findings.error("", "the file is empty (a scenario needs at least a name and parties)")
    elif not isinstance(document, dict):
        findings.error("", f"a scenario is a mapping of keys (name:, parties:, ...), not a {type(document).__name__}")
    findings.raise_if_any()
    try:
        scenario = Scenario.model_validate(document)
    except ValidationError as exc:
        record_schema_errors(exc, findings)
        findings.raise_if_any()
        raise  # pragma: no cover - a ValidationError always carries errors
    check_references(scenario, findings)
    loaded = _load_world(scenario, findings, base, source)
    findings.raise_if_any()
    return loaded


def _load_world(scenario: Scenario, findings: Findings, base_dir: Path, source: str) -> LoadedScenario:
    ctx = SourceContext(findings, base_dir, scenario.start, scenario.time_zone, scenario.seed)
    home = next((p.drivers.home_area for p in scenario.parties if p.drivers and p.drivers.home_area), None)
    data: dict[str, CPOData] = {}
    for index, party in enumerate(scenario.parties):
        if party.role is RoleName.CPO and party.id not in data:
            data[party.id] = load_cpo(party, index, ctx, home or DEFAULT_AREA)
    check_event_locations(scenario, {pid: [loc.id for loc in d.locations] for pid, d in data.items()}, findings)
    event_tariffs: dict[int, Tariff] = {}
    for index, event in enumerate(scenario.events):
        if event.action is EventAction.CHANGE_TARIFF and event.tariff is not None and event.party in data:
            path = join(join("events", index), "tariff")
            tariff = event_tariff(_party(scenario, event.party), event.tariff, path, ctx, data[event.party])
            if tariff is not None:
                event_tariffs[index] = tariff
    return LoadedScenario(
        scenario=scenario,
        locations={pid: d.locations for pid, d in data.items()},
        tariffs={pid: d.tariffs for pid, d in data.items()},
        warnings=findings.warnings,
        base_dir=base_dir,
        source=source,
        default_area=_default_area(scenario, data, home),
        event_tariffs=event_tariffs,
    )


def _party(scenario: Scenario, party_id: str) -> Party:
    return next(party for party in scenario.parties if party.id == party_id)


def _default_area(scenario: Scenario, data: dict[str, CPOData], home: Area | None) -> Area:
    """The first generated area; else a circle around every location; else the drivers' or Amsterdam."""
    for party in scenario.parties:
        if party.role is RoleName.CPO:
            if "locations" not in party.model_fields_set:
                return home or DEFAULT_AREA  # the area its default locations were generated in
            for source in party.locations:
                if isinstance(source, GeneratedLocations):
                    return source.area
    points = [
        (float(location.coordinates.latitude), float(location.coordinates.longitude))
        for cpo in data.values()
        for location in cpo.locations
    ]
    if not points:
        return home or DEFAULT_AREA
    lat = sum(point[0] for point in points) / len(points)
    lon = sum(point[1] for point in points) / len(points)
    radius = max(distance_km(lat, lon, point[0], point[1]) for point in points) + 1.0
    return Area(lat=round(lat, 6), lon=round(lon, 6), radius_km=min(round(radius, 3), MAX_AREA_RADIUS_KM))


__all__ = ["LoadedScenario", "ScenarioError", "UnreadableScenario", "load_scenario", "parse_scenario"]
