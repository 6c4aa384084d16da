"""Status codes, the error hierarchy and the response envelope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sim.ocpi import status
from sim.ocpi.common import OCPIVersion
from sim.ocpi.envelope import OCPIResponse, envelope, error_envelope
from sim.ocpi.status import ERROR_FOR_STATUS, OCPIStatus
from sim.ocpi.wirejson import dumps

NOON = datetime(2026, 3, 2, 12, 0, 0, 500000, tzinfo=UTC)


def test_every_code_of_both_versions_is_listed() -> None:
    assert sorted(int(code) for code in OCPIStatus) == [
        1000, 2000, 2001, 2002, 2003, 2004, 3000, 3001, 3002, 3003, 4000, 4001, 4002, 4003,
    ]  # fmt: skip
    assert {code for code in OCPIStatus if code.since_2_2_1} == {2004, 4000, 4001, 4002, 4003}


def test_every_error_code_has_an_error_class_carrying_it() -> None:
    assert set(ERROR_FOR_STATUS) == set(OCPIStatus) - {OCPIStatus.SUCCESS}
    for code, error_class in ERROR_FOR_STATUS.items():
        assert error_class.status is code


@pytest.mark.parametrize(
    ("error_class", "ocpi", "http"),
    [
        (status.InvalidOrMissingParameters, 2001, 200),
        (status.NotEnoughInformation, 2002, 200),
        (status.UnknownLocation, 2003, 200),
        (status.UnknownToken, 2004, 404),
        (status.InvalidJSON, 2000, 400),
        (status.Unauthorized, 2000, 401),
        (status.NotFound, 2000, 404),
        (status.MethodNotAllowed, 2000, 405),
        (status.UnableToUseClientAPI, 3001, 200),
        (status.UnsupportedVersion, 3002, 200),
        (status.NoMatchingEndpoints, 3003, 200),
        (status.UnknownReceiver, 4001, 200),
        (status.ForwardTimeout, 4002, 200),
        (status.ConnectionProblem, 4003, 200),
    ],
)
def test_errors_map_to_ocpi_and_http_status(error_class: type[status.OCPIError], ocpi: int, http: int) -> None:
    error = error_class()
    assert (int(error.status), error.http_status) == (ocpi, http)
    assert error.message == error.status.description


def test_family_of_custom_codes() -> None:
    assert [status.status_class(c) for c in (1900, 2901, 3950, 4999, 999, 5000)] == [
        "success", "client error", "server error", "hub error", "invalid", "invalid",
    ]  # fmt: skip
    assert status.is_success(1999) and not status.is_success(2000)


def test_envelope_is_written_with_the_version_timestamp_and_no_data_when_asked() -> None:
    body = envelope([1, 2], timestamp=NOON, version=OCPIVersion.V2_2_1)
    assert dumps(body) == '{"data":[1,2],"status_code":1000,"timestamp":"2026-03-02T12:00:00.500Z"}'
    body = envelope({"x": 1}, timestamp=NOON, version=OCPIVersion.V2_1_1, include_data=False)
    assert dumps(body) == '{"status_code":1000,"timestamp":"2026-03-02T12:00:00Z"}'


def test_error_envelope_carries_code_and_message_but_no_data() -> None:
    body = error_envelope(status.UnknownLocation("Location LOC9 unknown"), timestamp=NOON, version=OCPIVersion.V2_2_1)
    assert body == {
        "status_code": 2003,
        "status_message": "Location LOC9 unknown",
        "timestamp": "2026-03-02T12:00:00.500Z",
    }


def test_response_is_read_generically_over_data() -> None:
    response = OCPIResponse[list[int]].model_validate(
        {"data": [1, 2], "status_code": 1000, "timestamp": "2026-03-02T12:00:00Z"}
    )
    assert response.data == [1, 2] and response.succeeded
    failed = OCPIResponse[int].model_validate({"status_code": 2001, "timestamp": "2026-03-02T12:00:00Z"})
    assert failed.data is None and not failed.succeeded
    with pytest.raises(ValueError, match="less than or equal to 4999"):
        OCPIResponse[int].model_validate({"status_code": 20010, "timestamp": "2026-03-02T12:00:00Z"})
