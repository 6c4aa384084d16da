"""Validation of an exchange's bodies against the OCPI wire models, as ``roamsim ocpi validate`` does it.

``body_types`` says which object each body of a kind of exchange should hold (a PATCH of a session →
``SessionPatch``, the answer to a real-time authorization → ``AuthorizationInfo`` …); ``check_bodies``
validates both bodies with ``sim.ocpi.validation.validate_document`` against those types (or with its
type detection where the kind is unknown) and says in one line each what it found:
``Request body: valid OCPI 2.2.1 Session``.
"""

from __future__ import annotations

from typing import Any

from sim.events import MessageExchanged
from sim.ocpi.common import OCPIVersion
from sim.ocpi.validation import Verdict, model_classes, validate_document
from sim.ocpi.wirejson import loads
from sim.sequence_exchange import Exchange

PLAIN_DATA = ""
"""Response ``data`` is a plain value (an enum string), not an object: only the envelope is checked."""
MAX_ISSUES = 5
LOCATION_PARTS = ("Location", "EVSE", "Connector")
COMMAND_BODIES = {
    "START_SESSION": "StartSession",
    "STOP_SESSION": "StopSession",
    "RESERVE_NOW": "ReserveNow",
    "CANCEL_RESERVATION": "CancelReservation",
    "UNLOCK_CONNECTOR": "UnlockConnector",
}
OBJECT_OF = {"locations": "Location", "tariffs": "Tariff", "sessions": "Session", "cdrs": "CDR", "tokens": "Token"}
PATCHES = {"Location": "LocationPatch", "EVSE": "EVSEPatch", "Connector": "ConnectorPatch"}


def _location_part(ids: tuple[str, ...]) -> str:
    """Location, EVSE or Connector from the ids after the owner (1, 2 or 3 of them)."""
    return LOCATION_PARTS[min(max(len(ids), 1), 3) - 1]


def body_types(ex: Exchange, version: OCPIVersion) -> tuple[str | None, str | None]:
    """(request body type, response ``data`` type); None = detect, ``PLAIN_DATA`` = data is no object."""
    module, side, method, resource = ex.module, ex.side, ex.method, ex.resource
    if module == "versions":
        return None, "Version" if ex.path.rstrip("/").endswith("versions") else "VersionDetails"
    if module == "credentials":
        return ("Credentials" if method in ("POST", "PUT") else None), (None if method == "DELETE" else "Credentials")
    if module == "locations":
        if side == "sender":
            return None, _location_part(resource)
        kind = _location_part(resource[2:])
        if method == "PATCH":
            return PATCHES[kind], None
        return (kind, None) if method == "PUT" else (None, kind)
    if module == "tokens" and resource[-1:] == ("authorize",):
        return "LocationReferences", "AuthorizationInfo"
    if module == "sessions" and resource[-1:] == ("charging_preferences",):
        return "ChargingPreferences", PLAIN_DATA
    if module in OBJECT_OF:
        kind = OBJECT_OF[module]
        if side == "sender":
            return None, kind
        if method == "PATCH":
            return f"{kind}Patch", None
        return (kind, None) if method in ("PUT", "POST") else (None, kind)
    if module == "commands":
        if side == "receiver":
            return COMMAND_BODIES.get(resource[0] if resource else ""), "CommandResponse"
        return ("CommandResponse" if version is OCPIVersion.V2_1_1 else "CommandResult"), None
    if module == "chargingprofiles":
        if side == "receiver":
            return ("SetChargingProfile" if method == "PUT" else None), "ChargingProfileResponse"
        if method == "PUT":
            return "ActiveChargingProfile", None
        # A result: of a GET (it carries the profile), else of a PUT or DELETE (the same shape).
        has_profile = '"profile"' in (ex.request_body or "")
        return ("ActiveChargingProfileResult" if has_profile else "ChargingProfileResult"), None
    if module == "hubclientinfo":
        return ("ClientInfo" if method == "PUT" else None), ("ClientInfo" if method == "GET" else None)
    return None, None


def _known(type_name: str | None, version: OCPIVersion) -> str:
    names = {cls.__name__ for cls in model_classes(version)}
    return type_name if type_name in names else "auto"


def _summary(verdict: Verdict) -> str:
    issues = [f"{i.display_path()}: {i.message}" for i in verdict.errors]
    more = f"; … and {len(issues) - MAX_ISSUES} more" if len(issues) > MAX_ISSUES else ""
    named = f"OCPI {verdict.version.value} {verdict.type_name or 'object'}"
    if verdict.shape != "object":
        named += f" ({verdict.shape})"
    if not verdict.valid:
        return f"invalid {named}: {'; '.join(issues[:MAX_ISSUES])}{more}"
    text = f"valid {named}"
    warnings = verdict.warnings
    if warnings:
        listed = "; ".join(f"{w.display_path()}: {w.message}" for w in warnings[:MAX_ISSUES])
        text += f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''}: {listed})"
    return text


def _parse(body: str) -> tuple[Any, str | None]:
    try:
        return loads(body), None
    except ValueError as exc:
        return None, str(exc)


def _check_request(body: str | None, type_name: str | None, version: OCPIVersion) -> str:
    if not body:
        return "Request: no body."
    document, problem = _parse(body)
    if problem is not None:
        return f"Request body is not JSON: {problem}."
    verdict = validate_document(document, version=version, type_name=_known(type_name, version))
    return f"Request body: {_summary(verdict)}."


def _check_response(event: MessageExchanged, type_name: str | None, version: OCPIVersion) -> str:
    if event.response_status == 0:
        return "Response: none (the request was not answered)."
    if not event.response_body:
        return "Response: no body."
    document, problem = _parse(event.response_body)
    if problem is not None:
        return f"Response body is not JSON: {problem}."
    if type_name == PLAIN_DATA and isinstance(document, dict):
        data = document.pop("data", None)
        verdict = validate_document(document, version=version)
        suffix = f" with data {data!r}" if data is not None else ""
        return (
            f"Response: {'valid' if verdict.valid else 'invalid'} OCPI {version.value} response envelope{suffix}."
            + ("" if verdict.valid else " " + "; ".join(f"{i.display_path()}: {i.message}" for i in verdict.errors))
        )
    verdict = validate_document(document, version=version, type_name=_known(type_name, version))
    if verdict.shape == "response envelope without data":
        state = "valid" if verdict.valid else "invalid"
        issues = "" if verdict.valid else ": " + "; ".join(f"{i.display_path()}: {i.message}" for i in verdict.errors)
        return f"Response: {state} OCPI {version.value} response envelope (no data){issues}."
    return f"Response: {_summary(verdict)}."


def check_bodies(event: MessageExchanged) -> list[str]:
    """One line for the request body and one for the response, saying whether each is valid OCPI."""
    version = OCPIVersion(event.ocpi_version) if event.ocpi_version else OCPIVersion.V2_2_1
    ex = Exchange(event.to_record())
    request_type, response_type = body_types(ex, version)
    return [_check_request(event.request_body, request_type, version), _check_response(event, response_type, version)]


__all__ = ["body_types", "check_bodies"]
