"""OCPI status codes and the errors a party raises to answer with one.

Every OCPI response carries a four-digit ``status_code`` in its envelope next to the HTTP status.
``OCPIStatus`` lists all codes of 2.1.1 and 2.2.1; ``OCPIError`` and its subclasses carry both the
OCPI code and the HTTP status to answer with, so a handler just raises and the router writes the
envelope.

HTTP statuses follow the 2.2.1 rule (errata wording): a request that is valid JSON, authenticated
and aimed at an existing resource has reached the OCPI layer and gets HTTP 200 with the problem in
``status_code``.  HTTP error statuses are kept for what happens before that layer: 400 for a body
that is not JSON, 401 for a missing or unknown credentials token, 404 for a GET of something that
does not exist (and the 2.2.1 exceptions: real-time authorization of an unknown token), 405 for a
method the endpoint does not have or a credentials call out of turn.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class OCPIStatus(IntEnum):
    """Every OCPI status code defined by 2.1.1 and 2.2.1."""

    SUCCESS = 1000
    CLIENT_ERROR = 2000
    INVALID_OR_MISSING_PARAMETERS = 2001
    NOT_ENOUGH_INFORMATION = 2002
    UNKNOWN_LOCATION = 2003
    UNKNOWN_TOKEN = 2004  # 2.2.1
    SERVER_ERROR = 3000
    UNABLE_TO_USE_CLIENT_API = 3001
    UNSUPPORTED_VERSION = 3002
    NO_MATCHING_ENDPOINTS = 3003
    HUB_ERROR = 4000  # 4xxx: 2.2.1
    UNKNOWN_RECEIVER = 4001
    TIMEOUT_ON_FORWARDED_REQUEST = 4002
    CONNECTION_PROBLEM = 4003

    @property
    def description(self) -> str:
        """A short explanation for people reading a trace."""
        return _DESCRIPTIONS[self]

    @property
    def since_2_2_1(self) -> bool:
        """True for codes 2.1.1 does not know (2004 and the hub codes)."""
        return self is OCPIStatus.UNKNOWN_TOKEN or self >= OCPIStatus.HUB_ERROR


_DESCRIPTIONS = {
    OCPIStatus.SUCCESS: "Success",
    OCPIStatus.CLIENT_ERROR: "Generic client error",
    OCPIStatus.INVALID_OR_MISSING_PARAMETERS: "Invalid or missing parameters",
    OCPIStatus.NOT_ENOUGH_INFORMATION: "Not enough information",
    OCPIStatus.UNKNOWN_LOCATION: "Unknown Location",
    OCPIStatus.UNKNOWN_TOKEN: "Unknown Token",
    OCPIStatus.SERVER_ERROR: "Generic server error",
    OCPIStatus.UNABLE_TO_USE_CLIENT_API: "Unable to use the client's API",
    OCPIStatus.UNSUPPORTED_VERSION: "Unsupported version",
    OCPIStatus.NO_MATCHING_ENDPOINTS: "No matching endpoints or expected endpoints missing between parties",
    OCPIStatus.HUB_ERROR: "Generic hub error",
    OCPIStatus.UNKNOWN_RECEIVER: "Unknown receiver",
    OCPIStatus.TIMEOUT_ON_FORWARDED_REQUEST: "Timeout on forwarded request",
    OCPIStatus.CONNECTION_PROBLEM: "Connection problem: receiving party is not connected",
}


def status_class(code: int) -> str:
    """The family of any status code, custom ranges (x900–x999) included."""
    if 1000 <= code <= 1999:
        return "success"
    if 2000 <= code <= 2999:
        return "client error"
    if 3000 <= code <= 3999:
        return "server error"
    if 4000 <= code <= 4999:
        return "hub error"
    return "invalid"


def is_success(code: int) -> bool:
    """True for 1000–1999 (1900–1999 are custom success codes in 2.2.1)."""
    return 1000 <= code <= 1999


class OCPIError(Exception):
    """A failure to be answered with an OCPI envelope: OCPI ``status`` plus the HTTP status."""

    status: ClassVar[OCPIStatus] = OCPIStatus.SERVER_ERROR
    http_status: ClassVar[int] = 200

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.status.description
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{int(self.status)} {self.message}"


# --- 2xxx: the client sent something wrong ----------------------------------------------------------


class OCPIClientError(OCPIError):
    """2000 generic client error."""

    status = OCPIStatus.CLIENT_ERROR


class InvalidOrMissingParameters(OCPIClientError):
    """2001: e.g. a PATCH without ``last_updated``, or an id in the URL that differs from the body."""

    status = OCPIStatus.INVALID_OR_MISSING_PARAMETERS


class NotEnoughInformation(OCPIClientError):
    """2002: e.g. real-time authorization without the location the eMSP needs."""

    status = OCPIStatus.NOT_ENOUGH_INFORMATION


class UnknownLocation(OCPIClientError):
    """2003: a command or request names a location the server does not know."""

    status = OCPIStatus.UNKNOWN_LOCATION


class UnknownToken(OCPIClientError):
    """2004 (2.2.1): real-time authorization of a token the eMSP does not know; HTTP 404."""

    status = OCPIStatus.UNKNOWN_TOKEN
    http_status = 404


# --- HTTP-level failures (the request never reached the OCPI layer) --------------------------------


class InvalidJSON(OCPIClientError):
    """The body is not JSON (HTTP 400)."""

    http_status = 400


class Unauthorized(OCPIClientError):
    """Missing or unknown credentials token, or token A outside versions/credentials (HTTP 401)."""

    http_status = 401


class NotFound(OCPIClientError):
    """The addressed object or route does not exist (HTTP 404)."""

    http_status = 404


class MethodNotAllowed(OCPIClientError):
    """The endpoint has no such method, or a credentials call out of turn (HTTP 405)."""

    http_status = 405


# --- 3xxx: the server could not do it --------------------------------------------------------------


class OCPIServerError(OCPIError):
    """3000 generic server error."""

    status = OCPIStatus.SERVER_ERROR


class UnableToUseClientAPI(OCPIServerError):
    """3001: during registration the server could not GET the client's versions or details."""

    status = OCPIStatus.UNABLE_TO_USE_CLIENT_API


class UnsupportedVersion(OCPIServerError):
    """3002: the version asked for is not supported."""

    status = OCPIStatus.UNSUPPORTED_VERSION


class NoMatchingEndpoints(OCPIServerError):
    """3003: the parties have no modules in common, or expected ones are missing."""

    status = OCPIStatus.NO_MATCHING_ENDPOINTS


# --- 4xxx: the hub could not route it (2.2.1) ------------------------------------------------------


class OCPIHubError(OCPIError):
    """4000 generic hub error."""

    status = OCPIStatus.HUB_ERROR


class UnknownReceiver(OCPIHubError):
    """4001: the hub does not know the party named in ``OCPI-to-*``."""

    status = OCPIStatus.UNKNOWN_RECEIVER


class ForwardTimeout(OCPIHubError):
    """4002: the receiving party did not answer the forwarded request in time."""

    status = OCPIStatus.TIMEOUT_ON_FORWARDED_REQUEST


class ConnectionProblem(OCPIHubError):
    """4003: the receiving party is known but not connected."""

    status = OCPIStatus.CONNECTION_PROBLEM


ERROR_FOR_STATUS: dict[OCPIStatus, type[OCPIError]] = {
    OCPIStatus.CLIENT_ERROR: OCPIClientError,
    OCPIStatus.INVALID_OR_MISSING_PARAMETERS: InvalidOrMissingParameters,
    OCPIStatus.NOT_ENOUGH_INFORMATION: NotEnoughInformation,
    OCPIStatus.UNKNOWN_LOCATION: UnknownLocation,
    OCPIStatus.UNKNOWN_TOKEN: UnknownToken,
    OCPIStatus.SERVER_ERROR: OCPIServerError,
    OCPIStatus.UNABLE_TO_USE_CLIENT_API: UnableToUseClientAPI,
    OCPIStatus.UNSUPPORTED_VERSION: UnsupportedVersion,
    OCPIStatus.NO_MATCHING_ENDPOINTS: NoMatchingEndpoints,
    OCPIStatus.HUB_ERROR: OCPIHubError,
    OCPIStatus.UNKNOWN_RECEIVER: UnknownReceiver,
    OCPIStatus.TIMEOUT_ON_FORWARDED_REQUEST: ForwardTimeout,
    OCPIStatus.CONNECTION_PROBLEM: ConnectionProblem,
}
"""The error class a party raises for each non-success code (and so the HTTP status it answers with)."""
