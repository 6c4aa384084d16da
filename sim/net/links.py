"""Network conditions between parties: latency, outages and injected error answers.

``Links`` holds a default condition and overrides per directed pair ``(from, to)`` and per party.
Conditions are read at the moment a request is sent, so a fault switched on at simulated 10:00
affects exactly the messages sent from then on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class LinkCondition:
    """How one directed link behaves right now."""

    latency_s: float = 0.05
    offline: bool = False
    error_status: int | None = None
    """When set, the link answers every request with this HTTP status instead of delivering it."""


class Links:
    """Latency and fault settings for every directed pair of parties."""

    def __init__(self, default: LinkCondition | None = None) -> None:
        self.default = default or LinkCondition()
        self._pairs: dict[tuple[str, str], LinkCondition] = {}
        self._offline_parties: set[str] = set()

    def condition(self, sender: str, receiver: str) -> LinkCondition:
        """The condition a request from ``sender`` to ``receiver`` meets now."""
        condition = self._pairs.get((sender, receiver), self.default)
        if sender in self._offline_parties or receiver in self._offline_parties:
            condition = replace(condition, offline=True)
        return condition

    def latency(self, sender: str, receiver: str) -> float:
        """One-way latency in simulated seconds."""
        return self.condition(sender, receiver).latency_s

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
