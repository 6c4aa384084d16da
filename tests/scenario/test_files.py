"""Locations and tariffs from OCPI JSON files, real ones included, and written inline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim.ocpi.common import OCPIVersion
from sim.ocpi.validation import validate_document
from sim.ocpi.wirejson import loads

from .helpers import SOURCE, load, problems

CHARGERS = Path(__file__).parents[2].parent / "shared" / "data" / "chargers"
AMSTERDAM = CHARGERS / "ocpi_locations_amsterdam_area.json"
TARIFFS = CHARGERS / "ocpi_tariffs.json"


def cpo_scenario(cpo: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "files",
        "parties": [
            {"id": "NL-CPA", "role": "CPO", **cpo},
            {"id": "NL-EMA", "role": "EMSP", "links": [{"to": "NL-CPA"}]},
        ],
    }


def raw(path: Path) -> list[dict[str, Any]]:
    document = json.loads(path.read_text(encoding="utf-8"))
    return document["data"] if isinstance(document, dict) else document  # type: ignore[no-any-return]


def tariff_references(locations: list[dict[str, Any]]) -> list[str]:
    return [
        t for loc in locations for e in loc["evses"] or [] for c in e["connectors"] for t in c.get("tariff_ids") or []
    ]


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


# --- the real Amsterdam-area file ----------------------------------------------------------------------


def test_the_real_amsterdam_file_loads_as_it_is_with_exactly_the_expected_warnings() -> None:
    originals = raw(AMSTERDAM)
    loaded = load(cpo_scenario({"locations": [{"file": str(AMSTERDAM)}]}))
    locations = loaded.locations["NL-CPA"]
    assert [loc.id for loc in locations] == [loc["id"] for loc in originals]  # nothing skipped, order kept
    references = tariff_references(originals)
    distinct = sorted(set(references))
    assert loaded.warnings == [
        f"{SOURCE}: parties[0].locations[0]: {AMSTERDAM} data[819] (location '68b85099f95f3f684c6105a6'): "
        "control characters replaced by spaces in address",
        f"{SOURCE}: parties[0].locations[0]: connectors name tariffs NL-CPA does not publish ({len(references)} "
        f"references to {len(distinct)} tariffs: {', '.join(repr(t) for t in distinct[:3])}, …); "
        "they use 'AC-STANDARD' instead",
    ]
    tabbed = locations[819]
    assert "\t" in originals[819]["address"] and tabbed.address == originals[819]["address"].replace("\t", " ")
    for location in locations:
        assert (location.country_code, location.party_id) == ("NL", "CPA")  # as_owner
        assert location.last_updated <= loaded.scenario.start
        for evse in location.evses or []:
            assert all(c.tariff_ids == ["AC-STANDARD"] for c in evse.connectors)
    for location in locations[::50]:
        verdict = validate_document(loads(location.to_json()), version=OCPIVersion.V2_2_1, type_name="Location")
        assert verdict.valid and not verdict.warnings


def test_a_limit_takes_the_first_locations_and_never_reads_the_rest() -> None:
    originals = raw(AMSTERDAM)[:10]
    loaded = load(cpo_scenario({"locations": [{"file": str(AMSTERDAM), "limit": 10}]}))
    assert [loc.id for loc in loaded.locations["NL-CPA"]] == [loc["id"] for loc in originals]
    assert len(loaded.warnings) == 1  # the TAB at data[819] is never reached
    assert f"({len(tariff_references(originals))} references to" in loaded.warnings[0]


def test_an_area_keeps_only_locations_inside_it_then_the_limit_applies() -> None:
    area = {"lat": 52.30, "lon": 4.86, "radius_km": 1.5}
    everything = load(cpo_scenario({"locations": [{"file": str(AMSTERDAM), "area": area}], "tariffs": []}))
    inside = everything.locations["NL-CPA"]
    assert 0 < len(inside) < 924
    limited = load(cpo_scenario({"locations": [{"file": str(AMSTERDAM), "area": area, "limit": 3}], "tariffs": []}))
    assert [loc.id for loc in limited.locations["NL-CPA"]] == [loc.id for loc in inside[:3]]
    # Without tariffs the dropped references leave the connectors with none: free charging, said twice.
    assert (
        limited.warnings[-1]
        == f"{SOURCE}: parties[0].tariffs: NL-CPA has no tariff, so charging at its locations is free"
    )


def test_connectors_keep_the_real_tariffs_the_cpo_publishes() -> None:
    loaded = load(
        cpo_scenario({"locations": [{"file": str(AMSTERDAM), "limit": 40}], "tariffs": [{"file": str(TARIFFS)}]})
    )
    published = {t.id for t in loaded.tariffs["NL-CPA"]}
    named = {
        t
        for loc in loaded.locations["NL-CPA"]
        for e in loc.evses or []
        for c in e.connectors
        for t in c.tariff_ids or []
    }
    assert named <= published
    real = set(tariff_references(raw(AMSTERDAM)[:40]))
    assert named & real  # some real references survive


def test_the_real_tariffs_load_with_their_line_breaks_turned_into_spaces() -> None:
    originals = raw(TARIFFS)
    loaded = load(cpo_scenario({"tariffs": [{"file": str(TARIFFS)}], "locations": []}))
    tariffs = loaded.tariffs["NL-CPA"]
    assert [t.id for t in tariffs] == [t["id"] for t in originals]
    assert all((t.country_code, t.party_id) == ("NL", "CPA") for t in tariffs)
    assert loaded.warnings == [
        f"{SOURCE}: parties[0].tariffs[0]: {TARIFFS} data[18] (tariff 'NLCPIT235H*3*0'): control characters "
        "replaced by spaces in tariff_alt_text[0].text, tariff_alt_text[1].text",
        f"{SOURCE}: parties[0].tariffs[0]: {TARIFFS} data[19] (tariff 'NLCPIT2Xg3*H*0'): control characters "
        "replaced by spaces in tariff_alt_text[0].text",
        f"{SOURCE}: parties[0].tariffs[0]: {TARIFFS} data[20] (tariff 'NLCPIT2Xg3*O*0'): control characters "
        "replaced by spaces in tariff_alt_text[0].text",
    ]
    assert tariffs[18].tariff_alt_text is not None
    assert tariffs[18].tariff_alt_text[0].text.startswith("Energy    0.48 EUR per kWh Parking")


# --- file shapes, broken objects, ownership ------------------------------------------------------------

LOCATION = {
    "country_code": "BE", "party_id": "XYZ", "id": "L1", "publish": True, "address": "Grote Markt 1",
    "city": "Antwerpen", "country": "BEL", "coordinates": {"latitude": "51.22100", "longitude": "4.39970"},
    "time_zone": "Europe/Brussels", "last_updated": "2025-01-01T00:00:00Z",
    "evses": [{"uid": "E1", "status": "AVAILABLE", "last_updated": "2025-01-01T00:00:00Z", "connectors": [
        {"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 230,
         "max_amperage": 16, "tariff_ids": ["REAL-1"], "last_updated": "2025-01-01T00:00:00Z"}]}],
}  # fmt: skip


def test_an_object_a_list_and_an_envelope_all_load(tmp_path: Path) -> None:
    write(tmp_path / "one.json", LOCATION)
    write(tmp_path / "list.json", [LOCATION, {**LOCATION, "id": "L2"}])
    envelope = {"data": [{**LOCATION, "id": "L3"}], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}
    write(tmp_path / "envelope.json", envelope)
    sources = [{"file": name} for name in ("one.json", "list.json", "envelope.json")]
    loaded = load(cpo_scenario({"locations": sources, "tariffs": [{"preset": "free"}]}), tmp_path)
    assert [loc.id for loc in loaded.locations["NL-CPA"]] == ["L1", "XYZ-L1", "L2", "L3"]


def test_a_location_id_taken_twice_gets_its_owner_as_prefix(tmp_path: Path) -> None:
    write(tmp_path / "a.json", [LOCATION])
    sources = [{"file": "a.json"}, {"file": "a.json"}]
    loaded = load(cpo_scenario({"locations": sources}), tmp_path)
    assert [loc.id for loc in loaded.locations["NL-CPA"]] == ["L1", "XYZ-L1"]
    assert (
        f"{SOURCE}: parties[0].locations[1]: 1 location id already used by NL-CPA got the original owner as prefix: "
        "'L1' → 'XYZ-L1'"
    ) in loaded.warnings


def test_objects_that_still_fail_are_skipped_with_a_warning(tmp_path: Path) -> None:
    bad = {**LOCATION, "id": "BAD", "country": "Belgium", "address": "Straat\u00851"}
    write(tmp_path / "x.json", [bad, LOCATION, 7])
    loaded = load(cpo_scenario({"locations": [{"file": "x.json"}], "tariffs": [{"preset": "free"}]}), tmp_path)
    assert [loc.id for loc in loaded.locations["NL-CPA"]] == ["L1"]
    assert loaded.warnings == [
        f"{SOURCE}: parties[0].locations[0]: x.json [0] (location 'BAD'): "
        "control characters replaced by spaces in address",
        f"{SOURCE}: parties[0].locations[0]: x.json [0] (location 'BAD'): skipped, not a valid OCPI 2.2.1 Location: "
        "country: at most 3 characters allowed, got 7",
        f"{SOURCE}: parties[0].locations[0]: x.json [2]: skipped, not a JSON object",
        f"{SOURCE}: parties[0].locations[0]: connectors name tariffs NL-CPA does not publish "
        "(1 reference to 1 tariff: 'REAL-1'); they use 'FREE' instead",
    ]


def test_as_owner_false_keeps_the_owner_and_says_so(tmp_path: Path) -> None:
    write(tmp_path / "x.json", [LOCATION])
    loaded = load(cpo_scenario({"locations": [{"file": "x.json", "as_owner": False}], "tariffs": []}), tmp_path)
    location = loaded.locations["NL-CPA"][0]
    assert (location.country_code, location.party_id) == ("BE", "XYZ")
    assert location.last_updated.year == 2025  # earlier than the start: kept
    assert (
        f"{SOURCE}: parties[0].locations[0]: as_owner is false: 1 location keeps its owner (BE-XYZ), not NL-CPA; "
        "receivers may reject them"
    ) in loaded.warnings


def test_unreadable_and_empty_files_are_problems_or_warnings(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("{nope", encoding="utf-8")
    write(tmp_path / "empty.json", [])
    write(tmp_path / "number.json", 5)
    document = cpo_scenario({"locations": [{"file": "missing.json"}, {"file": "broken.json"}, {"file": "number.json"}]})
    assert problems(document, tmp_path) == [
        f"{SOURCE}: parties[0].locations[0].file: no such file 'missing.json' (looked for {tmp_path / 'missing.json'})",
        f"{SOURCE}: parties[0].locations[1].file: 'broken.json' is not valid JSON "
        "(Expecting property name enclosed in double quotes: line 1 column 2 (char 1))",
        f"{SOURCE}: parties[0].locations[2].file: 'number.json' holds no OCPI object, list or response envelope",
    ]
    loaded = load(cpo_scenario({"locations": [{"file": "empty.json"}]}), tmp_path)
    assert loaded.warnings == [f"{SOURCE}: parties[0].locations[0]: no location loaded from 'empty.json'"]


# --- inline ----------------------------------------------------------------------------------------


def test_inline_locations_and_tariffs_get_owner_and_timestamps_filled_in() -> None:
    location = {
        key: value for key, value in LOCATION.items() if key not in ("country_code", "party_id", "last_updated")
    }
    location["evses"] = [{"uid": "E1", "status": "AVAILABLE", "connectors": [
        {"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_3_PHASE", "max_voltage": 230,
         "max_amperage": 16}]}]  # fmt: skip
    tariff = {
        "id": "T1",
        "currency": "EUR",
        "elements": [{"price_components": [{"type": "ENERGY", "price": 0.3, "step_size": 1}]}],
    }
    loaded = load(cpo_scenario({"locations": [{"inline": [location]}], "tariffs": [{"inline": tariff}]}))
    (made,) = loaded.locations["NL-CPA"]
    assert (made.country_code, made.party_id, made.last_updated) == ("NL", "CPA", loaded.scenario.start)
    assert made.evses is not None and made.evses[0].connectors[0].tariff_ids == ["T1"]
    (published,) = loaded.tariffs["NL-CPA"]
    assert (published.country_code, published.party_id, published.id) == ("NL", "CPA", "T1")


def test_inline_mistakes_are_problems_at_their_paths() -> None:
    location = {
        **LOCATION,
        "country_code": "NL",
        "party_id": "CPA",
        "coordinates": {"latitude": 52.3, "longitude": "4.39970"},
    }
    foreign = {**LOCATION, "id": "L9"}
    tariff = {"id": "T1", "currency": "EUR", "elements": []}
    document = cpo_scenario({"locations": [{"inline": [location, foreign]}], "tariffs": [{"inline": tariff}]})
    assert problems(document) == [
        f"{SOURCE}: parties[0].tariffs[0].inline.elements: list should have at least 1 item after validation, not 0",
        f"{SOURCE}: parties[0].locations[0].inline[0].coordinates.latitude: input should be a valid string, got 52.3",
        f"{SOURCE}: parties[0].locations[0].inline[1].country_code: 'BE' is not NL-CPA's (it must be 'NL')",
        f"{SOURCE}: parties[0].locations[0].inline[1].party_id: 'XYZ' is not NL-CPA's (it must be 'CPA')",
    ]
