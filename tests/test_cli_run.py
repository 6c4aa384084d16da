"""``roamsim run``: the summary, every file under ``--out`` (parsed and checked against each other),
``--trace``, progress on stderr, determinism and the exit codes 0, 1, 2 and 3."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from sim.cli import main
from sim.events import MessageExchanged
from sim.metrics import SETTLEMENT_COLUMNS, TIMESERIES_COLUMNS
from sim.ocpi.common import OCPIVersion
from sim.ocpi.validation import validate_document
from sim.ocpi.wirejson import loads
from sim.report import SESSION_COLUMNS, har_entry
from sim.simulation import Simulation
from sim.trace import read_trace

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BILATERAL = SCENARIOS / "bilateral-basics.yaml"
EVERY_FILE = [
    "cdrs.jsonl",
    "junit.xml",
    "sessions.csv",
    "settlement.csv",
    "summary.json",
    "timeseries.csv",
    "trace.har",
    "trace.jsonl",
]
HAR_ENTRY_FIELDS = {"startedDateTime", "time", "request", "response", "cache", "timings"}
HAR_REQUEST_FIELDS = {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"}
HAR_RESPONSE_FIELDS = {
    "status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL", "headersSize", "bodySize",
}  # fmt: skip


@dataclass
class Run:
    code: int
    out: str
    err: str
    directory: Path

    def text(self, name: str) -> str:
        return (self.directory / name).read_text(encoding="utf-8")

    def csv(self, name: str) -> tuple[list[str], list[dict[str, str]]]:
        with (self.directory / name).open(encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            return list(reader.fieldnames or []), list(reader)

    def summary(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.text("summary.json"))  # numbers as float
        return document


def roamsim_run(directory: Path, *args: str, scenario: Path = BILATERAL) -> Run:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["run", str(scenario), "--out", str(directory), *args])
    return Run(code, out.getvalue(), err.getvalue(), directory)


@pytest.fixture(scope="module")
def full_day(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The whole bilateral-basics day (18 h, about a second), every output written."""
    return roamsim_run(tmp_path_factory.mktemp("full"), "--quiet")


def scenario_copy(tmp_path: Path, expect: list[dict[str, Any]]) -> Path:
    document = yaml.safe_load(BILATERAL.read_text(encoding="utf-8"))
    document["expect"] = expect
    path = tmp_path / "copy.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- summary.json, the CSVs, cdrs.jsonl and junit.xml of a full day ---------------------------------


def test_a_full_day_meets_its_expectations_and_writes_every_file(full_day: Run) -> None:
    assert full_day.code == 0
    assert sorted(p.name for p in full_day.directory.iterdir()) == EVERY_FILE
    summary = full_day.summary()
    assert (summary["scenario"], summary["seed"], summary["passed"]) == ("bilateral-basics", 42, True)
    assert summary["scenario_file"] == str(BILATERAL)
    assert summary["start"] == "2026-03-02T05:00:00Z"
    assert summary["duration_s"] == summary["until_s"] == summary["simulated_s"] == 18 * 3600
    assert summary["files"] == EVERY_FILE
    kpis = summary["kpis"]
    assert kpis["run_s"] == 18 * 3600
    assert kpis["sessions_started"] > 0
    assert kpis["cdrs_issued"] == kpis["cdrs_received"] > 0
    assert kpis["messages_total"] == summary["exchanges"]
    assert [(e["metric"], e["operator"], e["passed"]) for e in summary["expectations"]] == [
        ("sessions_started", ">=", True),
        ("cdrs_delivered_ratio", "==", True),
    ]
    assert summary["expectations"][0]["actual"] == kpis["sessions_started"]
    assert list(summary)[-1] == "wall_clock"
    assert summary["wall_clock"]["run_s"] > 0
    assert "result: all expectations met" in full_day.out


def test_timeseries_samples_every_15_minutes_and_ends_on_the_summary(full_day: Run) -> None:
    header, rows = full_day.csv("timeseries.csv")
    kpis = full_day.summary()["kpis"]
    assert header == ["time", *TIMESERIES_COLUMNS]
    assert len(rows) == 18 * 4 + 1
    assert [float(r["t_s"]) for r in rows] == [900.0 * k for k in range(len(rows))]
    start = instant("2026-03-02T05:00:00Z")
    assert all(instant(r["time"]) == start + timedelta(seconds=float(r["t_s"])) for r in rows)
    last = rows[-1]
    assert float(last["energy_kwh"]) == pytest.approx(kpis["energy_kwh"])
    assert float(last["revenue_excl"]) == pytest.approx(kpis["revenue_excl.NL-UCP"])
    assert int(last["refusals"]) == kpis["sessions_refused"]
    assert int(last["abandoned"]) == kpis["abandoned"]
    assert int(last["errors"]) == kpis["errors_total"]
    assert int(last["active_sessions"]) == kpis["sessions_active"]
    energy = [float(r["energy_kwh"]) for r in rows]
    assert energy == sorted(energy) and energy[-1] > 0  # cumulative


def test_sessions_csv_has_one_row_per_session_matching_the_kpis(full_day: Run) -> None:
    header, rows = full_day.csv("sessions.csv")
    kpis = full_day.summary()["kpis"]
    assert header == list(SESSION_COLUMNS)
    assert len(rows) == kpis["sessions_started"]
    assert len({(r["cpo"], r["session_id"]) for r in rows}) == len(rows)
    ended = [r for r in rows if r["end"]]
    assert len(ended) == kpis["sessions_completed"]
    assert sum(Decimal(r["kwh"]) for r in ended) == pytest.approx(Decimal(str(kpis["energy_kwh"])))
    priced = [r for r in rows if r["cdr_id"]]
    assert len(priced) == kpis["cdrs_issued"]
    assert float(sum(Decimal(r["cost_excl_vat"]) for r in priced)) == pytest.approx(kpis["revenue_excl.NL-UCP"])
    assert float(sum(Decimal(r["cost_incl_vat"]) for r in priced)) == pytest.approx(kpis["revenue_incl.NL-UCP"])
    starts = [instant(r["start"]) for r in rows]
    assert starts == sorted(starts)
    for row in ended:
        assert instant(row["end"]) > instant(row["start"])
        assert (row["cpo"], row["emsp"], row["currency"]) == ("NL-UCP", "DE-EMA", "EUR")
        assert row["method"] in {"rfid", "app"}
        assert row["driver"].startswith("DE-EMA/")
        hours = float(row["charging_h"]) + float(row["parking_h"])
        assert hours == pytest.approx((instant(row["end"]) - instant(row["start"])).total_seconds() / 3600, abs=0.01)


def test_cdrs_jsonl_holds_every_received_cdr_as_valid_ocpi_221(full_day: Run) -> None:
    lines = full_day.text("cdrs.jsonl").splitlines()
    kpis = full_day.summary()["kpis"]
    assert len(lines) == kpis["cdrs_received"]
    cdrs = [loads(line) for line in lines]
    for cdr in cdrs:
        verdict = validate_document(cdr, version=OCPIVersion.V2_2_1, type_name="CDR", strict=True)
        assert verdict.valid, verdict.issues
        assert verdict.type_name == "CDR"
        assert cdr["cdr_token"]["party_id"] == "EMA"
    _, sessions = full_day.csv("sessions.csv")
    assert sorted(c["id"] for c in cdrs) == sorted(s["cdr_id"] for s in sessions if s["cdr_id"])
    assert sum(c["total_cost"]["excl_vat"] for c in cdrs) == pytest.approx(Decimal(str(kpis["cost_excl.DE-EMA"])))
    created = [instant(c["last_updated"]) for c in cdrs]
    assert created == sorted(created)


def test_settlement_csv_agrees_with_summary_json_and_the_cdrs(full_day: Run) -> None:
    header, rows = full_day.csv("settlement.csv")
    summary = full_day.summary()
    assert header == list(SETTLEMENT_COLUMNS)
    assert [(r["emsp"], r["cpo"], r["currency"]) for r in rows] == [("DE-EMA", "NL-UCP", "EUR")]
    assert int(rows[0]["cdrs"]) == summary["kpis"]["cdrs_received"]
    assert Decimal(rows[0]["excl_vat"]) == pytest.approx(
        Decimal(str(summary["kpis"]["cost_excl.DE-EMA"])), abs=Decimal("0.0001")
    )
    (document,) = summary["settlement"]
    assert document["cdrs"] == int(rows[0]["cdrs"])
    assert Decimal(str(document["excl_vat"])) == Decimal(rows[0]["excl_vat"])
    assert Decimal(str(document["incl_vat"])) == Decimal(rows[0]["incl_vat"])


def test_junit_has_one_passing_testcase_per_expectation(full_day: Run) -> None:
    root = ET.fromstring(full_day.text("junit.xml"))
    assert root.tag == "testsuites"
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "bilateral-basics"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "0", "0")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["sessions_started >= 1", "cdrs_delivered_ratio == 1"]
    assert {c.get("classname") for c in cases} == {"roamsim.bilateral-basics"}
    assert all(c.find("failure") is None for c in cases)
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert properties == {"scenario_file": str(BILATERAL), "seed": "42", "simulated_s": "64800"}


# --- trace.har ---------------------------------------------------------------------------------------


def test_har_has_one_complete_entry_per_trace_line(full_day: Run) -> None:
    har = json.loads(full_day.text("trace.har"))
    trace = read_trace(full_day.directory / "trace.jsonl")
    log = har["log"]
    assert log["version"] == "1.2"
    assert log["creator"]["name"] == "roamsim" and log["creator"]["version"]
    (page,) = log["pages"]
    assert {"startedDateTime", "id", "title", "pageTimings"} <= set(page)
    entries = log["entries"]
    assert len(entries) == len(trace) == full_day.summary()["kpis"]["messages_total"] > 0
    started = [instant(e["startedDateTime"]) for e in entries]
    assert started == sorted(started)  # monotonic, in the trace's order
    for entry, record in zip(entries, trace, strict=True):
        assert set(entry) >= HAR_ENTRY_FIELDS
        assert entry["pageref"] == page["id"]
        assert entry["_seq"] == record["seq"]
        assert instant(entry["startedDateTime"]) == instant(record["time"]).replace(
            microsecond=instant(record["time"]).microsecond // 1000 * 1000
        )
        assert entry["startedDateTime"].endswith("Z") and len(entry["startedDateTime"]) == 24
        timings = entry["timings"]
        assert {"send", "wait", "receive"} <= set(timings)
        assert all(timings[k] >= 0 for k in ("send", "wait", "receive"))
        assert entry["time"] == pytest.approx(sum(v for v in timings.values() if v != -1))
        assert entry["time"] == pytest.approx(float(record["latency_ms"]))
        request, response = entry["request"], entry["response"]
        assert set(request) >= HAR_REQUEST_FIELDS and set(response) >= HAR_RESPONSE_FIELDS
        assert (request["method"], request["url"]) == (record["method"], record["url"])
        assert request["headers"] == [{"name": k, "value": v} for k, v in record["request_headers"].items()]
        if record["request_body"] is None:
            assert "postData" not in request and request["bodySize"] == 0
        else:
            assert request["postData"]["text"] == record["request_body"]
            assert request["postData"]["mimeType"] == "application/json"
            assert request["bodySize"] == len(record["request_body"].encode("utf-8"))
        assert response["status"] == record["http_status"]
        assert {"size", "mimeType"} <= set(response["content"])
        assert response["content"].get("text") == record["response_body"]
        assert entry["_ocpiStatus"] == record["ocpi_status"]
        assert (entry["_from"], entry["_to"]) == (record["from"], record["to"])
        assert entry["cache"] == {}
    assert {e["response"]["statusText"] for e in entries if e["response"]["status"] == 200} == {"OK"}


def test_a_pull_with_a_query_string_and_an_unanswered_request_in_har() -> None:
    event = MessageExchanged(
        seq=7,
        time=datetime(2026, 3, 2, 5, 0, 1, 234567, tzinfo=UTC),
        from_party="DE-EMA",
        to_party="NL-UCP",
        method="GET",
        url="https://nl-ucp.test/ocpi/2.2.1/sender/cdrs?date_from=2026-03-02T05:00:00Z&limit=50",
        module="cdrs",
        ocpi_version="2.2.1",
        request_headers=(("authorization", "Token x"),),
        request_body=None,
        response_status=0,
        response_headers=(),
        response_body=None,
        ocpi_status=None,
        request_id="r",
        correlation_id="c",
        latency_s=0.25,
        error="NL-UCP unreachable from DE-EMA (link down)",
        notes=("fault: link down",),
    )
    entry = har_entry(event)
    assert entry["startedDateTime"] == "2026-03-02T05:00:01.234Z"
    assert entry["time"] == entry["timings"]["wait"] == 250.0
    assert entry["request"]["queryString"] == [
        {"name": "date_from", "value": "2026-03-02T05:00:00Z"},
        {"name": "limit", "value": "50"},
    ]
    response = entry["response"]
    assert set(response) >= HAR_RESPONSE_FIELDS
    assert (response["status"], response["statusText"], response["bodySize"]) == (0, "", -1)
    assert entry["_error"].endswith("(link down)")
    assert entry["comment"] == "fault: link down"


# --- --trace, determinism ------------------------------------------------------------------------------


def test_trace_none_writes_no_trace_and_removes_a_stale_one(tmp_path: Path) -> None:
    (tmp_path / "trace.jsonl").write_text("from an earlier run\n", encoding="utf-8")
    run = roamsim_run(tmp_path, "--until", "2h", "--quiet", "--trace", "none")
    assert run.code == 3  # no CDR yet after two hours: cdrs_delivered_ratio == 1 fails
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [n for n in EVERY_FILE if not n.startswith("trace.")]
    assert run.summary()["files"] == names


def test_trace_har_alone(tmp_path: Path) -> None:
    run = roamsim_run(tmp_path, "--until", "2h", "--quiet", "--trace", "har")
    assert not (tmp_path / "trace.jsonl").exists()
    assert len(json.loads(run.text("trace.har"))["log"]["entries"]) == run.summary()["exchanges"] > 0


def test_same_seed_same_bytes_except_the_wall_clock(tmp_path: Path) -> None:
    first = roamsim_run(tmp_path / "a", "--until", "3h", "--quiet")
    second = roamsim_run(tmp_path / "b", "--until", "3h", "--quiet")
    other = roamsim_run(tmp_path / "c", "--until", "3h", "--quiet", "--seed", "43")
    for name in EVERY_FILE:
        if name == "summary.json":
            a, b = first.summary(), second.summary()
            assert a.pop("wall_clock") != {} and b.pop("wall_clock") != {}
            assert a == b
        else:
            assert first.text(name) == second.text(name), name
    assert first.out.replace(str(first.directory), "") == second.out.replace(str(second.directory), "")
    assert first.text("trace.har") != other.text("trace.har")
    assert other.summary()["seed"] == 43


# --- the summary table ----------------------------------------------------------------------------------

GOLDEN_10H = """\
scenario   bilateral-basics (seed 42)
network    2 parties, 12 EVSEs, 15 drivers
simulated  10:00:00 of 18:00:00 from 2026-03-02T05:00:00Z, 276 OCPI exchanges

KPI                                            value
-------------------------------------------  -------
sessions attempted                                 7
sessions started                                   7
sessions refused                                   0
drivers queued                                     0
gave up charging                                   0
energy delivered (kWh)                       171.532
EVSE utilisation                               0.452
authorization latency avg (ms)                   100
commands sent                                      1
commands carried out                               1
commands timed out                                 0
CDRs issued                                        4
CDRs received by eMSPs                             4
CDRs delivered ratio                               1
CDR reconciliation mismatches                      0
OCPI messages                                    276
OCPI errors (non-2xx, non-1xxx, unanswered)        0
faults activated                                   0
revenue excl. VAT: NL-UCP                      60.04

settlement: what each eMSP owes each CPO
eMSP    CPO     currency  CDRs  excl. VAT  incl. VAT
------  ------  --------  ----  ---------  ---------
DE-EMA  NL-UCP  EUR          4      60.04      72.64

expectations
result  metric                expected  actual
------  --------------------  --------  ------
pass    sessions_started      >= 1           7
pass    cdrs_delivered_ratio  == 1           1

result: all expectations met
"""


def test_golden_summary_of_a_short_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(BILATERAL), "--until", "10h", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.out == GOLDEN_10H
    assert captured.err == ""


# --- exit codes ------------------------------------------------------------------------------------------


def test_an_expectation_not_met_exits_3_with_a_junit_failure(tmp_path: Path) -> None:
    scenario = scenario_copy(
        tmp_path,
        [
            {"metric": "sessions_started", ">=": 1},
            {"metric": "sessions_started", ">=": 1000000},
            {"metric": "nope", "==": 1},
        ],
    )
    run = roamsim_run(tmp_path / "out", "--until", "2h", "--quiet", scenario=scenario)
    assert run.code == 3
    suite = ET.fromstring(run.text("junit.xml")).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")
    passed, impossible, unknown = suite.findall("testcase")
    assert passed.find("failure") is None
    failure = impossible.find("failure")
    assert failure is not None
    assert impossible.get("name") == "sessions_started >= 1000000"
    actual = run.summary()["kpis"]["sessions_started"]
    assert failure.get("message") == f"sessions_started = {actual}, expected >= 1000000: FAILED"
    assert failure.get("type") == "ExpectationNotMet"
    assert f"actual: {actual}\n" in (failure.text or "") and "expected: >= 1000000\n" in (failure.text or "")
    unknown_failure = unknown.find("failure")
    assert unknown_failure is not None and "unknown metric 'nope'" in (unknown_failure.get("message") or "")
    assert run.summary()["passed"] is False
    assert "FAIL    sessions_started  >= 1000000" in run.out
    assert "result: 2 of 3 expectations not met" in run.out


def test_a_simulation_failure_exits_1_with_a_paragraph_and_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Simulation.run

    def breaks_halfway(self: Simulation, until: float | None = None, **kwargs: Any) -> Any:
        original(self, 1800.0, **kwargs)
        raise RuntimeError("a charger caught fire")

    monkeypatch.setattr(Simulation, "run", breaks_halfway)
    for stale in ("summary.json", "junit.xml"):  # an earlier, passing run's reports
        (tmp_path / stale).write_text("from an earlier run\n", encoding="utf-8")
    run = roamsim_run(tmp_path, "--until", "2h")
    assert run.code == 1
    first_line = next(line for line in run.err.split("\n") if "failed" in line)
    assert first_line.startswith(
        "roamsim run: the simulation of bilateral-basics (seed 42) failed at 00:30:00 simulated time: "
        "RuntimeError: a charger caught fire. The scenario itself is valid, so this is a bug in roamsim"
    )
    assert "Traceback (most recent call last)" in run.err
    assert run.err.rstrip().endswith("RuntimeError: a charger caught fire")
    assert run.out == ""
    # The traces stop where the run stopped, and are still well-formed; junit.xml reports the error.
    entries = json.loads(run.text("trace.har"))["log"]["entries"]
    assert len(entries) == len(read_trace(tmp_path / "trace.jsonl")) > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junit.xml", "trace.har", "trace.jsonl"]
    suite = ET.fromstring(run.text("junit.xml")).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "1")
    (case,) = suite.findall("testcase")
    error = case.find("error")
    assert case.get("name") == "the simulation runs" and error is not None
    assert error.get("message") == first_line and error.get("type") == "SimulationFailed"
    assert (error.text or "").rstrip().endswith("RuntimeError: a charger caught fire")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.yaml"], "missing.yaml: no such file"),
        (["run", str(BILATERAL), "--until", "2x"], "roamsim run: --until: '2x' is not a duration"),
        (["run", str(BILATERAL), "--until", "0s"], "must be more than 0 and at most the scenario's duration"),
        (["run", str(BILATERAL), "--until", "19h"], "at most the scenario's duration (18:00:00)"),
        (["run", str(BILATERAL), "--trace", "pcap", "--out", "x"], "argument --trace: 'pcap'"),
        (["run", str(BILATERAL), "--trace", "har"], "--trace chooses files under --out DIR"),
        (["run", str(BILATERAL), "--seed", "many"], "argument --seed: invalid int value"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(args) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == "" and "Traceback" not in captured.err


def test_an_invalid_scenario_exits_2_naming_the_path_in_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = scenario_copy(tmp_path, [])
    scenario.write_text(scenario.read_text(encoding="utf-8") + "colour: green\n", encoding="utf-8")
    assert main(["run", str(scenario), "--out", str(tmp_path / "out")]) == 2
    assert "colour" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_output_directory_that_cannot_be_made_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert main(["run", str(BILATERAL), "--until", "1h", "--out", str(tmp_path / "file" / "out")]) == 2
    assert f"roamsim run: cannot write to {tmp_path / 'file' / 'out'}" in capsys.readouterr().err


# --- progress on stderr ------------------------------------------------------------------------------------


def test_progress_lines_every_tenth_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(BILATERAL), "--until", "2h"]) == 3
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 11
    for tenth, line in enumerate(lines[:10], start=1):
        simulated = f"{12 * tenth // 60:02d}:{12 * tenth % 60:02d}:00"
        assert line.startswith(f"roamsim run: {tenth * 10:3d}%  {simulated} of 02:00:00 simulated, ")
        assert "exchanges (" in line and "/s), sessions " in line
    assert lines[-1].startswith("roamsim run: simulated 02:00:00 in ")
    assert lines[-1].endswith("45 OCPI exchanges" + lines[-1].split("45 OCPI exchanges")[1])


def test_quiet_prints_no_progress_but_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(BILATERAL), "--until", "2h", "--quiet"]) == 3
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith("scenario   bilateral-basics (seed 42)\n")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_one_bar_redrawn_in_place(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["run", str(BILATERAL), "--until", "2h"]) == 3
    text = terminal.getvalue()
    bar, final, rest = text.split("\n")
    assert rest == ""
    redraws = bar.split("\r")[1:]
    assert len(redraws) == 100  # one per step of Simulation.run
    assert redraws[-1].startswith("[" + "#" * 24 + "] 100%  02:00:00 of 02:00:00 simulated  ")
    assert "exchanges/s  sessions 4" in redraws[-1]
    assert redraws[49].startswith("[" + "#" * 12 + "." * 12 + "]  50%  01:00:00 of 02:00:00 simulated")
    assert all(len(r) >= len(p.rstrip()) for p, r in itertools.pairwise(redraws))  # old text overwritten
    assert final.startswith("roamsim run: simulated 02:00:00 in ")
    assert "roamsim run:  10%" not in text


def test_the_summary_numbers_match_summary_json(full_day: Run) -> None:
    kpis = full_day.summary()["kpis"]
    table = dict(line.rsplit(None, 1) for line in full_day.out.split("\n\n")[1].splitlines()[2:] if line.strip())
    assert int(table["sessions started"]) == kpis["sessions_started"]
    assert int(table["OCPI messages"]) == kpis["messages_total"]
    assert float(table["energy delivered (kWh)"]) == pytest.approx(kpis["energy_kwh"], abs=1e-3)
    assert not math.isnan(float(table["EVSE utilisation"]))


def test_the_readme_ci_recipe_runs_and_meets_its_expectations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (SCENARIOS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For testers: the simulator in CI", 1)[1]
    scenario = tmp_path / "roaming-smoke.yaml"
    scenario.write_text(section.split("```yaml\n", 1)[1].split("```", 1)[0], encoding="utf-8")
    assert "roamsim run ci/roaming-smoke.yaml --out out/ci" in section
    assert main(["run", str(scenario), "--out", str(tmp_path / "ci"), "--trace", "none", "--quiet"]) == 0
    suite = ET.parse(tmp_path / "ci" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("name") == "roaming-smoke"
    assert len(suite.findall("testcase")) == len(yaml.safe_load(scenario.read_text(encoding="utf-8"))["expect"]) == 5
    assert suite.get("failures") == "0"
