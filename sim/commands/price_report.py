"""``roamsim price`` output: the cost-line table, the JSON totals, and the check of the CDR's own totals.

The table shows one row per cost line (indexed by the CDR's ``charging_periods``), explanations, the
totals under their CDR field names and notes.  ``--check`` compares the computed totals with those
the CDR carries, allowing 0.01.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sim.commands.price_input import InputError, Job
from sim.ocpi.common import OCPIVersion
from sim.ocpi.wirejson import dumps
from sim.pricing import Category, CostLine, Money, PricingResult, Totals
from sim.pricing.result import quantize

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


@dataclass(frozen=True)
class Difference:
    """A CDR total that disagrees with the computed one by more than the tolerance."""

    field: str
    cdr: Decimal
    computed: Decimal

    def __str__(self) -> str:
        return f"{self.field}: CDR {plain(self.cdr)}, computed {plain(self.computed)}"


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


# --- the JSON totals and the table ---------------------------------------------------------------


def format_json(result: PricingResult, version: OCPIVersion) -> str:
    """The totals under the CDR field names of ``version``, as indented JSON."""
    return dumps(result.totals.cdr_fields(version), indent=2) + "\n"


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
