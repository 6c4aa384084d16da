"""Which exchanges of a trace belong to one charging session (or to one correlation id).

A session is named by its id, which is unique per CPO only (``NL-CPA/SES000001`` when several CPOs
use the same id).  Selection does not depend on the credentials handshake; it takes

* the session itself: PUT/PATCH pushes whose URL ends in ``…/sessions/<cc>/<party>/<id>``, session
  lists pulled by the eMSP that contain it, and ``/sessions/<id>/…`` calls (charging preferences);
* its authorization: the real-time ``authorize`` whose ``authorization_reference`` the session
  carries, else the latest one for its token at its location in the 15 minutes before it started;
  or the command that created it (START_SESSION, RESERVE_NOW) — by ``authorization_reference`` on
  2.2.1, by token, location and EVSE shortly before the start on 2.1.1 — with CANCEL_RESERVATION
  for a reservation;
* STOP_SESSION naming it and the charging-profile calls on it (``…/chargingprofiles/<id>``);
* every asynchronous result posted to a ``response_url`` of those requests (CommandResult,
  ChargingProfileResult), matched by the URL;
* its CDR: the one whose body names the session (2.2.1); on 2.1.1, which has no ``session_id`` in
  CDRs, the first CDR sent after the session's last update to the same eMSP with the same
  ``auth_id``, location and start;
* the status pushes of its EVSE from its start to its end, plus the first one at or up to five
  minutes after its end (the EVSE becoming available again), by the pushes' ``last_updated``;
* every hub hop of all of these: the exchanges with the same ``X-Correlation-ID``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sim.sequence_exchange import Exchange, dig, parse_time, party_name

AUTHORIZATION_WINDOW = timedelta(minutes=15)
"""How long before a session's start an authorization or START_SESSION still counts as its own."""
RELEASE_WINDOW = timedelta(minutes=5)
"""How long after a session's end its EVSE's next status push (usually AVAILABLE) still counts as its own."""
CALLBACK_MODULES = frozenset({"commands", "chargingprofiles"})


class SelectionError(LookupError):
    """Nothing to draw: no exchange matches, or the session id is ambiguous (one-line message)."""


@dataclass
class Selection:
    """The exchanges to draw, in ``seq`` order, with who the session's eMSP and CPO are."""

    title: str
    exchanges: list[Exchange]
    emsp: str | None = None
    cpo: str | None = None


@dataclass
class SessionFacts:
    """What the trace says about one session (merged from its pushes, pulls and CDR)."""

    cpo: str
    session_id: str
    emsp: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    location_id: str | None = None
    evse_uid: str | None = None
    token_uid: str | None = None
    auth_id: str | None = None
    authorization_reference: str | None = None
    auth_method: str | None = None
    last_update_seq: int = 0

    def absorb(self, obj: dict[str, Any], seq: int) -> None:
        """Merge a Session object (or PATCH) of either version."""
        self.last_update_seq = max(self.last_update_seq, seq)
        self.start = parse_time(obj.get("start_date_time") or obj.get("start_datetime")) or self.start
        self.end = parse_time(obj.get("end_date_time") or obj.get("end_datetime")) or self.end
        location = obj.get("location")
        if isinstance(location, dict):  # 2.1.1: the whole Location with the one EVSE
            self.location_id = location.get("id") or self.location_id
            evses = location.get("evses")
            if isinstance(evses, list) and evses and isinstance(evses[0], dict):
                self.evse_uid = evses[0].get("uid") or self.evse_uid
        self.location_id = obj.get("location_id") or self.location_id
        self.evse_uid = obj.get("evse_uid") or self.evse_uid
        token = obj.get("cdr_token")
        if isinstance(token, dict):
            self.token_uid = token.get("uid") or self.token_uid
            self.emsp = party_name(token.get("country_code"), token.get("party_id")) or self.emsp
        self.auth_id = obj.get("auth_id") or self.auth_id
        self.auth_method = obj.get("auth_method") or self.auth_method
        self.authorization_reference = obj.get("authorization_reference") or self.authorization_reference

    def absorb_cdr(self, cdr: dict[str, Any]) -> None:
        """Fill what the session pushes did not say from its CDR."""
        self.start = self.start or parse_time(cdr.get("start_date_time"))
        self.end = self.end or parse_time(cdr.get("end_date_time") or cdr.get("stop_date_time"))
        location = cdr.get("cdr_location") or cdr.get("location")
        if isinstance(location, dict):
            self.location_id = self.location_id or location.get("id")
            self.evse_uid = self.evse_uid or location.get("evse_uid")


def parse_session_ref(text: str) -> tuple[str | None, str]:
    """``SES1`` → (None, 'SES1'); ``NL-CPA/SES1`` and ``NL/CPA/SES1`` → ('NL-CPA', 'SES1')."""
    parts = text.strip().split("/")
    if len(parts) == 2 and all(parts):
        return parts[0], parts[1]
    if len(parts) == 3 and all(parts):
        return f"{parts[0]}-{parts[1]}", parts[2]
    return None, text.strip()


def select_correlation(exchanges: Sequence[Exchange], correlation_id: str) -> Selection:
    """Every exchange carrying ``X-Correlation-ID: correlation_id``."""
    chosen = [e for e in exchanges if e.correlation_id == correlation_id]
    if not chosen:
        raise SelectionError(f"no exchange has correlation id {correlation_id}")
    return Selection(title=f"Correlation {correlation_id}", exchanges=chosen)


def select_session(exchanges: Sequence[Exchange], reference: str) -> Selection:
    """Every exchange of the session ``reference`` (``ID`` or ``CPO/ID``); see the module docstring."""
    wanted_cpo, session_id = parse_session_ref(reference)
    if not session_id:
        raise SelectionError("an empty session id matches nothing")
    mentions: dict[str, list[Exchange]] = defaultdict(list)
    for exchange in exchanges:
        if exchange.mentions(session_id):
            for cpo in _session_mentions(exchange, session_id):
                mentions[cpo].append(exchange)
    cpos = sorted(mentions)
    if wanted_cpo is not None:
        if wanted_cpo not in mentions:
            where = f" (it exists at {', '.join(cpos)})" if cpos else ""
            raise SelectionError(f"no exchange matches session {wanted_cpo}/{session_id}{where}")
        cpos = [wanted_cpo]
    if not cpos:
        raise SelectionError(f"no exchange matches session {session_id}")
    if len(cpos) > 1:
        raise SelectionError(
            f"session id {session_id} is used by {len(cpos)} CPOs ({', '.join(cpos)}); "
            f"name one as CPO/SESSION, e.g. {cpos[0]}/{session_id}"
        )
    cpo = cpos[0]
    facts = _facts(cpo, session_id, mentions[cpo])
    core = set(mentions[cpo])
    by_command = facts.auth_method == "COMMAND"
    if not by_command:
        core.update(_authorization(exchanges, facts))
    # 2.2.1 says how a session started; 2.1.1 has no COMMAND method, so a command may be behind any.
    commands = _start_commands(exchanges, facts) if by_command or facts.token_uid is None else []
    core.update(commands)
    core.update(_cancellations(exchanges, facts, commands))
    if not any(e.module == "cdrs" for e in core):
        core.update(_cdr_211(exchanges, facts))
    core.update(_evse_statuses(exchanges, facts))
    chosen = _with_hops_and_callbacks(exchanges, core)
    return Selection(title=f"Session {cpo}/{session_id}", exchanges=chosen, emsp=facts.emsp, cpo=cpo)


def _session_mentions(exchange: Exchange, session_id: str) -> list[str]:
    """The CPOs whose session ``session_id`` this exchange is directly about (usually 0 or 1)."""
    module, side, resource = exchange.module, exchange.side, exchange.resource
    if module == "sessions":
        if side == "receiver" and len(resource) >= 3 and resource[2] == session_id:
            return [f"{resource[0]}-{resource[1]}"]
        if side == "sender" and resource[:1] == (session_id,):
            return [exchange.destination]
        if side == "sender" and not resource and exchange.method == "GET":
            return sorted({_owner(item, exchange) for item in _items(exchange) if item.get("id") == session_id})
    elif module == "chargingprofiles" and resource[:1] == (session_id,):
        return [exchange.destination if side == "receiver" else exchange.origin]
    elif module == "commands" and side == "receiver" and resource[:1] == ("STOP_SESSION",):
        if exchange.request_field("session_id") == session_id:
            return [exchange.destination]
    elif module == "cdrs":
        if exchange.method == "POST" and exchange.request_field("session_id") == session_id:
            cdr = exchange.request_json
            return [party_name(cdr.get("country_code"), cdr.get("party_id")) or exchange.origin]
        if exchange.method == "GET":
            return sorted({_owner(item, exchange) for item in _items(exchange) if item.get("session_id") == session_id})
    return []


def _items(exchange: Exchange) -> list[dict[str, Any]]:
    data = exchange.response_data
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _owner(item: dict[str, Any], exchange: Exchange) -> str:
    """The CPO of a pulled object: its own country/party (2.2.1), else the party that served it."""
    return party_name(item.get("country_code"), item.get("party_id")) or exchange.destination


def _facts(cpo: str, session_id: str, mentioned: Iterable[Exchange]) -> SessionFacts:
    facts = SessionFacts(cpo=cpo, session_id=session_id)
    cdrs: list[dict[str, Any]] = []
    for exchange in sorted(mentioned, key=lambda e: e.seq):
        if exchange.module == "sessions" and exchange.method in ("PUT", "PATCH"):
            if isinstance(exchange.request_json, dict) and len(exchange.resource) >= 3:
                facts.absorb(exchange.request_json, exchange.seq)
                facts.emsp = facts.emsp or exchange.destination
        elif exchange.module == "sessions" and exchange.method == "GET":
            for item in _items(exchange):
                if item.get("id") == session_id and _owner(item, exchange) == cpo:
                    facts.absorb(item, exchange.seq)
                    facts.emsp = facts.emsp or exchange.origin
        elif exchange.module == "cdrs" and isinstance(exchange.request_json, dict):
            cdrs.append(exchange.request_json)
    for cdr in cdrs:
        facts.absorb_cdr(cdr)
    return facts


def _near_start(exchange: Exchange, facts: SessionFacts) -> bool:
    return facts.start is not None and facts.start - AUTHORIZATION_WINDOW <= exchange.time <= facts.start + timedelta(
        seconds=1
    )


def _authorization(exchanges: Sequence[Exchange], facts: SessionFacts) -> list[Exchange]:
    """The real-time authorization that let the session start (none for whitelist or command starts)."""
    asks = [
        e
        for e in exchanges
        if e.module == "tokens" and e.method == "POST" and e.resource[-1:] == ("authorize",) and e.origin == facts.cpo
    ]
    if facts.authorization_reference:
        by_reference = [
            e for e in asks if dig(e.response_data, "authorization_reference") == facts.authorization_reference
        ]
        if by_reference:
            return by_reference
    uids = _token_uids(exchanges, facts)
    fitting = [
        e
        for e in asks
        if _near_start(e, facts)
        and (not uids or e.resource[0] in uids)
        and e.request_field("location_id") in (None, facts.location_id)
        and _names_evse(e.request_field("evse_uids"), facts.evse_uid)
    ]
    return _latest(fitting)


def _names_evse(evse_uids: Any, evse_uid: str | None) -> bool:
    return not isinstance(evse_uids, list) or not evse_uids or evse_uid is None or evse_uid in evse_uids


def _token_uids(exchanges: Sequence[Exchange], facts: SessionFacts) -> set[str]:
    """The uid(s) of the session's token: given on 2.2.1; on 2.1.1 looked up by ``auth_id``."""
    if facts.token_uid:
        return {facts.token_uid}
    if not facts.auth_id:
        return set()
    uids = set()
    for e in exchanges:
        if e.module in ("tokens", "commands") and e.method in ("PUT", "POST") and e.mentions(facts.auth_id):
            token = e.request_json if e.module == "tokens" else e.request_field("token")
            if isinstance(token, dict) and token.get("auth_id") == facts.auth_id and token.get("uid"):
                uids.add(str(token["uid"]))
    return uids


def _latest(candidates: list[Exchange]) -> list[Exchange]:
    """The most recent candidate (its hub hops are added later by correlation id)."""
    return [max(candidates, key=lambda e: e.seq)] if candidates else []


def _start_commands(exchanges: Sequence[Exchange], facts: SessionFacts) -> list[Exchange]:
    """The START_SESSION or RESERVE_NOW that created the session."""
    commands = [
        e
        for e in exchanges
        if e.module == "commands"
        and e.side == "receiver"
        and e.resource[:1] in (("START_SESSION",), ("RESERVE_NOW",))
        and e.destination == facts.cpo
    ]
    if facts.authorization_reference:
        found = [e for e in commands if e.request_field("authorization_reference") == facts.authorization_reference]
        if found:
            return found
    uids = _token_uids(exchanges, facts)
    fitting = [
        e
        for e in commands
        if e.resource[0] == "START_SESSION"
        and _near_start(e, facts)
        and e.request_field("location_id") == facts.location_id
        and e.request_field("evse_uid") in (None, facts.evse_uid)
        and (
            e.request_field("token", "uid") in uids
            or (facts.auth_id is not None and e.request_field("token", "auth_id") == facts.auth_id)
        )
    ]
    return _latest(fitting)


def _cancellations(exchanges: Sequence[Exchange], facts: SessionFacts, commands: list[Exchange]) -> list[Exchange]:
    """CANCEL_RESERVATION of a reservation that became this session."""
    reservations = {str(e.request_field("reservation_id")) for e in commands if e.resource[:1] == ("RESERVE_NOW",)}
    first = min((e.seq for e in commands), default=0)
    return [
        e
        for e in exchanges
        if reservations
        and e.seq > first
        and e.module == "commands"
        and e.resource[:1] == ("CANCEL_RESERVATION",)
        and e.destination == facts.cpo
        and str(e.request_field("reservation_id")) in reservations
    ]


def _cdr_211(exchanges: Sequence[Exchange], facts: SessionFacts) -> list[Exchange]:
    """The first 2.1.1 CDR after the session's last update: same eMSP, auth_id, location and start."""
    if not facts.auth_id:
        return []

    def fits(cdr: Any) -> bool:
        return (
            isinstance(cdr, dict)
            and cdr.get("auth_id") == facts.auth_id
            and dig(cdr, "location", "id") == facts.location_id
            and (facts.start is None or parse_time(cdr.get("start_date_time")) in (None, facts.start))
        )

    for e in exchanges:
        if e.seq <= facts.last_update_seq or e.module != "cdrs" or not e.mentions(facts.auth_id):
            continue
        if e.method == "POST" and e.origin == facts.cpo and e.destination == facts.emsp and fits(e.request_json):
            return [e]
        if e.method == "GET" and e.destination == facts.cpo and e.origin == facts.emsp and any(map(fits, _items(e))):
            return [e]
    return []


def _evse_statuses(exchanges: Sequence[Exchange], facts: SessionFacts) -> list[Exchange]:
    """Status pushes of the session's EVSE from its start to its end, and the first one after it.

    Times are the pushes' ``last_updated`` (when the status changed, however late the push), which
    2.1.1 writes in whole seconds: a push in the second the session ended counts as "after".
    """
    if facts.start is None or facts.location_id is None or facts.evse_uid is None:
        return []
    wanted = (*facts.cpo.split("-", 1), facts.location_id, facts.evse_uid)
    during, after = [], []
    for e in exchanges:
        if e.module != "locations" or e.method not in ("PUT", "PATCH") or e.side != "receiver":
            continue
        if e.resource != wanted or not isinstance(e.request_json, dict) or "status" not in e.request_json:
            continue
        moment = parse_time(e.request_json.get("last_updated")) or e.time
        if moment < facts.start:
            continue
        if facts.end is None or moment < facts.end:
            during.append(e)
        elif moment <= facts.end + RELEASE_WINDOW:
            after.append((moment, e))
    if after:
        first = min(moment for moment, _ in after)
        during.extend(e for moment, e in after if moment == first)
    return during


def _with_hops_and_callbacks(exchanges: Sequence[Exchange], core: set[Exchange]) -> list[Exchange]:
    """``core`` plus every exchange sharing a correlation id with it and every result at its response_urls."""
    by_correlation: dict[str, list[Exchange]] = defaultdict(list)
    by_url: dict[str, list[Exchange]] = defaultdict(list)
    for e in exchanges:
        if e.correlation_id:
            by_correlation[e.correlation_id].append(e)
        if e.method == "POST" and e.module in CALLBACK_MODULES and e.side == "sender":
            by_url[e.url.split("?", 1)[0]].append(e)
    chosen = set(core)
    pending = list(core)
    while pending:
        e = pending.pop()
        related = list(by_correlation.get(e.correlation_id or "", ()))
        if e.module in CALLBACK_MODULES and e.side == "receiver" and e.response_url:
            related.extend(by_url.get(e.response_url.split("?", 1)[0], ()))
        for other in related:
            if other not in chosen:
                chosen.add(other)
                pending.append(other)
    return sorted(chosen, key=lambda e: e.seq)
