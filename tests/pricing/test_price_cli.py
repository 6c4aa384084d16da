"""``roamsim price`` end to end: the table, the JSON totals, ``--check``, 2.1.1 CDRs and every exit-2 path."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sim.cli import main
from sim.ocpi.wirejson import loads

SHARED = Path(__file__).parents[2].parent / "shared" / "ocpi"
CASES = SHARED / "tariff-cases"
CDR_211 = SHARED / "examples" / "2.1.1" / "cdr_example.json"


def case(name: str, cdr: str = "cdr1.json") -> list[str]:
    return ["--tariff", str(CASES / name / "tariff.json"), "--cdr", str(CASES / name / cdr)]


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def period(start: str, tariff_id: str | None = None, **volumes: Any) -> dict[str, Any]:
    """A ChargingPeriod with the given dimension volumes."""
    document: dict[str, Any] = {"start_date_time": start}
    if tariff_id is not None:
        document["tariff_id"] = tariff_id
    document["dimensions"] = [{"type": kind, "volume": volume} for kind, volume in volumes.items()]
    return document


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["price", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


SIMPLE_CDR = {
    "start_date_time": "2022-01-13T14:30:00Z",
    "end_date_time": "2022-01-13T15:30:00Z",
    "charging_periods": [{"start_date_time": "2022-01-13T14:30:00Z", "dimensions": [{"type": "ENERGY", "volume": 20}]}],
}
SIMPLE_TARIFF = {
    "id": "T1",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.25, "vat": 10, "step_size": 1}]}],
}


# --- the table -------------------------------------------------------------------------------------


def test_table_golden_output_with_free_lines_and_a_flat_fee(capsys: pytest.CaptureFixture[str]) -> None:
    # multiple_flat_fees: one unrestricted element with only FLAT 1.00 (VAT 0); three TIME periods.
    # TIME has no component anywhere → every TIME line is free; the FLAT is billed once, in period 0.
    code, out, err = run(capsys, *case("multiple_flat_fees", "cdr.json"))
    assert (code, err) == (0, "")
    folder = CASES / "multiple_flat_fees"
    assert out.splitlines() == [
        "roamsim price — OCPI 2.2.1",
        f"  CDR:       {folder / 'cdr.json'} (3 charging periods)",
        "  session:   2015-06-29 15:00:00 – 2015-06-29 16:30:00 local time",
        f"  tariffs:   12 ({folder / 'tariff.json'})",
        "  currency:  EUR",
        "  time zone: UTC (default: the CDR names no time zone)",
        "",
        "#  period start         dimension    volume    billed  tariff[element]"
        "  unit price  VAT %  cost excl.  cost incl.",
        "0  2015-06-29 15:00:00  TIME       0.5000 h  0.5000 h  free           "
        "           -      -      0.0000      0.0000",
        "0  2015-06-29 15:00:00  FLAT              -         -  12[0]          "
        "      1.0000      0      1.0000      1.0000",
        "1  2015-06-29 15:30:00  TIME       0.5000 h  0.5000 h  free           "
        "           -      -      0.0000      0.0000",
        "2  2015-06-29 16:00:00  TIME       0.5000 h  0.5000 h  free           "
        "           -      -      0.0000      0.0000",
        "",
        "# = index in the CDR's charging_periods; tariff[element] = tariff id and index in its elements",
        "free (no applicable element): no element of the tariff has a component of that dimension whose "
        "restrictions hold in that period, so the dimension costs nothing there",
        "",
        "totals (CDR fields)      excl. VAT   incl. VAT",
        "total_cost                  1.0000      1.0000",
        "total_fixed_cost            1.0000      1.0000",
        "total_energy_cost           0.0000      0.0000",
        "total_time_cost             0.0000      0.0000",
        "total_parking_cost          0.0000      0.0000",
        "total_reservation_cost      0.0000      0.0000",
        "total_energy                0.0000 kWh",
        "total_time                  1.5000 h",
        "total_parking_time          0.0000 h",
    ]


def test_table_explains_step_rounding_and_missing_vat(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *case("step_size"))
    assert code == 0
    assert (
        "2  2022-01-13 17:02:00  PARKING_TIME  0.0334 h  0.2500 h  22[1]                1.0000      -      0.2500"
        in out
    )
    assert "billed > volume: the stream's session total was rounded up once to the step_size" in out
    assert "no VAT information in the tariff: incl. VAT equals excl. VAT; the CDR leaves incl_vat out\n" in out
    assert "total_cost                  0.5502      0.5502\n" in out


def test_time_zone_option_shows_local_period_starts(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *case("step_size"), "--time-zone", "Europe/Amsterdam")
    assert code == 0
    assert "  time zone: Europe/Amsterdam (--time-zone)\n" in out
    assert "  session:   2022-01-13 17:55:00 – 2022-01-13 18:07:00 local time\n" in out
    # 16:55 UTC is 17:55 in Amsterdam: the 17:00–20:00 element (2.40/h) prices the first period too.
    assert "0  2022-01-13 17:55:00  TIME          0.0834 h  0.0834 h  22[1]                2.4000" in out


def test_currency_mismatch_is_noted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdr = write(tmp_path / "cdr.json", {**SIMPLE_CDR, "currency": "USD"})
    tariff = write(tmp_path / "tariff.json", SIMPLE_TARIFF)
    code, out, _ = run(capsys, "--tariff", str(tariff), "--cdr", str(cdr))
    assert code == 0
    assert out.endswith("note: the CDR's currency is USD, the tariffs price in EUR\n")


# --- JSON ------------------------------------------------------------------------------------------


def test_json_output_is_exactly_the_cdr_totals(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *case("025kwh_start"), "--format", "json")
    assert (code, err) == (0, "")
    totals = loads(out)
    assert list(totals) == [
        "total_cost",
        "total_fixed_cost",
        "total_energy_cost",
        "total_energy",
        "total_time",
        "total_parking_time",
    ]
    assert totals == {
        "total_cost": {"excl_vat": Decimal("5.5000"), "incl_vat": Decimal("6.1000")},
        "total_fixed_cost": {"excl_vat": Decimal("0.5000"), "incl_vat": Decimal("0.6000")},
        "total_energy_cost": {"excl_vat": Decimal("5.0000"), "incl_vat": Decimal("5.5000")},
        "total_energy": Decimal("20.0000"),
        "total_time": Decimal("1.0000"),
        "total_parking_time": Decimal("0.0000"),
    }
    assert out.startswith('{\n  "total_cost": {\n    "excl_vat": 5.5000,\n')


def test_json_leaves_incl_vat_out_without_vat_information(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *case("step_size_energy"), "--format", "json")
    assert code == 0
    assert loads(out)["total_cost"] == {"excl_vat": Decimal("30.0000")}


def test_json_with_check_keeps_stdout_pure_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *case("025kwh_min_price", "cdr2_less_than_2kWh.json"), "--format", "json", "--check")
    assert code == 1
    assert loads(out)["total_cost"] == {"excl_vat": Decimal("0.5000"), "incl_vat": Decimal("0.5500")}
    assert err.splitlines() == [
        "check: 2 totals differ from the CDR by more than 0.01",
        "  total_cost.excl_vat: CDR 0.3, computed 0.5",
        "  total_cost.incl_vat: CDR 0.33, computed 0.55",
    ]


# --- --check ---------------------------------------------------------------------------------------


def test_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *case("simple_3hour_5parking"), "--check")
    assert code == 0
    assert out.endswith("\n\ncheck: all totals within 0.01\n")


def test_check_fails_and_lists_every_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdr = read(CASES / "simple_3hour_5parking" / "cdr1.json")
    cdr["total_cost"] = {"excl_vat": 11.24, "incl_vat": 12.0}  # excl within 0.01, incl not
    cdr["total_parking_time"] = 0.75  # the billed parking time, not the measured one
    del cdr["total_time_cost"]  # absent: not compared
    tariff = CASES / "simple_3hour_5parking" / "tariff.json"
    code, out, _ = run(capsys, "--tariff", str(tariff), "--cdr", str(write(tmp_path / "c.json", cdr)), "--check")
    assert code == 1
    assert out.split("\n\ncheck: ")[1].splitlines() == [
        "2 totals differ from the CDR by more than 0.01",
        "  total_cost.incl_vat: CDR 12, computed 12.75",
        "  total_parking_time: CDR 0.75, computed 0.7",
    ]


def test_check_compares_incl_vat_only_when_the_cdr_has_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdr = write(tmp_path / "cdr.json", {**SIMPLE_CDR, "total_cost": {"excl_vat": 5}, "total_energy": 20})
    tariff = write(tmp_path / "tariff.json", SIMPLE_TARIFF)
    code, out, _ = run(capsys, "--tariff", str(tariff), "--cdr", str(cdr), "--check")
    assert code == 0
    assert out.endswith("check: all totals within 0.01\n")


def test_check_without_totals_in_the_cdr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdr = write(tmp_path / "cdr.json", SIMPLE_CDR)
    tariff = write(tmp_path / "tariff.json", SIMPLE_TARIFF)
    code, out, _ = run(capsys, "--tariff", str(tariff), "--cdr", str(cdr), "--check")
    assert code == 0
    assert out.endswith("\n\ncheck: the CDR carries no totals to compare\n")


# --- tariff files: lists, envelopes, several files, tariff_id ---------------------------------------


def test_tariffs_from_a_list_file_and_an_envelope_by_tariff_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cheap = {**SIMPLE_TARIFF, "id": "CHEAP"}
    dear = {**SIMPLE_TARIFF, "id": "DEAR", "elements": [{"price_components": [{"type": "ENERGY", "price": 0.5}]}]}
    other = {**SIMPLE_TARIFF, "id": "OTHER"}
    listed = write(tmp_path / "list.json", [cheap, other])
    envelope = write(
        tmp_path / "envelope.json", {"status_code": 1000, "data": dear, "timestamp": "2022-01-13T00:00:00Z"}
    )
    periods = [period("2022-01-13T14:30:00Z", "DEAR", ENERGY=2), period("2022-01-13T15:00:00Z", "CHEAP", ENERGY=4)]
    cdr = write(tmp_path / "cdr.json", {**SIMPLE_CDR, "charging_periods": periods})
    code, out, _ = run(capsys, "--tariff", str(listed), "--tariff", str(envelope), "--cdr", str(cdr))
    assert code == 0
    assert f"  tariffs:   CHEAP ({listed}), OTHER ({listed}), DEAR ({envelope})\n" in out
    assert (
        "0  2022-01-13 14:30:00  ENERGY     2.0000 kWh  2.0000 kWh  DEAR[0]              0.5000      -      1.0000"
        in out
    )
    assert (
        "1  2022-01-13 15:00:00  ENERGY     4.0000 kWh  4.0000 kWh  CHEAP[0]             0.2500     10      1.0000"
        in out
    )


def test_without_tariff_option_the_cdr_tariffs_are_used(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cdr = write(tmp_path / "cdr.json", {**SIMPLE_CDR, "tariffs": [SIMPLE_TARIFF]})
    code, out, _ = run(capsys, "--cdr", str(cdr), "--format", "json")
    assert code == 0
    assert loads(out)["total_cost"] == {"excl_vat": Decimal("5.0000"), "incl_vat": Decimal("5.5000")}


# --- OCPI 2.1.1 ------------------------------------------------------------------------------------


def test_211_example_cdr_has_a_string_price(capsys: pytest.CaptureFixture[str]) -> None:
    # The spec's 2.1.1 CDR example embeds its tariff with "price": "2.00" (a string, not a number).
    code, out, err = run(capsys, "--cdr", str(CDR_211), "--version", "2.1.1")
    assert (code, out) == (2, "")
    assert err == (
        f"roamsim price: {CDR_211}: tariffs[0].elements[0].price_components[0].price: must be a number, got '2.00'\n"
    )


@pytest.fixture
def fixed_211_cdr(tmp_path: Path) -> Path:
    document = read(CDR_211)
    document["tariffs"][0]["elements"][0]["price_components"][0]["price"] = 2.00
    return write(tmp_path / "cdr_211.json", document)


def test_211_fixed_example_prices_and_fails_check(fixed_211_cdr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--cdr", str(fixed_211_cdr), "--version", "2.1.1", "--check")
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[0] == "roamsim price — OCPI 2.1.1"
    assert f"  tariffs:   12 ({fixed_211_cdr}, embedded)" in lines
    # TIME 1.973 h = 7102.8 s, rounded up once to the step 300 s → 7200 s = 2 h × 2.00 = 4.00.
    row = "0  2015-06-29 21:39:09  TIME       1.9730 h  2.0000 h  12[0]                2.0000      -      4.0000"
    assert row + "      4.0000" in lines
    assert "OCPI 2.1.1 has no VAT: every amount is excl. VAT (incl. shown equal)" in lines
    assert lines[lines.index("totals (CDR fields)   excl. VAT") :] == [
        "totals (CDR fields)   excl. VAT",
        "total_cost               4.0000",
        "total_energy             0.0000 kWh",
        "total_time               1.9731 h",
        "total_parking_time       0.0000 h",
        "",
        "check: 1 total differs from the CDR by more than 0.01",
        "  total_energy: CDR 15.342, computed 0",
    ]
    # Why the check fails: the example's own total_cost 4.00 agrees (step rounding, above), and its
    # total_time 1.973 is within 0.01 of stop − start (7103 s = 1.9731 h), but it states
    # total_energy 15.342 kWh while its only charging period carries a TIME dimension and no ENERGY
    # volume; totals are derived from the periods, so the computed total_energy is 0.


def test_211_fixed_example_json(fixed_211_cdr: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--cdr", str(fixed_211_cdr), "--version", "2.1.1", "--format", "json")
    assert code == 0
    assert out.splitlines() == [
        "{",
        '  "total_cost": 4.0000,',
        '  "total_energy": 0.0000,',
        '  "total_time": 1.9731,',
        '  "total_parking_time": 0.0000',
        "}",
    ]


def test_211_location_time_zone_is_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = read(CDR_211)
    document["tariffs"][0]["elements"][0]["price_components"][0]["price"] = 2
    document["location"]["time_zone"] = "Europe/Brussels"
    code, out, _ = run(capsys, "--cdr", str(write(tmp_path / "c.json", document)), "--version", "2.1.1")
    assert code == 0
    assert "  time zone: Europe/Brussels (from the CDR's location.time_zone)\n" in out
    assert "\n0  2015-06-29 23:39:09  TIME" in out  # CEST, UTC+2


# --- exit 2 ----------------------------------------------------------------------------------------

GOOD_TARIFF = CASES / "simple_025kwh" / "tariff.json"
GOOD_CDR = CASES / "simple_025kwh" / "cdr1.json"


def _tariff_with(**changes: Any) -> dict[str, Any]:
    return {**SIMPLE_TARIFF, **changes}


def _component(**changes: Any) -> dict[str, Any]:
    return _tariff_with(elements=[{"price_components": [{"type": "ENERGY", "price": 0.25, **changes}]}])


START = "2022-01-13T14:30:00Z"
WITHOUT_END = {key: value for key, value in SIMPLE_CDR.items() if key != "end_date_time"}
BAD_DIMENSION = _tariff_with(elements=[{"price_components": [{"type": "KWH", "price": 1}]}])
# (name, tariff document or None for GOOD_TARIFF or False for none, CDR document or None for
# GOOD_CDR, extra args, message with {tariff} and {cdr} for the file paths)
FAILURES: list[tuple[str, Any, Any, list[str], str]] = [
    ("negative VAT", _component(vat=-5), None, [],
     "{tariff}: elements[0].price_components[0].vat: VAT must not be negative, got -5"),
    ("no elements", _tariff_with(elements=[]), None, [], "{tariff}: elements: a tariff needs at least one element"),
    ("unknown dimension", BAD_DIMENSION, None, [],
     "{tariff}: elements[0].price_components[0].type: unknown dimension 'KWH' "
     "(known: ENERGY, FLAT, PARKING_TIME, TIME)"),
    ("tariff list item", [SIMPLE_TARIFF, {"id": "X"}], None, [], "{tariff}: [1].currency: required field missing"),
    ("empty envelope", {"status_code": 1000, "data": []}, None, [], "{tariff}: holds no tariff"),
    ("duplicate id", [SIMPLE_TARIFF, SIMPLE_TARIFF], None, [],
     "tariff id 'T1' is given twice ({tariff} and {tariff}): periods could not tell them apart"),
    ("no charging_periods", None, {"start_date_time": START}, [], "{cdr}: the CDR has no charging_periods"),
    ("empty charging_periods", None, {**SIMPLE_CDR, "charging_periods": []}, [],
     "{cdr}: charging_periods: must be a non-empty list of ChargingPeriods"),
    ("no start", None, {"charging_periods": [period(START, ENERGY=1)]}, [],
     "{cdr}: start_date_time: required field missing"),
    ("bad start", None, {**SIMPLE_CDR, "start_date_time": "2022-01-13T14:30:00+01:00"}, [],
     "{cdr}: start_date_time: '2022-01-13T14:30:00+01:00' carries offset +01:00; "
     "OCPI DateTimes are UTC and written with 'Z'"),
    ("period without start", None, {**SIMPLE_CDR, "charging_periods": [{"dimensions": []}]}, [],
     "{cdr}: charging_periods[0].start_date_time: required field missing"),
    ("string volume", None, {**SIMPLE_CDR, "charging_periods": [period(START, ENERGY="20")]}, [],
     "{cdr}: charging_periods[0].dimensions[0].volume: must be a number, got '20'"),
    ("unknown tariff_id", None, {**SIMPLE_CDR, "charging_periods": [period(START, tariff_id="NOPE", ENERGY=1)]}, [],
     "period at 2022-01-13T14:30:00+00:00 names unknown tariff_id 'NOPE' (tariffs given: 16)"),
    ("CDR is a list", None, [SIMPLE_CDR, SIMPLE_CDR], [],
     "{cdr}: the CDR must be a JSON object (or an envelope holding one)"),
    ("2.1.1 CDR read as 2.2.1", None, {**WITHOUT_END, "stop_date_time": "2022-01-13T15:30:00Z"}, [],
     "{cdr}: the CDR has stop_date_time but no end_date_time: an OCPI 2.1.1 CDR? (use --version 2.1.1)"),
    ("end before start", None, {**SIMPLE_CDR, "end_date_time": "2022-01-13T14:00:00Z"}, [],
     "{cdr}: end_date_time 2022-01-13T14:00:00Z is before start_date_time 2022-01-13T14:30:00Z"),
    ("unknown time zone", None, None, ["--time-zone", "Mars/Olympus"],
     "unknown time zone 'Mars/Olympus' (--time-zone)"),
    ("unknown CDR time zone", None, {**SIMPLE_CDR, "cdr_location": {"time_zone": "Nowhere"}}, [],
     "unknown time zone 'Nowhere' (from the CDR's cdr_location.time_zone)"),
    ("no tariff anywhere", False, None, [], "no tariff: give --tariff FILE (the CDR {cdr} embeds no tariffs)"),
    ("check: total not a Price", None, {**SIMPLE_CDR, "total_cost": 5}, ["--check"],
     "CDR total_cost: must be a Price object (excl_vat, incl_vat) in OCPI 2.2.1"),
    ("check: total not a number", None, {**SIMPLE_CDR, "total_energy": "20"}, ["--check"],
     "CDR total_energy: must be a number, got '20'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("tariff_doc", "cdr_doc", "extra", "message"), [pytest.param(*f[1:], id=f[0]) for f in FAILURES]
)
def test_input_that_cannot_be_priced_exits_2(
    tariff_doc: Any, cdr_doc: Any, extra: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tariff = GOOD_TARIFF if tariff_doc is None else write(tmp_path / "tariff.json", tariff_doc)
    cdr = GOOD_CDR if cdr_doc is None else write(tmp_path / "cdr.json", cdr_doc)
    tariff_args = [] if tariff_doc is False else ["--tariff", str(tariff)]
    code, out, err = run(capsys, *tariff_args, "--cdr", str(cdr), *extra)
    assert (code, out) == (2, "")
    assert err == f"roamsim price: {message.format(tariff=tariff, cdr=cdr)}\n"


def test_unreadable_files_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing, not_json, latin1 = tmp_path / "missing.json", tmp_path / "bad.json", tmp_path / "latin1.json"
    not_json.write_text("{not json", encoding="utf-8")
    latin1.write_bytes(b'{"id": "caf\xe9"}')
    expectations = [
        (["--tariff", str(missing), "--cdr", str(GOOD_CDR)], f"{missing}: no such file"),
        (["--tariff", str(GOOD_TARIFF), "--cdr", str(tmp_path)], f"{tmp_path}: is a directory, not a JSON file"),
        (["--tariff", str(latin1), "--cdr", str(GOOD_CDR)], f"{latin1}: not UTF-8 text"),
        (
            ["--tariff", str(GOOD_TARIFF), "--cdr", str(not_json)],
            f"{not_json}: not valid JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        ),
    ]
    for argv, message in expectations:
        code, out, err = run(capsys, *argv)
        assert (code, out, err) == (2, "", f"roamsim price: {message}\n")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--tariff", str(GOOD_TARIFF)], id="no --cdr"),
        pytest.param(["--cdr", str(GOOD_CDR), "--version", "2.3.0"], id="unknown version"),
        pytest.param(["--cdr", str(GOOD_CDR), "--format", "csv"], id="unknown format"),
        pytest.param(["--cdr", str(GOOD_CDR), "--bogus"], id="unknown option"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.splitlines()[-1].startswith(("roamsim price: error: ", "roamsim: error: unrecognized arguments"))
    assert "Traceback" not in err
