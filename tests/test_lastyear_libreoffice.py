"""A real spreadsheet client recalculates a template that starts from last year (issue #16)."""

from __future__ import annotations

import random

import openpyxl
import pytest

from helpers import consistent_values, rebalance
from xl2report.form.national import FORM, Kind, Value, compute_formulas
from xl2report.form.types import CHECK_OK, STOCK_NO_PRIOR, stock_display
from xl2report.report.office import convert
from xl2report.xlsx.prefill import LastYearFill
from xl2report.xlsx.template import TemplateOptions, write_template

pytestmark = pytest.mark.libreoffice
LAST_YEAR = FORM.last_year
assert LAST_YEAR is not None


def this_year(last: dict[str, Value]) -> dict[str, Value]:
    """A consistent fill of this year that joins last year's (上年结转 and the stock)."""
    values = consistent_values(random.Random(9), 2025)
    for key, source in LAST_YEAR.carried:
        values[key] = last[source]
    rebalance(values)
    for check in LAST_YEAR.stock_checks:
        prior = next(p for p in LAST_YEAR.priors if p.key == check.prior)
        values[check.stock] = (int(last[prior.source]) + int(values[check.issued])  # type: ignore[call-overload]
                               - int(values[check.repealed]))  # type: ignore[call-overload]  # fmt: skip
    return values


LAST = compute_formulas(consistent_values(random.Random(3), 2024))
LAST["s3.carry_over.natural"] = 4  # something to carry over
FILL = LastYearFill(2024, LAST, "甲镇人民政府2024年报表.xlsx，2025年1月20日收到")
TYPED = this_year(LAST)
STOCK = LAST_YEAR.stock_checks[1]
# Two documents expired (or a typo): the stock no longer follows from last year's.
OFF = {**TYPED, STOCK.stock: int(TYPED[STOCK.stock]) - 2}  # type: ignore[call-overload]
CASES: dict[str, tuple[LastYearFill | None, dict[str, Value]]] = {
    "consistent": (FILL, TYPED),
    "stock-off": (FILL, OFF),
    "missing": (LastYearFill(2024), {"s2.normative.in_force": 5}),
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, openpyxl.Workbook]:
    """Each case typed into its template with openpyxl, recalculated by LibreOffice in one call."""
    tmp = tmp_path_factory.mktemp("lastyear")
    typed_paths = []
    for name, (fill, typed) in CASES.items():
        template = write_template(tmp / f"{name}-template.xlsx",
                                  TemplateOptions(org="甲镇人民政府", year=2025, last_year=fill))  # fmt: skip
        wb = openpyxl.load_workbook(template)
        for key, value in typed.items():
            f = FORM.field(key)
            if f.kind is Kind.INPUT and not key.startswith("info."):
                wb[f.sheet][f.cell] = value
        wb.save(tmp / f"{name}.xlsx")
        typed_paths.append(tmp / f"{name}.xlsx")
    outs = convert(typed_paths, "xlsx:Calc MS Excel 2007 XML", tmp / "out", recalc=True)
    return {name: openpyxl.load_workbook(out, data_only=True) for name, out in zip(CASES, outs, strict=True)}


def shown(wb: openpyxl.Workbook, where: tuple[str, int, int]) -> object:
    sheet, row, col = where
    return wb[sheet].cell(row + 1, col + 1).value


def test_consistent_fill_of_a_prefilled_template_shows_ticks(recalculated) -> None:  # type: ignore[no-untyped-def]
    wb = recalculated["consistent"]
    for key, source in LAST_YEAR.carried:
        f = FORM.field(key)
        assert wb[f.sheet][f.cell].value == LAST[source]
    total = FORM.field("s3.carried.total")
    assert wb[total.sheet][total.cell].value == LAST["s3.carry_over.total"]
    for rule in FORM.rules:
        if rule.check and rule.id.startswith("T3-1"):
            assert shown(wb, rule.check) == CHECK_OK, rule.id
    for check in LAST_YEAR.stock_checks:
        assert shown(wb, check.check) == CHECK_OK, check.id


def test_the_stock_check_reacts(recalculated) -> None:  # type: ignore[no-untyped-def]
    wb = recalculated["stock-off"]
    text = shown(wb, STOCK.check)
    prior = next(p for p in LAST_YEAR.priors if p.key == STOCK.prior)
    assert text == stock_display(STOCK, compute_formulas(OFF), LAST[prior.source])
    assert isinstance(text, str) and text.startswith("!") and "到期失效" in text
    assert shown(wb, LAST_YEAR.stock_checks[0].check) == CHECK_OK


def test_without_last_year_the_stock_check_stays_quiet(recalculated) -> None:  # type: ignore[no-untyped-def]
    wb = recalculated["missing"]
    for check in LAST_YEAR.stock_checks:
        assert shown(wb, check.check) == STOCK_NO_PRIOR
    assert str(shown(wb, LAST_YEAR.note)).startswith("未找到本单位2024年度")
