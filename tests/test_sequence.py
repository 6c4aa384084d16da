"""``roamsim trace sequence`` and ``sim.sequence``: which exchanges make up a session, and the diagram text.

The trace comes from the demo network (seed 2026): a hub with two CPOs and two eMSPs on 2.2.1 and
a bilateral 2.1.1 link.  Its session id SES000001 exists at three CPOs, which makes it a good test of
the CPO/SESSION form.  The golden diagrams live in ``tests/golden/sequence-*``.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from sim.cli import main
from sim.demo import build, play
from sim.netbuilder import Roaming
from sim.sequence import (
    Exchange,
    exchanges_from_records,
    load_exchanges,
    render,
    session_diagram,
)
from sim.sequence_render import build_diagram, party_roles, shorten
from sim.sequence_select import parse_session_ref, select_correlation, select_session
from sim.trace import TraceWriter, read_trace

GOLDEN = Path(__file__).parent / "golden"
HUB_SESSION = "BE-CPB/SES000002"  # started by START_SESSION through the hub, stopped by STOP_SESSION
V211_SESSION = "FR-CPC/SES000001"  # the same on the bilateral 2.1.1 link (no correlation ids there)


@pytest.fixture(scope="module")
def demo_trace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sequence") / "demo.jsonl"
    roaming = Roaming(seed=2026)
    with path.open("w", encoding="utf-8") as stream:
        TraceWriter(stream).attach(roaming.bus)
        play(build(roaming))
    return path


@pytest.fixture(scope="module")
def exchanges(demo_trace: Path) -> list[Exchange]:
    return load_exchanges(demo_trace)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["trace", "sequence", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _paths(chosen: list[Exchange]) -> list[tuple[str, str, str, str]]:
    return [(e.sender, e.receiver, e.method, urlsplit(e.url).path.split("/ocpi/")[1]) for e in chosen]


# --- golden diagrams ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session", "fmt", "golden"),
    [
        (HUB_SESSION, "mermaid", "sequence-demo-BE-CPB-SES000002.mmd"),
        (HUB_SESSION, "plantuml", "sequence-demo-BE-CPB-SES000002.puml"),
        (V211_SESSION, "mermaid", "sequence-demo-FR-CPC-SES000001.mmd"),
        (V211_SESSION, "plantuml", "sequence-demo-FR-CPC-SES000001.puml"),
    ],
)
def test_session_diagram_matches_the_golden_text(
    demo_trace: Path, capsys: pytest.CaptureFixture[str], session: str, fmt: str, golden: str
) -> None:
    code, out, err = _cli(capsys, str(demo_trace), "--session", session, "--format", fmt)
    assert (code, err) == (0, "")
    assert out == (GOLDEN / golden).read_text(encoding="utf-8")


def test_output_is_deterministic_and_mermaid_is_the_default(
    demo_trace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _cli(capsys, str(demo_trace), "--session", HUB_SESSION)
    second = _cli(capsys, str(demo_trace), "--session", "BE/CPB/SES000002")  # the URL's form works too
    assert first == second
    assert first[1].startswith("sequenceDiagram\n    title Session BE-CPB/SES000002 (2026-03-02, times in UTC)\n")


# --- what a session's selection holds -------------------------------------------------------------


def test_hub_session_holds_command_results_cdr_evse_status_and_every_hop(exchanges: list[Exchange]) -> None:
    chosen = select_session(exchanges, HUB_SESSION).exchanges
    paths = _paths(chosen)
    # START_SESSION: eMSP → hub → CPO, and the CommandResult back: CPO → hub relay → eMSP's response_url.
    assert ("NL-MSB", "NL-HUB", "POST", "2.2.1/receiver/commands/START_SESSION") in paths
    assert ("NL-HUB", "BE-CPB", "POST", "2.2.1/receiver/commands/START_SESSION") in paths
    assert ("BE-CPB", "NL-HUB", "POST", "2.2.1/sender/commands/relay/6") in paths
    assert any(
        p[:3] == ("NL-HUB", "NL-MSB", "POST") and p[3].startswith("2.2.1/sender/commands/START_SESSION/") for p in paths
    )
    # The CDR on both hops, the STOP_SESSION naming it, and its EVSE's status broadcast to every eMSP.
    assert ("BE-CPB", "NL-HUB", "POST", "2.2.1/receiver/cdrs") in paths
    assert ("NL-HUB", "NL-MSB", "POST", "2.2.1/receiver/cdrs") in paths
    assert ("NL-MSB", "NL-HUB", "POST", "2.2.1/receiver/commands/STOP_SESSION") in paths
    evse = [p for p in paths if p[3].endswith("/locations/BE/CPB/LOC-B1/LOC-B1-E1")]
    assert sorted({p[1] for p in evse}) == ["DE-MSA", "NL-HUB", "NL-MSB"]
    assert len(evse) == 6  # CHARGING and AVAILABLE, each CPO → hub → two eMSPs
    # Nothing of the other sessions: the reservation session SES000001 of the same CPO, the other CPOs'.
    assert not any("SES000001" in p[3] for p in paths)
    assert not any("RESERVE_NOW" in p[3] or "UNLOCK_CONNECTOR" in p[3] or "CANCEL" in p[3] for p in paths)
    assert {e.sender for e in chosen} | {e.receiver for e in chosen} == {"NL-MSB", "DE-MSA", "NL-HUB", "BE-CPB"}
    assert [e.seq for e in chosen] == sorted(e.seq for e in chosen)


def test_211_session_finds_its_cdr_without_session_id_and_skips_unrelated_commands(exchanges: list[Exchange]) -> None:
    chosen = select_session(exchanges, V211_SESSION).exchanges
    cdr = [e for e in chosen if e.module == "cdrs"]
    assert len(cdr) == 1 and "session_id" not in cdr[0].request_json  # matched by auth_id, location, start
    assert [p[3].rsplit("/", 1)[0] if "sender/commands" in p[3] else p[3] for p in _paths(chosen)] == [
        "2.1.1/receiver/commands/START_SESSION",
        "2.1.1/sender/commands/START_SESSION",
        "2.1.1/receiver/sessions/FR/CPC/SES000001",
        "2.1.1/receiver/commands/STOP_SESSION",
        "2.1.1/sender/commands/STOP_SESSION",
        "2.1.1/receiver/sessions/FR/CPC/SES000001",
        "2.1.1/receiver/cdrs",
    ]  # not the authorization 30 minutes earlier, the reservation or UNLOCK_CONNECTOR


def test_whitelist_session_holds_charging_profiles_with_their_results(exchanges: list[Exchange]) -> None:
    chosen = select_session(exchanges, "NL-CPA/SES000001").exchanges
    modules = [e.module for e in chosen]
    # set, get and clear with their 3 results and the CPO's 2 ActiveChargingProfile pushes, each on 2 hops
    assert modules.count("chargingprofiles") == 16
    assert modules.count("cdrs") == 2
    assert "tokens" not in modules  # an ALWAYS whitelist token: the CPO asked nobody


def test_reservation_session_holds_reserve_now_and_its_cancellation(exchanges: list[Exchange]) -> None:
    paths = [p[3] for p in _paths(select_session(exchanges, "BE-CPB/SES000001").exchanges)]
    assert "2.2.1/receiver/commands/RESERVE_NOW" in paths
    assert "2.2.1/receiver/commands/CANCEL_RESERVATION" in paths
    assert "2.2.1/receiver/commands/START_SESSION" not in paths


def test_correlation_mode_draws_one_message_through_the_hub(
    exchanges: list[Exchange], demo_trace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cdr = next(e for e in exchanges if e.module == "cdrs" and e.sender == "BE-CPB")
    assert cdr.correlation_id is not None
    assert [e.seq for e in select_correlation(exchanges, cdr.correlation_id).exchanges] == [cdr.seq - 1, cdr.seq]
    code, out, _ = _cli(capsys, str(demo_trace), "--correlation", cdr.correlation_id, "--format", "plantuml")
    assert code == 0
    assert out.splitlines()[-5:] == [
        "BE_CPB -> NL_HUB : 06:31:14.400 POST /ocpi/2.2.1/receiver/cdrs (cdrs) id=CDR000001",
        "NL_HUB -> NL_MSB : 06:31:14.400 POST /ocpi/2.2.1/receiver/cdrs (cdrs) id=CDR000001",
        "NL_MSB --> NL_HUB : HTTP 201, OCPI 1000",
        "NL_HUB --> BE_CPB : HTTP 201, OCPI 1000",
        "@enduml",
    ]
    assert f"title Correlation {cdr.correlation_id} (2026-03-02, times in UTC)" in out


# --- roles, labels, faults ------------------------------------------------------------------------


def test_party_roles_come_from_the_trace(exchanges: list[Exchange]) -> None:
    assert party_roles(exchanges) == {
        "NL-HUB": "hub",
        "NL-CPA": "CPO",
        "BE-CPB": "CPO",
        "FR-CPC": "CPO",
        "DE-MSA": "eMSP",
        "NL-MSB": "eMSP",
        "BE-MSC": "eMSP",
    }


def test_long_ids_are_shortened_and_refs_parsed() -> None:
    assert shorten("e8b7ac70-f449-46ae-afd6-ddc2efe42d72") == "e8b7ac70..."
    assert shorten("69ba81fb19f2354da04a556e") == "69ba81fb..."
    assert shorten("DEEMA-RFID-000007") == "DEEMA-RFID-000007"
    assert shorten("LOCATION-" * 4) == "LOCATION-LOCATION-LOC..."
    assert parse_session_ref("SES1") == (None, "SES1")
    assert parse_session_ref("NL-CPA/SES1") == ("NL-CPA", "SES1")
    assert parse_session_ref("NL/CPA/SES1") == ("NL-CPA", "SES1")


def test_unanswered_requests_faults_and_a_new_day_are_drawn(demo_trace: Path) -> None:
    records = read_trace(demo_trace)
    patch = next(
        r for r in records if r["url"].endswith("/receiver/sessions/FR/CPC/SES000001") and r["method"] == "PATCH"
    )
    patch.update(
        time="2026-03-03T00:00:01.5Z",
        http_status=0,
        ocpi_status=None,
        response_body=None,
        error="BE-MSC unreachable from FR-CPC (link down)",
        notes=["fault: link down (outage #2; of BE-MSC)"],
    )
    cdr = next(r for r in records if r["url"].endswith("/2.1.1/receiver/cdrs"))
    cdr.update(time="2026-03-03T00:00:02Z", http_status=200, ocpi_status=2001)
    exchanges = exchanges_from_records(records)
    diagram = session_diagram(exchanges, V211_SESSION)
    mermaid = render(diagram, "mermaid").splitlines()
    assert mermaid[-5:] == [
        "    Note over BE_MSC,FR_CPC: 2026-03-03",
        "    FR_CPC-xBE_MSC: 00:00:01.500 PATCH /ocpi/2.1.1/receiver/sessions/FR/CPC/SES000001 (sessions) "
        "status=COMPLETED",
        "    Note over FR_CPC,BE_MSC: no answer: BE-MSC unreachable from FR-CPC (link down)<br/>"
        "fault: link down (outage no.2, of BE-MSC)",  # ';' and '#' would end a Mermaid message
        "    FR_CPC->>BE_MSC: 00:00:02.000 POST /ocpi/2.1.1/receiver/cdrs (cdrs) id=CDR000001",
        "    BE_MSC-->>FR_CPC: HTTP 200, OCPI 2001 Invalid or missing parameters",
    ]
    plantuml = render(diagram, "plantuml")
    assert "FR_CPC ->x BE_MSC : 00:00:01.500 PATCH" in plantuml
    assert (
        "note over FR_CPC, BE_MSC : no answer: BE-MSC unreachable from FR-CPC (link down)\\n"
        "fault: link down (outage #2; of BE-MSC)" in plantuml
    )


def test_diagrams_can_be_built_from_live_records(exchanges: list[Exchange]) -> None:
    # The GUI hands MessageExchanged.to_record() dicts; the result is the same as from the file.
    again = exchanges_from_records([e.record for e in exchanges])
    selection = select_session(again, HUB_SESSION)
    assert render(build_diagram(selection, party_roles(again)), "mermaid") == render(
        session_diagram(exchanges, HUB_SESSION), "mermaid"
    )


# --- errors: exit 2 with one line -----------------------------------------------------------------


def test_an_ambiguous_session_id_names_the_cpos(demo_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, str(demo_trace), "--session", "SES000001")
    assert (code, out) == (2, "")
    assert err == (
        "roamsim trace sequence: session id SES000001 is used by 3 CPOs (BE-CPB, FR-CPC, NL-CPA); "
        "name one as CPO/SESSION, e.g. BE-CPB/SES000001\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--session", "SES999999"], "no exchange matches session SES999999"),
        (["--session", "NL-CPA/SES000002"], "no exchange matches session NL-CPA/SES000002 (it exists at BE-CPB)"),
        (["--correlation", "not-a-correlation-id"], "no exchange has correlation id not-a-correlation-id"),
    ],
)
def test_nothing_matching_is_a_usage_error(
    demo_trace: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = _cli(capsys, str(demo_trace), *argv)
    assert (code, out, err) == (2, "", f"roamsim trace sequence: {message}\n")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such file"),
        (b"# a README\nnot json\n", "1: not JSON Lines (expected one trace record per line)"),
        (b'{"seq": 1, "time": "2026-03-02T06:00:00Z"}\n', "1: not a trace record (missing from, to, method, url)"),
        (b"[1, 2]\n", "1: not a trace record (missing seq, time, from, to, method, url)"),
        (b"\n\n", "the trace holds no exchanges"),
        (b"\x89PNG\r\n\x1a\n\xff\xfe", "not a text file (expected a JSONL trace)"),
    ],
)
def test_unreadable_traces_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, reason: str
) -> None:
    path = tmp_path / "trace.jsonl"
    if content is not None:
        path.write_bytes(content)
    code, out, err = _cli(capsys, str(path), "--session", "SES000001")
    assert (code, out) == (2, "")
    separator = ":" if reason[0].isdigit() else ": "
    assert err == f"roamsim trace sequence: {path}{separator}{reason}\n"


def test_a_directory_or_a_bad_record_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(capsys, str(tmp_path), "--session", "S")[0] == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"seq": 1, "time": "yesterday", "from": "A", "to": "B", "method": "GET", "url": "x"}))
    code, _, err = _cli(capsys, str(bad), "--session", "S")
    assert code == 2 and err.count("\n") == 1 and "not a trace record" in err


def test_session_or_correlation_is_required(demo_trace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(capsys, str(demo_trace))[0] == 2
    assert _cli(capsys, str(demo_trace), "--session", "A", "--correlation", "B")[0] == 2


def test_the_readme_walk_through_shows_what_the_command_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = Path(__file__).resolve().parents[1]
    readme = (repo / "README.md").read_text(encoding="utf-8")
    section = readme.split("## For trainers: one charging session, message by message", 1)[1]
    shown = section.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert main(["run", str(repo / "scenarios" / "bilateral-basics.yaml"), "--out", str(tmp_path), "--quiet"]) == 0
    capsys.readouterr()
    code, out, _ = _cli(capsys, str(tmp_path / "trace.jsonl"), "--session", "SES000008")
    assert (code, out) == (0, shown)
