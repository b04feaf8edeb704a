"""A real spreadsheet client recalculates a template that starts from last year (issue #16)."""

from __future__ import annotations

import random
from pathlib import Path

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


def recalculated(tmp_path: Path, fill: LastYearFill | None, typed: dict[str, Value],
                 name: str) -> openpyxl.Workbook:  # fmt: skip
    template = write_template(tmp_path / f"{name}-template.xlsx",
                              TemplateOptions(org="甲镇人民政府", year=2025, last_year=fill))  # fmt: skip
    wb = openpyxl.load_workbook(template)
    for key, value in typed.items():
        f = FORM.field(key)
        if f.kind is Kind.INPUT and not key.startswith("info."):
            wb[f.sheet][f.cell] = value
    (tmp_path / name).mkdir()
    wb.save(tmp_path / name / "typed.xlsx")
    (out,) = convert([tmp_path / name / "typed.xlsx"], "xlsx:Calc MS Excel 2007 XML",
                     tmp_path / name / "out", recalc=True)  # fmt: skip
    return openpyxl.load_workbook(out, data_only=True)


def shown(wb: openpyxl.Workbook, where: tuple[str, int, int]) -> object:
    sheet, row, col = where
    return wb[sheet].cell(row + 1, col + 1).value


def test_consistent_fill_of_a_prefilled_template_shows_ticks(tmp_path: Path) -> None:
    last = compute_formulas(consistent_values(random.Random(3), 2024))
    last["s3.carry_over.natural"] = 4  # something to carry over
    fill = LastYearFill(2024, last, "甲镇人民政府2024年报表.xlsx，2025年1月20日收到")
    typed = this_year(last)
    wb = recalculated(tmp_path, fill, typed, "consistent")
    for key, source in LAST_YEAR.carried:
        f = FORM.field(key)
        assert wb[f.sheet][f.cell].value == last[source]
    total = FORM.field("s3.carried.total")
    assert wb[total.sheet][total.cell].value == last["s3.carry_over.total"]
    for rule in FORM.rules:
        if rule.check and rule.id.startswith("T3-1"):
            assert shown(wb, rule.check) == CHECK_OK, rule.id
    for check in LAST_YEAR.stock_checks:
        assert shown(wb, check.check) == CHECK_OK, check.id

    # The stock check reacts: two documents expired (or a typo) -> the warning names the sums.
    stock = LAST_YEAR.stock_checks[1]
    off = {**typed, stock.stock: int(typed[stock.stock]) - 2}  # type: ignore[call-overload]
    wb = recalculated(tmp_path, fill, off, "stock-off")
    text = shown(wb, stock.check)
    prior = next(p for p in LAST_YEAR.priors if p.key == stock.prior)
    assert text == stock_display(stock, compute_formulas(off), last[prior.source])
    assert isinstance(text, str) and text.startswith("!") and "到期失效" in text
    assert shown(wb, LAST_YEAR.stock_checks[0].check) == CHECK_OK


def test_without_last_year_the_stock_check_stays_quiet(tmp_path: Path) -> None:
    wb = recalculated(tmp_path, LastYearFill(2024), {"s2.normative.in_force": 5}, "missing")
    for check in LAST_YEAR.stock_checks:
        assert shown(wb, check.check) == STOCK_NO_PRIOR
    assert str(shown(wb, LAST_YEAR.note)).startswith("未找到本单位2024年度")
