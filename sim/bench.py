"""The benchmark behind ``roamsim bench``: what an OCPI exchange costs, and what the simulation adds.

Two measurements in one process:

* **The floor** (``run_floor``): a bare loop of the OCPI exchanges a session makes — authorize, EVSE
  status PATCH, Session PUT, Session PATCHes with a charging period and the running cost, the final
  PATCH, the CDR POST, the EVSE back to AVAILABLE — between a CPO and an eMSP on a bilateral 2.2.1
  connection built with ``Roaming``.  Every one is a real ``httpx.Request`` built by
  ``Party.build_request``, sent through the party's recording transport and the in-process transport
  to the receiver's router, whose handler validates the body with pydantic and stores it; the trace is
  written too.  No SimPy process, no world, no pricing: what the simulation could reach at best.
* **The simulation** (``run_simulation``): a scenario (by default the city-scale day) run in full with
  its trace recorded, counting SimPy events by wrapping ``env.step`` (one extra call per event).

Wall-clock time is measured here, and only here: this module times the simulator, it never feeds
the time into it.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time as wall
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from sim.demo import demo_location, demo_tariff, demo_token
from sim.netbuilder import Roaming
from sim.ocpi.common import OCPIVersion
from sim.ocpi.v221.cdrs import CDR, AuthMethod, ChargingPeriod
from sim.ocpi.v221.locations import EVSEPatch
from sim.ocpi.v221.locations_enums import Status
from sim.ocpi.v221.sessions import Session, SessionPatch, SessionStatus
from sim.ocpi.v221.tokens import LocationReferences, TokenType
from sim.ocpi.v221.types import Price, Role
from sim.parties.modules import locations_client, sessions_client, tariffs_client, tokens_client
from sim.parties.modules.common import join_url
from sim.parties.platform import Platform
from sim.scenario import LoadedScenario
from sim.simulation import Simulation, fewer_collections
from sim.trace import TraceWriter

SESSION_UPDATES = 3
"""Session PATCHes with a new period per session in the floor loop (besides the final one)."""
LOCATION_ID = "LOC-F1"
EVSE_UID = "LOC-F1-E1"
TOKEN_UID = "MSA-RFID-0001"


@dataclass(frozen=True)
class Rate:
    """``count`` things done in ``wall_s`` seconds."""

    count: int
    wall_s: float

    @property
    def per_s(self) -> float:
        """Things per wall-clock second."""
        return self.count / self.wall_s if self.wall_s > 0 else 0.0


@dataclass(frozen=True)
class SimulationRun:
    """What the full simulation measured."""

    exchanges: Rate
    events: Rate
    simulated_s: float
    build_s: float

    @property
    def speed_up(self) -> float:
        """Simulated seconds per wall-clock second."""
        return self.simulated_s / self.exchanges.wall_s if self.exchanges.wall_s > 0 else 0.0


@dataclass(frozen=True)
class BenchResult:
    """One benchmark run: both measurements, the peak memory, the machine and when it ran."""

    scenario: str
    floor: Rate
    simulation: SimulationRun
    peak_rss_mb: float
    machine: str
    date: datetime

    @property
    def ratio(self) -> float:
        """Simulation exchanges/s as a fraction of the floor's."""
        return self.simulation.exchanges.per_s / self.floor.per_s if self.floor.per_s > 0 else 0.0


# --- the floor ----------------------------------------------------------------------------------------


class _FloorNetwork:
    """A CPO and an eMSP registered bilaterally (2.2.1, everything pushed), with one Location, Tariff
    and Token known to both and one priced session run through the client functions: its Session and
    CDR are the templates of the loop's bodies."""

    def __init__(self) -> None:
        self.roaming = roaming = Roaming(seed=2026)
        self.cpo: Platform = roaming.cpo("NL-CPF", versions=[OCPIVersion.V2_2_1])
        self.emsp: Platform = roaming.emsp("DE-MSA", versions=[OCPIVersion.V2_2_1])
        roaming.connect(self.emsp, self.cpo)
        tariffs_client.add_tariff(self.cpo, demo_tariff(self.cpo.name, "T-F", "0.35"))
        locations_client.add_location(self.cpo, demo_location(self.cpo.name, LOCATION_ID, "NLD", "Utrecht", "T-F"))
        tokens_client.add_token(self.emsp, demo_token(self.emsp.name, TOKEN_UID, "NEVER"))
        roaming.run(tariffs_client.push_all_tariffs(self.cpo))
        roaming.run(locations_client.push_all_locations(self.cpo))
        roaming.run(tokens_client.push_tokens(self.emsp))
        authorization = roaming.run(
            tokens_client.authorize(
                self.cpo, uid=TOKEN_UID, token_type=TokenType.RFID, location_id=LOCATION_ID, evse_uids=[EVSE_UID]
            )
        )
        token = authorization.cdr_token()
        assert token is not None, f"the floor network's authorization failed: {authorization.reason}"
        self.session: Session = roaming.run(
            sessions_client.start_session(
                self.cpo,
                location_id=LOCATION_ID,
                evse_uid=EVSE_UID,
                connector_id="1",
                token=token,
                auth_method=AuthMethod.AUTH_REQUEST,
            )
        )
        roaming.settle(900)
        cost = Price(excl_vat=Decimal("1.925"), incl_vat=Decimal("2.32925"))
        self.cdr: CDR = roaming.run(sessions_client.stop_session(self.cpo, self.session.id, cost=cost))
        self.connection = self.cpo.connections[self.emsp.name]
        roaming.exchanges.clear()

    def url(self, module: str, interface: str, *segments: str) -> str:
        """The eMSP's URL of a module interface with path segments appended."""
        base = self.connection.endpoint(module, interface)
        assert base is not None, f"{self.emsp.name} offers no {module} {interface}"
        return join_url(base, *segments) if segments else base

    def session_requests(self, number: int) -> list[tuple[str, str, str, Any, dict[str, str] | None]]:
        """The ``(method, url, module, body, params)`` of one session's exchanges, ids numbered ``number``."""
        cpo_ref = self.cpo.ref(Role.CPO)
        now = self.roaming.clock.now()
        session_id, cdr_id = f"FLR{number:07d}", f"CDR{number:07d}"
        evse_url = self.url("locations", "RECEIVER", cpo_ref.country_code, cpo_ref.party_id, LOCATION_ID, EVSE_UID)
        session_url = self.url("sessions", "RECEIVER", cpo_ref.country_code, cpo_ref.party_id, session_id)
        start = self.session.start_date_time
        requests: list[tuple[str, str, str, Any, dict[str, str] | None]] = [
            (
                "POST",
                self.url("tokens", "SENDER", TOKEN_UID, "authorize"),
                "tokens",
                LocationReferences(location_id=LOCATION_ID, evse_uids=[EVSE_UID]),
                {"type": "RFID"},
            ),
            ("PATCH", evse_url, "locations", EVSEPatch(status=Status.CHARGING, last_updated=now), None),
            ("PUT", session_url, "sessions", self.session.model_copy(update={"id": session_id}), None),
        ]
        for step in range(1, SESSION_UPDATES + 1):
            period = ChargingPeriod.model_validate(
                {
                    "start_date_time": start + timedelta(minutes=15 * (step - 1)),
                    "dimensions": [
                        {"type": "ENERGY", "volume": Decimal("2.750")},
                        {"type": "TIME", "volume": Decimal("0.2500")},
                        {"type": "MIN_POWER", "volume": Decimal("11.000")},
                        {"type": "MAX_POWER", "volume": Decimal("11.000")},
                    ],
                    "tariff_id": "T-F",
                }
            )
            patch = SessionPatch(
                kwh=Decimal("2.750") * step,
                charging_periods=[period],
                total_cost=Price(excl_vat=Decimal("0.9625") * step, incl_vat=Decimal("1.1646") * step),
                last_updated=now,
            )
            requests.append(("PATCH", session_url, "sessions", patch, None))
        final = SessionPatch(status=SessionStatus.COMPLETED, end_date_time=now, last_updated=now)
        requests.append(("PATCH", session_url, "sessions", final, None))
        cdr = self.cdr.model_copy(update={"id": cdr_id, "session_id": session_id})
        requests.append(("POST", self.url("cdrs", "RECEIVER"), "cdrs", cdr, None))
        requests.append(("PATCH", evse_url, "locations", EVSEPatch(status=Status.AVAILABLE, last_updated=now), None))
        return requests

    def send(self, method: str, url: str, module: str, body: Any, params: dict[str, str] | None) -> None:
        """One exchange, CPO to eMSP; ``RuntimeError`` unless the eMSP accepts it."""
        connection = self.connection
        request = self.cpo.build_request(
            method,
            url,
            token=connection.token_out,
            version=connection.version,
            module=module,
            encoding=connection.token_encoding,
            body=body,
            params=params,
            sender=self.cpo.ref(Role.CPO),
            to=self.emsp.ref(Role.EMSP),
        )
        exchange = self.cpo.send_now(request)
        if not exchange.ok:
            raise RuntimeError(f"floor exchange {method} {url} failed: {exchange.describe()}")


def run_floor(exchanges: int, trace: TextIO) -> Rate:
    """Time ``exchanges`` bare OCPI exchanges (see the module docstring), writing their trace."""
    network = _FloorNetwork()
    TraceWriter(trace).attach(network.roaming.bus)
    done = 0
    number = 0
    elapsed = 0.0
    with fewer_collections():  # as in ``Simulation.run``
        while done < exchanges:
            number += 1
            batch = network.session_requests(number)[: exchanges - done]
            started = wall.perf_counter()
            for method, url, module, body, params in batch:
                network.send(method, url, module, body, params)
            elapsed += wall.perf_counter() - started
            done += len(batch)
            network.roaming.exchanges.clear()  # the network keeps every exchange for tests; not here
    return Rate(done, elapsed)


# --- the simulation -------------------------------------------------------------------------------------


def run_simulation(loaded: LoadedScenario, until: float | None, trace: TextIO) -> SimulationRun:
    """Build and run the scenario with its trace written to ``trace``; count exchanges and SimPy events."""
    started = wall.perf_counter()
    simulation = Simulation(loaded, trace=trace)
    build_s = wall.perf_counter() - started
    events = _count_steps(simulation)
    stats = simulation.run(until)
    return SimulationRun(
        exchanges=Rate(stats.exchanges, stats.wall_s),
        events=Rate(events(), stats.wall_s),
        simulated_s=stats.simulated_s,
        build_s=build_s,
    )


def _count_steps(simulation: Simulation) -> Callable[[], int]:
    """Wrap the environment's ``step`` (which ``run`` calls once per event); returns the counter."""
    env = simulation.env
    step = env.step
    count = [0]

    def counting_step() -> None:
        count[0] += 1
        step()

    env.step = counting_step  # type: ignore[method-assign]
    return lambda: count[0]


# --- the machine, the report ------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def machine_description() -> str:
    """CPU model, cores, RAM, Python version and OS, in one line."""
    cpu = _first_value(Path("/proc/cpuinfo"), "model name") or platform.processor() or platform.machine()
    memory = _first_value(Path("/proc/meminfo"), "MemTotal")
    ram = f"{int(memory.split()[0]) / 1024 / 1024:.1f} GiB RAM" if memory else "RAM unknown"
    return (
        f"{cpu}, {os.cpu_count()} cores, {ram}, {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.release()} {platform.machine()}"
    )


def _first_value(path: Path, key: str) -> str | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        name, sep, value = line.partition(":")
        if sep and name.strip() == key:
            return value.strip()
    return None


def figures(result: BenchResult) -> list[tuple[str, str]]:
    """``(label, value)`` of every figure the benchmark reports, in order."""
    floor, simulation = result.floor, result.simulation
    return [
        ("floor exchanges/s", f"{floor.per_s:,.0f} ({floor.count:,} exchanges in {floor.wall_s:.2f} s)"),
        (
            "simulation exchanges/s",
            f"{simulation.exchanges.per_s:,.0f} ({simulation.exchanges.count:,} exchanges in "
            f"{simulation.exchanges.wall_s:.2f} s; build {simulation.build_s:.2f} s)",
        ),
        ("simulation / floor", f"{result.ratio:.2f}"),
        (
            "simulated-time speed-up",
            f"{simulation.speed_up:,.0f}x ({simulation.simulated_s / 3600:.2f} simulated h)",
        ),
        ("SimPy events/s", f"{simulation.events.per_s:,.0f} ({simulation.events.count:,} events)"),
        ("peak RSS", f"{result.peak_rss_mb:,.0f} MB"),
    ]


def render(result: BenchResult) -> str:
    """The figures as printed by ``roamsim bench``."""
    width = max(len(label) for label, _ in figures(result))
    lines = [f"roamsim bench: {result.scenario}", f"machine: {result.machine}", ""]
    lines += [f"  {label:<{width}}  {value}" for label, value in figures(result)]
    return "\n".join(lines) + "\n"


def results_entry(result: BenchResult) -> str:
    """The Markdown section ``roamsim bench`` appends to ``benchmarks/RESULTS.md``."""
    stamp = result.date.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"### {stamp} — {result.scenario}",
        "",
        f"Machine: {result.machine}",
        "",
        "| figure | value |",
        "|---|---|",
    ]
    lines += [f"| {label} | {value} |" for label, value in figures(result)]
    return "\n".join(lines) + "\n"


__all__ = [
    "BenchResult",
    "Rate",
    "SimulationRun",
    "figures",
    "machine_description",
    "peak_rss_mb",
    "render",
    "results_entry",
    "run_floor",
    "run_simulation",
]
