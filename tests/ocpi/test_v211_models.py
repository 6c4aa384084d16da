"""OCPI 2.1.1 wire models against the spec's own examples and against targeted rule checks."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

import sim.ocpi.v211 as v211
from sim.ocpi.common import OCPIModel, PatchModel
from sim.ocpi.v211.cdrs import CDR
from sim.ocpi.v211.commands import CommandResponse, CommandResponseType, ReserveNow
from sim.ocpi.v211.credentials import Credentials
from sim.ocpi.v211.locations import (
    EVSE,
    Connector,
    ConnectorPatch,
    EnergyMix,
    EVSEPatch,
    GeoLocation,
    Hours,
    Image,
    Location,
    LocationPatch,
    RegularHours,
)
from sim.ocpi.v211.locations_enums import ConnectorType, Status
from sim.ocpi.v211.sessions import Session, SessionPatch
from sim.ocpi.v211.tariffs import PriceComponent, Tariff, TariffPatch, TariffRestrictions
from sim.ocpi.v211.tokens import Token, TokenPatch
from sim.ocpi.v211.types import DisplayText
from sim.ocpi.v211.versions import Endpoint, Version, VersionDetails
from sim.ocpi.wirejson import loads

EXAMPLES = Path(__file__).parents[2].parent / "shared" / "ocpi" / "examples" / "2.1.1"

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Expect:
    """How one example file is read and what the schema must say about it."""

    model: type[OCPIModel] | None
    shape: str = "object"  # object | list | envelope | envelope-list | envelope-no-data
    errors: frozenset[Loc] = frozenset()  # empty: valid and must round-trip


def bad(model: type[OCPIModel], *locs: Loc, shape: str = "object") -> Expect:
    return Expect(model, shape, frozenset(locs))


# Every *.json file of examples/2.1.1.  Defects a schema cannot see stay valid: the latitude/longitude
# swap in the CDR and Session examples (both values still match the 6-decimal patterns), Wh values in
# ENERGY volumes, the wrong "PUT" label on the tariff PATCH example, and the "cpo" URL path of the
# Session PATCH (the URL is not part of the body).
TABLE: dict[str, Expect] = {
    # alpha-2 "BE" where Location.country must be alpha-3, and a tariff price given as a string.
    "cdr_example.json": bad(
        CDR, ("location", "country"), ("tariffs", 0, "elements", 0, "price_components", 0, "price")
    ),
    "credentials_example.json": Expect(Credentials),
    "location_example.json": Expect(Location),
    "location_patch_example_location_name.json": Expect(LocationPatch),
    "location_patch_example_remove_evse.json": Expect(EVSEPatch),
    "location_patch_example_status.json": Expect(EVSEPatch),
    "location_patch_example_tariff.json": Expect(ConnectorPatch),
    # physical_reference / floor_level are numbers, the connector lacks four required fields, the EVSE
    # lacks last_updated.
    "location_put_example_add_evse.json": bad(
        EVSE,
        ("physical_reference",),
        ("floor_level",),
        ("connectors", 0, "power_type"),
        ("connectors", 0, "voltage"),
        ("connectors", 0, "amperage"),
        ("connectors", 0, "last_updated"),
        ("last_updated",),
    ),
    "session_example_1_simple_start.json": bad(Session, ("location", "country")),
    "session_example_2_short_finished.json": bad(Session, ("location", "country")),
    "session_patch_example_total_cost.json": Expect(SessionPatch),
    "tariff_example_alt_text.json": Expect(Tariff),
    "tariff_example_alt_url.json": Expect(Tariff),
    "tariff_example_complex.json": Expect(Tariff),
    "tariff_example_free_of_charge.json": Expect(Tariff),
    "tariff_example_simple_2euro_per_hour.json": Expect(Tariff),
    "tariff_patch_example_change_price.json": Expect(TariffPatch),
    "tariff_put_example_new_tariff.json": bad(Tariff, ("last_updated",)),
    "token_example.json": Expect(Token),
    "token_patch_example_invalidate.json": Expect(TokenPatch),
    "token_put_example.json": Expect(Token),
    "transport_and_format_error_response.json": Expect(None, "envelope-no-data"),
    "transport_and_format_get_token_list_response.json": Expect(Token, "envelope-list"),
    "transport_and_format_get_token_response.json": Expect(Token, "envelope"),
    "transport_and_format_version_details_response.json": Expect(VersionDetails, "envelope"),
    # "1.9" is not a 2.1.1 VersionNumber; the second entry ("2.0") is fine.
    "transport_and_format_version_info_response.json": bad(Version, (0, "version"), shape="envelope-list"),
    "type_displaytext_example.json": Expect(DisplayText),
    "version_details_example.json": Expect(VersionDetails),
    "versions_info_example.json": Expect(Version, "list"),
}

JSON_FILES = sorted(path.name for path in EXAMPLES.glob("*.json"))
FRAGMENT_FILES = sorted(path.name for path in EXAMPLES.glob("*.fragment.txt"))


def without_nulls(value: Any) -> Any:
    """The value with every null-valued object key removed, recursively."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def read(name: str) -> Any:
    return loads((EXAMPLES / name).read_text(encoding="utf-8"))


def error_locs(exc: ValidationError) -> set[Loc]:
    return {tuple(error["loc"]) for error in exc.errors()}


def errors_of(model: type[OCPIModel], data: Any, **fields: Any) -> set[Loc]:
    """The error locations of validating ``data`` updated with ``fields`` (empty set when valid)."""
    try:
        model.model_validate({**data, **fields})
    except ValidationError as exc:
        return error_locs(exc)
    return set()


# --- the example files ---------------------------------------------------------------------------------


def test_table_covers_exactly_the_example_files() -> None:
    assert len(JSON_FILES) == 29
    assert set(TABLE) == set(JSON_FILES)
    assert len(FRAGMENT_FILES) == 4


@pytest.mark.parametrize("name", JSON_FILES)
def test_example(name: str) -> None:
    expect = TABLE[name]
    document = read(name)
    if expect.shape == "envelope-no-data":
        assert "data" not in document
        assert isinstance(document["status_code"], int)
        return
    if expect.shape.startswith("envelope"):
        assert document["status_code"] == 1000
        payload = document["data"]
    else:
        payload = document
    assert expect.model is not None
    is_list = expect.shape in ("list", "envelope-list")
    adapter: TypeAdapter[Any] = TypeAdapter(list[expect.model] if is_list else expect.model)  # type: ignore[name-defined]

    if expect.errors:
        with pytest.raises(ValidationError) as caught:
            adapter.validate_python(payload)
        assert error_locs(caught.value) == set(expect.errors)
        return

    parsed = adapter.validate_python(payload)
    wire = [item.to_wire() for item in parsed] if is_list else parsed.to_wire()
    assert wire == without_nulls(payload)


@pytest.mark.parametrize("name", FRAGMENT_FILES)
def test_fragment_is_not_json(name: str) -> None:
    with pytest.raises(ValueError):
        loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", FRAGMENT_FILES)
def test_fragment_content_is_valid_once_wrapped(name: str) -> None:
    # The fragments are `"key": {...}`; wrapped in braces they become an object holding one field.
    ((key, inner),) = loads("{" + (EXAMPLES / name).read_text(encoding="utf-8") + "}").items()
    models: dict[str, type[OCPIModel]] = {"energy_mix": EnergyMix, "opening_times": Hours}
    model = models[key]
    assert model.model_validate(inner).to_wire() == inner


def test_energy_mix_fragment_uses_2_1_1_source_field() -> None:
    text = (EXAMPLES / "location_energymix_example_complete.fragment.txt").read_text(encoding="utf-8")
    mix = EnergyMix.model_validate(loads("{" + text + "}")["energy_mix"])
    assert mix.environ_impact is not None
    assert [impact.source for impact in mix.environ_impact] == ["NUCLEAR_WASTE", "CARBON_DIOXIDE"]
    assert mix.environ_impact[0].amount == Decimal("0.0006")


# --- targeted rules ----------------------------------------------------------------------------------


@pytest.fixture
def location() -> dict[str, Any]:
    data: dict[str, Any] = read("location_example.json")
    return data


@pytest.fixture
def tariff() -> dict[str, Any]:
    data: dict[str, Any] = read("tariff_example_simple_2euro_per_hour.json")
    return data


@pytest.fixture
def token() -> dict[str, Any]:
    data: dict[str, Any] = read("token_example.json")
    return data


@pytest.mark.parametrize(
    ("latitude", "longitude", "ok"),
    [
        ("51.047599", "3.729944", True),
        ("-9.000000", "-126.104965", True),
        ("51.04759", "3.729944", False),  # 5 decimals
        ("51.0475990", "3.729944", False),  # 7 decimals
        ("51.047599", "3.72994", False),
        ("51.047599", "3.7299440", False),
        ("51", "3.729944", False),
        ("151.047599", "3.729944", False),  # three integer digits only for longitude
    ],
)
def test_coordinates_have_exactly_six_decimals(latitude: str, longitude: str, ok: bool) -> None:
    locs = errors_of(GeoLocation, {"latitude": latitude, "longitude": longitude})
    assert (not locs) is ok


def test_coordinates_are_strings_not_numbers() -> None:
    assert errors_of(GeoLocation, {"latitude": Decimal("51.047599"), "longitude": "3.729944"}) == {("latitude",)}


def test_credentials_country_code_is_alpha2_and_location_country_alpha3(location: dict[str, Any]) -> None:
    credentials = read("credentials_example.json")
    assert errors_of(Credentials, credentials, country_code="NL") == set()
    assert errors_of(Credentials, credentials, country_code="NLD") == {("country_code",)}
    assert errors_of(Credentials, credentials, party_id="EXAM") == {("party_id",)}
    assert errors_of(Location, location, country="BEL") == set()
    assert errors_of(Location, location, country="BE") == {("country",)}
    assert errors_of(Location, location, country="bel") == {("country",)}


def test_string_length_limits(location: dict[str, Any], tariff: dict[str, Any]) -> None:
    assert errors_of(Location, location, id="L" * 39) == set()
    assert errors_of(Location, location, id="L" * 40) == {("id",)}
    assert errors_of(Tariff, tariff, id="T" * 36) == set()
    assert errors_of(Tariff, tariff, id="T" * 37) == {("id",)}
    assert errors_of(Location, location, address="a" * 45) == set()
    assert errors_of(Location, location, address="a" * 46) == {("address",)}


def test_evse_uid_and_image_size_limits(location: dict[str, Any]) -> None:
    evse = location["evses"][0]
    assert errors_of(EVSE, evse, uid="E" * 39) == set()
    assert errors_of(EVSE, evse, uid="E" * 40) == {("uid",)}
    image = {"url": "https://example.com/a.png", "category": "CHARGER", "type": "png"}
    assert errors_of(Image, image, width=99_999) == set()
    assert errors_of(Image, image, width=100_000) == {("width",)}  # int(5): five digits at most
    assert errors_of(Image, image, width=loads("512.0")) == {("width",)}
    assert errors_of(Image, image, type="jpeg2") == {("type",)}


def test_non_ascii_string_rejected(location: dict[str, Any]) -> None:
    assert errors_of(Location, location, name="Gent Zuid") == set()
    assert errors_of(Location, location, name="Gent Zuid é") == {("name",)}
    assert errors_of(Location, location, name="Gent\nZuid") == {("name",)}


def test_fractional_seconds_rejected_and_output_in_z_form(location: dict[str, Any]) -> None:
    assert errors_of(Location, location, last_updated="2015-06-29T20:39:09.123Z") == {("last_updated",)}
    assert errors_of(Location, location, last_updated="2015-06-29T20:39:09+00:00") == {("last_updated",)}
    parsed = Location.model_validate({**location, "last_updated": "2015-06-29T20:39:09"})
    assert parsed.to_wire()["last_updated"] == "2015-06-29T20:39:09Z"


def test_enum_values_are_case_sensitive(location: dict[str, Any]) -> None:
    evse = location["evses"][0]
    assert errors_of(EVSE, evse, status="available") == {("status",)}
    connector = evse["connectors"][0]
    assert errors_of(Connector, connector, standard="IEC_60309_2_single_16") == set()
    assert errors_of(Connector, connector, standard="IEC_60309_2_SINGLE_16") == {("standard",)}
    assert ConnectorType("IEC_60309_2_three_64") is ConnectorType.IEC_60309_2_three_64
    assert errors_of(Location, location, type="on_street") == {("type",)}


def test_number_given_as_string_rejected() -> None:
    component = {"type": "TIME", "price": "2.00", "step_size": 300}
    assert errors_of(PriceComponent, component) == {("price",)}
    assert errors_of(PriceComponent, component, price=Decimal("2.00")) == set()
    assert errors_of(PriceComponent, component, price=2) == set()


def test_int_given_as_one_point_zero_rejected(location: dict[str, Any]) -> None:
    connector = location["evses"][0]["connectors"][0]
    assert errors_of(Connector, connector, voltage=loads("230.0")) == {("voltage",)}
    assert errors_of(Connector, connector, voltage=230.0) == {("voltage",)}
    assert errors_of(Connector, connector, voltage="230") == {("voltage",)}
    assert errors_of(Connector, connector, voltage=True) == {("voltage",)}
    assert errors_of(PriceComponent, {"type": "TIME", "price": 2, "step_size": loads("300.0")}) == {("step_size",)}


def test_hours_regular_hours_xor_twentyfourseven() -> None:
    week = [{"weekday": day, "period_begin": "08:00", "period_end": "20:00"} for day in range(1, 6)]
    assert errors_of(Hours, {"twentyfourseven": True}) == set()
    assert errors_of(Hours, {"regular_hours": week}) == set()
    assert errors_of(Hours, {"regular_hours": week, "twentyfourseven": False}) == set()  # spec's own example
    assert errors_of(Hours, {"twentyfourseven": True, "regular_hours": week}) == {()}
    assert errors_of(Hours, {}) == {()}
    assert errors_of(Hours, {"regular_hours": []}) == {()}
    exceptional = [{"period_begin": "2014-06-24T00:00:00Z", "period_end": "2014-06-25T00:00:00Z"}]
    assert errors_of(Hours, {"exceptional_closings": exceptional}) == {()}
    with pytest.raises(ValidationError, match="regular_hours must not be given when twentyfourseven is true"):
        Hours.model_validate({"twentyfourseven": True, "regular_hours": week})


def test_regular_hours_shape_and_order() -> None:
    assert errors_of(RegularHours, {"weekday": 7, "period_begin": "00:00", "period_end": "23:59"}) == set()
    assert errors_of(RegularHours, {"weekday": 1, "period_begin": "20:00", "period_end": "08:00"}) == {()}
    assert errors_of(RegularHours, {"weekday": 1, "period_begin": "08:00", "period_end": "08:00"}) == {()}
    assert errors_of(RegularHours, {"weekday": 1, "period_begin": "8:00", "period_end": "20:00"}) == {("period_begin",)}
    assert errors_of(RegularHours, {"weekday": 1, "period_begin": "08:00", "period_end": "24:00"}) == {("period_end",)}
    assert errors_of(RegularHours, {"weekday": 8, "period_begin": "08:00", "period_end": "20:00"}) == {("weekday",)}
    assert errors_of(RegularHours, {"weekday": 0, "period_begin": "08:00", "period_end": "20:00"}) == {("weekday",)}


def test_tariff_restriction_times_and_dates() -> None:
    assert errors_of(TariffRestrictions, {"start_time": "09:00", "end_time": "18:00"}) == set()
    assert errors_of(TariffRestrictions, {"start_time": "9:00"}) == {("start_time",)}
    assert errors_of(TariffRestrictions, {"end_time": "24:00"}) == {("end_time",)}
    assert errors_of(TariffRestrictions, {"start_date": "2015-12-24", "end_date": "2015-12-27"}) == set()
    assert errors_of(TariffRestrictions, {"start_date": "2015-02-30"}) == {("start_date",)}
    assert errors_of(TariffRestrictions, {"end_date": "24-12-2015"}) == {("end_date",)}
    assert errors_of(TariffRestrictions, {"min_duration": loads("60.0")}) == {("min_duration",)}


def test_reservation_id_must_be_int(token: dict[str, Any]) -> None:
    command = {
        "response_url": "https://emsp.example.com/ocpi/emsp/2.1.1/commands/RESERVE_NOW/42",
        "token": token,
        "expiry_date": "2015-06-29T23:00:00Z",
        "reservation_id": 17,
        "location_id": "LOC1",
    }
    assert errors_of(ReserveNow, command) == set()
    assert errors_of(ReserveNow, command, reservation_id="17") == {("reservation_id",)}
    assert errors_of(ReserveNow, command, reservation_id=loads("17.0")) == {("reservation_id",)}
    assert ReserveNow.model_validate(command).to_wire()["reservation_id"] == 17


def test_command_response_carries_only_result() -> None:
    response = CommandResponse(result=CommandResponseType.TIMEOUT)
    assert response.to_json() == '{"result":"TIMEOUT"}'


def test_tariff_patch_with_one_field_serialises_to_that_field() -> None:
    patch = TariffPatch.model_validate({"tariff_alt_url": "https://company.com/tariffs/12"})
    assert patch.to_wire() == {"tariff_alt_url": "https://company.com/tariffs/12"}
    assert patch.to_json() == '{"tariff_alt_url":"https://company.com/tariffs/12"}'
    assert TariffPatch().to_json() == "{}"


def test_patches_need_no_last_updated() -> None:
    assert EVSEPatch.model_validate({"status": "CHARGING"}).to_wire() == {"status": Status.CHARGING}
    assert TokenPatch.model_validate({"valid": False}).to_json() == '{"valid":false}'
    assert SessionPatch.model_validate({"total_cost": loads("0.60")}).to_json() == '{"total_cost":0.60}'


def test_decimal_serialises_exactly() -> None:
    assert SessionPatch(total_cost=Decimal("0.1")).to_json() == '{"total_cost":0.1}'
    component = PriceComponent.model_validate({"type": "TIME", "price": loads("2.00"), "step_size": 300})
    assert component.to_json() == '{"type":"TIME","price":2.00,"step_size":300}'


def test_unset_optionals_left_out(token: dict[str, Any]) -> None:
    minimal = {key: value for key, value in token.items() if key != "visual_number"}
    assert "visual_number" not in Token.model_validate(minimal).to_wire()
    assert "language" not in Token.model_validate(token).to_json()


# --- structure of the package -------------------------------------------------------------------------

PATCH_PAIRS = [
    (LocationPatch, Location),
    (EVSEPatch, EVSE),
    (ConnectorPatch, Connector),
    (SessionPatch, Session),
    (TariffPatch, Tariff),
    (TokenPatch, Token),
]


@pytest.mark.parametrize(("patch", "full"), PATCH_PAIRS)
def test_patch_forms_mirror_their_object(patch: type[OCPIModel], full: type[OCPIModel]) -> None:
    assert issubclass(patch, PatchModel)
    assert patch.ocpi_patch and not full.ocpi_patch
    assert list(patch.model_fields) == list(full.model_fields)
    assert all(not field.is_required() and field.default is None for field in patch.model_fields.values())
    assert patch.model_validate({}).to_wire() == {}


def test_modules_and_all_lists() -> None:
    names = [module.__name__.rsplit(".", 1)[1] for module in v211.MODULES]
    assert names == [
        "versions",
        "credentials",
        "locations",
        "locations_enums",
        "sessions",
        "cdrs",
        "tariffs",
        "tokens",
        "commands",
        "types",
    ]
    for module in v211.MODULES[:-1]:
        exported = [getattr(module, name) for name in module.__all__]
        assert all(obj.__module__ == module.__name__ for obj in exported), module.__name__
        assert all(isinstance(obj, type) and obj.__doc__ for obj in exported), module.__name__
        kinds = [issubclass(obj, enum.Enum) for obj in exported]
        assert kinds == sorted(kinds), f"{module.__name__}: enums must come after the models"


def test_model_classes() -> None:
    classes = v211.model_classes()
    assert len(classes) == len(set(classes))
    assert all(issubclass(cls, OCPIModel) for cls in classes)
    assert classes[:6] == [Version, VersionDetails, Endpoint, Credentials, Location, EVSE]
    for cls in (Location, EVSE, Connector, CDR, Session, Tariff, Token, ReserveNow, DisplayText, TariffPatch):
        assert cls in classes
    assert classes[-1] is DisplayText
    assert classes.index(Session) < classes.index(CDR) < classes.index(Tariff) < classes.index(Token)
