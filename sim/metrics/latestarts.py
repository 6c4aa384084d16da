""" "TIMEOUT then started": START_SESSION commands the eMSP gave up on whose session started anyway.

That is the classic command-module trap — a lost CommandResult callback, or a charger that answers
after the eMSP stopped waiting: the eMSP told its driver "failed" while the CPO bills a session.

``CommandCompleted`` does not name the driver or the EVSE, so the command is tied to its driver
through the start attempt: the app driver publishes ``ChargeAttempted`` and sends START_SESSION at
that instant, so the command (sent at ``completed − latency``) belongs to the *latest* app attempt of
the same eMSP at the same CPO made no later than the send.  A timed-out command then counts once if
that driver's ``ChargeStarted`` at that same EVSE falls between the attempt and ``window_s`` after the
eMSP gave up — before the timeout (the result callback was lost) or after it (the charger was late).

Limit: two app attempts of one eMSP's drivers at one CPO in the very same instant cannot be told
apart; both commands are then tied to the later attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.events import ChargeAttempted, ChargeStarted, CommandCompleted

START_SESSION = "START_SESSION"
APP = "app"
SEND_TOLERANCE_S = 0.001
"""Timestamps are microsecond datetimes; the send instant is recomputed as completed − latency."""

DriverAtEVSE = tuple[str, str, str, str]
"""(driver, cpo, location_id, evse_uid)."""


@dataclass(frozen=True)
class _Attempt:
    at_s: float
    who: DriverAtEVSE


class LateStarts:
    """Counts timed-out START_SESSION commands followed by a session of the same driver at the same EVSE."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.count = 0
        self._attempts: dict[tuple[str, str], list[_Attempt]] = {}
        self._starts: dict[DriverAtEVSE, list[float]] = {}
        self._waiting: dict[DriverAtEVSE, tuple[float, float]] = {}
        """Timed-out commands whose session has not started (yet): who → (attempt, deadline)."""

    def attempted(self, event: ChargeAttempted, at_s: float) -> None:
        """Remember an app start attempt (RFID attempts never send a command)."""
        if event.method == APP:
            who = (event.driver, event.cpo, event.location_id, event.evse_uid)
            self._attempts.setdefault((event.emsp, event.cpo), []).append(_Attempt(at_s, who))

    def started(self, event: ChargeStarted, at_s: float) -> None:
        """A session started: settle a timed-out command of this driver at this EVSE that waits for it."""
        who = (event.driver, event.cpo, event.location_id, event.evse_uid)
        self._starts.setdefault(who, []).append(at_s)
        waiting = self._waiting.get(who)
        if waiting is not None and waiting[0] <= at_s <= waiting[1]:
            del self._waiting[who]
            self.count += 1

    def completed(self, event: CommandCompleted, at_s: float, timed_out: bool) -> None:
        """A command finished: tie a START_SESSION to its attempt; check a timed-out one for a session."""
        if event.command != START_SESSION:
            return
        attempt = self._attempt_for(event.emsp, event.cpo, at_s - event.latency_s)
        if attempt is None or not timed_out:
            return
        if any(attempt.at_s <= s <= at_s for s in self._starts.get(attempt.who, ())):
            self.count += 1
        else:
            self._waiting[attempt.who] = (attempt.at_s, at_s + self.window_s)

    def _attempt_for(self, emsp: str, cpo: str, sent_s: float) -> _Attempt | None:
        for attempt in reversed(self._attempts.get((emsp, cpo), [])):
            if attempt.at_s <= sent_s + SEND_TOLERANCE_S:
                return attempt
        return None
