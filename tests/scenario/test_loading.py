"""Loading a scenario: defaults, YAML syntax, the schema's errors at the author's paths, durations."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, UnreadableScenario, load_scenario, parse_duration
from sim.scenario.schema import DriverProfile, RoleName, SyncStyle, Version

from .helpers import SOURCE, base, load, load_text, problems, problems_of_text

MINIMAL = """\
name: minimal
parties:
  - {id: NL-CPA, role: CPO}
  - {id: NL-EMA, role: EMSP, links: [{to: NL-CPA}]}
"""


def test_a_minimal_scenario_loads_with_every_default() -> None:
    loaded = load_text(MINIMAL)
    scenario = loaded.scenario
    assert scenario.seed == 42
    assert scenario.start == datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    assert scenario.time_zone == "Europe/Amsterdam"
    assert scenario.duration == 86400.0
    assert [p.role for p in scenario.parties] == [RoleName.CPO, RoleName.EMSP]
    cpo, emsp = scenario.parties
    assert cpo.versions == [Version.V2_2_1, Version.V2_1_1]
    link = emsp.links[0]
    assert (link.to, link.via, link.version, link.sync, link.pull_interval) == ("NL-CPA", None, None, {}, 3600.0)
    assert emsp.drivers is None
    assert scenario.faults == []
    assert scenario.events == []
    assert scenario.expect == []
    assert loaded.warnings == []
    # A CPO that says nothing about its world gets ten generated AC locations and the ac-standard tariff.
    assert [t.id for t in loaded.tariffs["NL-CPA"]] == ["AC-STANDARD"]
    assert len(loaded.locations["NL-CPA"]) == 10
    assert loaded.location_count == 10 and loaded.driver_count == 0
    assert list(loaded.locations) == ["NL-CPA"]
    assert loaded.default_area.lat == pytest.approx(52.3676)


def test_an_explicit_empty_list_means_no_locations_and_no_tariffs() -> None:
    loaded = load_text(MINIMAL.replace("role: CPO}", "role: CPO, locations: [], tariffs: []}"))
    assert loaded.locations == {"NL-CPA": []} and loaded.tariffs == {"NL-CPA": []}
    assert loaded.warnings == []


def test_load_scenario_reads_files_relative_to_the_scenario(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "t.json").write_text(
        '{"id": "T9", "currency": "EUR", "elements": [{"price_components": '
        '[{"type": "ENERGY", "price": 0.3, "step_size": 1}]}], "last_updated": "2026-01-01T00:00:00Z",'
        ' "country_code": "NL", "party_id": "CPA"}',
        encoding="utf-8",
    )
    file = tmp_path / "x.yaml"
    file.write_text(MINIMAL.replace("role: CPO}", "role: CPO, tariffs: [{file: data/t.json}]}"), encoding="utf-8")
    loaded = load_scenario(file)
    assert loaded.base_dir == tmp_path
    assert loaded.source == str(file)
    assert [t.id for t in loaded.tariffs["NL-CPA"]] == ["T9"]


def test_an_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    with pytest.raises(UnreadableScenario) as caught:
        load_scenario(tmp_path / "missing.yaml")
    assert caught.value.messages == [f"{tmp_path / 'missing.yaml'}: no such file"]
    with pytest.raises(UnreadableScenario) as caught:
        load_scenario(tmp_path)
    assert caught.value.messages == [f"{tmp_path}: is a directory, not a scenario file"]


# --- YAML ------------------------------------------------------------------------------------------


def test_a_yaml_syntax_error_names_line_and_column() -> None:
    text = "name: x\nparties:\n  - {id: NL-CPA, role: CPO\n  - {id: NL-EMA, role: EMSP}\n"
    assert problems_of_text(text) == [
        f"{SOURCE}: line 4, column 5: YAML syntax error: expected ',' or '}}', but got '{{' "
        "(while parsing a flow mapping at line 3)"
    ]


def test_a_key_written_twice_is_an_error() -> None:
    assert problems_of_text("name: x\nname: y\nparties: []\n") == [
        f"{SOURCE}: line 2, column 1: YAML syntax error: duplicate key 'name' (first at line 1)"
    ]


def test_empty_and_non_mapping_documents() -> None:
    assert problems_of_text("") == [f"{SOURCE}: the file is empty (a scenario needs at least a name and parties)"]
    assert problems_of_text("- a\n") == [
        f"{SOURCE}: a scenario is a mapping of keys (name:, parties:, ...), not a list"
    ]


def test_an_unquoted_wall_time_stays_a_wall_time() -> None:
    # YAML 1.1 would read 17:00 as the base-60 number 1020 (seconds): 17 minutes, not 5 pm.
    text = MINIMAL + "faults:\n  - {kind: outage, party: NL-CPA, at: 17:00, for: 1:30}\n"
    with pytest.raises(ScenarioError) as caught:
        load_text(text)
    assert caught.value.messages == [
        f"{SOURCE}: faults[0].for: '1:30' is not a duration (write e.g. 30s, 15m, 1h30m or 2d)"
    ]
    loaded = load_text(text.replace("for: 1:30", "for: 90m"))
    assert loaded.scenario.faults[0].at == "17:00"
    assert loaded.instant("17:00") == 10 * 3600  # 06:00Z is 07:00 in Amsterdam


# --- schema errors at the author's paths -------------------------------------------------------------


def test_a_typo_key_is_rejected_at_its_path_with_a_suggestion() -> None:
    document = base()
    document["parties"][2]["dirvers"] = document["parties"][2].pop("drivers")
    assert problems(document) == [f"{SOURCE}: parties[2].dirvers: unknown key (did you mean 'drivers'?)"]


def test_an_unknown_key_without_a_near_one_lists_the_known_keys() -> None:
    document = base()
    document["parties"][1]["locations"][0]["area"]["zzz"] = 1
    assert problems(document) == [
        f"{SOURCE}: parties[1].locations[0].area.zzz: unknown key (known keys: lat, lon, radius_km)"
    ]


def test_schema_errors_are_all_reported_in_the_authors_terms() -> None:
    document = base()
    cpo, ema = document["parties"][1], document["parties"][2]
    cpo["role"] = "CPOX"
    cpo["locations"] = [{"cont": 3}, {"count": 3, "area": {"lat": 52.3, "lon": 4.9}}, {"file": "x", "limt": 3}]
    cpo["tariffs"] = [{"preset": "ac-standard", "file": "x.json"}, {"preset": "cheap"}]
    ema["drivers"] = {"profile": "bla", "tokens": {"rfidx": 1}}
    document["parties"][3]["links"][0]["version"] = "2.2"
    document["duration"] = "1h30x"
    document["smart_charging"] = {"party": "NL-GRD", "peak_start": "5pm"}
    document["events"] = [{"at": "25:00", "action": "explode", "party": "NL-CPA"}]
    assert problems(document) == [
        f"{SOURCE}: duration: '1h30x' is not a duration (write e.g. 30s, 15m, 1h30m or 2d)",
        f"{SOURCE}: parties[1].role: input should be 'CPO', 'EMSP', 'HUB' or 'SCSP', got 'CPOX'",
        f"{SOURCE}: parties[1].locations[0]: a location source needs count and area (generated), file, or inline "
        "(got cont)",
        f"{SOURCE}: parties[1].locations[1].area.radius_km: missing (required)",
        f"{SOURCE}: parties[1].locations[2].limt: unknown key (did you mean 'limit'?)",
        f"{SOURCE}: parties[1].tariffs[0]: give exactly one of preset, file or inline (got preset, file)",
        f"{SOURCE}: parties[1].tariffs[1].preset: input should be 'ac-standard', 'dc-fast', 'time-of-day', "
        "'parking-penalty' or 'free', got 'cheap'",
        f"{SOURCE}: parties[2].drivers.tokens.rfidx: input should be 'rfid' or 'app', got 'rfidx'",
        f"{SOURCE}: parties[2].drivers.profile: should be 'commuter', 'shopper' or 'ride-hailing', "
        "or a valid dictionary, got 'bla'",
        f"{SOURCE}: parties[3].links[0].version: input should be '2.1.1' or '2.2.1', got '2.2'",
        f"{SOURCE}: events[0].at: '25:00' is not a wall time (write HH:MM from 00:00 to 23:59, e.g. 07:30)",
        f"{SOURCE}: events[0].action: input should be 'change_tariff', 'close_location', 'open_location', "
        "'join_hub', 'leave_hub' or 'block_token', got 'explode'",
        f"{SOURCE}: smart_charging.peak_start: '5pm' is not a wall time (write HH:MM from 00:00 to 23:59, e.g. 07:30)",
    ]


def test_a_union_member_the_author_clearly_meant_reports_only_its_errors() -> None:
    document = base()
    document["parties"][2]["drivers"] = {"profile": {"commuter": "x", "shopper": 1}}
    assert problems(document) == [
        f"{SOURCE}: parties[2].drivers.profile.commuter: input should be a valid number, "
        "unable to parse string as a number, got 'x'"
    ]
    document["parties"][2]["drivers"] = {"profile": {"commuter": 0.5, "shopper": 0.5}}
    profile = load(document).scenario.parties[2].drivers.profile  # type: ignore[union-attr]
    assert profile == {DriverProfile.COMMUTER: 0.5, DriverProfile.SHOPPER: 0.5}


def test_generated_locations_need_a_sane_range_and_powers() -> None:
    document = base()
    document["parties"][1]["locations"][0].update(evses_per_location=[4, 2], power_kw=[22, 0])
    assert problems(document) == [
        f"{SOURCE}: parties[1].locations[0].evses_per_location: [4, 2] is not a range "
        "(write [min, max] with min ≤ max)",
        f"{SOURCE}: parties[1].locations[0].power_kw[1]: input should be greater than 0, got 0",
    ]


def test_sync_styles_and_aliases_read_as_written() -> None:
    document = base()
    document["parties"][3]["links"][0]["sync"] = {"locations": "pull", "tariffs": "push"}
    document["faults"] = [{"kind": "outage", "party": "NL-CPA", "at": "10h", "for": "30m"}]
    document["expect"] = [{"metric": "cdrs_delivered_ratio", ">=": 1.0}]
    scenario = load(document).scenario
    assert scenario.parties[3].links[0].sync == {"locations": SyncStyle.PULL, "tariffs": SyncStyle.PUSH}
    assert (scenario.faults[0].at, scenario.faults[0].for_) == (36000.0, 1800.0)
    assert scenario.expect[0].ge == 1.0


# --- durations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h30m", 5400.0), ("90s", 90.0), ("2d", 172800.0), ("15m", 900.0), ("1d2h3m4s", 93784.0), ("1.5h", 5400.0),
     ("1h 30m", 5400.0), (45, 45.0), (2.5, 2.5), ("0s", 0.0)],
)  # fmt: skip
def test_durations_parse(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["1h30", "abc", "", "30ms", "m", "1.5.h", "h1", "-5m", "1m2h"])
def test_bad_durations_are_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"is not a duration|a duration must be like"):
        parse_duration(text)


@pytest.mark.parametrize("value", [-1, True, None, [1]])
def test_negative_and_non_scalar_durations_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"cannot be negative|a duration must be like"):
        parse_duration(value)


def test_durations_in_a_scenario() -> None:
    document = base()
    document["duration"] = "1h30m"
    document["parties"][3]["links"][0]["pull_interval"] = "90s"
    loaded = load(document)
    assert loaded.scenario.duration == 5400.0
    assert loaded.scenario.parties[3].links[0].pull_interval == 90.0
    document["duration"] = "2 days"
    assert problems(document) == [f"{SOURCE}: duration: '2 days' is not a duration (write e.g. 30s, 15m, 1h30m or 2d)"]
