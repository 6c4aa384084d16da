"""``roamsim batch``: sweeps planned from ``--set`` and ``--seeds``, run in a pool, one CSV row per run."""

from __future__ import annotations

import csv
import io
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest

from sim import batch as sweep
from sim.batch import Outcome, PathError, SweepError, parse_path, parse_seeds, parse_setting, plan_sweep, set_value
from sim.cli import main
from sim.commands.batch import kpi_columns
from sim.scenario import load_scenario, parse_scenario
from sim.simulation import Simulation

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASICS = SCENARIOS / "bilateral-basics.yaml"
DRIVERS = "parties[1].drivers.count"
SWEEP = ["--set", f"{DRIVERS}=0,15", "--seeds", "1-2", "--until", "2h"]


def batch(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["batch", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same small sweep with one job and with two, and their exit codes and progress lines."""
    folder = tmp_path_factory.mktemp("batch")
    result: dict[str, Any] = {}
    for jobs in ("1", "2"):
        out = folder / f"jobs{jobs}.csv"
        err = io.StringIO()
        with redirect_stderr(err):
            code = main(["batch", str(BASICS), *SWEEP, "--jobs", jobs, "--out", str(out)])
        result[jobs] = (code, out, err.getvalue())
    return result


# --- a real sweep ---------------------------------------------------------------------------------


def test_one_job_and_two_jobs_write_byte_identical_csvs(swept: dict[str, Any]) -> None:
    assert swept["1"][1].read_bytes() == swept["2"][1].read_bytes()


def test_the_csv_has_a_row_per_run_in_plan_order_with_the_columns(swept: dict[str, Any]) -> None:
    path = swept["1"][1]
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:4] == [DRIVERS, "seed", "status", "error"]
    assert header[4:8] == ["run_s", "sessions_attempted", "attempts.app", "attempts.rfid"]
    assert "messages_total" in header and "cdrs_delivered_ratio" in header and len(header) == len(set(header))
    table = rows(path)
    assert [(row[DRIVERS], row["seed"]) for row in table] == [("0", "1"), ("0", "2"), ("15", "1"), ("15", "2")]
    assert all(row["run_s"] == "7200.0" for row in table)


def test_the_kpis_are_sensible(swept: dict[str, Any]) -> None:
    table = rows(swept["1"][1])
    attempted: dict[str, int] = {"0": 0, "15": 0}
    for row in table:
        attempted[row[DRIVERS]] += int(row["sessions_attempted"])
        assert int(row["sessions_started"]) <= int(row["sessions_attempted"])
        assert int(row["messages_total"]) > 0  # the handshake and the initial pushes happen without drivers
    # Without drivers nobody charges, so more drivers must mean at least as many attempts (here: some).
    assert attempted["0"] == 0
    assert attempted["15"] > attempted["0"]


def test_status_error_and_exit_code_follow_the_expectations(swept: dict[str, Any]) -> None:
    code, path, _ = swept["1"]
    # Two hours in, no CDR has been issued yet: bilateral-basics expects every CDR delivered (ratio 0 ≠ 1).
    assert code == 3
    for row in rows(path):
        assert row["status"] == "expectations_failed"
        assert "cdrs_delivered_ratio = 0, expected == 1: FAILED" in row["error"]
        if row[DRIVERS] == "0":
            assert "sessions_started = 0, expected >= 1: FAILED" in row["error"]


def test_a_progress_line_per_finished_run_then_a_total(swept: dict[str, Any]) -> None:
    for jobs in ("1", "2"):
        lines = swept[jobs][2].splitlines()
        assert len(lines) == 5
        assert sorted(line.split("] ")[1].split(":")[0] for line in lines[:4]) == [
            f"{DRIVERS}=0 seed=1",
            f"{DRIVERS}=0 seed=2",
            f"{DRIVERS}=15 seed=1",
            f"{DRIVERS}=15 seed=2",
        ]
        assert [line.split("]")[0] for line in lines[:4]] == ["[1/4", "[2/4", "[3/4", "[4/4"]
        assert lines[4] == f"4 runs: 0 ok, 4 expectations failed, 0 failed -> {swept[jobs][1]}"


def test_a_row_matches_a_plain_run_of_the_file_with_that_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Setting a value to what it already is goes through the rewritten YAML and changes nothing."""
    out = tmp_path / "r.csv"
    code, _, _ = batch(
        capsys, str(BASICS), "--set", f"{DRIVERS}=15", "--seeds", "3", "--until", "2h", "--out", str(out)
    )
    assert code == 3
    (row,) = rows(out)
    simulation = Simulation(load_scenario(BASICS), seed=3)
    simulation.run(7200.0)
    summary = simulation.metrics.summary()
    assert {key: row[key] for key in summary} == {key: str(value) for key, value in summary.items()}


def test_quiet_and_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = batch(capsys, str(BASICS), "--set", "duration=1h", "--until", "30m", "--quiet", "--out", "-")
    assert (code, err) == (3, "")
    (row,) = list(csv.DictReader(io.StringIO(out)))
    assert (row["duration"], row["seed"], row["run_s"]) == ("1h", "42", "1800.0")  # the scenario's own seed


def test_a_failed_run_is_a_row_and_the_others_go_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_run = Simulation.run

    def run(self: Simulation, until: float | None = None, **kwargs: Any) -> Any:
        if self.seed == 2:
            raise RuntimeError("the charger\nexploded")
        return real_run(self, until, **kwargs)

    monkeypatch.setattr(Simulation, "run", run)
    out = tmp_path / "r.csv"
    code, _, err = batch(capsys, str(BASICS), "--seeds", "1-3", "--until", "1h", "--jobs", "1", "--out", str(out))
    assert code == 1
    table = rows(out)
    assert [row["status"] for row in table] == ["expectations_failed", "failed", "expectations_failed"]
    failed = table[1]
    assert failed["error"].startswith("RuntimeError: the charger exploded (at test_batch.py:")
    assert failed["sessions_attempted"] == failed["messages_total"] == ""
    assert table[2]["messages_total"] != ""
    assert "seed=2: failed: RuntimeError: the charger exploded" in err


# --- what cannot start ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["--set", "parties[5].drivers.count=1,2"],
            f"--set parties[5].drivers.count=1,2: {BASICS}: parties[5]: no such item (parties has 2 items)",
        ),
        (
            ["--set", f"{DRIVERS}=5,abc"],
            f"--set {DRIVERS}=abc: {BASICS}: {DRIVERS}: input should be a valid integer, unable to parse string "
            "as an integer, got 'abc'",
        ),
        (
            ["--set", "parties[1].drivers.cout=5"],
            f"--set parties[1].drivers.cout=5: {BASICS}: parties[1].drivers.cout: unknown key (did you mean 'count'?)",
        ),
        (
            ["--set", "faults[0].for=15m,1h"],
            f"--set faults[0].for=15m,1h: {BASICS}: faults[0]: no such item (faults is not in the scenario)",
        ),
        (
            ["--set", "parties[1].links[0].to.x=1"],
            f"--set parties[1].links[0].to.x=1: {BASICS}: parties[1].links[0].to.x: no such key "
            "(parties[1].links[0].to is a string, not a mapping)",
        ),
        (
            ["--set", "parties[0].drivers.count=1,2"],  # the CPO: every value has the problem, one line
            f"--set parties[0].drivers.count=1,2: {BASICS}: parties[0].drivers: only an EMSP has drivers "
            "(NL-UCP is a CPO)",
        ),
        (
            ["--set", "parties[0].id=NL-XYZ"],  # blamed on the combination: the problem is elsewhere
            f"--set parties[0].id=NL-XYZ: {BASICS}: parties[1].links[0].to: unknown party 'NL-UCP'",
        ),
        (
            ["--set", "parties..count=1"],
            "--set parties..count=1: 'parties..count' is not a path in the scenario "
            "(write e.g. parties[1].drivers.count or duration)",
        ),
        (["--set", "duration"], "--set duration: write PATH=VALUE[,VALUE...], e.g. parties[1].drivers.count=10,20"),
        (["--set", "duration=1h,,2h"], "--set duration=1h,,2h: an empty value (values are separated by commas)"),
        (["--set", "duration=1h,1h"], "--set duration=1h,1h: 1h is listed twice"),
        (
            ["--set", "duration=1h", "--set", "duration=2h"],
            "--set duration: given twice (list every value in one --set)",
        ),
        (["--set", "seed=1,2"], "--set seed=1,2: sweep seeds with --seeds (e.g. --seeds 1-5)"),
        (["--seeds", "5-1"], "--seeds 5-1: 5-1 is not a range (write low-high, e.g. 1-5)"),
        (["--seeds", "x"], "--seeds x: 'x' is not a seed or a range of seeds (write e.g. 1-5 or 1,3,7)"),
        (["--seeds", "1-3,2"], "--seeds 1-3,2: seed 2 is listed twice"),
        (["--jobs", "0"], "--jobs 0: give a number of processes, 1 or more"),
        (["--until", "soon"], "--until soon: 'soon' is not a duration (write e.g. 30s, 15m, 1h30m or 2d)"),
    ],
)
def test_what_does_not_fit_exits_2_with_one_line_before_anything_runs(
    argv: list[str], line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweep, "run_one", lambda run: pytest.fail("nothing may run"))
    out = tmp_path / "r.csv"
    assert batch(capsys, str(BASICS), *argv, "--out", str(out)) == (2, "", f"roamsim batch: {line}\n")
    assert not out.exists()


def test_an_unreadable_or_invalid_scenario_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "r.csv")
    missing = tmp_path / "missing.yaml"
    assert batch(capsys, str(missing), "--out", out) == (2, "", f"roamsim batch: {missing}: no such file\n")
    assert batch(capsys, str(tmp_path), "--out", out) == (
        2,
        "",
        f"roamsim batch: {tmp_path}: is a directory, not a scenario file\n",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nparties: []\n", encoding="utf-8")
    code, _, err = batch(capsys, str(bad), "--out", out)
    assert code == 2 and err.startswith(f"{bad}: parties: ")
    assert batch(capsys, str(BASICS), "--out", str(tmp_path / "nowhere" / "r.csv")) == (
        2,
        "",
        f"roamsim batch: --out {tmp_path / 'nowhere' / 'r.csv'}: no such directory {tmp_path / 'nowhere'}\n",
    )


# --- the parts ------------------------------------------------------------------------------------


def test_paths_are_written_as_the_loader_writes_them() -> None:
    assert parse_path("parties[2].drivers.count") == ("parties", 2, "drivers", "count")
    assert parse_path("faults[0].for") == ("faults", 0, "for")
    assert parse_path("duration") == ("duration",)
    assert parse_path("parties[1].links[0].sync.tariffs") == ("parties", 1, "links", 0, "sync", "tariffs")
    for bad in ("", "[0]", "parties[x]", "parties.[0]", "parties[0]count", "a..b", "a."):
        with pytest.raises(ValueError, match="is not a path"):
            parse_path(bad)


def test_values_are_yaml_scalars_as_written() -> None:
    setting = parse_setting("faults[0].at=17:00, 2h ,3600,true,null,0.5")
    assert setting.values == ("17:00", "2h", 3600, True, None, 0.5)
    assert setting.texts == ("17:00", "2h", "3600", "true", "null", "0.5")
    threshold = parse_setting("expect[0].>==0.5,1")
    assert (threshold.path, threshold.values) == ("expect[0].>=", (0.5, 1))
    with pytest.raises(SweepError, match="not a single value"):
        parse_setting("duration={a: 1}")
    with pytest.raises(SweepError, match="not a YAML value"):
        parse_setting("name='a,b'")  # commas always separate values


def test_seeds() -> None:
    assert parse_seeds("1-5") == (1, 2, 3, 4, 5)
    assert parse_seeds("7") == (7,)
    assert parse_seeds("1-3, 10") == (1, 2, 3, 10)
    for bad in ("5-1", "x", "", "1-", "-1", "1.5"):
        with pytest.raises(SweepError):
            parse_seeds(bad)


def test_set_value_creates_missing_mappings_but_not_list_items() -> None:
    document: dict[str, Any] = {"parties": [{"id": "A", "links": [{"to": "B"}]}], "smart_charging": None}
    set_value(document, parse_path("parties[0].links[0].sync.tariffs"), "pull")
    set_value(document, parse_path("smart_charging.limit_kw"), 5)
    assert document == {
        "parties": [{"id": "A", "links": [{"to": "B", "sync": {"tariffs": "pull"}}]}],
        "smart_charging": {"limit_kw": 5},
    }
    with pytest.raises(PathError, match=r"no such item \(parties\[0\].links has 1 item\)"):
        set_value(document, parse_path("parties[0].links[1].to"), "C")


def test_plan_order_is_the_cartesian_product_first_setting_slowest_then_seeds() -> None:
    settings = [parse_setting("duration=1h,2h"), parse_setting(f"{DRIVERS}=0,1")]
    plan = plan_sweep(
        BASICS.read_text(encoding="utf-8"),
        source="b.yaml",
        base_dir=SCENARIOS,
        settings=settings,
        seeds=(4, 2),
        until=None,
    )
    assert [run.label for run in plan.runs] == [
        f"duration={d} {DRIVERS}={n} seed={s}" for d in ("1h", "2h") for n in ("0", "1") for s in (4, 2)
    ]
    assert [run.index for run in plan.runs] == list(range(8))
    scenario = parse_scenario(plan.runs[-1].text, source="b.yaml", base_dir=SCENARIOS).scenario
    assert (scenario.duration, scenario.parties[1].drivers and scenario.parties[1].drivers.count) == (7200.0, 1)


def test_yaml_aliases_are_set_in_one_place_only(tmp_path: Path) -> None:
    text = BASICS.read_text(encoding="utf-8").replace(
        "home_area: {lat: 52.0907, lon: 5.1214, radius_km: 4}", "home_area: *utrecht"
    )
    text = text.replace(
        "area: {lat: 52.0907, lon: 5.1214, radius_km: 3}", "area: &utrecht {lat: 52.0907, lon: 5.1214, radius_km: 3}"
    )
    settings = [parse_setting("parties[1].drivers.home_area.radius_km=9")]
    (run,) = plan_sweep(text, source="a.yaml", base_dir=SCENARIOS, settings=settings, seeds=None, until=None).runs
    scenario = parse_scenario(run.text, source="a.yaml", base_dir=SCENARIOS).scenario
    assert scenario.parties[0].locations[0].area.radius_km == 3  # type: ignore[union-attr]
    assert scenario.parties[1].drivers is not None and scenario.parties[1].drivers.home_area is not None
    assert scenario.parties[1].drivers.home_area.radius_km == 9


@pytest.mark.parametrize("name", sorted(path.stem for path in SCENARIOS.glob("*.yaml")))
def test_every_bundled_scenario_survives_the_rewrite_unchanged(name: str) -> None:
    """A sweep rewrites the YAML document; on every bundled scenario that changes nothing but the set value."""
    file = SCENARIOS / f"{name}.yaml"
    original = load_scenario(file)
    settings = [parse_setting("schema_version=1")]
    text = file.read_text(encoding="utf-8")
    (run,) = plan_sweep(text, source=str(file), base_dir=file.parent, settings=settings, seeds=None, until=None).runs
    rewritten = parse_scenario(run.text, source=str(file), base_dir=file.parent)
    assert run.text != text
    assert rewritten.scenario == original.scenario
    assert rewritten.locations == original.locations and rewritten.tariffs == original.tariffs


def test_kpi_columns_keep_each_run_s_order() -> None:
    outcomes = [
        Outcome(0, "ok", {"a": 1, "refused.x": 0, "z": 2}),
        Outcome(1, "failed", {}),
        Outcome(2, "ok", {"a": 1, "refused.w": 3, "refused.x": 0, "z": 2, "zz": 1}),
    ]
    assert kpi_columns(outcomes) == ["a", "refused.w", "refused.x", "z", "zz"]
