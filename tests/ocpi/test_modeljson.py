"""Model bodies written by pydantic-core are the bytes ``dumps(model.to_wire())`` writes."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import sim.ocpi.v211 as v211
import sim.ocpi.v221 as v221
from sim.ocpi import modeljson
from sim.ocpi.common import DateTime221, Number, OCPIModel
from sim.ocpi.v221.cdrs import CdrDimensionType
from sim.ocpi.v221.sessions import SessionPatch
from sim.ocpi.wirejson import dumps


def _model_classes() -> list[type[OCPIModel]]:
    found: dict[str, type[OCPIModel]] = {}
    for package in (v221, v211):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for candidate in vars(module).values():
                if inspect.isclass(candidate) and issubclass(candidate, OCPIModel) and candidate is not OCPIModel:
                    found[f"{candidate.__module__}.{candidate.__qualname__}"] = candidate
    return [found[name] for name in sorted(found)]


class Priced(OCPIModel):
    price: Number
    at: DateTime221
    kind: CdrDimensionType
    note: str | None = None
    steps: list[Number] = []


class Floaty(OCPIModel):
    ratio: float


def test_the_routes_agree_on_this_pydantic() -> None:
    assert modeljson._routes_agree()


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda cls: f"{cls.__module__}.{cls.__qualname__}")
def test_every_ocpi_model_is_written_by_pydantic_core(cls: type[OCPIModel]) -> None:
    assert modeljson.compiled(cls)


@given(
    st.lists(st.decimals(allow_nan=False, allow_infinity=False, places=None), min_size=1, max_size=4),
    st.text(max_size=12).filter(lambda text: text.isprintable()),
)
def test_decimals_and_text_come_out_as_the_stdlib_route_writes_them(numbers: list[Decimal], note: str) -> None:
    model = Priced(price=numbers[0], at=datetime(2026, 3, 1, 12, 0, 0, 500, tzinfo=UTC), kind="ENERGY", note=note,
                   steps=numbers[1:])  # fmt: skip
    assert model.to_json() == dumps(model.to_wire())


@pytest.mark.parametrize("text", ["-0", "-0.00", "1E+2", "-2.5E-8", "123456789012345678901234567890.123456789", "0"])
def test_awkward_decimals(text: str) -> None:
    model = Priced(price=Decimal(text), at=datetime(2026, 3, 1, tzinfo=UTC), kind=CdrDimensionType.TIME)
    assert model.to_json() == dumps(model.to_wire())


def test_a_session_patch_with_periods() -> None:
    patch = SessionPatch.model_validate({
        "kwh": Decimal("2.750"), "last_updated": "2026-03-02T06:15:01Z",
        "charging_periods": [{"start_date_time": "2026-03-02T06:00:00.700Z", "tariff_id": "T", "dimensions": [
            {"type": "ENERGY", "volume": Decimal("2.750")}, {"type": "TIME", "volume": 1}]}],
        "total_cost": {"excl_vat": Decimal("0.9625"), "incl_vat": Decimal("1.1646")},
    })  # fmt: skip
    assert patch.to_json() == dumps(patch.to_wire())
    assert '"kwh":2.750' in patch.to_json()


def test_other_json_dumps_of_decimals_are_as_pydantic_writes_them() -> None:
    # The marker is only written under WIRE_CONTEXT.
    model = Priced(price=Decimal("1.50"), at=datetime(2026, 3, 1, tzinfo=UTC), kind="ENERGY")
    assert model.model_dump(mode="json")["price"] == "1.50"
    assert model.model_dump_json().startswith('{"price":"1.50"')
    assert model.model_dump()["price"] == Decimal("1.50")


def test_a_model_with_a_float_takes_the_stdlib_route() -> None:
    assert not modeljson.compiled(Floaty)
    assert Floaty(ratio=1e-05).to_json() == '{"ratio":1e-05}'


def test_a_value_that_cannot_be_written_fails_as_before() -> None:
    broken = Priced.model_construct(
        price=Decimal("NaN"), at=datetime(2026, 3, 1, tzinfo=UTC), kind=CdrDimensionType.TIME
    )
    with pytest.raises(ValueError, match="cannot be written as a JSON number"):
        broken.to_json()
