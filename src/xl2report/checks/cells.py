"""Turn a stored cell into the field's typed value, the way a lenient but honest clerk would.

Integers accept 13, "13", " 13 " and "１３" (the last with a warning); blank, 无, -, —, / count as 0
with a warning; decimals, negatives and other text are errors.  Pure functions: raw cell in,
(value, finding code or None) out.  Messages are built by the caller, who knows the cell.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from xl2report.compat import iso_datetime
from xl2report.form.national import (
    FORM,
    MAX_DECIMALS,
    MAX_EXACT,
    MAX_NUMBER,
    Field,
    Form,
    Value,
    ValueType,
)
from xl2report.xlsx.parts import RawCell

ZERO_WORDS = frozenset({"无", "-", "—", "/", "－", "／", "——", "--", "不适用"})
FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋，", "0123456789.-+,")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# Digits a number may have before or after the point before it is judged, never parsed: a
# "1e999999999" must be refused in constant time, not expanded into a billion digits.
_MAX_DIGITS = 30
_MAX_EXPONENT = len(str(MAX_EXACT)) + _MAX_DIGITS


class Parsed(NamedTuple):
    """One cell read as its field's type.  A named tuple: every field of every workbook makes
    one, and a frozen dataclass took twice as long to build."""

    value: Value | None  # None: no usable value (an error was found)
    code: str | None = None  # finding code, if any
    shown: str = ""  # what the cell shows, for the message
    large: bool = False  # above MAX_NUMBER: used, with a warning to check it (number-large)


def parse_cell(f: Field, raw: RawCell | None, date1904: bool = False) -> Parsed:
    if f.type is ValueType.TEXT:
        return parse_text(raw, date1904)
    return parse_number(raw, decimal=f.type is ValueType.DECIMAL, date1904=date1904)


def parse_text(raw: RawCell | None, date1904: bool = False) -> Parsed:
    if raw is None or raw.value is None:
        return Parsed("")
    if raw.is_date or raw.type == "d":
        # 发布日期 typed as 2025/1/20 becomes a date serial in Excel; keep what the clerk meant.
        return Parsed(date_text(raw, date1904))
    if raw.type == "n":
        return Parsed(_number_text(raw.value))
    if raw.type == "b":
        return Parsed("TRUE" if raw.value == "1" else "FALSE")
    return Parsed(raw.value)


def parse_number(raw: RawCell | None, decimal: bool, date1904: bool = False) -> Parsed:
    if raw is None or raw.value is None or raw.type == "":
        return Parsed(0, "blank-as-zero", "")
    text = raw.value
    if raw.type == "e":
        return Parsed(None, "cell-error", text)
    if raw.type == "b":
        return Parsed(None, "not-a-number", "TRUE" if text == "1" else "FALSE")
    if raw.is_date or raw.type == "d":
        # "1-5" or "3/4" typed into a count cell: Excel stores a date serial such as 45296,
        # which data validation (whole number >= 0) lets through.
        return Parsed(None, "date-value", date_text(raw, date1904))
    if raw.type == "n":
        if text.isdigit() and text.isascii() and len(text) < 16:
            # A plain count as every writer stores it ("12"): the Decimal path below gives
            # exactly this, at several times the cost, for most cells of every workbook.
            whole = int(text)
            if whole <= MAX_NUMBER:
                return Parsed(whole, None, str(whole))
        try:
            number = Decimal(_number_text(text))
        except InvalidOperation:
            return Parsed(None, "not-a-number", text)
        return _judge(number, decimal, None, _number_text(text))
    # A string: what a clerk typed after the cell lost its number format, or pasted.
    stripped = text.strip().strip("\u3000")
    if stripped == "" or stripped in ZERO_WORDS:
        return Parsed(0, "blank-as-zero", text)
    converted = stripped.translate(FULLWIDTH)
    converted = unicodedata.normalize("NFKC", converted).replace(",", "")
    if not _NUMBER.match(converted):
        return Parsed(None, "not-a-number", text)
    if len(converted) > _MAX_DIGITS * 2:
        return Parsed(None, "number-out-of-range", _short(text))
    soft = "fullwidth-number" if converted != stripped.replace(",", "") else "text-number"
    return _judge(Decimal(converted), decimal, soft, text)


def _judge(number: Decimal, decimal: bool, soft: str | None, shown: str) -> Parsed:
    if not number.is_finite():  # NaN, INF stored by a tool, or typed
        return Parsed(None, "not-a-number", shown)
    if number and abs(number.adjusted()) > _MAX_EXPONENT:  # decided before any arithmetic
        return Parsed(None, "number-out-of-range", _short(shown))
    if number < 0:
        return Parsed(None, "negative-number", shown)
    if number > MAX_EXACT:  # no longer the number typed: Excel keeps 15 digits
        return Parsed(None, "number-out-of-range", _short(shown))
    large = number > MAX_NUMBER
    if not decimal:
        if number != number.to_integral_value():
            return Parsed(None, "not-an-integer", shown)
        return Parsed(int(number), soft, shown, large)
    exponent = number.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    value: Value = int(number) if number == number.to_integral_value() else number.normalize()
    if places > MAX_DECIMALS:
        return Parsed(value, soft or "decimal-precision", shown, large)
    return Parsed(value, soft, shown, large)


def _short(text: str) -> str:
    """A long cell text cut for a message."""
    return text if len(text) <= 40 else text[:37] + "…"


def _number_text(text: str) -> str:
    """A stored number as Excel shows it: 15 significant digits, no float noise.

    Writers store floats with up to 17 digits ("0.30000000000000004"); Excel itself keeps 15.
    """
    try:
        as_float = float(text)
    except ValueError:
        return text
    if not math.isfinite(as_float):  # NaN, INF, or beyond a double (1e400): judged as written
        return text
    if as_float == int(as_float) and abs(as_float) < 1e15:
        return str(int(as_float))
    shown = format(as_float, ".15g")
    if "e" in shown:
        shown = format(Decimal(shown), "f")
    return shown


_EPOCH_1900 = datetime(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year quirk folded in)
_EPOCH_1904 = datetime(1904, 1, 1)


def date_text(raw: RawCell, date1904: bool = False) -> str:
    """A date cell as a Chinese reader writes it: 2025年1月20日, 8:30, or 2025年1月20日 8:30."""
    assert raw.value is not None
    if raw.type == "d":  # ISO 8601 text
        try:
            moment = iso_datetime(raw.value)
        except ValueError:
            return raw.value
    else:
        try:
            serial = float(raw.value)
            # Round to the second: 8:30 is stored as 0.354166…, which is 8:29:59.99.
            moment = (_EPOCH_1904 if date1904 else _EPOCH_1900) + timedelta(
                seconds=round(serial * 86400)
            )
        except (ValueError, OverflowError):
            return raw.value
        if serial < 1 and not date1904:  # a time of day only
            return f"{moment.hour}:{moment.minute:02d}"
    day = f"{moment.year}年{moment.month}月{moment.day}日"
    if moment.hour or moment.minute:
        return f"{day} {moment.hour}:{moment.minute:02d}"
    return day


def coerce_values(data: dict[str, object], form: Form = FORM) -> dict[str, Value]:
    """Values from JSON (by field key) typed as the form says; unknown keys raise KeyError."""
    out: dict[str, Value] = {}
    for key, v in data.items():
        f = form.field(key)  # KeyError names the unknown key
        if f.type is ValueType.TEXT:
            out[key] = "" if v is None else str(v)
        else:
            out[key] = _json_number(key, v, integer=f.type is not ValueType.DECIMAL)
    return out


_JSON_NUMBER_DIGITS = 15  # far beyond any count; keeps int() of an exponent bounded


def _json_number(key: str, v: object, integer: bool) -> int | Decimal:
    """A JSON value as a number of the form; ValueError (Chinese) when it is none."""
    shown = str(v)[:40]
    if isinstance(v, bool) or not isinstance(v, int | float | str | Decimal):
        raise ValueError(f"字段 {key} 应为数字，现为“{shown}”")
    try:
        number = Decimal(str(v).strip())
    except ArithmeticError:
        raise ValueError(f"字段 {key} 应为数字，现为“{shown}”") from None
    # adjusted() is the exponent: no arithmetic (and no context overflow) on 1e999999999.
    if not number.is_finite() or (number and number.adjusted() > _JSON_NUMBER_DIGITS):
        raise ValueError(f"字段 {key} 的值“{shown}”超出合理范围")
    if number == number.to_integral_value():
        return int(number)
    if integer:
        raise ValueError(f"字段 {key} 应为整数，现为 {shown}")
    return number
