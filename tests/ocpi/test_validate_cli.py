"""``roamsim ocpi validate`` end to end: verdicts on the spec's examples, exit codes, output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO.parent / "shared" / "ocpi" / "examples"
SAMPLES = REPO / "assets" / "samples" / "ocpi"

# Verdicts the index (shared/ocpi/examples/index.md) implies for every standalone JSON example.
# Files not listed here are valid. Invalid ones list the exact error paths. Defects a schema cannot
# see (swapped latitude/longitude, Wh in ENERGY volumes, version "2.2", prose/JSON mismatches) leave
# a file valid.
INVALID_221 = {
    "location_put_example_add_evse.json": (
        "EVSE",
        {
            "connectors[0].power_type",
            "connectors[0].max_voltage",
            "connectors[0].max_amperage",
            "connectors[0].last_updated",
            "physical_reference",
        },
        {"floor"},
    ),
    "tariff_put_example.json": ("Tariff", {"last_updated"}, set()),
}
INVALID_211 = {
    "cdr_example.json": (
        "CDR",
        {"location.country", "tariffs[0].elements[0].price_components[0].price"},
        set(),
    ),
    "location_put_example_add_evse.json": (
        "EVSE",
        {
            "connectors[0].power_type",
            "connectors[0].voltage",
            "connectors[0].amperage",
            "connectors[0].last_updated",
            "floor_level",
            "physical_reference",
            "last_updated",
        },
        set(),
    ),
    "session_example_1_simple_start.json": ("Session", {"location.country"}, set()),
    "session_example_2_short_finished.json": ("Session", {"location.country"}, set()),
    "tariff_put_example_new_tariff.json": ("Tariff", {"last_updated"}, set()),
    "transport_and_format_version_info_response.json": ("Version", {"data[0].version"}, set()),
}
# Types detected for a few valid files whose shape is not a plain object.
DETECTED_221 = {
    "location_energymix_example_simple.json": ("EnergyMix", "object wrapped in 'energy_mix'"),
    "location_regularhours_example.json": ("Hours", "object wrapped in 'opening_times'"),
    "location_patch_example_status.json": ("EVSEPatch", "object"),
    "location_patch_example_tariff.json": ("ConnectorPatch", "object"),
    "session_patch_example_charging_period.json": ("SessionPatch", "object"),
    "transport_and_format_get_token_list_example.json": ("Token", "response envelope with list of 3"),
    "inline_transport_and_format_error_response.json": (None, "response envelope without data"),
    "versions_info_example.json": ("Version", "list of 2"),
    "cdr_example.json": ("CDR", "object"),
}
DETECTED_211 = {
    "tariff_patch_example_change_price.json": ("TariffPatch", "object"),
    "token_patch_example_invalidate.json": ("TokenPatch", "object"),
    "location_example.json": ("Location", "object"),
    "transport_and_format_version_details_response.json": ("VersionDetails", "response envelope with object"),
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]]]:
    code = main(["ocpi", "validate", "--format", "json", *argv])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("version", "invalid", "detected"),
    [("2.2.1", INVALID_221, DETECTED_221), ("2.1.1", INVALID_211, DETECTED_211)],
)
def test_verdicts_on_every_spec_example_agree_with_the_index(
    capsys: pytest.CaptureFixture[str],
    version: str,
    invalid: dict[str, tuple[str, set[str], set[str]]],
    detected: dict[str, tuple[str | None, str]],
) -> None:
    files = sorted((EXAMPLES / version).glob("*.json"))
    assert len(files) == {"2.2.1": 60, "2.1.1": 29}[version]  # as counted in index.md
    code, verdicts = run_json(capsys, "--version", version, *map(str, files))
    by_name = {Path(str(v["file"])).name: v for v in verdicts}
    assert set(by_name) == {f.name for f in files}
    assert code == 1
    for name, verdict in by_name.items():
        if name in invalid:
            type_name, error_paths, warning_paths = invalid[name]
            assert verdict["valid"] is False, name
            assert verdict["type"] == type_name, name
            assert {e["path"] for e in verdict["errors"]} == error_paths, name  # type: ignore[attr-defined]
            assert {w["path"] for w in verdict["warnings"]} == warning_paths, name  # type: ignore[attr-defined]
        else:
            assert verdict["valid"] is True, (name, verdict["errors"])
            assert verdict["warnings"] == [], name
        if name in detected:
            assert (verdict["type"], verdict["shape"]) == detected[name], name


def test_all_valid_files_exit_zero_and_say_ok(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (SAMPLES / "2.2.1").glob("*.json"))
    assert main(["ocpi", "validate", *files]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("location.json: OK (Location, object, OCPI 2.2.1)")
    assert out[-1] == f"{len(files)} files: {len(files)} OK, 0 invalid"


def test_broken_file_gets_every_violation_with_path_and_reason(capsys: pytest.CaptureFixture[str]) -> None:
    broken = SAMPLES / "broken" / "location_2.2.1.json"
    assert main(["ocpi", "validate", str(broken)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{broken}: INVALID (Location, object, OCPI 2.2.1): 6 errors, 1 warning",
        "  error   country_code: at most 2 characters allowed, got 3",
        "  error   country: 'NL' is not an ISO 3166-1 alpha-3 country code (three capital letters)",
        "  error   coordinates.latitude: '52.0837' is not decimal degrees with 5 to 7 decimals",
        "  error   evses[0].status: Input should be 'AVAILABLE', 'BLOCKED', 'CHARGING', 'INOPERATIVE', "
        "'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED' or 'UNKNOWN', got \"available\"",
        '  error   evses[0].connectors[0].max_voltage: Input should be a valid integer, got "230"',
        "  error   evses[0].connectors[0].last_updated: '2026-03-02T06:00:00+01:00' carries offset +01:00; "
        "OCPI DateTimes are UTC and written with 'Z'",
        "  warning parking_spots: unknown field (not part of OCPI 2.2.1 Location)",
    ]


def test_unknown_fields_are_warnings_and_errors_when_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads((SAMPLES / "2.2.1" / "tariff.json").read_text())
    document["elements"][0]["price_components"][0]["discount"] = 0.1
    path = tmp_path / "tariff_extra.json"
    path.write_text(json.dumps(document))
    assert main(["ocpi", "validate", str(path)]) == 0
    assert "warning elements[0].price_components[0].discount: unknown field" in capsys.readouterr().out
    code, verdicts = run_json(capsys, "--strict", str(path))
    assert code == 1
    assert verdicts[0]["errors"] == [
        {
            "path": "elements[0].price_components[0].discount",
            "message": "unknown field (not part of OCPI 2.2.1 PriceComponent)",
        }
    ]


def test_explicit_type_overrides_detection(capsys: pytest.CaptureFixture[str]) -> None:
    patch_body = EXAMPLES / "2.1.1" / "tariff_patch_example_change_price.json"
    code, verdicts = run_json(capsys, "--version", "2.1.1", "--type", "tariff", str(patch_body))
    assert code == 1
    assert verdicts[0]["type"] == "Tariff"
    assert {e["path"] for e in verdicts[0]["errors"]} == {"id", "currency", "last_updated"}  # type: ignore[attr-defined]


def test_same_version_differences_are_caught(capsys: pytest.CaptureFixture[str]) -> None:
    location_221 = SAMPLES / "2.2.1" / "location.json"
    code, verdicts = run_json(capsys, "--version", "2.1.1", "--type", "Location", str(location_221))
    assert code == 1
    paths = {e["path"] for e in verdicts[0]["errors"]}  # type: ignore[attr-defined]
    # 2.1.1 requires `type`, has `voltage`/`amperage` and six-decimal coordinates.
    assert {"type", "evses[0].connectors[0].voltage", "evses[0].connectors[0].amperage"} <= paths


def test_ambiguous_shapes_name_the_alternatives(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "point.json"
    path.write_text('{"latitude": "52.08944", "longitude": "5.10854"}')
    assert main(["ocpi", "validate", str(path)]) == 0
    assert "OK (GeoLocation, object, OCPI 2.2.1; also matches AdditionalGeoLocation)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('"energy_mix": {"is_green_energy": true}', "not valid JSON"),
        ("", "not valid JSON"),
        (b"\xff\xfe{}", "not UTF-8 text"),
    ],
)
def test_unreadable_input_is_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    path = tmp_path / "input.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert main(["ocpi", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_spec_fragments_and_invalid_json_examples_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*/*.txt"))
    assert len(files) == 5
    assert main(["ocpi", "validate", *files]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--type", "Lokation", "x.json"], "OCPI 2.2.1 has no type 'Lokation'; known types:"),
        (["--version", "2.3.0", "x.json"], "invalid choice: '2.3.0'"),
        (["--format", "xml", "x.json"], "invalid choice: 'xml'"),
        ([], "the following arguments are required: FILE"),
        (["missing-file.json"], "missing-file.json: no such file"),
    ],
)
def test_usage_errors_are_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(["ocpi", "validate", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_types_only_in_221_are_unknown_in_211(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ocpi", "validate", "--version", "2.1.1", "--type", "CdrToken", "x.json"]) == 2
    assert "OCPI 2.1.1 has no type 'CdrToken'" in capsys.readouterr().err


def test_a_list_is_checked_item_by_item(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = json.loads((EXAMPLES / "2.2.1" / "token_example_2_full_rfid.json").read_text())
    bad = dict(token, whitelist="SOMETIMES")
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps([token, bad]))
    code, verdicts = run_json(capsys, str(path))
    assert code == 1
    assert verdicts[0]["type"] == "Token" and verdicts[0]["shape"] == "list of 2"
    assert [e["path"] for e in verdicts[0]["errors"]] == ["[1].whitelist"]  # type: ignore[index]


def test_envelope_fields_are_checked_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "response.json"
    path.write_text('{"data": [], "status_code": "1000", "timestamp": "2026-03-02T12:00:00+00:00"}')
    code, verdicts = run_json(capsys, str(path))
    assert code == 1
    assert [e["path"] for e in verdicts[0]["errors"]] == ["status_code", "timestamp"]  # type: ignore[index]
