"""Property-based: any consistent fill passes; any single change that matters is caught nearby.

Totals are formulas and are recomputed, so changing an input that only feeds a total (四表 分项)
cannot break anything; changing an input of a balance (三表) must, and so must typing a number
over any total.  Checked on values (many examples, fast) and through real workbooks (fewer).
"""

from __future__ import annotations

import io
import random
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import TEXTS
from xl2report.checks.check import check_file
from xl2report.checks.rules import check_rules
from xl2report.form.national import (
    FORM,
    S3_COLUMNS,
    S3_OUTCOME_ROWS,
    Kind,
    Value,
    blank_values,
    compute_formulas,
)
from xl2report.xlsx.template import TemplateOptions, build_workbook

APPLICANTS = [c for c, _ in S3_COLUMNS if c != "total"]
FORMULAS = {f.key for f in FORM.fields if f.kind is Kind.FORMULA}
S3_INPUTS = [
    f.key for f in FORM.fields if f.kind is Kind.INPUT and f.key.startswith("s3.")
]  # every one of them is in a column's 一+二 = 三(七)+四
TOTALS = sorted(FORMULAS)


@st.composite
def consistent(draw: st.DrawFn) -> dict[str, Value]:
    """A random fill satisfying every rule.

    Hypothesis draws the shape (how many rows are used, how large the numbers are, fees or not)
    and a seed; the ~200 numbers come from the seed, which keeps each example cheap.
    """
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    used = draw(st.floats(0.0, 1.0))  # share of outcome rows with applications
    top = draw(st.sampled_from([1, 3, 9, 60, 999]))
    values: dict[str, Value] = {"info.org": "测试镇人民政府", "info.year": 2024, **TEXTS}
    for col in APPLICANTS:
        outcomes = {r: rng.randint(1, top) if rng.random() < used else 0 for r in S3_OUTCOME_ROWS}
        carried, carry_over = rng.randint(0, top), rng.randint(0, top)
        new = sum(outcomes.values()) + carry_over - carried
        if new < 0:
            carried, new = carried + new, 0
        values.update({f"s3.{row}.{col}": n for row, n in outcomes.items()})
        values.update({f"s3.new.{col}": new, f"s3.carried.{col}": carried,
                       f"s3.carry_over.{col}": carry_over})  # fmt: skip
    for f in FORM.fields:
        if f.kind is Kind.INPUT and f.key.startswith(("s2.", "s4.")) and f.key not in values:
            values[f.key] = rng.randint(0, top)
    values["s2.fees.amount"] = Decimal(draw(st.integers(0, 10**7))) / 10000
    billed = Decimal(draw(st.integers(0, 10**6))) / 100
    values["s6.fee_billed"] = billed
    values["s6.fee_collected"] = billed * Decimal(draw(st.integers(0, 100))) / 100
    values["s6.fee_notices"] = draw(st.integers(1, 5))
    return values


def run(values: dict[str, Value], typed: dict[str, Value] | None = None):  # type: ignore[no-untyped-def]
    typed = typed or {}
    full = compute_formulas({**blank_values(), **values})
    full.update(typed)
    return check_rules(full, (), FORM, recomputed=FORMULAS - set(typed))


def column_cells(key: str) -> set[str]:
    """The cells of the balance the input ``key`` takes part in (its column's 一, 二, 三(七), 四)."""
    col = key.rsplit(".", 1)[1]
    rows = ("new", "carried", "handled_total", "carry_over")
    return {FORM.field(f"s3.{row}.{col}").cell for row in rows}


def changed(value: Value, delta: int) -> int:
    new = int(value) + delta
    return new if new >= 0 else int(value) + abs(delta)


@settings(max_examples=200, deadline=None)
@given(consistent())
def test_consistent_fill_passes(values: dict[str, Value]) -> None:
    assert run(values) == []


@settings(max_examples=200, deadline=None)
@given(consistent(), st.sampled_from(S3_INPUTS), st.integers(-5, 5).filter(bool))
def test_changing_a_balance_input_is_an_error_at_its_column(
    values: dict[str, Value], key: str, delta: int
) -> None:
    values = {**values, key: changed(values[key], delta)}
    findings = [f for f in run(values) if f.is_error]
    sheet = FORM.field(key).sheet
    assert any(
        f.code == "balance-mismatch"
        and f.sheet == sheet
        and {f.cell, *f.related} == column_cells(key)
        for f in findings
    ), findings


@settings(max_examples=200, deadline=None)
@given(consistent(), st.sampled_from(TOTALS), st.integers(-5, 5).filter(bool))
def test_a_typed_over_total_that_differs_is_an_error_at_it(
    values: dict[str, Value], key: str, delta: int
) -> None:
    full = compute_formulas({**blank_values(), **values})
    typed = {key: changed(full[key], delta)}
    f = FORM.field(key)
    assert any(x.is_error and (x.sheet, x.cell) == (f.sheet, f.cell) for x in run(values, typed))


@settings(max_examples=200, deadline=None)
@given(consistent(), st.sampled_from([f.key for f in FORM.fields
                                      if f.kind is Kind.INPUT and f.key.startswith("s4.")]),
       st.integers(-5, 5).filter(bool))  # fmt: skip
def test_changing_an_input_that_only_feeds_a_formula_breaks_nothing(
    values: dict[str, Value], key: str, delta: int
) -> None:
    assert run({**values, key: changed(values[key], delta)}) == []


# Through real workbooks: the template writer, the reader and every check.


def check_bytes(data: bytes) -> list:  # type: ignore[type-arg]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "filled.xlsx")
        path.write_bytes(data)
        return check_file(path).report.findings


OPTIONS = TemplateOptions(org="测试镇人民政府", year=2024)
SLOW = settings(max_examples=15, deadline=None)


@SLOW
@given(consistent())
def test_workbook_of_consistent_fill_is_clean(values: dict[str, Value]) -> None:
    assert check_bytes(build_workbook(OPTIONS, values)) == []


@SLOW
@given(consistent(), st.sampled_from(S3_INPUTS), st.integers(-5, 5).filter(bool))
def test_workbook_with_one_changed_input_fails_at_its_column(  # type: ignore[no-untyped-def]
    values: dict[str, Value], key: str, delta: int
) -> None:
    values = {**values, key: changed(values[key], delta)}
    findings = check_bytes(build_workbook(OPTIONS, values))
    assert [f.code for f in findings] == ["balance-mismatch"]
    assert {findings[0].cell, *findings[0].related} == column_cells(key)


@SLOW
@given(consistent(), st.sampled_from(TOTALS), st.integers(-5, 5).filter(bool))
def test_workbook_with_a_typed_over_total_fails_at_it(  # type: ignore[no-untyped-def]
    values: dict[str, Value], key: str, delta: int
) -> None:
    import openpyxl

    full = compute_formulas({**blank_values(), **values})
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(OPTIONS, values)))
    f = FORM.field(key)
    wb[f.sheet][f.cell].value = changed(full[key], delta)
    out = io.BytesIO()
    wb.save(out)
    findings = check_bytes(out.getvalue())
    here = {x.code for x in findings if (x.sheet, x.cell) == (f.sheet, f.cell)}
    assert {"formula-overwritten", "total-mismatch"} <= here
