"""Cell values as the form's types: what is accepted, with or without a warning, and what is not."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xl2report.checks.cells import date_text, parse_cell, parse_number
from xl2report.form.national import FORM
from xl2report.form.types import format_number
from xl2report.xlsx.parts import RawCell

COUNT = FORM.field("s3.new.natural")
FEE = FORM.field("s2.fees.amount")
TEXT = FORM.field("info.publish_date")


def num(value: str) -> RawCell:
    return RawCell(value, "n", None, False)


def text(value: str) -> RawCell:
    return RawCell(value, "s", None, False)


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        (num("13"), 13, None),
        (num("13.0"), 13, None),
        (num("0"), 0, None),
        (text("13"), 13, "text-number"),
        (text(" 13 "), 13, "text-number"),
        (text("\u300013"), 13, "text-number"),  # ideographic space from a Chinese IME
        (text("1,300"), 1300, "text-number"),
        (text("１３"), 13, "fullwidth-number"),
        (None, 0, "blank-as-zero"),
        (RawCell(None, "", None, False), 0, "blank-as-zero"),
        (text(""), 0, "blank-as-zero"),
        (text("无"), 0, "blank-as-zero"),
        (text("-"), 0, "blank-as-zero"),
        (text("—"), 0, "blank-as-zero"),
        (text("/"), 0, "blank-as-zero"),
        (num("1.5"), None, "not-an-integer"),
        (text("1.5"), None, "not-an-integer"),
        (num("-2"), None, "negative-number"),
        (text("-2"), None, "negative-number"),
        (text("十三"), None, "not-a-number"),
        (text("13件"), None, "not-a-number"),
        (text("约13"), None, "not-a-number"),
        (RawCell("1", "b", None, False), None, "not-a-number"),
        (RawCell("#VALUE!", "e", None, False), None, "cell-error"),
        (RawCell("45296", "n", None, False, is_date=True), None, "date-value"),
        (RawCell("2024-01-05T00:00:00", "d", None, False), None, "date-value"),
    ],
)
def test_integer_cells(raw: RawCell | None, value: int | None, code: str | None) -> None:
    parsed = parse_cell(COUNT, raw)
    assert (parsed.value, parsed.code) == (value, code)


@pytest.mark.parametrize(
    ("raw", "value", "code"),
    [
        (num("194.3525"), Decimal("194.3525"), None),
        (num("0.35"), Decimal("0.35"), None),
        (num("2"), 2, None),
        (num("0.30000000000000004"), Decimal("0.3"), None),  # float noise from a writer
        (text("0.35"), Decimal("0.35"), "text-number"),
        (num("1.23456"), Decimal("1.23456"), None),
        (num("24252.311082"), Decimal("24252.311082"), None),  # 6 decimals of 万元: exact to the 分
        (num("1.2345678"), Decimal("1.2345678"), "decimal-precision"),
        (num("-0.5"), None, "negative-number"),
        (text("3500元"), None, "not-a-number"),
        (text("０．３５"), Decimal("0.35"), "fullwidth-number"),
    ],
)
def test_fee_cells(raw: RawCell, value: Decimal | int | None, code: str | None) -> None:
    parsed = parse_cell(FEE, raw)
    assert (parsed.value, parsed.code) == (value, code)


def test_text_cells_keep_what_was_meant() -> None:
    assert parse_cell(TEXT, text("2025年1月20日")).value == "2025年1月20日"
    assert (
        parse_cell(TEXT, RawCell("45677", "n", None, False, is_date=True)).value == "2025年1月20日"
    )
    assert parse_cell(TEXT, num("13800138000")).value == "13800138000"
    assert parse_cell(TEXT, None).value == ""
    assert parse_cell(TEXT, text("xl2r")).code is None


def test_date_text() -> None:
    assert date_text(RawCell("45296", "n", None, False, True)) == "2024年1月5日"
    assert date_text(RawCell("0.3541666666666667", "n", None, False, True)) == "8:30"
    assert date_text(RawCell("43834", "n", None, False, True), date1904=True) == "2024年1月5日"


def test_shown_text_is_what_the_cell_showed() -> None:
    assert parse_number(text("13件"), decimal=False).shown == "13件"
    assert parse_number(num("45296.0"), decimal=False).shown == "45296"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(12, "12"), (Decimal("12.50"), "12.5"), (Decimal("194.3525"), "194.3525"),
     (Decimal("1E+2"), "100"), (None, "")],
)  # fmt: skip
def test_format_number(value: object, shown: str) -> None:
    assert format_number(value) == shown  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "field", "value", "code", "large"),
    [
        # A city's year: above MAX_NUMBER, used exactly, with a warning to check it (issue #22).
        (num("11398889"), COUNT, 11398889, None, True),
        (num("1.1398889E7"), COUNT, 11398889, None, True),  # as some writers store it
        (text("11,398,889"), COUNT, 11398889, "text-number", True),
        (num("10000000"), COUNT, 10_000_000, None, False),  # the bound itself: no warning
        (num("999999999999999"), COUNT, 999_999_999_999_999, None, True),  # 15 digits: exact
        (num("1E+15"), COUNT, 10**15, None, True),
        (num("11398889.5"), COUNT, None, "not-an-integer", False),
        (text("12345678.123456"), FEE, Decimal("12345678.123456"), "text-number", True),
        # Beyond 15 digits Excel no longer keeps the number typed: an error, not a guess.
        (text("1000000000000001"), COUNT, None, "number-out-of-range", False),
        (num("2E+15"), COUNT, None, "number-out-of-range", False),
        (num("1e400"), COUNT, None, "number-out-of-range", False),
    ],
)
def test_big_numbers_are_kept_exactly_with_a_warning(
    raw: RawCell, field: object, value: object, code: str | None, large: bool
) -> None:
    parsed = parse_cell(field, raw)  # type: ignore[arg-type]
    assert (parsed.value, parsed.code, parsed.large) == (value, code, large)
    assert type(parsed.value) is type(value)  # an int stays an int: no float rounding
