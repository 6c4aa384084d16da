"""Which of a run's exchanges may belong to one session — a cheap first cut before ``sim.sequence``
picks them exactly (no Qt).

``sim.sequence_select.select_session`` reads every exchange of a trace, which costs a tenth of a
second and more on a city-sized run; the live view redraws a running session again and again.
``SessionCandidates`` keeps the exchanges that can matter to the session, so that the exact
selection runs on a few dozen.  An exchange is a candidate when

* its URL or a body names the session id, the token's uid or its ``contract_id`` (the 2.1.1
  ``auth_id``): the session pushes and pulls, its authorization, the commands and charging profiles
  naming it, its CDR (also a 2.1.1 one), and every hub hop of these (a hop carries the same body);
* its URL ends in the session's EVSE uid (the EVSE's status pushes);
* it is a command or charging-profile call at or after 15 minutes before the start (the
  asynchronous results, posted to a ``response_url`` that names nothing else);
* it happened in the 16 minutes before the start or the 6 minutes after the end (whatever else
  the selection looks for around them).

``scan`` reads a run's exchanges once; ``extend`` then takes each batch's new ones (O(batch)) and
says whether any was a candidate — when the view has to redraw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sim.events import MessageExchanged
from sim.ocpi.v221.sessions import Session
from sim.sequence_select import AUTHORIZATION_WINDOW, RELEASE_WINDOW

MARGIN = timedelta(minutes=1)
CALLBACK_MODULES = frozenset({"commands", "chargingprofiles"})


@dataclass(frozen=True)
class SessionClues:
    """What identifies a session's exchanges (from the CPO's stored Session)."""

    session_id: str
    evse_uid: str
    start: datetime
    end: datetime | None
    needles: tuple[str, ...]

    @classmethod
    def of(cls, session: Session) -> SessionClues:
        """The clues of a stored Session."""
        token = session.cdr_token
        needles = tuple(dict.fromkeys(n for n in (session.id, token.uid, token.contract_id) if n))
        return cls(session.id, session.evse_uid, session.start_date_time, session.end_date_time, needles)


class SessionCandidates:
    """The exchanges that may belong to one session (see the module docstring)."""

    def __init__(self, clues: SessionClues) -> None:
        self.clues = clues
        self.events: list[MessageExchanged] = []
        self._since = clues.start - AUTHORIZATION_WINDOW - MARGIN
        self._evse_suffix = "/" + clues.evse_uid

    def scan(self, events: Iterable[MessageExchanged]) -> None:
        """Take the candidates among a run's exchanges so far (the time windows count here)."""
        start, end = self.clues.start, self.clues.end
        first = (self._since, start + MARGIN)
        last = (end - MARGIN, end + RELEASE_WINDOW + MARGIN) if end is not None else None
        for event in events:
            near = first[0] <= event.time <= first[1] or (last is not None and last[0] <= event.time <= last[1])
            if near or self.matches(event):
                self.events.append(event)

    def extend(self, events: Iterable[MessageExchanged]) -> bool:
        """Take the candidates among new exchanges; True when there were any."""
        before = len(self.events)
        self.events.extend(event for event in events if self.matches(event))
        return len(self.events) > before

    def matches(self, event: MessageExchanged) -> bool:
        """Whether an exchange names the session, its token or its EVSE, or is a late callback."""
        url = event.url.split("?", 1)[0]
        if url.endswith(self._evse_suffix):
            return True
        if event.module in CALLBACK_MODULES and event.time >= self._since:
            return True
        texts = (event.url, event.request_body or "", event.response_body or "")
        return any(needle in text for needle in self.clues.needles for text in texts)


__all__ = ["CALLBACK_MODULES", "MARGIN", "SessionCandidates", "SessionClues"]
