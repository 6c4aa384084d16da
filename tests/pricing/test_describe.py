"""``sim.pricing.describe``: tariffs in plain words, and the price preview of a sketched session."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sim.ocpi.common import OCPIVersion
from sim.ocpi.v221.tariffs import Tariff
from sim.ocpi.wirejson import read_json_file
from sim.pricing import parse_tariff
from sim.pricing.describe import (
    PreviewError,
    SessionSketch,
    describe_tariff,
    money,
    preview_rows,
    preview_session,
    total_rows,
)

SHARED = Path(__file__).parents[2].parent / "shared" / "ocpi"
EXAMPLES = SHARED / "examples" / "2.2.1"
CASES = SHARED / "tariff-cases"
AMSTERDAM = "Europe/Amsterdam"


def example(name: str) -> Any:
    return read_json_file(EXAMPLES / name)


# --- describe_tariff on the spec's examples ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        ("tariff_8_simple_025kwh.json", ["€0.25/kWh, VAT 10 %"]),
        ("tariff_1_simple_2hour.json", ["€2.00/h charging time (billed per minute), VAT 10 %"]),
        (
            "tariff_10_025kwh_parking_start.json",
            ["€0.50 per session (VAT 20 %) + €0.25/kWh (VAT 10 %) + €2.00/h parking (billed per 15 min, VAT 20 %)"],
        ),
        ("tariff_12_025kwh_min_price.json", ["€0.25/kWh, VAT 10 %", "Minimum price €0.50 excl. VAT (€0.55 incl. VAT)"]),
        (
            "tariff_6_025kwh_start_max_price.json",
            [
                "€0.50 per session (VAT 20 %) + €0.25/kWh (VAT 10 %)",
                "Maximum price €10.00 excl. VAT (€11.00 incl. VAT)",
                "Valid until 2019-06-30 23:59:59 UTC",
            ],
        ),
        (
            "tariff_3_alt_url.json",
            [
                "€0.50 per session (VAT 20 %) + €0.25/kWh (billed per 100 Wh, VAT 10 %)",
                "Type PROFILE_CHEAP: for drivers who chose the cheap charging preference",
            ],
        ),
        ("tariff_5_free_of_charge.json", ["Free of charge"]),
    ],
)
def test_simple_tariffs_in_plain_words(name: str, lines: list[str]) -> None:
    assert describe_tariff(example(name)) == lines


def test_the_complex_example_names_every_restriction_and_step() -> None:
    assert describe_tariff(example("tariff_4_complex.json")) == [
        "€2.50 per session, VAT 15 %",
        "€1.00/h charging time (billed per 15 min) below 32 A, VAT 20 %",
        "€2.00/h charging time (billed per 10 min) on weekdays, at 32 A or more, VAT 20 %",
        "€1.25/h charging time (billed per 10 min) at weekends, at 32 A or more, VAT 20 %",
        "€5.00/h parking (billed per 5 min) on weekdays 09:00–18:00, VAT 10 %",
        "€6.00/h parking (billed per 5 min) on Saturdays 10:00–17:00, VAT 10 %",
        "Type REGULAR: for regular sessions (no charging preference, or REGULAR)",
    ]


def test_time_windows_and_midnight() -> None:
    assert describe_tariff(example("tariff_14_step_size.json")) == [
        "€1.20/h charging time (billed per 30 min) + €1.00/h parking (billed per 15 min) 00:00–17:00",
        "€2.40/h charging time (billed per 15 min) + €1.00/h parking (billed per 15 min) 17:00–20:00",
        "€2.40/h charging time (billed per 15 min) 20:00–midnight",
    ]


def test_an_unrestricted_element_after_restricted_ones_is_the_fallback() -> None:
    assert describe_tariff(example("tariffrestriction_example_max_power.json"))[:3] == [
        "€0.20/kWh below 16 kW, VAT 20 %",
        "€0.35/kWh below 32 kW, VAT 20 %",
        "€0.50/kWh otherwise, VAT 20 %",
    ]
    assert describe_tariff(example("tariffrestriction_example_max_duration.json"))[:3] == [
        "free energy during the first 30 min, VAT 20 %",
        "€0.25/kWh during the first 1 h, VAT 20 %",
        "€0.40/kWh otherwise, VAT 20 %",
    ]


def test_reservation_elements() -> None:
    assert describe_tariff(example("tariff_17_reservation_with_expire_fee.json")) == [
        "€4.00 per reservation if the reservation expires unused, VAT 20 %",
        "€2.00/h while reserved (billed per 10 min), VAT 20 %",
        "€0.50 per session (VAT 20 %) + €0.25/kWh (VAT 10 %)",
    ]
    assert describe_tariff(example("tariff_16_reservation_2_euro_fee_5_euro_per_hour.json"))[0] == (
        "€2.00 per reservation + €5.00/h while reserved (billed per 5 min), VAT 20 %"
    )


def test_tariff_cases_with_duration_and_energy_bounds() -> None:
    tariff = read_json_file(CASES / "first_hour_kwh_free" / "tariff.json")
    assert describe_tariff(tariff) == [
        "free parking during the first 1 h",
        "€2.00/h parking (billed per minute) from 1 h until 3 h into the session",
        "€3.00/h parking (billed per minute) after 3 h",
        "free energy for the first 1 kWh",
        "€0.20/kWh after the first 1 kWh",
    ]


def test_every_other_restriction_kind() -> None:
    tariff = {
        "id": "X",
        "currency": "EUR",
        "type": "PROFILE_GREEN",
        "start_date_time": "2026-03-01T00:00:00Z",
        "end_date_time": "2026-04-01T12:30:15Z",
        "min_price": {"excl_vat": Decimal("1.00")},
        "elements": [
            {
                "price_components": [{"type": "ENERGY", "price": Decimal("0.30"), "vat": 21, "step_size": 1000}],
                "restrictions": {
                    "min_kwh": Decimal("10"),
                    "max_kwh": Decimal("40.5"),
                    "day_of_week": ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY"],
                },
            },
            {
                "price_components": [{"type": "TIME", "price": 3, "vat": 21, "step_size": 3600}],
                "restrictions": {
                    "min_current": 16,
                    "max_current": 32,
                    "day_of_week": ["MONDAY", "WEDNESDAY", "FRIDAY"],
                    "start_time": "22:00",
                    "end_time": "06:00",
                },
            },
            {
                "price_components": [{"type": "ENERGY", "price": Decimal("0.5"), "vat": 9, "step_size": 1}],
                "restrictions": {
                    "min_power": 50,
                    "start_date": "2026-06-01",
                    "end_date": "2026-09-01",
                    "start_time": "08:00",
                },
            },
            {
                "price_components": [{"type": "PARKING_TIME", "price": Decimal("1.5"), "step_size": 90}],
                "restrictions": {
                    "max_power": 11,
                    "end_time": "18:30",
                    "min_duration": 1800,
                    "max_duration": 5400,
                    "day_of_week": ["SUNDAY"],
                },
            },
            {
                "price_components": [
                    {"type": "FLAT", "price": 0, "step_size": 0},
                    {"type": "ENERGY", "price": Decimal("0.25"), "step_size": 1},
                ]
            },
        ],
    }
    assert describe_tariff(tariff) == [
        "€0.30/kWh (billed per 1 kWh) Monday to Thursday, from 10 kWh up to 40.5 kWh, VAT 21 %",
        "€3.00/h charging time (billed per hour) on Mondays, Wednesdays and Fridays 22:00–06:00 (overnight), "
        "at 16 A or more but below 32 A, VAT 21 %",
        "€0.50/kWh from 08:00 between 2026-06-01 and 2026-08-31, at 50 kW or more, VAT 9 %",
        "€1.50/h parking (billed per 1 min 30 s) on Sundays until 18:30, below 11 kW, "
        "from 30 min until 1 h 30 min into the session",
        "€0.25/kWh + no session fee otherwise",
        "Minimum price €1.00 excl. VAT",
        "Valid from 2026-03-01 00:00 UTC until 2026-04-01 12:30:15 UTC",
        "Type PROFILE_GREEN: for drivers who chose the green charging preference",
    ]


def test_versions_currencies_and_inputs() -> None:
    plain = {
        "id": "Y",
        "currency": "EUR",
        "min_price": {"excl_vat": 5},
        "elements": [{"price_components": [{"type": "ENERGY", "price": Decimal("0.25"), "vat": 10, "step_size": 1}]}],
    }
    # 2.1.1 knows neither VAT nor price limits: a 2.1.1 reader ignores them.
    assert describe_tariff(plain, OCPIVersion.V2_1_1) == ["€0.25/kWh"]
    assert money(Decimal("0.25"), "GBP") == "£0.25"
    assert money(Decimal("2"), "SEK") == "2.00 SEK"
    assert money(Decimal("0.4545"), "EUR") == "€0.4545"
    # The wire model and the pricing form give the same words as the JSON.
    document = example("tariff_9_025kwh_start.json")
    expected = ["€0.50 per session (VAT 20 %) + €0.25/kWh (VAT 10 %)"]
    assert describe_tariff(Tariff.model_validate(document)) == expected
    assert describe_tariff(parse_tariff(document)) == expected


# --- preview_session ----------------------------------------------------------------------------


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=ZoneInfo(AMSTERDAM))  # a Monday


def test_preview_of_the_spec_example_t4() -> None:
    tariff = parse_tariff(example("tariff_10_025kwh_parking_start.json"))
    sketch = SessionSketch(at(10), Decimal(20), timedelta(hours=2), timedelta(minutes=40))
    preview = preview_session(tariff, sketch, time_zone=AMSTERDAM)
    assert preview_rows(preview) == [
        ("Mon 10:00:00", "ENERGY", "20.0000 kWh", "20.0000 kWh", "0.2500", "10", "5.0000", "5.5000"),
        ("Mon 10:00:00", "TIME", "2.0000 h", "2.0000 h", "free", "", "0.0000", "0.0000"),
        ("Mon 10:00:00", "FLAT", "", "", "0.5000", "20", "0.5000", "0.6000"),
        ("Mon 12:00:00", "PARKING_TIME", "0.6666 h", "0.7500 h", "2.0000", "20", "1.5000", "1.8000"),
    ]
    assert total_rows(preview) == [
        ("fixed", "0.5000", "0.6000"),
        ("energy", "5.0000", "5.5000"),
        ("charging time", "0.0000", "0.0000"),
        ("parking", "1.5000", "1.8000"),
        ("total", "7.0000", "7.9000"),
    ]
    assert preview.result.totals.cost.excl == Decimal("7.00")


def test_preview_clamps_to_the_maximum_price() -> None:
    tariff = parse_tariff(example("tariff_6_025kwh_start_max_price.json"))
    start = datetime(2019, 5, 1, 9, tzinfo=ZoneInfo(AMSTERDAM))
    preview = preview_session(tariff, SessionSketch(start, Decimal(50), timedelta(hours=3)), time_zone=AMSTERDAM)
    assert total_rows(preview)[-2:] == [
        ("total before price limits", "13.0000", "14.3500"),
        ("total", "10.0000", "11.0000"),
    ]


def test_preview_with_a_power_charges_then_idles() -> None:
    tariff = parse_tariff(example("tariffrestriction_example_max_power.json"))
    # 10 kWh at 40 kW take 15 min (above every max_power: the fallback €0.50); the rest of the hour the
    # vehicle draws nothing but still counts as charging: a new period, with no energy to price.
    sketch = SessionSketch(at(9), Decimal(10), timedelta(hours=1), power_kw=Decimal(40))
    preview = preview_session(tariff, sketch, time_zone=AMSTERDAM)
    assert preview_rows(preview) == [
        ("Mon 09:00:00", "ENERGY", "10.0000 kWh", "10.0000 kWh", "0.5000", "20", "5.0000", "6.0000"),
        ("Mon 09:00:00", "TIME", "0.2500 h", "0.2500 h", "free", "", "0.0000", "0.0000"),
        ("Mon 09:15:00", "TIME", "0.7500 h", "0.7500 h", "free", "", "0.0000", "0.0000"),
    ]
    assert total_rows(preview)[-1] == ("total", "5.0000", "6.0000")


@pytest.mark.parametrize(
    ("sketch", "message"),
    [
        (
            SessionSketch(at(9), Decimal(30), timedelta(minutes=30), power_kw=Decimal(22)),
            "30 kWh at 22 kW takes 1 h 21 min 50 s",
        ),
        (SessionSketch(at(9), Decimal(5), timedelta(0)), "energy needs some charging time"),
        (SessionSketch(at(9), Decimal(0), timedelta(0)), "needs some charging or parking time"),
        (SessionSketch(at(9), Decimal(-1), timedelta(hours=1)), "cannot be negative"),
    ],
)
def test_impossible_sessions_are_refused(sketch: SessionSketch, message: str) -> None:
    tariff = parse_tariff(example("tariff_8_simple_025kwh.json"))
    with pytest.raises(PreviewError, match=message):
        preview_session(tariff, sketch, time_zone=AMSTERDAM)
