"""Cross-reference checks: what the schema alone cannot see.

Run on a structurally valid ``Scenario``; every finding is recorded, none stops the others.

* parties: ids unique; a hub speaks OCPI 2.2.1 only and declares no links (others link ``via`` it);
  drivers only on eMSPs, locations/tariffs/chargers/reliability/session updates only on CPOs; weights
  (EV mix, token mix, profile mix) not negative and not all zero; generated locations' time zone;
* links: exactly one of ``to``/``via``; both name known parties; ``to`` never a hub (use ``via``),
  ``via`` always one; a direct link joins a CPO with an eMSP or an SCSP; a hub link is 2.2.1 (hubs do
  not speak 2.1.1); the version is supported by both ends (or, when left out, some version is);
  ``sync`` names OCPI modules; no pair linked twice;
* faults: ``party`` or ``link`` (``A->B``, the two linked); a latency fault says how much;
* events: the party (and hub) exist and have the role the action needs; only the action's fields;
* smart charging: an SCSP party; a peak that is not empty;
* expectations: sane metric names, at least one bound, bounds that can hold;
* time: known time zones; instants inside the run (else a warning: they never happen);
* a party linked to nobody is a warning (it can exchange nothing).

Checks that need the loaded locations (an event's location) are in ``check_event_locations``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sim.scenario.generate import known_time_zone
from sim.scenario.problems import Findings, join
from sim.scenario.schema import (
    EventAction,
    FaultKind,
    GeneratedLocations,
    Party,
    RoleName,
    Scenario,
    Version,
)
from sim.scenario.timing import resolve_instant

MODULES = ("locations", "tariffs", "tokens", "sessions", "cdrs")
METRIC = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[.\-][A-Za-z0-9_]+)*")
_LINK = re.compile(r"\s*(\S+?)\s*->\s*(\S+)\s*")
_DIRECT_PAIRS = ({RoleName.CPO, RoleName.EMSP}, {RoleName.CPO, RoleName.SCSP})
_CPO_ONLY = ("locations", "tariffs", "reliability", "chargers", "session_update_interval")
_EVENT_FIELDS = {
    EventAction.CHANGE_TARIFF: ("tariff", RoleName.CPO),
    EventAction.CLOSE_LOCATION: ("location", RoleName.CPO),
    EventAction.OPEN_LOCATION: ("location", RoleName.CPO),
    EventAction.JOIN_HUB: ("hub", None),
    EventAction.LEAVE_HUB: ("hub", None),
    EventAction.BLOCK_TOKEN: ("tokens", RoleName.EMSP),
}
_OPTIONAL_EVENT_FIELDS = ("tariff", "location", "hub", "tokens")


def versions_of(party: Party) -> set[Version]:
    """The OCPI versions a party speaks (a hub: 2.2.1 only, whatever it declares)."""
    return {Version.V2_2_1} if party.role is RoleName.HUB else set(party.versions)


def _a(role: RoleName) -> str:
    """``a CPO``, ``an EMSP``, ``a HUB``, ``an SCSP``."""
    return f"{'an' if role in (RoleName.EMSP, RoleName.SCSP) else 'a'} {role.value}"


def _names(versions: set[Version]) -> str:
    return ", ".join(sorted(v.value for v in versions))


@dataclass
class _Checker:
    scenario: Scenario
    findings: Findings
    parties: dict[str, Party] = field(default_factory=dict)
    linked: dict[frozenset[str], str] = field(default_factory=dict)
    """Every pair of parties with a link (direct, or party–hub), and where it is declared."""

    def error(self, path: str, reason: str) -> None:
        self.findings.error(path, reason)

    def known(self, party_id: str, path: str) -> Party | None:
        party = self.parties.get(party_id)
        if party is None:
            self.error(path, f"unknown party {party_id!r}")
        return party

    # --- parties ----------------------------------------------------------------------------------

    def check_parties(self) -> None:
        first: dict[str, int] = {}
        for index, party in enumerate(self.scenario.parties):
            if party.id in first:
                self.error(
                    join(join("parties", index), "id"),
                    f"duplicate party id {party.id!r} (also parties[{first[party.id]}])",
                )
            else:
                first[party.id] = index
                self.parties[party.id] = party
        for index, party in enumerate(self.scenario.parties):
            self.check_party(party, join("parties", index))

    def check_party(self, party: Party, path: str) -> None:
        given = party.model_fields_set
        role = _a(party.role)
        if party.role is RoleName.HUB:
            if "versions" in given and set(party.versions) != {Version.V2_2_1}:
                self.error(join(path, "versions"), "a hub speaks OCPI 2.2.1 only")
            if party.links:
                self.error(join(path, "links"), f"a hub declares no links; parties connect to it with via: {party.id}")
        if party.drivers is not None and party.role is not RoleName.EMSP:
            self.error(join(path, "drivers"), f"only an EMSP has drivers ({party.id} is {role})")
        if party.role is not RoleName.CPO:
            for name in _CPO_ONLY:
                if name in given and getattr(party, name) not in ([], None):
                    self.error(join(path, name), f"only a CPO has {name.replace('_', ' ')} ({party.id} is {role})")
        if party.drivers is not None:
            drivers = party.drivers
            mixes = [("ev_mix", drivers.ev_mix), ("tokens", {str(k): v for k, v in drivers.tokens.items()})]
            if isinstance(drivers.profile, dict):
                mixes.append(("profile", {str(k): v for k, v in drivers.profile.items()}))
            for name, weights in mixes:
                self.check_weights(weights, join(join(path, "drivers"), name))
        for number, source in enumerate(party.locations):
            if isinstance(source, GeneratedLocations):
                self.check_generated(source, join(join(path, "locations"), number))

    def check_weights(self, weights: dict[str, float], path: str) -> None:
        for key, weight in weights.items():
            if weight < 0:
                self.error(join(path, str(key)), f"a weight cannot be negative, got {weight}")
        if not any(weight > 0 for weight in weights.values()):
            self.error(path, "needs at least one positive weight")

    def check_generated(self, source: GeneratedLocations, path: str) -> None:
        if source.time_zone is not None and not known_time_zone(source.time_zone):
            self.error(join(path, "time_zone"), f"unknown time zone {source.time_zone!r}")

    # --- links ------------------------------------------------------------------------------------

    def check_links(self) -> None:
        for index, party in enumerate(self.scenario.parties):
            if party.role is RoleName.HUB:
                continue
            for number, link in enumerate(party.links):
                path = join(join(join("parties", index), "links"), number)
                for module in link.sync:
                    if module not in MODULES:
                        self.error(join(join(path, "sync"), module), f"unknown module (use {', '.join(MODULES)})")
                if link.pull_interval <= 0:
                    self.error(join(path, "pull_interval"), "must be longer than 0s")
                if (link.to is None) == (link.via is None):
                    both = "not both" if link.to is not None else "one of them"
                    self.error(path, f"give to (a direct link) or via (a hub), {both}")
                    continue
                key = "to" if link.to is not None else "via"
                other = self.known(link.to or link.via or "", join(path, key))
                if other is None:
                    continue
                if other.id == party.id:
                    self.error(join(path, key), "a party cannot link to itself")
                    continue
                if key == "to":
                    ok = self.check_direct(party, other, link.version, path)
                else:
                    ok = self.check_via(party, other, link.version, path)
                pair = frozenset((party.id, other.id))
                if ok and pair in self.linked:
                    self.error(path, f"{party.id} and {other.id} are already linked ({self.linked[pair]})")
                self.linked.setdefault(pair, path)

    def check_direct(self, party: Party, other: Party, version: Version | None, path: str) -> bool:
        if other.role is RoleName.HUB:
            self.error(join(path, "to"), f"{other.id} is a hub: connect to it with via: {other.id}")
            return False
        if {party.role, other.role} not in _DIRECT_PAIRS:
            self.error(
                join(path, "to"),
                f"a direct link joins a CPO with an EMSP or an SCSP ({party.id} is {_a(party.role)}, "
                f"{other.id} is {_a(other.role)})",
            )
            return False
        mine, theirs = versions_of(party), versions_of(other)
        if version is None:
            if not mine & theirs:
                self.error(path, f"{party.id} ({_names(mine)}) and {other.id} ({_names(theirs)}) share no OCPI version")
                return False
            return True
        for end, supported in ((party, mine), (other, theirs)):
            if version not in supported:
                self.error(
                    join(path, "version"),
                    f"{end.id} does not support OCPI {version.value} (it supports {_names(supported)})",
                )
                return False
        return True

    def check_via(self, party: Party, hub: Party, version: Version | None, path: str) -> bool:
        if hub.role is not RoleName.HUB:
            self.error(join(path, "via"), f"{hub.id} is {_a(hub.role)}, not a HUB")
            return False
        if version is Version.V2_1_1:
            self.error(join(path, "version"), "a link via a hub uses OCPI 2.2.1 (hubs do not speak 2.1.1)")
            return False
        if Version.V2_2_1 not in versions_of(party):
            self.error(path, f"{party.id} does not support OCPI 2.2.1, which a link via a hub needs")
            return False
        return True

    # --- faults, events, smart charging, expectations ---------------------------------------------

    def check_instant(self, at: float | str, path: str) -> None:
        if not known_time_zone(self.scenario.time_zone):
            return
        seconds = resolve_instant(at, self.scenario.start, self.scenario.time_zone)
        if seconds >= self.scenario.duration:
            self.findings.warn(
                path,
                f"{at} is {seconds:.0f}s after the start, past the end of the run "
                f"({self.scenario.duration:.0f}s): it never happens",
            )

    def check_faults(self) -> None:
        for index, fault in enumerate(self.scenario.faults):
            path = join("faults", index)
            self.check_instant(fault.at, join(path, "at"))
            if fault.for_ is not None and fault.for_ <= 0:
                self.error(join(path, "for"), "must be longer than 0s")
            if fault.kind is FaultKind.LATENCY and fault.latency_ms is None:
                self.error(join(path, "latency_ms"), "a latency fault needs latency_ms")
            if (fault.party is None) == (fault.link is None):
                self.error(path, "give party or link, " + ("not both" if fault.party else "one of them"))
            elif fault.party is not None:
                self.known(fault.party, join(path, "party"))
            else:
                self.check_fault_link(fault.link or "", join(path, "link"))

    def check_fault_link(self, text: str, path: str) -> None:
        match = _LINK.fullmatch(text)
        if match is None:
            self.error(path, f"{text!r} is not a link; write A->B, e.g. NL-CPA->NL-HUB")
            return
        ends = [self.known(name, path) for name in match.groups()]
        if all(ends) and frozenset(match.groups()) not in self.linked:
            self.error(path, f"{match.group(1)} and {match.group(2)} have no link")

    def check_events(self) -> None:
        for index, event in enumerate(self.scenario.events):
            path = join("events", index)
            self.check_instant(event.at, join(path, "at"))
            needed, role = _EVENT_FIELDS[event.action]
            action = event.action.value
            for name in _OPTIONAL_EVENT_FIELDS:
                if name != needed and name in event.model_fields_set:
                    self.error(join(path, name), f"not used by {action}")
            if needed != "tokens" and getattr(event, needed) is None:
                self.error(join(path, needed), f"{action} needs a {needed}")
            party = self.known(event.party, join(path, "party"))
            if party is None:
                continue
            if role is not None and party.role is not role:
                self.error(join(path, "party"), f"{action} needs {_a(role)}, and {party.id} is {_a(party.role)}")
            if event.hub is not None and needed == "hub":
                self.check_event_hub(event.action, party, event.hub, path)

    def check_event_hub(self, action: EventAction, party: Party, hub_id: str, path: str) -> None:
        hub = self.known(hub_id, join(path, "hub"))
        if party.role is RoleName.HUB:
            self.error(join(path, "party"), f"{party.id} is a hub itself")
        if hub is None or party.role is RoleName.HUB:
            return
        if hub.role is not RoleName.HUB:
            self.error(join(path, "hub"), f"{hub.id} is {_a(hub.role)}, not a HUB")
            return
        via = any(link.via == hub.id for link in party.links)
        joins = any(
            e.action is EventAction.JOIN_HUB and e.party == party.id and e.hub == hub.id for e in self.scenario.events
        )
        leaves = any(
            e.action is EventAction.LEAVE_HUB and e.party == party.id and e.hub == hub.id for e in self.scenario.events
        )
        if action is EventAction.JOIN_HUB and via and not leaves:  # joining again after leaving is fine
            self.error(join(path, "hub"), f"{party.id} is linked via {hub.id} from the start (and never leaves it)")
        if action is EventAction.LEAVE_HUB and not (via or joins):
            self.error(join(path, "hub"), f"{party.id} is never linked via {hub.id}")

    def check_smart_charging(self) -> None:
        smart = self.scenario.smart_charging
        if smart is None:
            return
        party = self.known(smart.party, "smart_charging.party")
        if party is not None and party.role is not RoleName.SCSP:
            self.error("smart_charging.party", f"{party.id} is {_a(party.role)}, not an SCSP")
        if smart.peak_start == smart.peak_end:
            self.error("smart_charging.peak_end", "the peak is empty (peak_end equals peak_start)")
        if party is not None and party.role is RoleName.SCSP and not self.reaches_a_cpo(party):
            self.findings.warn("smart_charging.party", f"{party.id} has no link to a CPO, so it can cap no session")

    def reaches_a_cpo(self, party: Party) -> bool:
        for pair in self.linked:
            if party.id not in pair:
                continue
            (other,) = pair - {party.id}
            peer = self.parties[other]
            if peer.role is RoleName.CPO:
                return True
            if peer.role is RoleName.HUB and any(
                self.parties[p].role is RoleName.CPO for q in self.linked if other in q for p in q - {other}
            ):
                return True
        return False

    def check_expectations(self) -> None:
        for index, expectation in enumerate(self.scenario.expect):
            path = join("expect", index)
            if not METRIC.fullmatch(expectation.metric):
                self.error(
                    join(path, "metric"),
                    f"{expectation.metric!r} is not a metric name "
                    "(letters, digits and _ joined by . or -, e.g. cdrs_delivered_ratio)",
                )
            bounds = (expectation.ge, expectation.le, expectation.eq)
            if all(bound is None for bound in bounds):
                self.error(path, "give at least one of >=, <= or ==")
            if expectation.ge is not None and expectation.le is not None and expectation.ge > expectation.le:
                self.error(path, f"can never hold (>= {expectation.ge} and <= {expectation.le})")


def check_references(scenario: Scenario, findings: Findings) -> None:
    """Record every cross-reference problem of ``scenario`` (see the module docstring)."""
    checker = _Checker(scenario, findings)
    if not known_time_zone(scenario.time_zone):
        findings.error("time_zone", f"unknown time zone {scenario.time_zone!r}")
    if scenario.duration <= 0:
        findings.error("duration", "must be longer than 0s")
    checker.check_parties()
    checker.check_links()
    for event in scenario.events:  # a party joining a hub later may already have faults on that link
        if event.action is EventAction.JOIN_HUB and event.hub is not None:
            checker.linked.setdefault(frozenset((event.party, event.hub)), "events")
    declared = {party.id for party in scenario.parties if party.links}  # broken links are problems already
    for index, party in enumerate(scenario.parties):
        if party.id not in declared and not any(party.id in pair for pair in checker.linked):
            findings.warn(join("parties", index), f"{party.id} has no link, so it exchanges no OCPI messages")
    checker.check_faults()
    checker.check_events()
    checker.check_smart_charging()
    checker.check_expectations()


def check_event_locations(scenario: Scenario, location_ids: dict[str, list[str]], findings: Findings) -> None:
    """Every ``close_location``/``open_location`` names a location its CPO has."""
    for index, event in enumerate(scenario.events):
        if event.location is None or event.party not in location_ids:
            continue
        if event.action not in (EventAction.CLOSE_LOCATION, EventAction.OPEN_LOCATION):
            continue
        ids = location_ids[event.party]
        if event.location.casefold() not in {i.casefold() for i in ids}:
            shown = ", ".join(ids[:3]) + (f", … ({len(ids)} locations)" if len(ids) > 3 else "")
            findings.error(
                join(join("events", index), "location"),
                f"{event.party} has no location {event.location!r} ({'it has ' + shown if shown else 'it has none'})",
            )
