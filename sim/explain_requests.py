"""The request half of ``sim.explain``: who asks whom, and what one OCPI request means in plain words.

``Parties`` names the requesting and the answering party with their roles (``the CPO NL-CPA``): the
scenario's roles where known, else the roles the module and the interface imply (SPEC-DIGEST §1.2).
``describe_request`` gives one sentence per kind of request of every module the simulator uses, and
the context that goes in parentheses after it (module, interface, what follows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from sim.sequence_exchange import Exchange, dig

ROLE_WORDS = {"CPO": "CPO", "EMSP": "eMSP", "HUB": "hub", "SCSP": "SCSP"}
CPO_OWNED = frozenset({"locations", "tariffs", "sessions", "cdrs"})
"""Modules whose data the CPO owns: its Sender is asked (GET), the other side's Receiver is pushed to."""
CPO_RECEIVES = frozenset({"tokens", "commands", "chargingprofiles"})
"""Modules whose Receiver interface is the CPO's."""
BROADCAST_MODULES = frozenset({"locations", "tariffs", "tokens"})
COMMAND_TYPES = frozenset({"START_SESSION", "STOP_SESSION", "RESERVE_NOW", "CANCEL_RESERVATION", "UNLOCK_CONNECTOR"})

# --- who is who ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parties:
    """The requesting and the answering party, and how to name each in a sentence."""

    origin: str
    destination: str
    origin_label: str
    destination_label: str


def _role_pair(module: str | None, side: str | None) -> tuple[str | None, str | None]:
    """(requester role, receiver role) from the module and the interface addressed (SPEC-DIGEST §1.2)."""
    if side is None or module is None:
        return None, None
    to_receiver = side == "receiver"
    if module in CPO_OWNED:
        return ("CPO", "EMSP") if to_receiver else ("EMSP", "CPO")
    if module in CPO_RECEIVES:
        other = None if module == "chargingprofiles" else "EMSP"  # smart charging may be an SCSP's
        return (other, "CPO") if to_receiver else ("CPO", other)
    if module == "hubclientinfo":
        return ("HUB", None) if to_receiver else (None, "HUB")
    return None, None


def label(party: str, roles: Mapping[str, str], guess: str | None) -> str:
    role = roles.get(party, guess)
    return f"the {ROLE_WORDS.get(role, role)} {party}" if role else party


def parties(ex: Exchange, roles: Mapping[str, str]) -> Parties:
    """Who requests and who answers: the ``OCPI-from``/``OCPI-to`` parties, else sender and receiver.

    A hub that passes on a broadcast push names itself as the requester; the object's owner (in the
    URL) is named too, since that is whose data it is.
    """
    origin_guess, destination_guess = _role_pair(ex.module, ex.side)
    origin, destination = ex.origin, ex.destination
    origin_label = label(origin, roles, origin_guess)
    if roles.get(origin) == "HUB" and ex.module in BROADCAST_MODULES and ex.side == "receiver":
        owner = "-".join(ex.resource[:2])
        if len(ex.resource) >= 2 and owner != origin:
            origin_label += f", passing on {owner}'s push,"
    return Parties(origin, destination, origin_label, label(destination, roles, destination_guess))


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- the request ---------------------------------------------------------------------------------


def _target(resource: tuple[str, ...], offset: int = 2) -> str:
    """``location L``, ``EVSE E of location L`` or ``connector C of EVSE E at location L``."""
    ids = resource[offset:]
    if len(ids) >= 3:
        return f"connector {ids[2]} of EVSE {ids[1]} at location {ids[0]}"
    if len(ids) == 2:
        return f"EVSE {ids[1]} of location {ids[0]}"
    return f"location {ids[0]}" if ids else "the locations"


def _fields(body: Any) -> str:
    names = [k for k in body if k != "last_updated"] if isinstance(body, dict) else []
    return ", ".join(names) or "nothing but last_updated"


def _pull(ex: Exchange, p: Parties, roles: Mapping[str, str], what: str) -> tuple[str, str]:
    query = parse_qs(ex.query)
    details = []
    if "date_from" in query:
        details.append(f"changed since {query['date_from'][0]}")
    if "offset" in query:
        details.append(f"from offset {query['offset'][0]}")
    if "limit" in query:
        details.append(f"at most {query['limit'][0]} per page")
    extra = f" {', '.join(details)}" if details else ""
    interface = "the Sender interface, paginated"
    if ex.resource:
        return f"{p.origin_label} fetches {what} {'/'.join(ex.resource)} from {p.destination_label}", interface
    if roles.get(p.destination) == "HUB":
        return (
            f"{p.origin_label} asks {p.destination_label} for the {what} of every party connected to it{extra}",
            f"GET all via the hub, {interface}",
        )
    return f"{p.origin_label} pulls the {what} of {p.destination_label}{extra}", interface


def _locations(ex: Exchange, p: Parties, body: Any) -> str:
    target = _target(ex.resource)
    if ex.method == "PUT":
        name = f' "{body["name"]}"' if isinstance(body, dict) and isinstance(body.get("name"), str) else ""
        evses = body.get("evses") if isinstance(body, dict) else None
        count = f" with {len(evses)} EVSE{'s' if len(evses) != 1 else ''}" if isinstance(evses, list) else ""
        return f"{p.origin_label} publishes {target}{name}{count} to {p.destination_label}"
    if ex.method == "PATCH":
        status = dig(body, "status")
        if isinstance(status, str) and len(ex.resource) == 4:
            return f"{p.origin_label} tells {p.destination_label} that {target} is now {status}"
        return f"{p.origin_label} updates {_fields(body)} of {target} at {p.destination_label}"
    return f"{p.origin_label} reads back the copy of {target} that {p.destination_label} holds"


SESSION_STATES = {
    "PENDING": "it is about to start (PENDING)",
    "ACTIVE": "it has started (ACTIVE)",
    "RESERVATION": "it is a reservation (RESERVATION)",
    "COMPLETED": "it has ended (COMPLETED)",
    "INVALID": "it is invalid (INVALID)",
}


def _session(ex: Exchange, p: Parties, body: Any) -> str:
    sid = ex.resource[2] if len(ex.resource) > 2 else "?"
    status = dig(body, "status")
    kwh = dig(body, "kwh")
    energy = f", {kwh} kWh" if kwh is not None else ""
    if ex.method == "PUT":
        token = dig(body, "cdr_token", "uid")
        where = dig(body, "location_id") or dig(body, "location", "id")
        evse = dig(body, "evse_uid")
        at = f" for token {token}" if token else ""
        at += f" for auth_id {dig(body, 'auth_id')}" if not token and dig(body, "auth_id") else ""  # 2.1.1
        at += f" at location {where}" if where else ""
        at += f", EVSE {evse}" if evse else ""
        state = SESSION_STATES.get(str(status), f"status {status}")
        return f"{p.origin_label} tells {p.destination_label} about session {sid}{at}: {state}{energy}"
    if ex.method == "PATCH":
        if status in ("COMPLETED", "INVALID"):
            return (
                f"{p.origin_label} tells {p.destination_label} that session {sid} {SESSION_STATES[status][3:]}{energy}"
            )
        if kwh is not None:
            cost = dig(body, "total_cost", "excl_vat") or dig(body, "total_cost")
            running = f", running cost {cost} excl. VAT" if cost is not None else ""
            update = f"a progress update of session {sid}: {kwh} kWh so far{running}"
            return f"{p.origin_label} sends {p.destination_label} {update}"
        return f"{p.origin_label} updates {_fields(body)} of session {sid} at {p.destination_label}"
    return f"{p.origin_label} reads back the copy of session {sid} that {p.destination_label} holds"


def _preferences(ex: Exchange, p: Parties, body: Any) -> str:
    sid = ex.resource[0] if ex.resource else "?"
    details = [f"profile {dig(body, 'profile_type')}"]
    if dig(body, "departure_time"):
        details.append(f"departure {dig(body, 'departure_time')}")
    if dig(body, "energy_need") is not None:
        details.append(f"{dig(body, 'energy_need')} kWh needed")
    return (
        f"{p.origin_label} passes the driver's charging preferences for session {sid} to "
        f"{p.destination_label}: {', '.join(details)}"
    )


def _cdr(ex: Exchange, p: Parties, body: Any) -> str:
    if ex.method != "POST":
        return f"{p.origin_label} checks that {p.destination_label} holds CDR {'/'.join(ex.resource[2:])}"
    cost = dig(body, "total_cost")
    currency = dig(body, "currency") or ""
    if isinstance(cost, dict):
        money = f"{cost.get('excl_vat')} {currency} excl. VAT"
        money += f" ({cost['incl_vat']} incl. VAT)" if cost.get("incl_vat") is not None else ""
    else:
        money = f"{cost} {currency}"
    session = f" of session {dig(body, 'session_id')}" if dig(body, "session_id") else ""  # not in 2.1.1
    return (
        f"{p.origin_label} sends {p.destination_label} the charge detail record {dig(body, 'id')}{session}: "
        f"{dig(body, 'total_energy')} kWh, total cost {money}"
    )


def _token(ex: Exchange, p: Parties, body: Any) -> str:
    uid = ex.resource[2] if len(ex.resource) > 2 else "?"
    if ex.method == "PUT":
        valid = "valid" if dig(body, "valid") else "not valid"
        details = ", ".join(str(x) for x in (dig(body, "type"), valid, dig(body, "whitelist")) if x)
        return (
            f"{p.origin_label} publishes token {uid} ({details}) to {p.destination_label}, "
            "so that its chargers recognise the driver"
        )
    if ex.method == "PATCH":
        if dig(body, "valid") is False:
            return f"{p.origin_label} tells {p.destination_label} that token {uid} is no longer valid"
        return f"{p.origin_label} updates {_fields(body)} of token {uid} at {p.destination_label}"
    return f"{p.origin_label} reads back the copy of token {uid} that {p.destination_label} holds"


def _authorize(ex: Exchange, p: Parties, body: Any) -> str:
    uid = ex.resource[0] if ex.resource else "?"
    kind = parse_qs(ex.query).get("type", ["RFID"])[0]
    where = ""
    if dig(body, "location_id"):
        where = f" at location {dig(body, 'location_id')}"
        evses = dig(body, "evse_uids")
        if isinstance(evses, list) and evses:
            where += f", EVSE {', '.join(str(e) for e in evses)}"
    return f"{p.origin_label} asks {p.destination_label} whether token {uid} ({kind}) may charge{where}"


def _command(ex: Exchange, p: Parties, body: Any) -> str:
    kind = ex.resource[0] if ex.resource else "?"
    token = dig(body, "token", "uid")
    where = f"location {dig(body, 'location_id')}" + (
        f", EVSE {dig(body, 'evse_uid')}" if dig(body, "evse_uid") else ""
    )
    asks = f"{p.origin_label} asks {p.destination_label} to"
    match kind:
        case "START_SESSION":
            return f"{asks} start charging at {where} for token {token}"
        case "STOP_SESSION":
            return f"{asks} stop session {dig(body, 'session_id')}"
        case "RESERVE_NOW":
            return (
                f"{asks} reserve {where} for token {token} until {dig(body, 'expiry_date')} "
                f"(reservation {dig(body, 'reservation_id')})"
            )
        case "CANCEL_RESERVATION":
            return f"{asks} cancel reservation {dig(body, 'reservation_id')}"
        case "UNLOCK_CONNECTOR":
            return f"{asks} unlock connector {dig(body, 'connector_id')} at {where}"
    return f"{asks} carry out the command {kind}"


def _profile_limit(profile: Any) -> str:
    periods = dig(profile, "charging_profile_period")
    unit = dig(profile, "charging_rate_unit") or ""
    if isinstance(periods, list) and periods:
        return f"{dig(periods[0], 'limit')} {unit}"
    return "no limit"


def _charging_profile(ex: Exchange, p: Parties, body: Any) -> tuple[str, str]:
    sid = ex.resource[0] if ex.resource else "?"
    ctx = (
        "ChargingProfiles module (smart charging, 2.2.1), the CPO's Receiver interface; "
        "the result follows on the response_url"
    )
    if ex.side == "receiver":
        if ex.method == "PUT":
            limit = _profile_limit(dig(body, "charging_profile"))
            return (
                f"{p.origin_label} sets a charging profile on session {sid} at {p.destination_label}: limit {limit}",
                ctx,
            )
        if ex.method == "GET":
            seconds = parse_qs(ex.query).get("duration", ["?"])[0]
            return (
                f"{p.origin_label} asks {p.destination_label} for the charging profile of session {sid} "
                f"over the next {seconds} s",
                ctx,
            )
        return f"{p.origin_label} asks {p.destination_label} to clear the charging profile of session {sid}", ctx
    if ex.method == "PUT":
        limit = _profile_limit(dig(body, "charging_profile"))
        return (
            f"{p.origin_label} tells {p.destination_label} the charging profile now in force on session {sid}: "
            f"limit {limit}",
            "ChargingProfiles module, the ActiveChargingProfile pushed to the setter's Sender interface",
        )
    return (
        f"{p.origin_label} reports to {p.destination_label} the result of a charging-profile request: "
        f"{dig(body, 'result')}",
        "ChargingProfiles module, the asynchronous result POSTed to the response_url",
    )


def describe_request(ex: Exchange, p: Parties, roles: Mapping[str, str]) -> tuple[str, str]:
    body = ex.request_json
    module, side, method = ex.module, ex.side, ex.method
    o, d = p.origin_label, p.destination_label
    if module == "versions":
        if ex.path.rstrip("/").endswith("versions"):
            return f"{o} asks {d} which OCPI versions it supports", "Versions module, the first call of a registration"
        version = ex.path.rstrip("/").rsplit("/", 1)[-1]
        return f"{o} asks {d} for the endpoints of its OCPI {version} interface", "Versions module, version details"
    if module == "credentials":
        ctx = "Credentials module, registration handshake"
        if method == "POST":
            return f"{o} registers with {d}: it hands over the token {p.destination} must use to call it", ctx
        if method == "PUT":
            return f"{o} updates its registration at {d} (new token, versions URL or OCPI version)", ctx
        if method == "DELETE":
            return f"{o} unregisters from {d}: the connection ends and the tokens stop working", ctx
        return f"{o} reads the credentials {d} holds for it", ctx
    pushed = f"{p.destination}'s Receiver interface"
    if module in CPO_OWNED | {"tokens"} and side == "sender" and method == "GET":
        what, ctx = _pull(ex, p, roles, module)
        return what, f"{cap(module)} module, {ctx}"
    if module == "locations":
        return _locations(
            ex, p, body
        ), f"Locations module, {'a partial update on ' if method == 'PATCH' else ''}{pushed}"
    if module == "tariffs":
        tariff = ex.resource[2] if len(ex.resource) > 2 else "?"
        ctx = f"Tariffs module, {pushed}"
        if method == "DELETE":
            return f"{o} withdraws tariff {tariff} at {d}: it is no longer used", ctx
        if method == "PATCH":
            return f"{o} updates {_fields(body)} of tariff {tariff} at {d}", ctx
        return f"{o} publishes tariff {tariff} to {d}: what it charges on connectors that name it", ctx
    if module == "sessions":
        if ex.resource[-1:] == ("charging_preferences",):
            return _preferences(ex, p, body), "Sessions module, Charging Preferences on the CPO's Sender interface"
        return _session(ex, p, body), f"Sessions module, {'a partial update on ' if method == 'PATCH' else ''}{pushed}"
    if module == "cdrs":
        return _cdr(ex, p, body), f"CDRs module, the final bill of a session on {pushed}"
    if module == "tokens":
        if ex.resource[-1:] == ("authorize",):
            return _authorize(ex, p, body), "real-time authorization; Tokens module, the eMSP's Sender interface"
        return _token(ex, p, body), f"Tokens module, {pushed}"
    if module == "commands":
        if side == "receiver":
            return _command(ex, p, body), (
                "Commands module, the CPO's Receiver interface; the CPO answers at once whether it will try, "
                "the charger's result follows, POSTed to the response_url"
            )
        kind = f"the {ex.resource[0]}" if ex.resource and ex.resource[0] != "relay" else "a"
        return (
            f"{o} reports to {d} the charger's result of {kind} command: {dig(body, 'result')}",
            "Commands module, the asynchronous result POSTed to the response_url",
        )
    if module == "chargingprofiles":
        return _charging_profile(ex, p, body)
    if module == "hubclientinfo":
        ctx = "HubClientInfo module (2.2.1): the hub tells its parties who is connected"
        if method == "PUT":
            party = "-".join(ex.resource[:2])
            role = ROLE_WORDS.get(str(dig(body, "role")), dig(body, "role"))
            return f"{o} tells {d} that the {role} {party} is {dig(body, 'status')}", ctx
        return f"{o} asks {d} which parties are connected to it", ctx
    return f"{o} sends {method} {ex.path} to {d}", f"{module or 'unknown'} module"


__all__ = ["Parties", "cap", "describe_request", "label", "parties"]
