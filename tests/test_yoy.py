"""Year over year against last year's workbook: warnings that give both values."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from helpers import consistent_values
from xl2report.checks.yoy import check_year_over_year
from xl2report.form.national import FORM, S3_COLUMNS, Value, blank_values, compute_formulas


def full(values: dict[str, Value]) -> dict[str, Value]:
    return compute_formulas({**blank_values(), **values})


@pytest.fixture
def pair() -> tuple[dict[str, Value], dict[str, Value]]:
    """Last year's values and this year's, consistent with each other."""
    last = full(consistent_values(random.Random(1), year=2023))
    this = consistent_values(random.Random(2), year=2024)
    for col, _ in S3_COLUMNS[:-1]:
        this[f"s3.carried.{col}"] = last[f"s3.carry_over.{col}"]
    for kind in ("rules", "normative"):
        this[f"s2.{kind}.in_force"] = (
            int(last[f"s2.{kind}.in_force"]) + int(this[f"s2.{kind}.issued"])
            - int(this[f"s2.{kind}.repealed"])
        )  # fmt: skip
    for key in ("s2.licensing.decisions", "s2.penalty.decisions", "s2.fees.amount"):
        this[key] = last[key]
    return last, this


def where(this: dict[str, Value], last: dict[str, Value]) -> list[tuple[str, str, str]]:
    return [(f.code, f.sheet, f.cell) for f in check_year_over_year(full(this), last)]


def at(code: str, key: str) -> tuple[str, str, str]:
    f = FORM.field(key)
    return (code, f.sheet, f.cell)


def test_consistent_years_pass(pair) -> None:  # type: ignore[no-untyped-def]
    last, this = pair
    assert where(this, last) == []


@pytest.mark.parametrize("col", [c for c, _ in S3_COLUMNS[:-1]])
def test_carried_must_be_last_years_carry_over(pair, col: str) -> None:  # type: ignore[no-untyped-def]
    last, this = pair
    this[f"s3.carried.{col}"] = int(this[f"s3.carried.{col}"]) + 1
    (finding,) = check_year_over_year(full(this), last)
    assert (finding.code, finding.cell) == at("yoy-carried-mismatch", f"s3.carried.{col}")[::2]
    assert (finding.expected, finding.actual) == (
        last[f"s3.carry_over.{col}"], this[f"s3.carried.{col}"]
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["rules", "normative"])
def test_in_force_follows_from_last_year(pair, kind: str) -> None:  # type: ignore[no-untyped-def]
    last, this = pair
    this[f"s2.{kind}.repealed"] = int(this[f"s2.{kind}.repealed"]) + 1
    assert where(this, last) == [at("yoy-in-force-mismatch", f"s2.{kind}.in_force")]


@pytest.mark.parametrize(
    ("key", "factor", "flagged"),
    [
        ("s2.penalty.decisions", 10, True),
        ("s2.licensing.decisions", Decimal("0.1"), True),
        ("s2.fees.amount", 10000, True),  # 元 typed where 万元 belongs
        ("s2.penalty.decisions", 9, False),
        ("s2.fees.amount", Decimal("0.2"), False),
    ],
)
def test_tenfold_swings(pair, key: str, factor, flagged: bool) -> None:  # type: ignore[no-untyped-def]
    last, this = pair
    last[key] = last[key] or 7
    value = Decimal(str(last[key])) * Decimal(str(factor))
    this[key] = int(value) if FORM.field(key).type == "integer" else value
    got = where(this, last)
    assert got == ([at("yoy-swing", key)] if flagged else [])


def test_other_org_or_year_is_warned(pair) -> None:  # type: ignore[no-untyped-def]
    last, this = pair
    last = {**last, "info.org": "别的镇人民政府", "info.year": 2022}
    assert sorted(where(this, last)) == sorted(
        [at("yoy-org-mismatch", "info.org"), at("yoy-year-mismatch", "info.year")]
    )
