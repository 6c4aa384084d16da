"""A CPO's locations and tariffs, from the scenario's sources, as OCPI 2.2.1 objects it owns.

Sources, in the order the scenario lists them:

* **generated** locations (``sim.scenario.generate``), drawn from ``random.Random(f"{seed}:locations:{party}")``;
* **files** (relative to the scenario file): one object, a list, or a response envelope.  Real files
  from other systems load as they are: control characters inside strings (a TAB in an address, line
  breaks in a tariff text — OCPI 2.2.1 strings forbid them) become spaces with a warning naming the
  object, and objects that still do not validate are skipped with a warning;
* **inline** OCPI JSON in the scenario, checked strictly: its mistakes are the author's, so they are
  problems, not warnings.  ``country_code``/``party_id``/``last_updated`` may be left out (the CPO and
  the scenario start are filled in);
* tariff **presets** (``sim.scenario.presets``).

Ownership: a CPO publishes only what it owns, so file tariffs and (with ``as_owner``, the default)
file locations are rewritten to the CPO's ``country_code``/``party_id``; a location id the CPO already
uses gets its original owner as a prefix (``ALL-356``).  ``area`` keeps the locations inside the
circle, then ``limit`` takes the first N of those.

Tariffs of connectors: every connector names tariffs the CPO publishes.  Names of tariffs it does not
publish are dropped (one warning per file); a connector left with none — or that had none, or that
was generated without a ``tariff`` — uses the CPO's first tariff.  ``last_updated`` later than the
scenario start is set to the start (a CPO cannot have changed an object in the future of the run).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.ocpi.v221.locations import Location
from sim.ocpi.v221.tariffs import Tariff
from sim.scenario.generate import generate_locations, inside, known_time_zone
from sim.scenario.ocpifiles import Model, UnreadableFile, checked, describe, ocpi_issues, read_objects
from sim.scenario.presets import DEFAULT_TARIFFS, default_locations, preset_tariff
from sim.scenario.problems import Findings, join
from sim.scenario.schema import Area, GeneratedLocations, LocationsFromFile, LocationsInline, Party, TariffRef

_SHOWN = 3


@dataclass
class SourceContext:
    """What loading sources needs from the scenario."""

    findings: Findings
    base_dir: Path
    start: datetime
    time_zone: str
    seed: int


@dataclass
class CPOData:
    """The tariffs and locations one CPO starts the run with."""

    tariffs: list[Tariff] = field(default_factory=list)
    locations: list[Location] = field(default_factory=list)

    def tariff_ids(self) -> dict[str, str]:
        """Case-folded id → id of every tariff (ids are CiStrings)."""
        return {tariff.id.casefold(): tariff.id for tariff in self.tariffs}


class _Loader:
    """Loads the sources of one CPO (see the module docstring)."""

    def __init__(self, party: Party, ctx: SourceContext) -> None:
        self.party, self.ctx = party, ctx
        self.country_code, self.party_id = party.id.split("-")
        self.data = CPOData()
        self._location_ids: set[str] = set()
        self._serial = 0

    # --- reading files ----------------------------------------------------------------------------

    def read_objects(self, file: str, path: str) -> list[tuple[str, Any]]:
        """The raw objects of a JSON file (none, after recording the problem, if it is unreadable)."""
        try:
            return read_objects(file, self.ctx.base_dir)
        except UnreadableFile as exc:
            self.ctx.findings.error(path, str(exc))
            return []

    def checked(self, model: type[Model], raw: Any, where: str, path: str) -> Model | None:
        """A real-world object, made valid if control characters are all that is wrong, else skipped."""
        result, warnings = checked(model, raw, where)
        for warning in warnings:
            self.ctx.findings.warn(path, warning)
        return result

    # --- tariffs ----------------------------------------------------------------------------------

    def tariffs_from(self, ref: TariffRef, path: str) -> list[Tariff]:
        """The tariffs one ``TariffRef`` gives this CPO."""
        moment = self.ctx.start
        if ref.id is not None and ref.preset is None:
            self.ctx.findings.error(join(path, "id"), "id names a preset tariff; a file or inline tariff has its own")
        if ref.preset is not None:
            return [
                preset_tariff(
                    ref.preset,
                    country_code=self.country_code,
                    party_id=self.party_id,
                    last_updated=moment,
                    tariff_id=ref.id,
                )
            ]
        if ref.inline is not None:
            tariff = self.inline(Tariff, ref.inline, join(path, "inline"), moment)
            return [tariff] if tariff is not None else []
        tariffs = []
        file_path = join(path, "file")
        for item_path, raw in self.read_objects(ref.file or "", file_path):
            tariff = self.checked(Tariff, raw, f"{ref.file} {describe(item_path, raw, 'tariff')}", path)
            if tariff is not None:
                owned = {"country_code": self.country_code, "party_id": self.party_id}
                tariffs.append(tariff.model_copy(update={**owned, "last_updated": min(tariff.last_updated, moment)}))
        if not tariffs and not self._errors_at(file_path):
            self.ctx.findings.warn(path, f"no tariff loaded from {ref.file!r}")
        return tariffs

    def add_tariffs(self, refs: list[TariffRef] | tuple[TariffRef, ...], path: str) -> None:
        """Load every tariff source; a tariff id used twice is a problem."""
        seen: dict[str, str] = {}
        for index, ref in enumerate(refs):
            ref_path = join(path, index)
            for tariff in self.tariffs_from(ref, ref_path):
                key = tariff.id.casefold()
                if key in seen:
                    self.ctx.findings.error(ref_path, f"tariff id {tariff.id!r} is already used by {seen[key]}")
                    continue
                seen[key] = ref_path
                self.data.tariffs.append(tariff)

    # --- locations --------------------------------------------------------------------------------

    def new_location_id(self) -> str:
        """The next free id ``LOC-0001``, ``LOC-0002``, … of this CPO."""
        while True:
            self._serial += 1
            candidate = f"LOC-{self._serial:04d}"
            if candidate.casefold() not in self._location_ids:
                self._location_ids.add(candidate.casefold())
                return candidate

    def _unique_id(self, location_id: str, owner: str) -> str:
        candidate = location_id
        if candidate.casefold() in self._location_ids:
            candidate = f"{owner}-{location_id}"[:36]
            counter = 1
            while candidate.casefold() in self._location_ids:
                counter += 1
                candidate = f"{owner}{counter}-{location_id}"[:36]
        self._location_ids.add(candidate.casefold())
        return candidate

    def with_tariffs(self, location: Location) -> tuple[Location, list[tuple[str, str]]]:
        """Connectors naming only this CPO's tariffs (else its first); the dropped (path, id) pairs."""
        known = self.data.tariff_ids()
        default = [self.data.tariffs[0].id] if self.data.tariffs else None
        start = self.ctx.start
        dropped: list[tuple[str, str]] = []
        evses = []
        for e, evse in enumerate(location.evses or []):
            connectors = []
            for c, connector in enumerate(evse.connectors):
                named = connector.tariff_ids or []
                kept = [known[t.casefold()] for t in named if t.casefold() in known]
                dropped += [(f"evses[{e}].connectors[{c}].tariff_ids", t) for t in named if t.casefold() not in known]
                changes = {"tariff_ids": kept or default, "last_updated": min(connector.last_updated, start)}
                connectors.append(connector.model_copy(update=changes))
            evses.append(
                evse.model_copy(update={"connectors": connectors, "last_updated": min(evse.last_updated, start)})
            )
        update: dict[str, Any] = {"last_updated": min(location.last_updated, start)}
        if location.evses is not None:
            update["evses"] = evses
        return location.model_copy(update=update), dropped

    def generated(self, spec: GeneratedLocations, path: str, rng: random.Random) -> None:
        """Add made-up locations."""
        tariff_id = self.data.tariffs[0].id if self.data.tariffs else None
        if spec.tariff is not None:
            tariff_id = self.data.tariff_ids().get(spec.tariff.casefold())
            if tariff_id is None:
                self.ctx.findings.error(
                    join(path, "tariff"), f"{self.party.id} has no tariff {spec.tariff!r}{self._has()}"
                )
        self.data.locations += generate_locations(
            spec,
            rng=rng,
            country_code=self.country_code,
            party_id=self.party_id,
            operator=self.party.name or self.party.id,
            tariff_id=tariff_id,
            time_zone=spec.time_zone or self.ctx.time_zone,
            last_updated=self.ctx.start,
            new_id=self.new_location_id,
        )

    def from_file(self, spec: LocationsFromFile, path: str) -> None:
        """Add the locations of a JSON file (see the module docstring for the rules)."""
        renamed: list[str] = []
        dropped: list[str] = []
        foreign: list[str] = []
        taken = 0
        for item_path, raw in self.read_objects(spec.file, join(path, "file")):
            if spec.limit is not None and taken >= spec.limit:
                break
            where = f"{spec.file} {describe(item_path, raw, 'location')}"
            location = self.checked(Location, raw, where, path)
            if location is None or (spec.area is not None and not _in_area(spec.area, location)):
                continue
            if not known_time_zone(location.time_zone):
                self.ctx.findings.warn(
                    path, f"{where}: unknown time zone {location.time_zone!r}, using {self.ctx.time_zone}"
                )
                location = location.model_copy(update={"time_zone": self.ctx.time_zone})
            owner = location.party_id
            if spec.as_owner:
                location = location.model_copy(update={"country_code": self.country_code, "party_id": self.party_id})
            elif (location.country_code, location.party_id) != (self.country_code, self.party_id):
                foreign.append(f"{location.country_code}-{location.party_id}")
            unique = self._unique_id(location.id, owner)
            if unique != location.id:
                renamed.append(f"{location.id!r} → {unique!r}")
                location = location.model_copy(update={"id": unique})
            location, lost = self.with_tariffs(location)
            dropped += [tariff_id for _, tariff_id in lost]
            self.data.locations.append(location)
            taken += 1
        self._summarise(path, spec, taken, renamed, dropped, foreign)

    def _summarise(
        self, path: str, spec: LocationsFromFile, taken: int, renamed: list[str], dropped: list[str], foreign: list[str]
    ) -> None:
        warn, me = self.ctx.findings.warn, self.party.id
        if renamed:
            ids = _count(len(renamed), "location id", "location ids")
            warn(path, f"{ids} already used by {me} got the original owner as prefix: {_some(renamed)}")
        if dropped:
            default = f"{self.data.tariffs[0].id!r} instead" if self.data.tariffs else "no tariff (free)"
            distinct = sorted(set(dropped))
            references = (
                f"{_count(len(dropped), 'reference', 'references')} to {_count(len(distinct), 'tariff', 'tariffs')}"
            )
            warn(
                path,
                f"connectors name tariffs {me} does not publish ({references}: {_some(distinct, quote=True)}); "
                f"they use {default}",
            )
        if foreign:
            kept = _count(len(foreign), "location keeps its owner", "locations keep their owners")
            warn(
                path,
                f"as_owner is false: {kept} ({', '.join(sorted(set(foreign)))}), not {me}; receivers may reject them",
            )
        if taken == 0 and not self._errors_at(join(path, "file")):
            warn(path, f"no location loaded from {spec.file!r}")

    def from_inline(self, spec: LocationsInline, path: str) -> None:
        """Add locations written in the scenario (strict: mistakes are problems)."""
        for index, raw in enumerate(spec.inline):
            item_path = join(join(path, "inline"), index)
            location = self.inline(Location, raw, item_path, self.ctx.start)
            if location is None:
                continue
            if location.id.casefold() in self._location_ids:
                self.ctx.findings.error(
                    join(item_path, "id"), f"{self.party.id} already has a location {location.id!r}"
                )
                continue
            self._location_ids.add(location.id.casefold())
            location, dropped = self.with_tariffs(location)
            for place, tariff_id in dropped:
                self.ctx.findings.error(
                    join(item_path, place), f"{self.party.id} has no tariff {tariff_id!r}{self._has()}"
                )
            self.data.locations.append(location)

    def inline(self, model: type[Model], raw: dict[str, Any], path: str, moment: datetime) -> Model | None:
        """An inline object with its owner and ``last_updated`` filled in where left out."""
        document = dict(raw)
        owned = True
        for key, value in (("country_code", self.country_code), ("party_id", self.party_id)):
            given = document.setdefault(key, value)
            if isinstance(given, str) and given.upper() != value:
                self.ctx.findings.error(join(path, key), f"{given!r} is not {self.party.id}'s (it must be {value!r})")
                owned = False
        _fill_last_updated(document, moment)
        try:
            result = model.model_validate(document)
        except ValidationError as exc:
            for issue in ocpi_issues(exc, path):
                where, _, reason = issue.partition(": ")
                self.ctx.findings.error(where, reason)
            return None
        return result if owned else None

    def _has(self) -> str:
        ids = [tariff.id for tariff in self.data.tariffs]
        return f" (it has {_some(ids, quote=True)})" if ids else " (it has no tariffs)"

    def _errors_at(self, path: str) -> bool:
        return any(problem.path == path for problem in self.ctx.findings.problems)


def _fill_last_updated(document: dict[str, Any], moment: datetime) -> None:
    document.setdefault("last_updated", moment)
    for evse in document.get("evses") or []:
        if isinstance(evse, dict):
            evse.setdefault("last_updated", moment)
            for connector in evse.get("connectors") or []:
                if isinstance(connector, dict):
                    connector.setdefault("last_updated", moment)


def _in_area(area: Area, location: Location) -> bool:
    return inside(area, float(location.coordinates.latitude), float(location.coordinates.longitude))


def _some(items: list[str], *, quote: bool = False) -> str:
    shown = [repr(item) if quote else item for item in items[:_SHOWN]]
    return ", ".join(shown) + (", …" if len(items) > _SHOWN else "")


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def load_cpo(party: Party, index: int, ctx: SourceContext, default_area: Area) -> CPOData:
    """The tariffs and locations of the CPO ``party`` (``parties[index]``); findings go to ``ctx``.

    A CPO whose entry has no ``tariffs`` key gets ``DEFAULT_TARIFFS``; one without a ``locations``
    key gets ten generated locations in ``default_area``.  An explicit empty list means none.
    """
    path = join("parties", index)
    loader = _Loader(party, ctx)
    given = party.model_fields_set
    loader.add_tariffs(party.tariffs if "tariffs" in given else DEFAULT_TARIFFS, join(path, "tariffs"))
    sources = party.locations if "locations" in given else [default_locations(default_area)]
    rng = random.Random(f"{ctx.seed}:locations:{party.id}")
    for number, source in enumerate(sources):
        source_path = join(join(path, "locations"), number)
        if isinstance(source, GeneratedLocations):
            loader.generated(source, source_path, rng)
        elif isinstance(source, LocationsFromFile):
            loader.from_file(source, source_path)
        else:
            loader.from_inline(source, source_path)
    if loader.data.locations and not loader.data.tariffs:
        ctx.findings.warn(join(path, "tariffs"), f"{party.id} has no tariff, so charging at its locations is free")
    return loader.data


def event_tariff(party: Party, ref: TariffRef, path: str, ctx: SourceContext, data: CPOData) -> Tariff | None:
    """The one tariff a ``change_tariff`` event publishes (``None`` after recording a problem)."""
    loader = _Loader(party, ctx)
    loader.data = data
    tariffs = loader.tariffs_from(ref, path)
    if len(tariffs) != 1:
        if tariffs:
            ctx.findings.error(path, f"an event changes one tariff, and {ref.file!r} holds {len(tariffs)}")
        return None
    tariff = tariffs[0]
    used = {
        tariff_id.casefold()
        for location in data.locations
        for evse in location.evses or []
        for connector in evse.connectors
        for tariff_id in connector.tariff_ids or []
    }
    if tariff.id.casefold() not in used:
        ctx.findings.warn(
            path, f"no connector of {party.id} uses tariff {tariff.id!r}, so the change affects no session"
        )
    return tariff
