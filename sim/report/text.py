"""The text summary ``roamsim run`` prints: a few header lines and aligned tables.

Nothing here reads a wall clock, so the same scenario and seed always print the same text (the wall
time of a run goes to stderr and to ``summary.json``'s ``wall_clock``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from sim.metrics import ExpectationResult
from sim.pricing.result import Money

Summary = Mapping[str, float | int]

HEADLINES = (
    ("sessions_attempted", "sessions attempted"),
    ("sessions_started", "sessions started"),
    ("sessions_refused", "sessions refused"),
    ("queued", "drivers queued"),
    ("abandoned", "gave up charging"),
    ("energy_kwh", "energy delivered (kWh)"),
    ("utilisation", "EVSE utilisation"),
    ("authorization_latency_ms_avg", "authorization latency avg (ms)"),
    ("commands_sent", "commands sent"),
    ("commands_accepted", "commands carried out"),
    ("commands_timed_out", "commands timed out"),
    ("cdrs_issued", "CDRs issued"),
    ("cdrs_received", "CDRs received by eMSPs"),
    ("cdrs_delivered_ratio", "CDRs delivered ratio"),
    ("reconciliation_mismatches", "CDR reconciliation mismatches"),
    ("messages_total", "OCPI messages"),
    ("errors_total", "OCPI errors (non-2xx, non-1xxx, unanswered)"),
    ("faults_activated", "faults activated"),
)
"""The KPIs of the summary table, in order, with their labels."""


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]], align: str) -> list[str]:
    """Lines of a table: the header, a rule of dashes, the rows; ``align`` has ``l`` or ``r`` per column."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = (c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, align, strict=True))
        return "  ".join(padded).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def number(value: float | int | None) -> str:
    """A KPI as printed: integers as they are, other numbers with at most 3 decimals, None as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.3f}".rstrip("0").rstrip(".")


def amount(value: Decimal | float) -> str:
    """Money with 2 decimals."""
    return f"{Decimal(str(value)):.2f}"


def kpi_rows(summary: Summary) -> list[list[str]]:
    """The KPI table's rows: the headlines, refusals by reason (those that happened), revenue per CPO."""
    rows = [[label, number(summary[key])] for key, label in HEADLINES if key in summary]
    for key, value in summary.items():
        if key.startswith("refused.") and value:
            rows.append([f"refused: {key.removeprefix('refused.')}", number(value)])
    for key, value in summary.items():
        if key.startswith("revenue_excl."):
            rows.append([f"revenue excl. VAT: {key.removeprefix('revenue_excl.')}", amount(value)])
    return rows


def render_summary(
    *,
    heading: Sequence[tuple[str, str]],
    summary: Summary,
    settlement: Mapping[tuple[str, str, str], tuple[int, Money]],
    results: Sequence[ExpectationResult],
    setup_problems: Sequence[str] = (),
) -> str:
    """The whole text: ``heading`` (label, text) lines, then the KPI, settlement and expectation tables."""
    width = max((len(label) for label, _ in heading), default=0)
    lines = [f"{label.ljust(width)}  {text}" for label, text in heading]
    lines += ["", *format_table(["KPI", "value"], kpi_rows(summary), "lr")]
    if settlement:
        rows = [
            [emsp, cpo, currency, str(count), amount(money.excl), amount(money.incl)]
            for (emsp, cpo, currency), (count, money) in sorted(settlement.items())
        ]
        header = ["eMSP", "CPO", "currency", "CDRs", "excl. VAT", "incl. VAT"]
        lines += ["", "settlement: what each eMSP owes each CPO", *format_table(header, rows, "lllrrr")]
    if setup_problems:
        lines += ["", *(f"set-up problem: {problem}" for problem in setup_problems)]
    if results:
        rows = [
            [
                "pass" if r.passed else "FAIL",
                r.metric,
                f"{r.operator} {number(r.threshold)}" if r.operator else "-",
                number(r.actual),
            ]
            for r in results
        ]
        lines += ["", "expectations", *format_table(["result", "metric", "expected", "actual"], rows, "lllr")]
        lines += [f"  {r.message}" for r in results if r.actual is None]
    return "\n".join(lines) + "\n"
