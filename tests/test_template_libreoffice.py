"""A real spreadsheet client: LibreOffice recalculates what a clerk typed into the template."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xl2report.form.national import FORM, blank_values, check_display, compute_formulas, rule_holds
from xl2report.report.office import convert
from xl2report.xlsx.template import TemplateOptions, write_template

pytestmark = pytest.mark.libreoffice


def _type_and_recalculate(tmp_path: Path, typed: dict[str, int], name: str) -> openpyxl.Workbook:
    template = write_template(tmp_path / "template.xlsx", TemplateOptions(org="乙镇", year=2024))
    wb = openpyxl.load_workbook(template)
    for key, value in typed.items():
        f = FORM.field(key)
        wb[f.sheet][f.cell] = value
    typed_path = tmp_path / "typed" / f"{name}.xlsx"
    typed_path.parent.mkdir()
    wb.save(typed_path)
    (out,) = convert([typed_path], "xlsx:Calc MS Excel 2007 XML", tmp_path / "out", recalc=True)
    return openpyxl.load_workbook(out, data_only=True)


def _value(wb: openpyxl.Workbook, key: str) -> object:
    f = FORM.field(key)
    return wb[f.sheet][f.cell].value


def _check(wb: openpyxl.Workbook, rule_id: str) -> object:
    rule = next(r for r in FORM.rules if r.id == rule_id)
    sheet, row, col = rule.check  # type: ignore[misc]
    return wb[sheet].cell(row + 1, col + 1).value


def _summary(wb: openpyxl.Workbook) -> object:
    sheet, row, col = FORM.summary_text
    return wb[sheet].cell(row + 1, col + 1).value


def test_consistent_fill_recalculates_to_ticks(tmp_path: Path) -> None:
    typed = {
        "s3.new.natural": 5, "s3.carried.natural": 1, "s3.granted.natural": 3,
        "s3.refused.secret.natural": 2, "s3.carry_over.natural": 1,
        "s3.new.legal": 2, "s3.unavailable.unclear.legal": 2,
        "s4.review.upheld": 2, "s4.review.pending": 1,
    }  # fmt: skip
    wb = _type_and_recalculate(tmp_path, typed, "consistent")
    assert _value(wb, "s3.new.total") == 7
    assert _value(wb, "s3.handled_total.natural") == 5
    assert _value(wb, "s3.handled_total.total") == 7
    assert _value(wb, "s4.review.total") == 3
    for col in ("natural", "legal", "total"):
        assert _check(wb, f"T3-1.{col}") == "✓"
    # Texts are still empty: the required-text checks fail, and the cover counts them as the
    # Python twin of every check formula does.
    values = compute_formulas({**blank_values(), **typed, "info.org": "乙镇", "info.year": 2024})
    failing = [r.id for r in FORM.rules if r.check and not rule_holds(r, values)]
    assert failing and all(r.startswith("R-s") for r in failing)
    assert _summary(wb) == f"✗ {len(failing)} 项未通过，请按各表 ✗ 提示修改"
    for rule in FORM.rules:
        if rule.check:
            assert _check(wb, rule.id) == check_display(rule, values), rule.id


def test_inconsistent_fill_shows_the_message(tmp_path: Path) -> None:
    wb = _type_and_recalculate(
        tmp_path, {"s3.new.natural": 5, "s3.granted.natural": 3, "s3.carry_over.natural": 1},
        "inconsistent",
    )  # fmt: skip
    assert _check(wb, "T3-1.natural") == "✗ 5≠4"
    assert _check(wb, "T3-1.total") == "✗ 5≠4"
    assert _check(wb, "T3-1.business") == "✓"


def test_fee_checks(tmp_path: Path) -> None:
    wb = _type_and_recalculate(tmp_path, {"s6.fee_billed": 100, "s6.fee_collected": 150}, "fees")
    assert _check(wb, "F-1") == "✗ 实收大于通知金额"
    assert _check(wb, "F-2") == "✗ 请填通知件数"
