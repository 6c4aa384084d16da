"""Network conditions between parties: latency, outages and the faults a scenario switches on and off.

``Links`` holds two layers:

* the **base condition** of each directed pair (``set_pair``; default ``Links.default``) and the
  parties taken off the network by hand (``set_party_offline``) — what the network is like;
* the **active faults** (``add_fault`` returns a handle, ``remove_fault`` takes it back) — what goes
  wrong for a while.  ``sim.net.faults.FaultSchedule`` adds and removes them on simulated time.
  Faults are kept in the order they were switched on; removing one leaves the others as they were,
  so overlapping faults on one link combine correctly whichever ends first.

Conditions are read at the moment a request is sent, so a fault switched on at simulated 10:00
affects exactly the messages sent from then on.

What a request meets (``Links.disturbance``), by precedence — the first that hits decides:

1. **outage**: the base condition is offline, or an outage fault hits → no connection at all;
2. **lost**: a lost-callbacks fault hits a POST to a command or charging-profile result URL
   (``/sender/commands/``, ``/sender/chargingprofiles/``) → the request vanishes, no answer;
3. **error**: the base ``error_status``, or an errors fault hits → the link answers in the
   receiver's place (the request never reaches it);
4. **malformed**: a malformed fault hits → the receiver handles the request, but the body that comes
   back is cut short.

Random draws come from one generator per directed link, ``random.Random(f"{seed}:link:{a}->{b}")``,
in a fixed order per request: the latency jitter when ``call`` sends (``latency``), then the faults
above in that order, each applicable fault in the order it was switched on.  A fault with
probability 1 (or 0) hits (or misses) without a draw, and the draws stop at the first hit; so
without faults nothing is drawn and the network behaves exactly as before.

Which requests a fault touches: a ``pair`` fault (scenario ``link: A->B``) touches both directions
between A and B.  A ``party`` fault touches, by kind: outage and latency — everything to and from
the party; errors and malformed — requests *to* the party (its server fails); lost callbacks — the
party's *own* callbacks.  A fault with neither touches every link.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from enum import StrEnum

CALLBACK_PATHS = ("/sender/commands/", "/sender/chargingprofiles/")
"""Path parts of the URLs asynchronous results are POSTed to (what lost-callbacks faults swallow)."""


@dataclass(frozen=True)
class LinkCondition:
    """How one directed link behaves when no fault is active."""

    latency_s: float = 0.05
    jitter_s: float = 0.0
    """One-way latency is drawn uniformly from ``latency_s ± jitter_s`` (never below 0)."""
    offline: bool = False
    error_status: int | None = None
    """When set, the link answers every request with this HTTP status instead of delivering it."""


class LinkFaultKind(StrEnum):
    """What a link fault does (the scenario's ``FaultKind``, spelled the same)."""

    OUTAGE = "outage"
    LATENCY = "latency"
    ERRORS = "errors"
    LOST_CALLBACKS = "lost_callbacks"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class LinkFault:
    """One fault on some links (see the module docstring for which requests it touches)."""

    kind: LinkFaultKind
    party: str | None = None
    pair: tuple[str, str] | None = None
    probability: float = 1.0
    """Share of the touched requests it hits (outage, errors, lost callbacks, malformed)."""
    latency_s: float | None = None
    """Latency faults: the one-way latency (None: the base latency)."""
    jitter_s: float = 0.0
    http_status: int | None = None
    """Errors faults: the HTTP status the link answers with (default 503 unless ``ocpi_status``)."""
    ocpi_status: int | None = None
    """Errors faults: the OCPI status of the envelope the link answers with."""
    label: str = ""
    """A short description, added to the trace notes of the messages it hits."""

    def touches(self, sender: str, receiver: str) -> bool:
        """Whether a request from ``sender`` to ``receiver`` is subject to this fault."""
        if self.pair is not None:
            return {sender, receiver} == set(self.pair)
        if self.party is None:
            return True
        if self.kind in (LinkFaultKind.OUTAGE, LinkFaultKind.LATENCY):
            return self.party in (sender, receiver)
        if self.kind is LinkFaultKind.LOST_CALLBACKS:
            return self.party == sender
        return self.party == receiver


class DisturbanceKind(StrEnum):
    """What happens to one request (``Links.disturbance``)."""

    OUTAGE = "outage"
    LOST = "lost"
    ERROR = "error"
    MALFORMED = "malformed"


@dataclass(frozen=True)
class Disturbance:
    """The fault one request meets; ``label`` names the fault (empty for base conditions)."""

    kind: DisturbanceKind
    http_status: int | None = None
    ocpi_status: int | None = None
    label: str = ""


def is_callback(method: str, path: str) -> bool:
    """A POST of an asynchronous result (CommandResult, a charging-profile result)."""
    return method.upper() == "POST" and any(part in path for part in CALLBACK_PATHS)


class Links:
    """Base conditions and active faults for every directed pair of parties."""

    def __init__(self, default: LinkCondition | None = None, *, seed: int | str = 0) -> None:
        self.default = default or LinkCondition()
        self._pairs: dict[tuple[str, str], LinkCondition] = {}
        self._offline_parties: set[str] = set()
        self._faults: dict[int, LinkFault] = {}
        self._next_handle = 1
        self._seed: int | str = seed
        self._rngs: dict[tuple[str, str], random.Random] = {}

    # --- base conditions --------------------------------------------------------------------------

    def condition(self, sender: str, receiver: str) -> LinkCondition:
        """The base condition a request from ``sender`` to ``receiver`` meets now (faults aside)."""
        condition = self._pairs.get((sender, receiver), self.default)
        if sender in self._offline_parties or receiver in self._offline_parties:
            condition = replace(condition, offline=True)
        return condition

    def set_pair(self, sender: str, receiver: str, condition: LinkCondition, *, both_ways: bool = True) -> None:
        """Override the condition of a link (and of its reverse direction unless told otherwise)."""
        self._pairs[(sender, receiver)] = condition
        if both_ways:
            self._pairs[(receiver, sender)] = condition

    def restore_pair(self, sender: str, receiver: str) -> None:
        """Back to the default condition, both directions."""
        self._pairs.pop((sender, receiver), None)
        self._pairs.pop((receiver, sender), None)

    def set_party_offline(self, party: str, offline: bool = True) -> None:
        """Take a party off the network (or bring it back): every link to and from it is down."""
        if offline:
            self._offline_parties.add(party)
        else:
            self._offline_parties.discard(party)

    # --- faults -----------------------------------------------------------------------------------

    def reseed(self, seed: int | str) -> None:
        """Seed the per-link generators (before any draw; generators drawn from start afresh)."""
        self._seed = seed
        self._rngs.clear()

    def add_fault(self, fault: LinkFault) -> int:
        """Switch ``fault`` on; returns the handle that switches it off."""
        handle = self._next_handle
        self._next_handle += 1
        self._faults[handle] = fault
        return handle

    def remove_fault(self, handle: int) -> None:
        """Switch a fault off (the others stay as they are)."""
        self._faults.pop(handle, None)

    def active_faults(self) -> list[LinkFault]:
        """The faults switched on, oldest first."""
        return list(self._faults.values())

    def fault_handles(self) -> list[tuple[int, LinkFault]]:
        """(handle, fault) of the faults switched on, oldest first (``remove_fault`` takes the handle)."""
        return list(self._faults.items())

    def rng(self, sender: str, receiver: str) -> random.Random:
        """The generator of the directed link ``sender -> receiver`` (created on first use)."""
        key = (sender, receiver)
        found = self._rngs.get(key)
        if found is None:
            found = self._rngs[key] = random.Random(f"{self._seed}:link:{sender}->{receiver}")
        return found

    def _touching(self, kind: LinkFaultKind, sender: str, receiver: str) -> list[LinkFault]:
        return [f for f in self._faults.values() if f.kind is kind and f.touches(sender, receiver)]

    def _hits(self, fault: LinkFault, sender: str, receiver: str) -> bool:
        if fault.probability >= 1:
            return True
        if fault.probability <= 0:
            return False
        return self.rng(sender, receiver).random() < fault.probability

    # --- what a request meets ---------------------------------------------------------------------

    def latency(self, sender: str, receiver: str) -> float:
        """One-way latency in simulated seconds for a request sent now (draws the jitter, if any).

        Latency faults only make a link slower: the largest mean and the widest jitter of the base
        condition and every latency fault touching the link apply.
        """
        base = self._pairs.get((sender, receiver), self.default)
        mean, jitter = base.latency_s, base.jitter_s
        for fault in self._touching(LinkFaultKind.LATENCY, sender, receiver):
            mean = max(mean, base.latency_s if fault.latency_s is None else fault.latency_s)
            jitter = max(jitter, fault.jitter_s)
        if jitter <= 0:
            return mean
        return max(0.0, self.rng(sender, receiver).uniform(mean - jitter, mean + jitter))

    def disturbance(self, sender: str, receiver: str, method: str, path: str) -> Disturbance | None:
        """The fault a request meets now, if any (precedence and draws: see the module docstring)."""
        base = self.condition(sender, receiver)
        if base.offline:
            return Disturbance(DisturbanceKind.OUTAGE)
        for fault in self._touching(LinkFaultKind.OUTAGE, sender, receiver):
            if self._hits(fault, sender, receiver):
                return Disturbance(DisturbanceKind.OUTAGE, label=fault.label)
        if is_callback(method, path):
            for fault in self._touching(LinkFaultKind.LOST_CALLBACKS, sender, receiver):
                if self._hits(fault, sender, receiver):
                    return Disturbance(DisturbanceKind.LOST, label=fault.label)
        if base.error_status is not None:
            return Disturbance(DisturbanceKind.ERROR, http_status=base.error_status)
        for fault in self._touching(LinkFaultKind.ERRORS, sender, receiver):
            if self._hits(fault, sender, receiver):
                http_status = fault.http_status
                if http_status is None and fault.ocpi_status is None:
                    http_status = 503
                return Disturbance(DisturbanceKind.ERROR, http_status, fault.ocpi_status, fault.label)
        for fault in self._touching(LinkFaultKind.MALFORMED, sender, receiver):
            if self._hits(fault, sender, receiver):
                return Disturbance(DisturbanceKind.MALFORMED, label=fault.label)
        return None
