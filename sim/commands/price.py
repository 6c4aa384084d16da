"""``roamsim price``: price a CDR's charging periods with tariffs, show the cost lines, check the totals.

The CDR may be partial: only ``start_date_time``, ``end_date_time`` (2.1.1: ``stop_date_time``) and
``charging_periods`` are read (``currency`` and the location's ``time_zone`` when present); its own
totals are ignored except by ``--check``.  Tariffs come from ``--tariff`` files (one tariff, a list
or a response envelope) or, without ``--tariff``, from the CDR's own ``tariffs``.  Exit 0 priced
(and the check passed), 1 ``--check`` found a total more than 0.01 off, 2 usage error or input that
cannot be priced (one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sim.ocpi.common import OCPIVersion, parse_datetime
from sim.ocpi.wirejson import dumps, loads
from sim.pricing import (
    Category,
    CostLine,
    Money,
    PeriodInput,
    PricingInputError,
    PricingResult,
    PricingTariff,
    TariffError,
    Totals,
    parse_tariff,
    price_session,
)
from sim.pricing.result import quantize

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2
TOLERANCE = Decimal("0.01")
UNITS = {"ENERGY": "kWh", "TIME": "h", "PARKING_TIME": "h", "RESERVATION_TIME": "h"}
# The cost fields of a 2.2.1 CDR and where the engine keeps their value (None: the grand total).
MONEY_FIELDS_221: tuple[tuple[str, Category | None], ...] = (
    ("total_cost", None),
    ("total_fixed_cost", Category.FIXED),
    ("total_energy_cost", Category.ENERGY),
    ("total_time_cost", Category.TIME),
    ("total_parking_cost", Category.PARKING),
    ("total_reservation_cost", Category.RESERVATION),
)
QUANTITY_FIELDS: tuple[tuple[str, str], ...] = (
    ("total_energy", "kWh"),
    ("total_time", "h"),
    ("total_parking_time", "h"),
)


class InputError(Exception):
    """The command cannot run on its input; the message is one line."""


def add_parser(subparsers: Any) -> None:
    """Register ``roamsim price``."""
    parser = subparsers.add_parser(
        "price",
        help="price a CDR's charging periods with tariffs and show every cost line and the CDR totals",
        description=(
            "Prices the charging periods of the CDR in FILE with the tariffs (ignoring the CDR's own "
            "totals) and prints one row per cost line and every CDR total. The CDR may be partial: "
            "start_date_time, end_date_time (2.1.1: stop_date_time) and charging_periods suffice. A tariff "
            "file holds one tariff, a list of tariffs or a response envelope; without --tariff the CDR's "
            "own tariffs are used. Exit 0 priced, 1 --check found a total more than 0.01 off, 2 usage "
            "error or input that cannot be priced."
        ),
    )
    parser.add_argument(
        "--tariff",
        action="append",
        type=Path,
        metavar="FILE",
        help="tariff file (repeatable); default: the tariffs embedded in the CDR",
    )
    parser.add_argument("--cdr", type=Path, required=True, metavar="FILE", help="the CDR (JSON object or envelope)")
    parser.add_argument(
        "--time-zone",
        metavar="ZONE",
        help="IANA zone for time restrictions (default: the CDR location's time_zone, else UTC)",
    )
    parser.add_argument(
        "--version",
        choices=[v.value for v in OCPIVersion],
        default=OCPIVersion.V2_2_1.value,
        help="OCPI version of the CDR and the tariffs (default: 2.2.1)",
    )
    parser.add_argument(
        "--format",
        choices=["table", "json"],
        default="table",
        help="table: every cost line and total (default); json: only the totals under the CDR field names",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with the CDR's own totals; exit 1 if any differs by more than 0.01",
    )
    parser.set_defaults(handler=run)


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


@dataclass(frozen=True)
class Difference:
    """A CDR total that disagrees with the computed one by more than the tolerance."""

    field: str
    cdr: Decimal
    computed: Decimal

    def __str__(self) -> str:
        return f"{self.field}: CDR {plain(self.cdr)}, computed {plain(self.computed)}"


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Price, print the table or the JSON totals, optionally check; return the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        job = prepare(args)
        result = price_session(
            [t.tariff for t in job.tariffs],
            job.periods,
            session_start=job.start,
            session_end=job.end,
            time_zone=job.zone_name,
            version=job.version,
        )
        checked = compare_totals(job.cdr, result.totals, job.version) if args.check else None
    except (InputError, PricingInputError) as exc:
        print(f"roamsim price: {exc}", file=err)
        return EXIT_USAGE
    notes = notes_for(job, result)
    if args.format == "json":
        out.write(dumps(result.totals.cdr_fields(job.version), indent=2) + "\n")
        for note in notes:
            print(f"roamsim price: note: {note}", file=err)
    else:
        out.write(format_table(job, result, notes))
    if checked is None:
        return EXIT_OK
    differences, compared = checked
    if args.format == "json":
        err.write(format_check(differences, compared))
    else:
        out.write("\n" + format_check(differences, compared))
    return EXIT_CHECK_FAILED if differences else EXIT_OK


# --- reading the input ---------------------------------------------------------------------------


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
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a JSON file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return loads(text)
    except ValueError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


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


# --- checking the CDR's own totals ---------------------------------------------------------------


def compare_totals(cdr: Mapping[str, Any], totals: Totals, version: OCPIVersion) -> tuple[list[Difference], int]:
    """Every total the CDR carries that differs from ``totals`` by more than 0.01, and how many were compared.

    Money is compared from the engine's Money values (incl. VAT equals excl. where no VAT applies),
    not from the wire fields, which leave ``incl_vat`` out when the tariff states no VAT.  Fields the
    CDR leaves out are not compared; ``InputError`` if a present field is not a number or Price.
    """
    pairs: list[tuple[str, Any, Decimal]] = []
    if version is OCPIVersion.V2_1_1:
        if cdr.get("total_cost") is not None:
            pairs.append(("total_cost", cdr["total_cost"], totals.cost.excl))
    else:
        for name, category in MONEY_FIELDS_221:
            price = cdr.get(name)
            if price is None:
                continue
            if not isinstance(price, dict):
                raise InputError(f"CDR {name}: must be a Price object (excl_vat, incl_vat) in OCPI 2.2.1")
            money = totals.cost if category is None else totals.category(category)
            pairs.append((f"{name}.excl_vat", price.get("excl_vat"), money.excl))
            if price.get("incl_vat") is not None:
                pairs.append((f"{name}.incl_vat", price["incl_vat"], money.incl))
    for (name, _), computed in zip(QUANTITY_FIELDS, (totals.energy, totals.time, totals.parking_time), strict=True):
        if cdr.get(name) is not None:
            pairs.append((name, cdr[name], computed))
    differences = []
    for name, stated, computed in pairs:
        if isinstance(stated, bool) or not isinstance(stated, (int, Decimal)):
            raise InputError(f"CDR {name}: must be a number, got {stated!r}")
        if abs(Decimal(stated) - computed) > TOLERANCE:
            differences.append(Difference(name, Decimal(stated), computed))
    return differences, len(pairs)


def format_check(differences: Sequence[Difference], compared: int) -> str:
    """The check report: a pass line, or one line per difference."""
    if not compared:
        return "check: the CDR carries no totals to compare\n"
    if not differences:
        return "check: all totals within 0.01\n"
    count = f"{len(differences)} total{'s differ' if len(differences) != 1 else ' differs'}"
    lines = [f"check: {count} from the CDR by more than 0.01"]
    lines += [f"  {difference}" for difference in differences]
    return "\n".join(lines) + "\n"


# --- the table -----------------------------------------------------------------------------------


def plain(value: Decimal) -> str:
    """A number at four decimals without trailing zeros (``12.375``, ``0.5``, ``4``)."""
    text = format(quantize(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def four(value: Decimal) -> str:
    """An amount or volume at four decimals."""
    return format(quantize(value), "f")


def notes_for(job: Job, result: PricingResult) -> list[str]:
    """Remarks about the input (currency mismatch) plus the engine's own notes."""
    notes = list(result.notes)
    currency = job.cdr.get("currency")
    if isinstance(currency, str) and currency != result.currency:
        notes.append(f"the CDR's currency is {currency}, the tariffs price in {result.currency}")
    return notes


def format_table(job: Job, result: PricingResult, notes: Sequence[str]) -> str:
    """Header, one row per cost line, explanations, the totals block and notes."""
    version = job.version
    count = len(job.periods)
    end = f" – {_local(job.end, job.zone)}" if job.end is not None else " (no end time)"
    tariffs = ", ".join(f"{t.tariff.id} ({t.source})" for t in job.tariffs)
    lines = [
        f"roamsim price — OCPI {version.value}",
        f"  CDR:       {job.cdr_path} ({count} charging period{'s' if count != 1 else ''})",
        f"  session:   {_local(job.start, job.zone)}{end} local time",
        f"  tariffs:   {tariffs}",
        f"  currency:  {result.currency}",
        f"  time zone: {job.zone_name} ({job.zone_origin})",
        "",
    ]
    lines += _cost_rows(job, result.lines)
    lines.append("")
    lines += _explanations(job, result)
    lines += _totals_block(result.totals, version)
    lines += [f"note: {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _cost_rows(job: Job, cost_lines: Sequence[CostLine]) -> list[str]:
    header = (
        "#",
        "period start",
        "dimension",
        "volume",
        "billed",
        "tariff[element]",
        "unit price",
        "VAT %",
        "cost excl.",
        "cost incl.",
    )
    right = {0, 3, 4, 6, 7, 8, 9}
    rows = [header]
    for line in cost_lines:
        period = job.periods[line.period]
        unit = UNITS.get(line.dimension, "")
        is_flat = line.dimension == "FLAT"
        component = line.component
        if component is None:
            where, price, vat = "free", "-", "-"
        else:
            where = f"{line.tariff_id}[{line.element}]"
            price = four(component.price)
            vat = "-" if component.vat is None or job.version is OCPIVersion.V2_1_1 else plain(component.vat)
        rows.append(
            (
                str(job.period_index[line.period]),
                _local(period.start, job.zone),
                line.dimension,
                "-" if is_flat else f"{four(line.volume)} {unit}",
                "-" if is_flat else f"{four(line.billed)} {unit}",
                where,
                price,
                vat,
                four(line.cost.excl),
                four(line.cost.incl),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def _explanations(job: Job, result: PricingResult) -> list[str]:
    lines = ["# = index in the CDR's charging_periods; tariff[element] = tariff id and index in its elements"]
    if any(line.component is None for line in result.lines):
        lines.append(
            "free (no applicable element): no element of the tariff has a component of that dimension whose "
            "restrictions hold in that period, so the dimension costs nothing there"
        )
    if any(line.billed != line.volume for line in result.lines):
        lines.append(
            "billed > volume: the stream's session total was rounded up once to the step_size of its last paid "
            "component; the extra is billed on that line"
        )
    if job.version is OCPIVersion.V2_1_1:
        lines.append("OCPI 2.1.1 has no VAT: every amount is excl. VAT (incl. shown equal)")
    elif not result.totals.has_vat:
        lines.append("no VAT information in the tariff: incl. VAT equals excl. VAT; the CDR leaves incl_vat out")
    lines.append("")
    return lines


def _totals_block(totals: Totals, version: OCPIVersion) -> list[str]:
    is_221 = version is OCPIVersion.V2_2_1
    money_rows: list[tuple[str, Money]] = [("total_cost", totals.cost)]
    if totals.cost != totals.cost_before_limits:
        money_rows.append(("  before price limits", totals.cost_before_limits))
    if is_221:
        money_rows += [(name, totals.category(c)) for name, c in MONEY_FIELDS_221 if c is not None]
    label_width = max(len("totals (CDR fields)"), *(len(name) for name, _ in money_rows))
    heading = f"{'totals (CDR fields)':<{label_width}}  {'excl. VAT':>10}"
    lines = [heading + (f"  {'incl. VAT':>10}" if is_221 else "")]
    for name, money in money_rows:
        row = f"{name:<{label_width}}  {four(money.excl):>10}"
        lines.append(row + (f"  {four(money.incl):>10}" if is_221 else ""))
    values = (totals.energy, totals.time, totals.parking_time)
    for (name, unit), value in zip(QUANTITY_FIELDS, values, strict=True):
        lines.append(f"{name:<{label_width}}  {four(value):>10} {unit}")
    if totals.cost != totals.cost_before_limits:
        raised = totals.cost.excl > totals.cost_before_limits.excl or totals.cost.incl > totals.cost_before_limits.incl
        limit = "raised to the tariff's min_price" if raised else "lowered to the tariff's max_price"
        lines.append(f"total_cost was {limit}; the breakdown fields are not clamped")
    return lines
