"""Conversion of Tokens, real-time authorization and Commands between OCPI 2.2.1 and OCPI 2.1.1.

Companion of ``sim.ocpi.v211.convert`` (same naming, same ``ConversionError``).  Lossy mappings
(2.2.1 → 2.1.1 unless marked "in"):

* Token: ``contract_id`` ↔ ``auth_id``; type APP_USER/AD_HOC_USER → OTHER ("in" OTHER stays OTHER);
  ``group_id``, ``default_profile_type``, ``energy_contract`` and the owner fields are dropped ("in" the
  owner comes from the ``country_code``/``party_id`` arguments).  Token PATCHes likewise; "in" a missing
  ``last_updated`` is filled with ``received_at``.
* AuthorizationInfo: ``token`` and ``authorization_reference`` dropped; "in" ``token`` is the argument
  (2.2.1 requires it).  LocationReferences: "in" 2.1.1 ``connector_ids`` are dropped.
* StartSession: ``connector_id`` and ``authorization_reference`` dropped.  ReserveNow:
  ``authorization_reference`` dropped; ``reservation_id`` must be a decimal-digit string and becomes an
  int (leading zeros are lost), anything else raises; "in" the int becomes its decimal string.  The
  command token is converted as above; "in" its owner is the commanding eMSP (arguments).
* CommandResponse: ``timeout`` and ``message`` dropped; "in" ``timeout`` = ``default_timeout`` and a
  2.1.1 TIMEOUT (no 2.2.1 response value) → REJECTED.
* CommandResult (2.2.1's asynchronous answer) ↔ 2.1.1 CommandResponse: ACCEPTED, NOT_SUPPORTED, TIMEOUT
  map 1:1; REJECTED, EVSE_OCCUPIED, EVSE_INOPERATIVE, FAILED, UNKNOWN_RESERVATION, CANCELED_RESERVATION →
  REJECTED; ``message`` dropped.  "in" UNKNOWN_SESSION → REJECTED.
* CANCEL_RESERVATION does not exist in 2.1.1: there is no conversion for CancelReservation.
"""

from __future__ import annotations

import re
from datetime import datetime

from sim.ocpi.v211 import commands as cmd211
from sim.ocpi.v211 import tokens as tok211
from sim.ocpi.v211.convert import ConversionError, Data, _build, _drop, _map, _plain, _rename, _stamp
from sim.ocpi.v221 import commands as cmd221
from sim.ocpi.v221 import tokens as tok221

_TOKEN_ONLY_221 = ("country_code", "party_id", "group_id", "default_profile_type", "energy_contract")
_TOKEN_TYPES_211 = {member.value for member in tok211.TokenType}


def _token_to_211(token: Data) -> Data:
    out = _rename(_drop(token, *_TOKEN_ONLY_221), {"contract_id": "auth_id"})
    return _map(out, type=lambda kind: kind if kind in _TOKEN_TYPES_211 else "OTHER")


def _token_from_211(token: Data, country_code: str, party_id: str) -> Data:
    return {"country_code": country_code, "party_id": party_id, **_rename(token, {"auth_id": "contract_id"})}


def token_to_211(token: tok221.Token) -> tok211.Token:
    """The 2.1.1 form of a Token (``contract_id`` becomes ``auth_id``; app tokens become OTHER)."""
    return _build(tok211.Token, _token_to_211(_plain(token)))


def token_from_211(token: tok211.Token, *, country_code: str, party_id: str) -> tok221.Token:
    """The 2.2.1 form of a received Token, owned by the eMSP ``country_code``/``party_id``."""
    return _build(tok221.Token, _token_from_211(_plain(token), country_code, party_id))


def token_patch_to_211(patch: tok221.TokenPatch) -> tok211.TokenPatch:
    """The 2.1.1 form of a Token PATCH body."""
    return _build(tok211.TokenPatch, _token_to_211(_plain(patch)))


def token_patch_from_211(patch: tok211.TokenPatch, *, received_at: datetime) -> tok221.TokenPatch:
    """The 2.2.1 form of a received Token PATCH body; ``last_updated`` defaults to ``received_at``."""
    return _build(tok221.TokenPatch, _stamp(_rename(_plain(patch), {"auth_id": "contract_id"}), received_at))


# --- real-time authorization ------------------------------------------------------------------------


def location_references_to_211(refs: tok221.LocationReferences) -> tok211.LocationReferences:
    """The 2.1.1 form of LocationReferences."""
    return _build(tok211.LocationReferences, _plain(refs))


def location_references_from_211(refs: tok211.LocationReferences) -> tok221.LocationReferences:
    """The 2.2.1 form of received LocationReferences (2.1.1 ``connector_ids`` are dropped)."""
    return _build(tok221.LocationReferences, _drop(_plain(refs), "connector_ids"))


def authorization_info_to_211(info: tok221.AuthorizationInfo) -> tok211.AuthorizationInfo:
    """The 2.1.1 form of an AuthorizationInfo (``token`` and ``authorization_reference`` dropped)."""
    return _build(tok211.AuthorizationInfo, _drop(_plain(info), "token", "authorization_reference"))


def authorization_info_from_211(info: tok211.AuthorizationInfo, *, token: tok221.Token) -> tok221.AuthorizationInfo:
    """The 2.2.1 form of a received AuthorizationInfo, carrying ``token`` (the token that was asked about)."""
    data = _map(_plain(info), location=lambda refs: _drop(refs, "connector_ids"))
    return _build(tok221.AuthorizationInfo, {**data, "token": _plain(token)})


# --- commands ---------------------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


def start_session_to_211(command: cmd221.StartSession) -> cmd211.StartSession:
    """The 2.1.1 form of a StartSession (``connector_id`` and ``authorization_reference`` dropped)."""
    data = _drop(_plain(command), "connector_id", "authorization_reference")
    return _build(cmd211.StartSession, {**data, "token": _token_to_211(data["token"])})


def start_session_from_211(command: cmd211.StartSession, *, country_code: str, party_id: str) -> cmd221.StartSession:
    """The 2.2.1 form of a received StartSession; its token belongs to the eMSP ``country_code``/``party_id``."""
    data = _plain(command)
    return _build(cmd221.StartSession, {**data, "token": _token_from_211(data["token"], country_code, party_id)})


def reservation_id_to_211(reservation_id: str) -> int:
    """The 2.1.1 int form of a 2.2.1 reservation id; only decimal-digit strings convert."""
    if not _DIGITS.fullmatch(reservation_id):
        raise ConversionError(
            f"reservation_id {reservation_id!r} cannot be sent over OCPI 2.1.1: 2.1.1 reservation ids are "
            "integers, so only ids made of the digits 0-9 convert"
        )
    return int(reservation_id)


def reserve_now_to_211(command: cmd221.ReserveNow) -> cmd211.ReserveNow:
    """The 2.1.1 form of a ReserveNow (raises ConversionError for a non-numeric ``reservation_id``)."""
    data = _drop(_plain(command), "authorization_reference")
    data |= {"token": _token_to_211(data["token"]), "reservation_id": reservation_id_to_211(command.reservation_id)}
    return _build(cmd211.ReserveNow, data)


def reserve_now_from_211(command: cmd211.ReserveNow, *, country_code: str, party_id: str) -> cmd221.ReserveNow:
    """The 2.2.1 form of a received ReserveNow; its token belongs to the eMSP ``country_code``/``party_id``."""
    data = _plain(command)
    data |= {
        "token": _token_from_211(data["token"], country_code, party_id),
        "reservation_id": str(command.reservation_id),
    }
    return _build(cmd221.ReserveNow, data)


def stop_session_to_211(command: cmd221.StopSession) -> cmd211.StopSession:
    """The 2.1.1 form of a StopSession (same fields)."""
    return _build(cmd211.StopSession, _plain(command))


def stop_session_from_211(command: cmd211.StopSession) -> cmd221.StopSession:
    """The 2.2.1 form of a received StopSession (same fields)."""
    return _build(cmd221.StopSession, _plain(command))


def unlock_connector_to_211(command: cmd221.UnlockConnector) -> cmd211.UnlockConnector:
    """The 2.1.1 form of an UnlockConnector (same fields)."""
    return _build(cmd211.UnlockConnector, _plain(command))


def unlock_connector_from_211(command: cmd211.UnlockConnector) -> cmd221.UnlockConnector:
    """The 2.2.1 form of a received UnlockConnector (same fields)."""
    return _build(cmd221.UnlockConnector, _plain(command))


_RESULT_TO_211 = {
    cmd221.CommandResultType.ACCEPTED: cmd211.CommandResponseType.ACCEPTED,
    cmd221.CommandResultType.NOT_SUPPORTED: cmd211.CommandResponseType.NOT_SUPPORTED,
    cmd221.CommandResultType.TIMEOUT: cmd211.CommandResponseType.TIMEOUT,
}
_RESULT_FROM_211 = {
    cmd211.CommandResponseType.ACCEPTED: cmd221.CommandResultType.ACCEPTED,
    cmd211.CommandResponseType.NOT_SUPPORTED: cmd221.CommandResultType.NOT_SUPPORTED,
    cmd211.CommandResponseType.TIMEOUT: cmd221.CommandResultType.TIMEOUT,
}


def command_response_to_211(response: cmd221.CommandResponse) -> cmd211.CommandResponse:
    """The 2.1.1 form of the synchronous CommandResponse (``timeout`` and ``message`` dropped)."""
    return cmd211.CommandResponse(result=cmd211.CommandResponseType(response.result.value))


def command_response_from_211(response: cmd211.CommandResponse, *, default_timeout: int) -> cmd221.CommandResponse:
    """The 2.2.1 form of a received synchronous CommandResponse; ``timeout`` is ``default_timeout``.

    A 2.1.1 TIMEOUT, which 2.2.1 only knows as a CommandResult, becomes REJECTED.
    """
    timed_out = response.result is cmd211.CommandResponseType.TIMEOUT
    result = cmd221.CommandResponseType.REJECTED if timed_out else cmd221.CommandResponseType(response.result.value)
    return cmd221.CommandResponse(result=result, timeout=default_timeout)


def command_result_to_211(result: cmd221.CommandResult) -> cmd211.CommandResponse:
    """The 2.1.1 asynchronous answer (a CommandResponse) for a 2.2.1 CommandResult."""
    return cmd211.CommandResponse(result=_RESULT_TO_211.get(result.result, cmd211.CommandResponseType.REJECTED))


def command_result_from_211(response: cmd211.CommandResponse) -> cmd221.CommandResult:
    """The 2.2.1 CommandResult for a 2.1.1 asynchronous CommandResponse (UNKNOWN_SESSION → REJECTED)."""
    return cmd221.CommandResult(result=_RESULT_FROM_211.get(response.result, cmd221.CommandResultType.REJECTED))


__all__ = [
    "authorization_info_from_211",
    "authorization_info_to_211",
    "command_response_from_211",
    "command_response_to_211",
    "command_result_from_211",
    "command_result_to_211",
    "location_references_from_211",
    "location_references_to_211",
    "reservation_id_to_211",
    "reserve_now_from_211",
    "reserve_now_to_211",
    "start_session_from_211",
    "start_session_to_211",
    "stop_session_from_211",
    "stop_session_to_211",
    "token_from_211",
    "token_patch_from_211",
    "token_patch_to_211",
    "token_to_211",
    "unlock_connector_from_211",
    "unlock_connector_to_211",
]
