"""What the map shows of a charging location, as plain data and text (no Qt).

``location_info`` takes a snapshot of a CPO's own ``Location`` (name, operator, address, position,
EVSEs and their connectors); ``StatusCounts`` tallies EVSE statuses, kept up to date from
``EVSEStatusChanged`` events by the map; ``status_text`` and ``tooltip_text`` say it in words;
``tariff_lines`` says a tariff's prices in words; ``data_attribution`` finds the source line of
the real data a scenario loads (the ``SOURCES.md`` next to its files), which the map must show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sim.ocpi.v221.locations import Connector, Location
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.tariffs import Tariff
from sim.pricing.describe import describe_tariff
from sim.pricing.tariff import TariffError
from sim.scenario.loader import LoadedScenario
from sim.scenario.schema import LocationsFromFile
from sim.world.charging import connector_kw

STATUS_ORDER: tuple[str, ...] = (
    Status.CHARGING.value,
    Status.BLOCKED.value,
    Status.RESERVED.value,
    Status.OUTOFORDER.value,
    Status.INOPERATIVE.value,
    Status.AVAILABLE.value,
    Status.UNKNOWN.value,
    Status.PLANNED.value,
    Status.REMOVED.value,
)
"""Every OCPI EVSE status, the most telling first (the order of texts and of a marker's slices)."""

CATEGORIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("charging", "charging", (Status.CHARGING.value,)),
    ("blocked", "plugged in, not charging", (Status.BLOCKED.value,)),
    ("reserved", "reserved", (Status.RESERVED.value,)),
    ("faulted", "out of order / inoperative", (Status.OUTOFORDER.value, Status.INOPERATIVE.value)),
    ("available", "available", (Status.AVAILABLE.value,)),
    ("unknown", "unknown / closed", (Status.UNKNOWN.value, Status.PLANNED.value, Status.REMOVED.value)),
)
"""(key, legend text, OCPI statuses) of the colours a map uses for EVSE statuses."""

_CATEGORY_OF = {status: key for key, _label, statuses in CATEGORIES for status in statuses}


def category_of(status: str) -> str:
    """The colour category (``CATEGORIES`` key) of an OCPI EVSE status; unknown words count as unknown."""
    return _CATEGORY_OF.get(status, "unknown")


@dataclass(frozen=True)
class ConnectorInfo:
    """One connector as the details panel lists it."""

    id: str
    standard: str
    format: str
    power_type: str
    kw: Decimal
    tariff_ids: tuple[str, ...]


@dataclass(frozen=True)
class EVSEInfo:
    """One EVSE: its uid, the EVSE id printed on it, its status when the snapshot was taken, connectors."""

    uid: str
    evse_id: str | None
    status: str
    connectors: tuple[ConnectorInfo, ...]


@dataclass(frozen=True)
class LocationInfo:
    """A snapshot of one Location of a CPO."""

    cpo: str
    id: str
    name: str
    operator: str
    address: str
    lat: float
    lon: float
    evses: tuple[EVSEInfo, ...]


def connector_info(connector: Connector) -> ConnectorInfo:
    """A connector's snapshot (power in kW from ``max_electric_power``, else volts × amps × phases)."""
    return ConnectorInfo(
        id=connector.id,
        standard=connector.standard.value,
        format=connector.format.value,
        power_type=connector.power_type.value,
        kw=connector_kw(connector),
        tariff_ids=tuple(connector.tariff_ids or ()),
    )


def location_info(cpo: str, location: Location) -> LocationInfo:
    """The snapshot of ``location`` (owned by the CPO party ``cpo``, e.g. ``NL-DMN``)."""
    operator = location.operator.name if location.operator is not None else cpo
    town = f"{location.postal_code or ''} {location.city}".strip()
    address = ", ".join(part for part in (location.address, town) if part)
    return LocationInfo(
        cpo=cpo,
        id=location.id,
        name=location.name or location.id,
        operator=operator,
        address=address,
        lat=float(location.coordinates.latitude),
        lon=float(location.coordinates.longitude),
        evses=tuple(
            EVSEInfo(evse.uid, evse.evse_id, evse.status.value, tuple(connector_info(c) for c in evse.connectors))
            for evse in location.evses or []
        ),
    )


class StatusCounts:
    """How many EVSEs of one location are in each OCPI status, kept per EVSE uid."""

    def __init__(self, statuses: dict[str, str] | None = None) -> None:
        self.by_evse: dict[str, str] = dict(statuses or {})

    def set(self, evse_uid: str, status: str) -> bool:
        """Record an EVSE's new status; True when it changed."""
        if self.by_evse.get(evse_uid) == status:
            return False
        self.by_evse[evse_uid] = status
        return True

    def counts(self) -> dict[str, int]:
        """Status → number of EVSEs, in ``STATUS_ORDER``, statuses with none left out."""
        return count_statuses(self.by_evse.values())

    @property
    def total(self) -> int:
        """The number of EVSEs."""
        return len(self.by_evse)


def count_statuses(statuses: Iterable[str]) -> dict[str, int]:
    """Status → count in ``STATUS_ORDER`` (statuses not in it last, alphabetically); zeros left out."""
    tally: dict[str, int] = {}
    for status in statuses:
        tally[status] = tally.get(status, 0) + 1
    order = {status: i for i, status in enumerate(STATUS_ORDER)}
    return {s: tally[s] for s in sorted(tally, key=lambda s: (order.get(s, len(order)), s))}


def status_text(counts: dict[str, int]) -> str:
    """``1 CHARGING, 1 AVAILABLE`` (the order of ``counts``); ``no EVSEs`` when empty."""
    return ", ".join(f"{n} {status}" for status, n in counts.items()) or "no EVSEs"


def tooltip_text(info: LocationInfo, counts: dict[str, int]) -> str:
    """The hover text of a marker: name, operator, address, EVSE count and statuses."""
    total = sum(counts.values())
    return "\n".join(
        (
            info.name,
            f"Operator: {info.operator} ({info.cpo})",
            info.address,
            f"{total} EVSE{'s' if total != 1 else ''}: {status_text(counts)}",
        )
    )


def connector_text(connector: ConnectorInfo) -> str:
    """``IEC_62196_T2 socket · AC_3_PHASE · 11 kW``."""
    return f"{connector.standard} {connector.format.lower()} · {connector.power_type} · {format_kw(connector.kw)} kW"


def format_kw(kw: Decimal) -> str:
    """A power without trailing zeros: ``11``, ``7.4``, ``3.68``."""
    text = format(kw.normalize(), "f")
    return text


def tariff_lines(tariff: Tariff) -> list[str]:
    """The tariff in plain words (``sim.pricing.describe.describe_tariff``), or why it cannot be read."""
    try:
        return describe_tariff(tariff)
    except TariffError as exc:
        return [f"cannot be priced: {exc}"]


ATTRIBUTION_PREFIXES = ("Bron:", "Source:", "Data:")


def data_attribution(loaded: LoadedScenario) -> str | None:
    """The source line of the real location data a scenario loads, e.g. ``Bron: NDW (DOT-NL), via …``.

    Read from a ``SOURCES.md`` beside the scenario's location files: its first line that starts
    with ``Bron:``, ``Source:`` or ``Data:``.  None when the scenario loads no such files.
    """
    seen: list[str] = []
    for party in loaded.scenario.parties:
        for source in party.locations:
            if not isinstance(source, LocationsFromFile):
                continue
            line = _source_line((loaded.base_dir / source.file).parent / "SOURCES.md")
            if line is not None and line not in seen:
                seen.append(line)
    return "; ".join(seen) if seen else None


def _source_line(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(ATTRIBUTION_PREFIXES):
            return stripped.rstrip(".")
    return None


__all__ = [
    "CATEGORIES",
    "STATUS_ORDER",
    "ConnectorInfo",
    "EVSEInfo",
    "LocationInfo",
    "StatusCounts",
    "category_of",
    "connector_info",
    "connector_text",
    "count_statuses",
    "data_attribution",
    "format_kw",
    "location_info",
    "status_text",
    "tariff_lines",
    "tooltip_text",
]
