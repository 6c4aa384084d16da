"""Scheduled scenario events and the smart-charging party, each seen in the OCPI trace."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from sim.conformance import check
from sim.events import MessageExchanged
from sim.parties.modules import chargingprofiles
from sim.scenario import load_scenario
from sim.simulation import Simulation

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

EVENTS_SCENARIO = """
schema_version: 1
name: scheduled-events
start: 2026-03-02T05:00:00Z
time_zone: Europe/Amsterdam
duration: 5h
parties:
  - {id: NL-HUB, role: HUB}
  - id: NL-CPA
    role: CPO
    links: [{via: NL-HUB}]
    tariffs: [{preset: ac-standard, id: STD}]
    locations: [{count: 2, area: {lat: 52.09, lon: 5.12, radius_km: 2}, evses_per_location: [2, 2]}]
  - id: DE-MSA
    role: EMSP
    links: [{via: NL-HUB}]
    drivers: {count: 3, home_area: {lat: 52.09, lon: 5.12, radius_km: 2}}
events:
  - {at: 30m, action: block_token, party: DE-MSA, tokens: 2}
  - {at: 1h, action: close_location, party: NL-CPA, location: LOC-0001}
  - {at: 1h, action: change_tariff, party: NL-CPA, tariff: {preset: time-of-day, id: STD}}
  - {at: 2h, action: open_location, party: NL-CPA, location: LOC-0001}
  - {at: 3h, action: leave_hub, party: DE-MSA, hub: NL-HUB}
  - {at: 4h, action: join_hub, party: DE-MSA, hub: NL-HUB}
"""


def hours(simulation: Simulation, exchange: MessageExchanged) -> float:
    return round((exchange.time - simulation.scenario.start).total_seconds() / 3600, 2)


def test_every_scheduled_event_acts_through_ocpi(tmp_path: Path) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(EVENTS_SCENARIO, encoding="utf-8")
    loaded = load_scenario(path)
    simulation = Simulation(loaded)
    location_id = loaded.locations["NL-CPA"][0].id
    assert location_id == "LOC-0001"
    simulation.run()
    trace = [e for e in simulation.roaming.exchanges if e.from_party != "NL-HUB"]

    def sent(method: str, fragment: str) -> list[tuple[float, str]]:
        return [(hours(simulation, e), e.request_body or "") for e in trace if e.method == method and fragment in e.url]

    blocked = sent("PATCH", "/receiver/tokens/DE/MSA/")
    assert [h for h, _ in blocked] == [0.5, 0.5] and all('"valid":false' in body for _, body in blocked)
    evse_patches = sent("PATCH", f"/receiver/locations/NL/CPA/{location_id}/")
    assert [(h, '"INOPERATIVE"' in body) for h, body in evse_patches if h in (1.0, 2.0)] == [
        (1.0, True), (1.0, True), (2.0, False), (2.0, False),
    ]  # fmt: skip
    tariff_puts = [h for h, body in sent("PUT", "/receiver/tariffs/NL/CPA/STD") if '"start_time":"17:00"' in body]
    assert tariff_puts == [1.0]
    credentials = [(hours(simulation, e), e.method) for e in trace if urlsplit(e.url).path.endswith("/credentials")]
    assert (3.0, "DELETE") in credentials and [h for h, m in credentials if m == "POST" and h >= 4.0] == [4.0]
    infos = [e.request_body or "" for e in simulation.roaming.exchanges if e.module == "hubclientinfo"]
    assert any('"party_id":"MSA"' in body and '"SUSPENDED"' in body for body in infos)
    assert simulation.party("DE-MSA").connections["NL-HUB"].registered  # back after joining again
    assert check(simulation.roaming.exchanges) == []


def test_the_grid_operator_caps_sessions_in_its_area_during_the_peak_and_releases_them() -> None:
    simulation = Simulation(load_scenario(SCENARIOS / "hub-network.yaml"))
    cpo = simulation.party("BE-CTY")
    peak = simulation.scenario.start + timedelta(hours=11)  # 17:00 local (the run starts 06:00 local)
    simulation.run(until=11 * 3600 + 300)  # five minutes into the peak
    profile_puts = [
        e
        for e in simulation.roaming.exchanges
        if e.from_party == "NL-GRD" and e.method == "PUT" and "/receiver/chargingprofiles/" in e.url
    ]
    assert profile_puts and all(e.ocpi_status == 1000 and e.time >= peak for e in profile_puts)
    capped = [urlsplit(e.url).path.rsplit("/", 1)[1] for e in profile_puts]
    store = cpo.cpo_data.sessions  # type: ignore[union-attr]
    running = [sid for sid in capped if store.get(cpo.cpo_data.party, sid).status.value == "ACTIVE"]  # type: ignore[union-attr]
    assert running  # a commuter or two is still charging five minutes into the peak …
    assert [chargingprofiles.session_limit_kw(cpo, sid) for sid in running] == [Decimal(7)] * len(running)  # type: ignore[arg-type]
    simulation.run()  # to 22:00 local: the peak is over
    cleared = [e for e in simulation.roaming.exchanges if e.from_party == "NL-GRD" and e.method == "DELETE"]
    assert {urlsplit(e.url).path.rsplit("/", 1)[1] for e in cleared} == set(capped)
    for sid in capped:  # the chargers obeyed: no period after the cap drew more than 7 kW
        session = cpo.cpo_data.sessions.get(cpo.cpo_data.party, sid)  # type: ignore[union-attr]
        after = [p for p in session.charging_periods or [] if p.start_date_time >= peak + timedelta(minutes=2)]
        powers = [d.volume for p in after for d in p.dimensions if d.type.value == "MAX_POWER"]
        assert all(power <= Decimal(7) for power in powers), (sid, powers)
    assert check(simulation.roaming.exchanges) == []
