"""Cross-references: every broken reference gives its documented message, and all are reported at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .helpers import SOURCE, base, broken, load, problems

Doc = dict[str, Any]


def parties(document: Doc) -> list[Doc]:
    return document["parties"]  # type: ignore[no-any-return]


def event(**fields: Any) -> Callable[[Doc], Any]:
    """A change adding one event at 1 h."""
    return lambda d: d.update(events=[{"at": "1h", **fields}])


def fault(**fields: Any) -> Callable[[Doc], Any]:
    """A change adding one fault."""
    return lambda d: d.update(faults=[fields])


INLINE_TARIFF = {
    "id": "T",
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "FLAT", "price": 1, "step_size": 1}]}],
}


def test_the_base_scenario_is_valid() -> None:
    loaded = load(base())
    assert loaded.warnings == []
    assert loaded.location_count == 2 and loaded.driver_count == 3


CASES: list[tuple[str, Callable[[Doc], Any], str]] = [
    # parties
    ("duplicate id", lambda d: parties(d).append({"id": "NL-CPA", "role": "CPO"}),
     "parties[5].id: duplicate party id 'NL-CPA' (also parties[1])"),
    ("hub versions", lambda d: parties(d)[0].update(versions=["2.2.1", "2.1.1"]),
     "parties[0].versions: a hub speaks OCPI 2.2.1 only"),
    ("hub links", lambda d: parties(d)[0].update(links=[{"to": "NL-CPA"}]),
     "parties[0].links: a hub declares no links; parties connect to it with via: NL-HUB"),
    ("drivers on a CPO", lambda d: parties(d)[1].update(drivers={"count": 1}),
     "parties[1].drivers: only an EMSP has drivers (NL-CPA is a CPO)"),
    ("locations on an eMSP", lambda d: parties(d)[2].update(locations=parties(d)[1]["locations"]),
     "parties[2].locations: only a CPO has locations (DE-EMA is an EMSP)"),
    ("tariffs on an eMSP", lambda d: parties(d)[2].update(tariffs=[{"preset": "free"}]),
     "parties[2].tariffs: only a CPO has tariffs (DE-EMA is an EMSP)"),
    ("chargers on an SCSP", lambda d: parties(d)[4].update(chargers={"delay": "10s"}),
     "parties[4].chargers: only a CPO has chargers (NL-GRD is an SCSP)"),
    ("negative weight", lambda d: parties(d)[2]["drivers"].update(ev_mix={"compact": -1, "suv": 1}),
     "parties[2].drivers.ev_mix.compact: a weight cannot be negative, got -1.0"),
    ("zero weights", lambda d: parties(d)[2]["drivers"].update(tokens={"rfid": 0, "app": 0}),
     "parties[2].drivers.tokens: needs at least one positive weight"),
    # links
    ("to unknown", lambda d: parties(d)[3]["links"][0].update(to="NL-CPX"),
     "parties[3].links[0].to: unknown party 'NL-CPX'"),
    ("via unknown", lambda d: parties(d)[2]["links"][0].update(via="NL-HUBX"),
     "parties[2].links[0].via: unknown party 'NL-HUBX'"),
    ("via not a hub", lambda d: parties(d)[2]["links"][0].update(via="NL-CPA"),
     "parties[2].links[0].via: NL-CPA is a CPO, not a HUB"),
    ("neither to nor via", lambda d: parties(d)[3].update(links=[{}]),
     "parties[3].links[0]: give to (a direct link) or via (a hub), one of them"),
    ("both to and via", lambda d: parties(d)[3]["links"][0].update(via="NL-HUB"),
     "parties[3].links[0]: give to (a direct link) or via (a hub), not both"),
    ("to a hub", lambda d: parties(d)[2]["links"][0].update(to="NL-HUB", via=None),
     "parties[2].links[0].to: NL-HUB is a hub: connect to it with via: NL-HUB"),
    ("to itself", lambda d: parties(d)[3]["links"][0].update(to="NL-EMB"),
     "parties[3].links[0].to: a party cannot link to itself"),
    ("2.1.1 via a hub", lambda d: parties(d)[2]["links"][0].update(version="2.1.1"),
     "parties[2].links[0].version: a link via a hub uses OCPI 2.2.1 (hubs do not speak 2.1.1)"),
    ("hub link without 2.2.1", lambda d: parties(d)[3].update(links=[{"via": "NL-HUB"}]),
     "parties[3].links[0]: NL-EMB does not support OCPI 2.2.1, which a link via a hub needs"),
    ("version of one end", lambda d: parties(d)[3]["links"][0].update(version="2.2.1"),
     "parties[3].links[0].version: NL-EMB does not support OCPI 2.2.1 (it supports 2.1.1)"),
    ("version of the other end", lambda d: (parties(d)[1].update(versions=["2.2.1"])),
     "parties[3].links[0].version: NL-CPA does not support OCPI 2.1.1 (it supports 2.2.1)"),
    ("no common version",
     lambda d: (parties(d)[1].update(versions=["2.2.1"]), d["parties"][3]["links"][0].pop("version")),
     "parties[3].links[0]: NL-EMB (2.1.1) and NL-CPA (2.2.1) share no OCPI version"),
    ("eMSP to eMSP", lambda d: parties(d)[2]["links"].append({"to": "NL-EMB"}),
     "parties[2].links[1].to: a direct link joins a CPO with an EMSP or an SCSP "
     "(DE-EMA is an EMSP, NL-EMB is an EMSP)"),
    ("linked twice", lambda d: parties(d)[3]["links"].append({"to": "NL-CPA", "version": "2.1.1"}),
     "parties[3].links[1]: NL-EMB and NL-CPA are already linked (parties[3].links[0])"),
    ("linked twice from both sides", lambda d: parties(d)[1]["links"].append({"to": "NL-EMB"}),
     "parties[3].links[0]: NL-EMB and NL-CPA are already linked (parties[1].links[1])"),
    ("unknown module", lambda d: parties(d)[3]["links"][0].update(sync={"lokations": "pull"}),
     "parties[3].links[0].sync.lokations: unknown module (use locations, tariffs, tokens, sessions, cdrs)"),
    ("pull interval", lambda d: parties(d)[3]["links"][0].update(pull_interval=0),
     "parties[3].links[0].pull_interval: must be longer than 0s"),
    # faults
    ("fault party", fault(kind="outage", party="NL-XXX"),
     "faults[0].party: unknown party 'NL-XXX'"),
    ("fault link shape", fault(kind="outage", link="NL-CPA NL-HUB"),
     "faults[0].link: 'NL-CPA NL-HUB' is not a link; write A->B, e.g. NL-CPA->NL-HUB"),
    ("fault link end", fault(kind="outage", link="NL-CPA->NL-HUBX"),
     "faults[0].link: unknown party 'NL-HUBX'"),
    ("fault link not linked", fault(kind="outage", link="NL-CPA->DE-EMA"),
     "faults[0].link: NL-CPA and DE-EMA have no link"),
    ("fault on nothing", fault(kind="outage"),
     "faults[0]: give party or link, one of them"),
    ("fault on both", fault(kind="outage", party="NL-CPA", link="NL-CPA->NL-HUB"),
     "faults[0]: give party or link, not both"),
    ("latency without amount", fault(kind="latency", party="NL-CPA"),
     "faults[0].latency_ms: a latency fault needs latency_ms"),
    ("fault for nothing", fault(kind="outage", party="NL-CPA", **{"for": 0}),
     "faults[0].for: must be longer than 0s"),
    # events
    ("event party", event(action="block_token", party="NL-XXX"),
     "events[0].party: unknown party 'NL-XXX'"),
    ("event role", event(action="change_tariff", party="DE-EMA", tariff={"preset": "free"}),
     "events[0].party: change_tariff needs a CPO, and DE-EMA is an EMSP"),
    ("block token role", event(action="block_token", party="NL-CPA"),
     "events[0].party: block_token needs an EMSP, and NL-CPA is a CPO"),
    ("event missing field", event(action="close_location", party="NL-CPA"),
     "events[0].location: close_location needs a location"),
    ("event extra field", event(action="open_location", party="NL-CPA", location="LOC-0001", hub="NL-HUB"),
     "events[0].hub: not used by open_location"),
    ("event location", event(action="close_location", party="NL-CPA", location="LOC-9999"),
     "events[0].location: NL-CPA has no location 'LOC-9999' (it has LOC-0001, LOC-0002)"),
    ("event hub unknown", event(action="join_hub", party="NL-EMB", hub="NL-HUBX"),
     "events[0].hub: unknown party 'NL-HUBX'"),
    ("event hub not a hub", event(action="join_hub", party="NL-EMB", hub="NL-CPA"),
     "events[0].hub: NL-CPA is a CPO, not a HUB"),
    ("join a hub already joined", event(action="join_hub", party="DE-EMA", hub="NL-HUB"),
     "events[0].hub: DE-EMA is linked via NL-HUB from the start (and never leaves it)"),
    ("leave a hub never joined", event(action="leave_hub", party="NL-EMB", hub="NL-HUB"),
     "events[0].hub: NL-EMB is never linked via NL-HUB"),
    # smart charging
    ("smart charging party unknown", lambda d: d.update(smart_charging={"party": "NL-XXX"}),
     "smart_charging.party: unknown party 'NL-XXX'"),
    ("smart charging by a CPO", lambda d: d.update(smart_charging={"party": "NL-CPA"}),
     "smart_charging.party: NL-CPA is a CPO, not an SCSP"),
    ("empty peak", lambda d: d.update(smart_charging={"party": "NL-GRD", "peak_start": "18:00", "peak_end": "18:00"}),
     "smart_charging.peak_end: the peak is empty (peak_end equals peak_start)"),
    # tariffs and time
    ("generated tariff", lambda d: parties(d)[1]["locations"][0].update(tariff="NOPE"),
     "parties[1].locations[0].tariff: NL-CPA has no tariff 'NOPE' (it has 'AC-STANDARD')"),
    ("tariff id twice",
     lambda d: parties(d)[1].update(tariffs=[{"preset": "free", "id": "T"}, {"preset": "free", "id": "t"}]),
     "parties[1].tariffs[1]: tariff id 't' is already used by parties[1].tariffs[0]"),
    ("id on a file tariff", lambda d: parties(d)[1].update(tariffs=[{"inline": INLINE_TARIFF, "id": "X"}]),
     "parties[1].tariffs[0].id: id names a preset tariff; a file or inline tariff has its own"),
    ("time zone", lambda d: d.update(time_zone="Europe/Amsterdm"),
     "time_zone: unknown time zone 'Europe/Amsterdm'"),
    ("generated time zone", lambda d: parties(d)[1]["locations"][0].update(time_zone="Mars/Olympus"),
     "parties[1].locations[0].time_zone: unknown time zone 'Mars/Olympus'"),
    ("wall time", fault(kind="outage", party="NL-CPA", at="7:30"),
     "faults[0].at: '7:30' is not a wall time (write HH:MM from 00:00 to 23:59, e.g. 07:30)"),
    ("run length", lambda d: d.update(duration=0),
     "duration: must be longer than 0s"),
    # expectations
    ("metric name", lambda d: d.update(expect=[{"metric": "cdrs delivered", ">=": 1}]),
     "expect[0].metric: 'cdrs delivered' is not a metric name "
     "(letters, digits and _ joined by . or -, e.g. cdrs_delivered_ratio)"),
    ("no bound", lambda d: d.update(expect=[{"metric": "sessions_started"}]),
     "expect[0]: give at least one of >=, <= or =="),
    ("bounds that cannot hold", lambda d: d.update(expect=[{"metric": "energy_kwh", ">=": 5, "<=": 3}]),
     "expect[0]: can never hold (>= 5.0 and <= 3.0)"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_broken_reference_has_its_message(change: Callable[[Doc], Any], message: str) -> None:
    assert problems(broken(change)) == [f"{SOURCE}: {message}"]


def test_every_problem_is_reported_at_once() -> None:
    chosen = ["duplicate id", "hub versions", "drivers on a CPO", "to unknown", "via unknown", "fault party",
              "event location", "smart charging by a CPO", "metric name", "time zone", "generated tariff"]  # fmt: skip
    picked = [case for case in CASES if case[0] in chosen]
    assert len(picked) == len(chosen)

    def break_everything(document: Doc) -> None:
        for _, change, _ in picked:
            change(document)

    found = problems(broken(break_everything))
    assert sorted(found) == sorted(f"{SOURCE}: {message}" for _, _, message in picked)


def test_valid_metric_names_pass() -> None:
    document = base()
    document["expect"] = [
        {"metric": name, ">=": 0}
        for name in (
            "cdrs_delivered_ratio",
            "refused_by_reason.no_roaming_agreement",
            "revenue_NL-CPA",
            "utilisation.NL-CPA",
        )
    ]
    assert load(document).warnings == []


def test_instants_after_the_end_of_the_run_are_warnings() -> None:
    document = base()
    document["duration"] = "2h"
    document["faults"] = [{"kind": "outage", "link": "NL-CPA->NL-HUB", "at": "3h"}]
    document["events"] = [{"at": "05:00", "action": "block_token", "party": "DE-EMA"}]
    assert load(document).warnings == [
        f"{SOURCE}: faults[0].at: 10800.0 is 10800s after the start, past the end of the run (7200s): it never happens",
        f"{SOURCE}: events[0].at: 05:00 is 79200s after the start, past the end of the run (7200s): it never happens",
    ]


def test_a_party_joining_a_hub_later_may_have_faults_on_that_link() -> None:
    document = base()
    document["parties"][3]["versions"] = ["2.2.1", "2.1.1"]
    document["events"] = [{"at": "2h", "action": "join_hub", "party": "NL-EMB", "hub": "NL-HUB"},
                          {"at": "4h", "action": "leave_hub", "party": "NL-EMB", "hub": "NL-HUB"}]  # fmt: skip
    document["faults"] = [{"kind": "outage", "link": "NL-EMB->NL-HUB", "at": "3h", "for": "10m"}]
    assert load(document).warnings == []


def test_smart_charging_without_a_way_to_a_cpo_is_a_warning() -> None:
    document = base()
    document["smart_charging"] = {"party": "NL-GRD"}
    assert load(document).warnings == []
    document["parties"][4]["links"] = []
    assert load(document).warnings == [
        f"{SOURCE}: parties[4]: NL-GRD has no link, so it exchanges no OCPI messages",
        f"{SOURCE}: smart_charging.party: NL-GRD has no link to a CPO, so it can cap no session",
    ]
    document["parties"][4]["links"] = [{"to": "NL-CPA"}]
    assert load(document).warnings == []


def test_a_party_nobody_links_with_is_a_warning() -> None:
    document = base()
    document["parties"].append({"id": "BE-CPZ", "role": "CPO", "locations": []})
    assert load(document).warnings == [f"{SOURCE}: parties[5]: BE-CPZ has no link, so it exchanges no OCPI messages"]
    document["parties"][2]["links"].append({"to": "BE-CPZ"})
    assert load(document).warnings == []
