"""Every folder of ``shared/ocpi/tariff-cases`` through ``roamsim price`` (and ``ocpi validate``).

``kind: pricing`` folders: the CDR as given is checked with ``--check`` (its totals are the expected
answer, except where the README says otherwise), and the ``--format json`` totals are compared field
by field with ``expected.json`` within 0.01.  ``kind: tariff-only`` folders: the tariff parses for
pricing, validates as an OCPI 2.2.1 Tariff (with the README's two exceptions) and prices a session.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.ocpi.wirejson import loads
from sim.pricing import parse_tariff

CASES = Path(__file__).parents[2].parent / "shared" / "ocpi" / "tariff-cases"
FOLDERS = sorted(path for path in CASES.iterdir() if path.is_dir())
TOLERANCE = Decimal("0.01")
MONEY_FIELDS = (
    "total_cost",
    "total_fixed_cost",
    "total_energy_cost",
    "total_time_cost",
    "total_parking_cost",
    "total_reservation_cost",
)
QUANTITY_FIELDS = ("total_energy", "total_time", "total_parking_time")
# CDR files whose own totals are NOT the expected answer, with what --check must report.  The CDR
# came from an engine that ignores min_price (0.30 / 0.33); OCPI clamps the total up to the tariff's
# min_price 0.50 / 0.55 (README, digest T3), which expected.json states.
CDR_TOTALS_DIFFER = {
    ("025kwh_min_price", "cdr2_less_than_2kWh.json"): [
        "  total_cost.excl_vat: CDR 0.3, computed 0.5",
        "  total_cost.incl_vat: CDR 0.33, computed 0.55",
    ],
}
# README: tariffs that are not complete 2.2.1 Tariff objects, with the validator's error paths.
NOT_VALID_TARIFFS = {
    "put_example": {"last_updated"},  # valid as a PUT body only if the receiver fills it in
    "grace_period_parking_time": {"country_code", "party_id"},  # no owner fields
}


def _expected(folder: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return document


def _kind(folder: Path) -> str:
    kind = str(_expected(folder)["kind"])
    return "tariff-only" if kind.startswith("tariff-only") else kind


PRICING = [
    pytest.param(folder, cdr_name, id=f"{folder.name}/{cdr_name}")
    for folder in FOLDERS
    if _kind(folder) == "pricing"
    for cdr_name in _expected(folder)["expect"]
]
TARIFF_ONLY = [pytest.param(folder, id=folder.name) for folder in FOLDERS if _kind(folder) == "tariff-only"]


def _price_args(folder: Path, cdr: Path, *extra: str) -> list[str]:
    expected = _expected(folder)
    tariffs = [arg for name in expected["tariff_files"] for arg in ("--tariff", str(folder / name))]
    return ["price", *tariffs, "--cdr", str(cdr), "--time-zone", expected["time_zone"], *extra]


def test_every_folder_is_a_pricing_or_tariff_only_case() -> None:
    assert len(FOLDERS) == 24
    assert {folder.name: _kind(folder) for folder in FOLDERS if _kind(folder) not in ("pricing", "tariff-only")} == {}
    assert len(PRICING) == 9
    assert len(TARIFF_ONLY) == 16


@pytest.mark.parametrize(("folder", "cdr_name"), PRICING)
def test_check_against_the_cdr_as_given(folder: Path, cdr_name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(_price_args(folder, folder / cdr_name, "--check"))
    captured = capsys.readouterr()
    assert captured.err == ""
    report = captured.out.split("\n\ncheck: ", 1)[1].splitlines()
    differences = CDR_TOTALS_DIFFER.get((folder.name, cdr_name))
    if differences is None:
        assert code == 0
        assert report == ["all totals within 0.01"]
    else:
        assert code == 1
        assert report == [f"{len(differences)} totals differ from the CDR by more than 0.01", *differences]


@pytest.mark.parametrize(("folder", "cdr_name"), PRICING)
def test_totals_match_expected_json(folder: Path, cdr_name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_price_args(folder, folder / cdr_name, "--format", "json")) == 0
    computed = loads(capsys.readouterr().out)
    expected = _expected(folder)["expect"][cdr_name]
    compared = []
    for name in MONEY_FIELDS:
        want = expected[name]
        # A category nothing was charged in is absent from our totals: it is 0 (as expected.json
        # says for fields absent from the CDR).  Without VAT information in the tariff the CDR
        # leaves incl_vat out, and incl. VAT then equals excl. VAT (digest §9.5).
        price = computed.get(name, {"excl_vat": Decimal(0)})
        got = {"excl_vat": price["excl_vat"], "incl_vat": price.get("incl_vat", price["excl_vat"])}
        for part in ("excl_vat", "incl_vat"):
            assert abs(got[part] - Decimal(str(want[part]))) <= TOLERANCE, (name, part, got[part], want[part])
        compared.append(name)
    for name in QUANTITY_FIELDS:
        assert abs(computed[name] - Decimal(str(expected[name]))) <= TOLERANCE, (name, computed[name], expected[name])
        compared.append(name)
    assert set(compared) == {key for key in expected if key.startswith("total_")}


def test_min_price_case_reports_only_total_cost(capsys: pytest.CaptureFixture[str]) -> None:
    folder = CASES / "025kwh_min_price"
    assert main(_price_args(folder, folder / "cdr2_less_than_2kWh.json")) == 0
    out = capsys.readouterr().out
    assert "total_cost                  0.5000      0.5500\n  before price limits       0.3000      0.3300\n" in out
    assert "total_energy_cost           0.3000      0.3300\n" in out
    assert "total_cost was raised to the tariff's min_price; the breakdown fields are not clamped\n" in out


@pytest.mark.parametrize("folder", [pytest.param(folder, id=folder.name) for folder in FOLDERS])
def test_every_tariff_parses_for_pricing(folder: Path) -> None:
    tariff = parse_tariff(loads((folder / "tariff.json").read_text(encoding="utf-8")))
    assert tariff.currency == "EUR"
    assert tariff.elements


@pytest.mark.parametrize("folder", [pytest.param(folder, id=folder.name) for folder in FOLDERS])
def test_every_tariff_validates_as_a_221_tariff_except_the_readme_ones(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["ocpi", "validate", "--type", "Tariff", "--format", "json", str(folder / "tariff.json")])
    [verdict] = json.loads(capsys.readouterr().out)
    errors = {error["path"] for error in verdict["errors"]}
    assert errors == NOT_VALID_TARIFFS.get(folder.name, set())
    assert code == (1 if errors else 0)
    assert verdict["warnings"] == []


# A generic charging session for the tariff-only folders: 1 h charging at 11 kW (16 A) on a Monday
# morning, then 30 min parking.  It only has to be priceable by every tariff; the amounts are the
# worked-example tests' business.
SMOKE_CDR = {
    "start_date_time": "2024-01-15T09:00:00Z",
    "end_date_time": "2024-01-15T10:30:00Z",
    "currency": "EUR",
    "charging_periods": [
        {
            "start_date_time": "2024-01-15T09:00:00Z",
            "dimensions": [
                {"type": "ENERGY", "volume": 11},
                {"type": "TIME", "volume": 1},
                {"type": "MAX_CURRENT", "volume": 16},
            ],
        },
        {"start_date_time": "2024-01-15T10:00:00Z", "dimensions": [{"type": "PARKING_TIME", "volume": 0.5}]},
    ],
}


@pytest.mark.parametrize("folder", TARIFF_ONLY)
def test_tariff_only_cases_price_a_session(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdr = tmp_path / "cdr.json"
    cdr.write_text(json.dumps(SMOKE_CDR), encoding="utf-8")
    assert main(_price_args(folder, cdr, "--format", "json")) == 0
    totals = loads(capsys.readouterr().out)
    assert totals["total_energy"] == Decimal("11.0000")
    assert totals["total_time"] == Decimal("1.5000")
    assert totals["total_parking_time"] == Decimal("0.5000")
    assert totals["total_cost"]["excl_vat"] >= 0


# Digest T4 (tariff_10, folder 025kwh_parking_start): start fee 0.50 (20 %) + 0.25/kWh (10 %) +
# parking 2.00/h (20 %, step 900); 20 kWh, then 40 min parking billed as 45 min.
T4_CDR = {
    "start_date_time": "2022-01-13T14:00:00Z",
    "end_date_time": "2022-01-13T15:40:00Z",
    "currency": "EUR",
    "charging_periods": [
        {"start_date_time": "2022-01-13T14:00:00Z", "dimensions": [{"type": "ENERGY", "volume": 20}]},
        {"start_date_time": "2022-01-13T15:00:00Z", "dimensions": [{"type": "PARKING_TIME", "volume": 0.6667}]},
    ],
}


def _price_t4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    cdr = tmp_path / "cdr.json"
    cdr.write_text(json.dumps(T4_CDR), encoding="utf-8")
    assert main(_price_args(CASES / "025kwh_parking_start", cdr, "--format", "json")) == 0
    totals: dict[str, Any] = loads(capsys.readouterr().out)
    return totals


def test_t4_start_fee_energy_and_parking_total(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    totals = _price_t4(tmp_path, capsys)
    assert totals["total_cost"] == {"excl_vat": Decimal("7.0000"), "incl_vat": Decimal("7.9000")}
    assert totals["total_energy_cost"] == {"excl_vat": Decimal("5.0000"), "incl_vat": Decimal("5.5000")}


def test_t4_start_fee_is_a_fixed_cost_not_a_parking_cost(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    totals = _price_t4(tmp_path, capsys)
    assert totals.get("total_fixed_cost") == {"excl_vat": Decimal("0.5000"), "incl_vat": Decimal("0.6000")}
    assert totals["total_parking_cost"] == {"excl_vat": Decimal("1.5000"), "incl_vat": Decimal("1.8000")}
