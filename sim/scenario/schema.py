"""The scenario file format (YAML), as pydantic models with ``extra="forbid"``.

A scenario says who takes part (parties and their roles), how they are connected (links: bilateral
or through a hub, OCPI version, push or pull per module), what the physical world holds (locations,
tariffs, drivers with their EVs and habits), what goes wrong (faults), what happens on schedule
(events), and what a run must achieve (expectations).  Everything but the parties has a default,
so the smallest scenario is a CPO and an eMSP.

Durations are written ``90s``, ``15m``, ``1h30m``, ``2d`` (or a number of seconds); instants inside
the run are durations from the start (``at: 10h``) or a local wall time, meaning its first
occurrence at or after the start (``at: "17:00"``).  Cross-references (which party a link, fault or
event names, which tariff a connector uses, ...) are checked by ``sim.scenario.load_scenario``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
    field_validator,
    model_validator,
)

SCHEMA_VERSION = 1

_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?")
_WALL_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_LOOKS_LIKE_WALL_TIME = re.compile(r"\d{1,2}:\d{1,2}")
# The same shapes for editors (JSON Schema patterns are ECMA regexes, anchored here).
_DURATION_PATTERN = r"^(\d+(\.\d+)?d)?(\d+(\.\d+)?h)?(\d+(\.\d+)?m(?!s))?(\d+(\.\d+)?s)?$"
_WALL_TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
_PARTY = re.compile(r"[A-Z]{2}-[A-Z0-9]{3}")


def parse_duration(value: Any) -> float:
    """``90s``, ``15m``, ``1h30m``, ``2d`` or a number of seconds → seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration must be like 30s, 15m, 1h30m or 2d")
    if isinstance(value, (int, float, Decimal)):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("a duration must be like 30s, 15m, 1h30m or 2d")
    match = _DURATION.fullmatch(value.strip().replace(" ", ""))
    if match is None or not any(match.groups()):
        raise ValueError(f"{value!r} is not a duration (write e.g. 30s, 15m, 1h30m or 2d)")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


_DURATION_JSON: dict[str, Any] = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": _DURATION_PATTERN, "examples": ["90s", "15m", "1h30m", "2d"]},
    ]
}

Duration = Annotated[float, BeforeValidator(parse_duration), WithJsonSchema(_DURATION_JSON)]
"""Seconds, written as a duration."""


def _wall_time(value: Any) -> str:
    if not isinstance(value, str) or not _WALL_TIME.fullmatch(value.strip()):
        raise ValueError(f"{value!r} is not a wall time (write HH:MM from 00:00 to 23:59, e.g. 07:30)")
    return value.strip()


WallTime = Annotated[
    str, BeforeValidator(_wall_time), WithJsonSchema({"type": "string", "pattern": _WALL_TIME_PATTERN})
]
"""A local time of day ``"HH:MM"`` (24-hour, leading zeros)."""


def _instant(value: Any) -> float | str:
    if isinstance(value, str) and _LOOKS_LIKE_WALL_TIME.fullmatch(value.strip()):
        return _wall_time(value)
    return parse_duration(value)


Instant = Annotated[
    float | str,
    BeforeValidator(_instant),
    WithJsonSchema({"anyOf": [*_DURATION_JSON["anyOf"], {"type": "string", "pattern": _WALL_TIME_PATTERN}]}),
]
"""Seconds from the start, or ``"HH:MM"`` local wall time (its first occurrence at or after the start)."""


class Strict(BaseModel):
    """Base of every scenario model: unknown keys are errors (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- places ---------------------------------------------------------------------------------------


class Area(Strict):
    """A circle on the map."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=500)


class GeneratedLocations(Strict):
    """Locations made up by the simulator inside an area."""

    count: int = Field(ge=1, le=10_000)
    area: Area
    evses_per_location: tuple[Annotated[int, Field(ge=1, le=100)], Annotated[int, Field(ge=1, le=100)]] = (2, 4)
    """Inclusive range."""
    power_kw: list[Annotated[float, Field(gt=0, le=1000)]] = Field(default_factory=lambda: [11.0, 22.0], min_length=1)
    """Each location draws one charger power from this list (≥ 50 kW means DC)."""
    tariff: str | None = None
    """Tariff id for every connector (default: the CPO's first tariff)."""
    time_zone: str | None = None
    """Default: the scenario's time zone."""

    @field_validator("evses_per_location")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[0] > value[1]:
            raise ValueError(f"[{value[0]}, {value[1]}] is not a range (write [min, max] with min ≤ max)")
        return value


class LocationsFromFile(Strict):
    """OCPI 2.2.1 Locations loaded from a JSON file (an object, a list or a response envelope)."""

    file: str
    limit: int | None = Field(default=None, ge=1)
    """Take the first N locations only."""
    area: Area | None = None
    """Keep only locations inside this area."""
    as_owner: bool = True
    """Rewrite ``country_code``/``party_id`` to this CPO (real files name their own operators)."""


class LocationsInline(Strict):
    """OCPI 2.2.1 Location objects written in the scenario."""

    inline: list[dict[str, Any]] = Field(min_length=1)


def _location_source_kind(value: Any) -> str | None:
    """Which kind of location source a mapping is, from its keys (so errors name only that kind)."""
    if isinstance(value, GeneratedLocations):
        return "generated"
    if isinstance(value, LocationsFromFile):
        return "file"
    if isinstance(value, LocationsInline):
        return "inline"
    if isinstance(value, dict):
        for key, kind in (("inline", "inline"), ("file", "file"), ("count", "generated"), ("area", "generated")):
            if key in value:
                return kind
    return None


LocationSource = Annotated[
    Annotated[GeneratedLocations, Tag("generated")]
    | Annotated[LocationsFromFile, Tag("file")]
    | Annotated[LocationsInline, Tag("inline")],
    Discriminator(
        _location_source_kind,
        custom_error_type="location_source",
        custom_error_message="a location source needs count and area (generated), file, or inline",
    ),
]


class TariffPreset(StrEnum):
    """Named tariffs for quick scenarios (see ``sim.scenario.presets``)."""

    AC_STANDARD = "ac-standard"
    DC_FAST = "dc-fast"
    TIME_OF_DAY = "time-of-day"
    PARKING_PENALTY = "parking-penalty"
    FREE = "free"


class TariffRef(Strict):
    """One tariff: a preset, a file (one tariff, a list or an envelope), or OCPI JSON inline."""

    preset: TariffPreset | None = None
    id: str | None = None
    """Id for a preset tariff (default: the preset name in capitals)."""
    file: str | None = None
    inline: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _exactly_one_source(self) -> TariffRef:
        given = [name for name in ("preset", "file", "inline") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of preset, file or inline (got {', '.join(given) or 'none'})")
        return self


# --- parties and links ----------------------------------------------------------------------------


class RoleName(StrEnum):
    """What a party does in the scenario."""

    CPO = "CPO"
    EMSP = "EMSP"
    HUB = "HUB"
    SCSP = "SCSP"


class Version(StrEnum):
    """OCPI versions a link can use."""

    V2_1_1 = "2.1.1"
    V2_2_1 = "2.2.1"


class SyncStyle(StrEnum):
    """How a module's data travels on a link."""

    PUSH = "push"
    PULL = "pull"


class Link(Strict):
    """A connection of this party: to another party directly, or via a hub.

    The party declaring the link registers with the other one (it receives token A from it).
    """

    to: str | None = None
    via: str | None = None
    version: Version | None = None
    """Default: the highest version both ends support."""
    sync: dict[str, SyncStyle] = Field(default_factory=dict)
    """Per module (locations, tariffs, tokens, sessions, cdrs); default push."""
    pull_interval: Duration = 3600.0
    latency_ms: float = Field(default=50.0, ge=0)


class Reliability(Strict):
    """Random charger failures: mean time between failures and to repair, per EVSE."""

    mtbf: Duration = 30 * 86400.0
    mttr: Duration = 4 * 3600.0


class ChargerBehaviour(Strict):
    """How this CPO's chargers answer commands."""

    delay: Duration = 5.0
    start_timeout_probability: float = Field(default=0.0, ge=0, le=1)
    """Share of START_SESSION commands the charger never answers (the eMSP sees a TIMEOUT)."""


class TokenKind(StrEnum):
    """How a driver identifies: an RFID card at the charger, or the eMSP's app (START_SESSION)."""

    RFID = "rfid"
    APP = "app"


class DriverProfile(StrEnum):
    """Daily habits."""

    COMMUTER = "commuter"
    SHOPPER = "shopper"
    RIDE_HAILING = "ride-hailing"


class Drivers(Strict):
    """The drivers of one eMSP."""

    count: int = Field(default=20, ge=0, le=100_000)
    home_area: Area | None = None
    """Default: the area of the scenario's locations."""
    ev_mix: dict[str, float] = Field(default_factory=lambda: {"compact": 0.5, "suv": 0.3, "van": 0.2})
    tokens: dict[TokenKind, float] = Field(default_factory=lambda: {TokenKind.RFID: 0.8, TokenKind.APP: 0.2})
    profile: DriverProfile | dict[DriverProfile, float] = DriverProfile.COMMUTER
    search_radius_km: float = Field(default=5.0, gt=0)
    patience: Duration = 900.0
    """How long a driver waits for a charger to free up before trying elsewhere."""
    other_maps: float = Field(default=0.05, ge=0, le=1)
    """Share of charger searches made on a third-party map (may pick a CPO the eMSP has no agreement with)."""
    reserve: float = Field(default=0.0, ge=0, le=1)
    """Share of app drivers who reserve the charger they chose (RESERVE_NOW) before driving there when it is
    farther than 1 km; RFID drivers never reserve (they have no app)."""
    remote_stop: float = Field(default=0.0, ge=0, le=1)
    """Share of app drivers who stop the session from the app (STOP_SESSION) when they have enough energy,
    then walk to the car and unplug; the others only unplug."""
    stuck_cable: float = Field(default=0.0, ge=0, le=1)
    """Share of departures where the cable will not come out: the driver calls the eMSP's help desk,
    which sends UNLOCK_CONNECTOR."""
    initial_soc: tuple[float, float] = (0.3, 0.9)
    """Range of the batteries' state of charge at the start of the run (0–1); each driver draws one."""

    @field_validator("initial_soc")
    @classmethod
    def _soc_range(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 <= low <= high <= 1:
            raise ValueError("initial_soc must be [low, high] with 0 <= low <= high <= 1")
        return value


class Party(Strict):
    """One platform of the scenario."""

    id: str
    """``CC-PPP``: ISO country code and three-character party id, e.g. ``NL-ABC``."""
    role: RoleName
    name: str | None = None
    versions: list[Version] = Field(default_factory=lambda: [Version.V2_2_1, Version.V2_1_1], min_length=1)
    links: list[Link] = Field(default_factory=list)
    locations: list[LocationSource] = Field(default_factory=list)
    tariffs: list[TariffRef] = Field(default_factory=list)
    reliability: Reliability = Field(default_factory=Reliability)
    chargers: ChargerBehaviour = Field(default_factory=ChargerBehaviour)
    drivers: Drivers | None = None
    session_update_interval: Duration = 900.0
    """CPO: how often a running session is PATCHed."""

    @field_validator("id")
    @classmethod
    def _party_id(cls, value: str) -> str:
        if not _PARTY.fullmatch(value):
            raise ValueError(f"{value!r} is not a party id like 'NL-ABC' (country code, dash, three characters)")
        return value


# --- faults, events, smart charging, expectations -------------------------------------------------


class FaultKind(StrEnum):
    """What goes wrong."""

    OUTAGE = "outage"
    LATENCY = "latency"
    ERRORS = "errors"
    LOST_CALLBACKS = "lost_callbacks"
    MALFORMED = "malformed"


class Fault(Strict):
    """A fault on a party (all its links) or on one link ``A->B`` (both directions), for a while."""

    kind: FaultKind
    party: str | None = None
    link: str | None = None
    at: Instant = 0.0
    for_: Duration | None = Field(default=None, alias="for")
    """Default: until the end of the run."""
    probability: float = Field(default=1.0, ge=0, le=1)
    http_status: int | None = Field(default=None, ge=400, le=599)
    ocpi_status: int | None = Field(default=None, ge=2000, le=3999)
    latency_ms: float | None = Field(default=None, ge=0)
    jitter_ms: float = Field(default=0.0, ge=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EventAction(StrEnum):
    """Scheduled changes."""

    CHANGE_TARIFF = "change_tariff"
    CLOSE_LOCATION = "close_location"
    OPEN_LOCATION = "open_location"
    JOIN_HUB = "join_hub"
    LEAVE_HUB = "leave_hub"
    BLOCK_TOKEN = "block_token"


class ScheduledEvent(Strict):
    """Something that happens at a moment of the run."""

    at: Instant
    action: EventAction
    party: str
    tariff: TariffRef | None = None
    location: str | None = None
    hub: str | None = None
    tokens: int = Field(default=1, ge=1)
    """BLOCK_TOKEN: how many of the eMSP's tokens."""


class SmartCharging(Strict):
    """An SCSP (e.g. a grid operator) capping power on sessions in an area during a peak."""

    party: str
    area: Area | None = None
    peak_start: WallTime = "17:00"
    peak_end: WallTime = "20:00"
    limit_kw: float = Field(default=7.0, gt=0)


class Expectation(Strict):
    """A KPI threshold the run must meet (``roamsim run`` exits 3 otherwise)."""

    metric: str
    ge: float | None = Field(default=None, alias=">=")
    le: float | None = Field(default=None, alias="<=")
    eq: float | None = Field(default=None, alias="==")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Scenario(Strict):
    """A whole scenario file."""

    schema_version: Literal[1] = 1
    name: str
    description: str = ""
    seed: int = 42
    start: datetime = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    time_zone: str = "Europe/Amsterdam"
    duration: Duration = 86400.0
    parties: list[Party] = Field(min_length=1)
    faults: list[Fault] = Field(default_factory=list)
    events: list[ScheduledEvent] = Field(default_factory=list)
    smart_charging: SmartCharging | None = None
    expect: list[Expectation] = Field(default_factory=list)

    @field_validator("start")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("start must carry a time zone, e.g. 2026-03-02T06:00:00Z")
        return value.astimezone(UTC)
