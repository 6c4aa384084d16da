"""The OCPI response envelope: ``{data, status_code, status_message, timestamp}``.

Every OCPI response body, in both versions, is this envelope.  ``OCPIResponse[T]`` reads one (``T``
is the model of ``data``: an object, a list of objects, or nothing); ``envelope()`` writes one with
the timestamp taken from the caller — in the simulation that is the simulated clock, never the wall
clock.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from sim.ocpi.common import DateTime221, Int, OCPIModel, OCPIVersion, format_datetime
from sim.ocpi.status import OCPIError, OCPIStatus
from sim.ocpi.wirejson import dumps

DataT = TypeVar("DataT")


class OCPIResponse(BaseModel, Generic[DataT]):
    """A parsed response envelope; ``data`` is validated as ``DataT``.

    The timestamp is read leniently (2.2.1 rules, which accept every 2.1.1 shape too).
    """

    model_config = ConfigDict(extra="ignore")

    data: DataT | None = None
    status_code: Annotated[Int, Field(ge=1000, le=4999)]
    status_message: str | None = None
    timestamp: DateTime221

    @property
    def succeeded(self) -> bool:
        """True for status codes 1000–1999."""
        return 1000 <= self.status_code <= 1999


def wire_data(data: Any) -> Any:
    """Turn models (or lists of them) into wire dicts; leave plain JSON values as they are."""
    if isinstance(data, OCPIModel):
        return data.to_wire()
    if isinstance(data, (list, tuple)):
        return [wire_data(item) for item in data]
    return data


def wire_json(data: Any) -> str:
    """``dumps(wire_data(data))``, with models written by pydantic-core (``OCPIModel.to_json``).

    A list is written item by item: ``dumps`` separates items with a bare comma, so the text is the same."""
    if isinstance(data, OCPIModel):
        return data.to_json()
    if isinstance(data, (list, tuple)):
        return "[" + ",".join([wire_json(item) for item in data]) + "]"
    return dumps(data)


_INTEGRAL_NEGATIVE_ZERO = re.compile(r"[:,\[]-0[,\]}]")
"""The number ``-0`` (a Decimal ``-0`` written by ``dumps``), which ``loads`` reads as the integer 0.
Also found inside strings that happen to hold such text: that only costs a re-serialisation."""


def relayable(data: Any, text: str) -> bool:
    """Whether ``text`` (``wire_json(data)``) is certain to be what ``dumps(loads(text))`` gives back,
    so that a party passing the body on (a hub) may send these very bytes instead of writing it again.

    ``data`` must be a model or a list of models: their JSON holds only strings, integers, booleans and
    Decimals written by ``format(d, "f")``, which ``loads`` reads back as the same text — except ``-0``,
    read as the integer 0.  Other documents (plain dicts with float or non-string keys) are not vouched for.
    """
    if isinstance(data, OCPIModel) or (
        isinstance(data, (list, tuple)) and all(isinstance(item, OCPIModel) for item in data)
    ):
        return _INTEGRAL_NEGATIVE_ZERO.search(text) is None
    return False


def envelope_json(
    data: Any,
    *,
    timestamp: datetime,
    version: OCPIVersion,
    status: int = OCPIStatus.SUCCESS,
    message: str | None = None,
    include_data: bool = True,
) -> str:
    """``dumps(envelope(...))`` with the same arguments: ``data`` written by ``wire_json`` and spliced in
    as the first member, the rest by ``dumps`` (compact, so the texts join with a bare comma)."""
    rest = envelope(None, timestamp=timestamp, version=version, status=status, message=message)
    if not include_data or data is None:
        return dumps(rest)
    return '{"data":' + wire_json(data) + "," + dumps(rest)[1:]


def envelope(
    data: Any,
    *,
    timestamp: datetime,
    version: OCPIVersion,
    status: int = OCPIStatus.SUCCESS,
    message: str | None = None,
    include_data: bool = True,
) -> dict[str, Any]:
    """Build the envelope dict for a response.

    ``include_data=False`` leaves ``data`` out, as 2.2.1 advises where the spec does not say what a
    response holds (e.g. the answer to a Session PUT) and as ChargingProfiles callbacks require.
    """
    body: dict[str, Any] = {}
    if include_data and data is not None:
        body["data"] = wire_data(data)
    body["status_code"] = int(status)
    if message is not None:
        body["status_message"] = message
    body["timestamp"] = format_datetime(timestamp, version)
    return body


def error_envelope(error: OCPIError, *, timestamp: datetime, version: OCPIVersion) -> dict[str, Any]:
    """The envelope answering ``error`` (no ``data``; the message says what went wrong)."""
    return envelope(None, timestamp=timestamp, version=version, status=error.status, message=error.message)
