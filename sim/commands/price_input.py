"""``roamsim price`` input: the CDR and tariff files read into a ``Job`` ready to price.

The CDR may be partial: only ``start_date_time``, ``end_date_time`` (2.1.1: ``stop_date_time``) and
``charging_periods`` are read (``currency`` and the location's ``time_zone`` when present).  Tariffs
come from ``--tariff`` files (one tariff, a list or a response envelope) or, without ``--tariff``,
from the CDR's own ``tariffs``.  The time zone is ``--time-zone``, else the CDR location's
``time_zone``, else UTC.  Anything that cannot be priced raises ``InputError`` with one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.ocpi.common import OCPIVersion, parse_datetime
from sim.ocpi.wirejson import UnreadableText, read_json_file
from sim.pricing import PeriodInput, PricingTariff, TariffError, parse_tariff


class InputError(Exception):
    """The command cannot run on its input; the message is one line."""


@dataclass(frozen=True)
class SourcedTariff:
    """A parsed tariff and where it came from (for the header)."""

    tariff: PricingTariff
    source: str


@dataclass(frozen=True)
class Job:
    """Everything read from the command line and the files, ready to price."""

    version: OCPIVersion
    cdr_path: Path
    cdr: dict[str, Any]
    tariffs: list[SourcedTariff]
    periods: list[PeriodInput]
    period_index: list[int]
    """CDR ``charging_periods`` index of each period, in the engine's (start time) order."""
    start: datetime
    end: datetime | None
    zone_name: str
    zone_origin: str
    zone: ZoneInfo


def prepare(args: argparse.Namespace) -> Job:
    """Read the CDR and the tariffs and resolve the time zone; ``InputError`` says what is wrong."""
    version = OCPIVersion(args.version)
    cdr_path: Path = args.cdr
    cdr = _cdr_object(read_json(cdr_path), cdr_path)
    where = f"{cdr_path}:"
    start = _moment(cdr, "start_date_time", version, where, required=True)
    assert start is not None
    end_key, other_end_key = (
        ("stop_date_time", "end_date_time") if version is OCPIVersion.V2_1_1 else ("end_date_time", "stop_date_time")
    )
    if cdr.get(end_key) is None and cdr.get(other_end_key) is not None:
        other = OCPIVersion.V2_2_1 if version is OCPIVersion.V2_1_1 else OCPIVersion.V2_1_1
        raise InputError(
            f"{where} the CDR has {other_end_key} but no {end_key}: an OCPI {other.value} CDR? "
            f"(use --version {other.value})"
        )
    end = _moment(cdr, end_key, version, where)
    if end is not None and end < start:
        raise InputError(f"{where} {end_key} {cdr[end_key]} is before start_date_time {cdr['start_date_time']}")
    periods, period_index = _periods(cdr, version, where)
    if args.tariff:
        tariffs = [t for path in args.tariff for t in read_tariffs(path, version)]
    else:
        tariffs = _embedded_tariffs(cdr, cdr_path, version)
    _reject_duplicate_ids(tariffs)
    zone_name, zone_origin = _zone_choice(args.time_zone, cdr)
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {zone_name!r} ({zone_origin})") from None
    return Job(version, cdr_path, cdr, tariffs, periods, period_index, start, end, zone_name, zone_origin, zone)


def read_json(path: Path) -> Any:
    """The JSON document in ``path`` (numbers with a fraction as Decimal)."""
    try:
        return read_json_file(path)
    except UnreadableText as exc:
        raise InputError(f"{path}: {exc}") from None


def read_tariffs(path: Path, version: OCPIVersion) -> list[SourcedTariff]:
    """The tariffs of one file: a tariff object, a list of them, or a response envelope."""
    document = read_json(path)
    prefix = ""
    if isinstance(document, dict) and "data" in document and "elements" not in document:
        document, prefix = document["data"], "data"
    items = document if isinstance(document, list) else [document]
    if not items or document is None:
        raise InputError(f"{path}: holds no tariff")
    paths = [f"{prefix}[{i}]" for i in range(len(items))] if isinstance(document, list) else [prefix]
    return [
        SourcedTariff(_parse(item, version, where, path), str(path)) for item, where in zip(items, paths, strict=True)
    ]


def _parse(document: Any, version: OCPIVersion, where: str, path: Path) -> PricingTariff:
    try:
        return parse_tariff(document, version, path=where)
    except TariffError as exc:
        raise InputError(f"{path}: {exc}") from None


def _embedded_tariffs(cdr: Mapping[str, Any], path: Path, version: OCPIVersion) -> list[SourcedTariff]:
    embedded = cdr.get("tariffs")
    if not isinstance(embedded, list) or not embedded:
        raise InputError(f"no tariff: give --tariff FILE (the CDR {path} embeds no tariffs)")
    return [
        SourcedTariff(_parse(t, version, f"tariffs[{i}]", path), f"{path}, embedded") for i, t in enumerate(embedded)
    ]


def _reject_duplicate_ids(tariffs: Sequence[SourcedTariff]) -> None:
    seen: dict[str, SourcedTariff] = {}
    for entry in tariffs:
        key = entry.tariff.id.casefold()
        if key in seen:
            raise InputError(
                f"tariff id {entry.tariff.id!r} is given twice ({seen[key].source} and {entry.source}): "
                "periods could not tell them apart"
            )
        seen[key] = entry


def _cdr_object(document: Any, path: Path) -> dict[str, Any]:
    if isinstance(document, dict) and "data" in document and "charging_periods" not in document:
        document = document["data"]  # a response envelope
        if isinstance(document, list) and len(document) == 1:
            document = document[0]
    if not isinstance(document, dict):
        raise InputError(f"{path}: the CDR must be a JSON object (or an envelope holding one)")
    return document


def _moment(
    obj: Mapping[str, Any], key: str, version: OCPIVersion, where: str, *, required: bool = False, label: str = ""
) -> datetime | None:
    value = obj.get(key)
    name = label or key
    if value is None:
        if required:
            raise InputError(f"{where} {name}: required field missing")
        return None
    if not isinstance(value, str):
        raise InputError(f"{where} {name}: must be a DateTime string, got {value!r}")
    try:
        return parse_datetime(value, version)
    except ValueError as exc:
        raise InputError(f"{where} {name}: {exc}") from None


def _periods(cdr: Mapping[str, Any], version: OCPIVersion, where: str) -> tuple[list[PeriodInput], list[int]]:
    raw = cdr.get("charging_periods")
    if raw is None:
        raise InputError(f"{where} the CDR has no charging_periods")
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where} charging_periods: must be a non-empty list of ChargingPeriods")
    periods: list[tuple[PeriodInput, int]] = []
    for index, period in enumerate(raw):
        label = f"charging_periods[{index}]"
        if not isinstance(period, dict):
            raise InputError(f"{where} {label}: must be an object")
        start = _moment(period, "start_date_time", version, where, required=True, label=f"{label}.start_date_time")
        assert start is not None
        dimensions = period.get("dimensions")
        if not isinstance(dimensions, list):
            raise InputError(f"{where} {label}.dimensions: must be a list of CdrDimensions")
        for position, dimension in enumerate(dimensions):
            at = f"{label}.dimensions[{position}]"
            if not isinstance(dimension, dict) or not isinstance(dimension.get("type"), str):
                raise InputError(f"{where} {at}: must be an object with a type")
            volume = dimension.get("volume")
            if isinstance(volume, bool) or not isinstance(volume, (int, Decimal)):
                raise InputError(f"{where} {at}.volume: must be a number, got {volume!r}")
        periods.append((PeriodInput.from_ocpi(period, start), index))
    periods.sort(key=lambda pair: (pair[0].start, pair[1]))  # the engine's order
    return [p for p, _ in periods], [i for _, i in periods]


def _zone_choice(option: str | None, cdr: Mapping[str, Any]) -> tuple[str, str]:
    if option is not None:
        return option, "--time-zone"
    for key in ("cdr_location", "location"):
        location = cdr.get(key)
        if isinstance(location, dict) and isinstance(location.get("time_zone"), str):
            return location["time_zone"], f"from the CDR's {key}.time_zone"
    return "UTC", "default: the CDR names no time zone"
