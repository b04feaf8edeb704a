"""The generated template, read back with openpyxl (an independent reader)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

from golden_parts import GOLDEN_ROOT, assert_matches_golden, normalised_parts
from xl2report.form.national import FORM, FORM_VERSION, Kind, ValueType
from xl2report.xlsx.factory import TemplateFactory
from xl2report.xlsx.template import TemplateOptions, build_workbook

GOLDEN = GOLDEN_ROOT / "template"


@pytest.fixture(scope="module")
def blank() -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(build_workbook()))


@pytest.fixture(scope="module")
def personal() -> openpyxl.Workbook:
    data = build_workbook(TemplateOptions(org="克井镇人民政府", year=2024))
    return openpyxl.load_workbook(io.BytesIO(data))


def test_every_field_exists_where_fields_json_says(blank: openpyxl.Workbook) -> None:
    from xl2report.docs import field_rows

    for row in field_rows():
        ws = blank[row["sheet"]]
        cell = ws[row["cell"]]
        f = FORM.field(row["key"])
        if row["kind"] == "formula":
            assert isinstance(cell.value, str) and cell.value == f.formula, row
        elif f.default is not None:
            assert cell.value == f.default, row


def test_inputs_unlocked_everything_else_locked(blank: openpyxl.Workbook) -> None:
    inputs = {(f.sheet, f.cell) for f in FORM.fields if f.kind is Kind.INPUT}
    for ws in blank.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if (ws.title, cell.coordinate) in inputs:
                    assert cell.protection.locked is False, (ws.title, cell.coordinate)
                elif cell.value is not None:
                    assert cell.protection.locked is True, (ws.title, cell.coordinate)


def test_every_sheet_protected(blank: openpyxl.Workbook) -> None:
    for ws in blank.worksheets:
        assert ws.protection.sheet, ws.title
        # Rows and columns can't be inserted or deleted (openpyxl: True = protected).
        assert ws.protection.insertRows and ws.protection.deleteRows, ws.title


def test_numeric_inputs_covered_by_validation(blank: openpyxl.Workbook) -> None:
    for f in FORM.fields:
        if f.kind is not Kind.INPUT or f.type is ValueType.TEXT:
            continue
        ws = blank[f.sheet]
        covering = [
            dv for dv in ws.data_validations.dataValidation
            if f.cell in MultiCellRange(str(dv.sqref))
        ]  # fmt: skip
        assert len(covering) == 1, f.key
        dv = covering[0]
        expected = "whole" if f.type is ValueType.INTEGER else "decimal"
        assert dv.type == expected, f.key
        assert dv.error and dv.promptTitle, f.key


def test_defined_names_point_at_fields(blank: openpyxl.Workbook) -> None:
    names = blank.defined_names
    for f in FORM.fields:
        dn = names[f.defined_name]
        ((sheet, ref),) = dn.destinations
        assert sheet == f.sheet and ref.replace("$", "") == f.cell


def test_merges_follow_the_form(blank: openpyxl.Workbook) -> None:
    for label in FORM.labels:
        if not label.merged:
            continue
        ws = blank[label.sheet]
        want = CellRange(min_row=label.row + 1, min_col=label.col + 1,
                         max_row=(label.last_row or label.row) + 1,
                         max_col=(label.last_col or label.col) + 1)  # fmt: skip
        assert want.coord in {str(r) for r in ws.merged_cells.ranges}, label


def test_personalised_org_and_year_locked(personal: openpyxl.Workbook) -> None:
    org, year = FORM.field("info.org"), FORM.field("info.year")
    ws = personal[org.sheet]
    assert ws[org.cell].value == "克井镇人民政府" and ws[org.cell].protection.locked
    assert ws[year.cell].value == 2024 and ws[year.cell].protection.locked
    meta = personal[FORM.meta_sheet]
    assert meta.sheet_state == "veryHidden"
    stored = {row[0].value: row[1].value for row in meta.iter_rows()}
    assert stored["form_version"] == FORM_VERSION
    assert stored["org"] == "克井镇人民政府" and stored["year"] == "2024"
    assert stored["fingerprint"] == FORM.fingerprint


def test_cached_values_of_filled_workbook_are_correct(kejing_values: dict) -> None:
    data = build_workbook(TemplateOptions(org="克井镇人民政府", year=2024), kejing_values)
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    assert wb["二、主动公开"][FORM.field("s2.penalty.decisions").cell].value == 13
    cover = wb[FORM.summary_text[0]]
    r, c = FORM.summary_text[1:]
    assert cover.cell(r + 1, c + 1).value == "✓ 全部通过"


def test_deterministic() -> None:
    options = TemplateOptions(org="甲镇", year=2025)
    assert build_workbook(options) == build_workbook(options)


def test_golden(update_golden: bool) -> None:
    """The template's XML, part by part; regenerate on purpose with --update-golden."""
    data = build_workbook(TemplateOptions(org="甲镇人民政府", year=2024))
    parts = normalised_parts(data, skip=["docProps/app.xml"])
    assert_matches_golden(GOLDEN, parts, update_golden)


def test_text_inputs_are_single_cells_not_merged_ranges(blank: openpyxl.Workbook) -> None:
    for f in FORM.fields:
        if f.type is ValueType.TEXT:
            ws = blank[f.sheet]
            assert not any(f.cell in r for r in ws.merged_cells.ranges), f.key
            assert ws[f.cell].alignment.wrap_text, f.key


def test_print_setup(blank: openpyxl.Workbook) -> None:
    for ws in blank.worksheets[:-1]:
        assert ws.page_setup.paperSize == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert re.search(r"\$3:\$5", str(blank["三、依申请公开"].print_title_rows))


@pytest.mark.parametrize(
    "org",
    [
        "克井镇人民政府",
        "A&B <县> 局",
        "机关名称",
        " 前后空格 ",
        "x_x0041_y",
        "控制\x0b字符",
        "长" * 300,
    ],
)
@pytest.mark.parametrize("contact", [None, "张三", "克井镇人民政府", "联系人"])
def test_factory_templates_are_the_same_bytes_as_a_build(org: str, contact: str | None) -> None:
    """template --roster builds the layout once and swaps names in (issue #6): the bytes must be
    exactly those of a separate build, whatever the name (names it cannot swap are built)."""
    factory = TemplateFactory(2024, password="pw")
    options = TemplateOptions(org=org, year=2024, password="pw", contact=contact)
    assert factory.build(org, contact) == build_workbook(options)


def test_cover_says_where_to_send_it() -> None:
    from xl2report.form.national import DEFAULT_SUBMIT_NOTE

    sheet, row, col = FORM.submit_note
    note = "请于2026年1月15日前发送至 gkb@example.gov.cn"
    for given, shown in ((None, DEFAULT_SUBMIT_NOTE), (note, note)):
        wb = openpyxl.load_workbook(io.BytesIO(build_workbook(TemplateOptions(submit_to=given))))
        cell = wb[sheet].cell(row + 1, col + 1)
        assert cell.value == shown and cell.protection.locked


def test_roster_factory_carries_the_submit_note() -> None:
    from xl2report.xlsx.factory import TemplateFactory

    note = "1月15日前报送"
    factory = TemplateFactory(2025, submit_to=note)
    want = build_workbook(TemplateOptions(org="丁镇人民政府", year=2025, submit_to=note))
    assert factory.build("丁镇人民政府") == want
