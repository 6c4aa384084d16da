"""The settlement matrix: what each eMSP owes each CPO, from the CDRs the eMSP received.

The amounts are the CPO's totals as written in each CDR (the eMSP's own re-pricing only feeds the
reconciliation KPIs), each CDR counted once however often it arrived.  A CDR received in 2.1.1
carries no VAT-inclusive total; there ``incl`` equals ``excl``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from sim.metrics.records import Records
from sim.pricing.result import Money

SETTLEMENT_COLUMNS = ("emsp", "cpo", "currency", "cdrs", "excl_vat", "incl_vat")


def settlement_by_currency(records: Records) -> dict[tuple[str, str, str], tuple[int, Money]]:
    """(emsp, cpo, currency) → (number of CDRs, Σ totals), sorted by eMSP, CPO and currency."""
    matrix: dict[tuple[str, str, str], tuple[int, Money]] = {}
    for _, cdr in records.received.values():
        key = (cdr.emsp, cdr.cpo, cdr.currency)
        count, money = matrix.get(key, (0, Money()))
        incl = cdr.total_excl if cdr.total_incl is None else cdr.total_incl
        matrix[key] = (count + 1, money + Money(cdr.total_excl, incl))
    return dict(sorted(matrix.items()))


def settlement_matrix(records: Records) -> dict[tuple[str, str], Money]:
    """(emsp, cpo) → what the eMSP owes the CPO; ``ValueError`` if a pair settles in several currencies."""
    matrix: dict[tuple[str, str], Money] = {}
    currencies: dict[tuple[str, str], str] = {}
    for (emsp, cpo, currency), (_, money) in settlement_by_currency(records).items():
        if currencies.setdefault((emsp, cpo), currency) != currency:
            raise ValueError(
                f"{emsp} owes {cpo} in {currencies[(emsp, cpo)]} and {currency}: use settlement_by_currency()"
            )
        matrix[(emsp, cpo)] = money
    return matrix


def settlement_rows(matrix: Mapping[tuple[str, str, str], tuple[int, Money]]) -> list[dict[str, str]]:
    """One row per (emsp, cpo, currency) with the ``SETTLEMENT_COLUMNS`` as strings (amounts at 4 decimals)."""
    return [
        {
            "emsp": emsp,
            "cpo": cpo,
            "currency": currency,
            "cdrs": str(count),
            "excl_vat": _amount(money.excl, 4),
            "incl_vat": _amount(money.incl, 4),
        }
        for (emsp, cpo, currency), (count, money) in sorted(matrix.items())
    ]


def format_settlement(matrix: Mapping[tuple[str, str], Money]) -> str:
    """The matrix as a text grid: one line per eMSP, one column per CPO, amounts excl. VAT (2 decimals)."""
    emsps = sorted({emsp for emsp, _ in matrix})
    cpos = sorted({cpo for _, cpo in matrix})
    if not emsps:
        return "(no CDRs received)"
    header = ["eMSP \\ CPO", *cpos]
    lines = [
        [emsp, *(_amount(matrix[(emsp, cpo)].excl, 2) if (emsp, cpo) in matrix else "-" for cpo in cpos)]
        for emsp in emsps
    ]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in [header, *lines]
    )


def _amount(value: Decimal, places: int) -> str:
    return str(value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))
