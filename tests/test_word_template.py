"""The bundled Word template: generated from the form, laid out per format-spec.md §2 and §6."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from docx import Document
from docx.shared import Mm
from docxtpl import DocxTemplate
from lxml import etree

from xl2report.form.national import FORM, SECTION_HEADINGS, LabelRole
from xl2report.report.content import KNOWN_PLACEHOLDERS, report_content, template_context
from xl2report.report.default_template import (
    build_word_template,
    default_word_template,
    template_parts,
)
from xl2report.report.engine import open_template, parse_template, placeholder_paths
from xl2report.report.typography import TEXT_WIDTH
from xl2report.report.word_blocks import TABLE_COLUMNS_MM, table_grid

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TABLE_SECTIONS = ("二", "三", "四")
SHEET_OF = {spec.section: spec.name for spec in FORM.sheets if spec.section}


@pytest.fixture(scope="module")
def doc():  # type: ignore[no-untyped-def]
    return Document(str(default_word_template()))


def test_bundled_template_is_what_the_generator_makes() -> None:
    with zipfile.ZipFile(default_word_template()) as zf:
        bundled = {name: zf.read(name) for name in zf.namelist()}
    assert bundled == template_parts(), "run: python -m xl2report.report.default_template"


def test_generation_is_deterministic() -> None:
    assert build_word_template() == build_word_template()


def test_template_uses_exactly_the_placeholders_the_renderer_supplies(kejing_values) -> None:  # type: ignore[no-untyped-def]
    path = default_word_template()
    context = template_context(report_content(kejing_values))
    tpl = DocxTemplate(str(path))
    assert tpl.get_undeclared_template_variables(context=context) == set()
    assert tpl.get_undeclared_template_variables() == set(context)
    # The same, key by key: every supplied value is printed, nothing unknown is asked for.
    assert placeholder_paths(ast for _, _, ast in parse_template(open_template(path))) == set(
        KNOWN_PLACEHOLDERS
    )


def test_context_keys_cannot_hit_dict_methods() -> None:
    # Jinja tries getattr() before [] on dicts: a key named "items" would print a method.
    segments = {part for key in KNOWN_PLACEHOLDERS for part in key.split(".")}
    assert not segments & set(dir(dict))


def test_title_and_six_headings(doc) -> None:  # type: ignore[no-untyped-def]
    styles = [(p.style.name, p.text) for p in doc.paragraphs]
    assert ("Title", "{{ info.org }}\n{{ info.year }}年政府信息公开工作年度报告") in styles
    assert [t for s, t in styles if s == "Heading 1"] == list(SECTION_HEADINGS.values())


@pytest.mark.parametrize("section", TABLE_SECTIONS)
def test_tables_have_the_form_labels_merges_and_placeholders(doc, section: str) -> None:  # type: ignore[no-untyped-def]
    sheet = SHEET_OF[section]
    table = doc.tables[TABLE_SECTIONS.index(section)]
    first, _, ncols = table_grid(sheet)
    assert len(table.columns) == ncols
    roles = {LabelRole.CAPTION, LabelRole.HEADER, LabelRole.ROW}
    anchors = [
        (lab.row, lab.col, lab.last_row or lab.row, lab.last_col or lab.col, lab.text)
        for lab in FORM.labels_on(sheet)
        if lab.role in roles
    ] + [
        (f.row, f.col, f.row, f.last_col or f.col, "{{ " + f.key + " }}")
        for f in FORM.fields_on(sheet)
    ]
    grid = [table.row_cells(i) for i in range(len(table.rows))]  # python-docx resolves merges
    seen = set()
    for row, col, last_row, last_col, text in anchors:
        cell = grid[row - first][col]
        assert cell.text == text, (row, col)
        for r in range(row, last_row + 1):
            for c in range(col, last_col + 1):
                assert grid[r - first][c]._tc is cell._tc, (text, r, c)
                seen.add((r, c))
        # The merge stops where the form says: the next cell right is another cell.
        if last_col + 1 < ncols:
            assert grid[row - first][last_col + 1]._tc is not cell._tc
    assert len(seen) == len(table.rows) * ncols  # every grid position belongs to one anchor


def test_three_header_rows_repeat_on_each_page(doc) -> None:  # type: ignore[no-untyped-def]
    for section in ("三", "四"):
        rows = doc.tables[TABLE_SECTIONS.index(section)]._tbl.tr_lst
        header = [tr.find(f"{W}trPr/{W}tblHeader") is not None for tr in rows]
        assert header[:3] == [True, True, True] and not any(header[3:]), section


@pytest.mark.parametrize("section", TABLE_SECTIONS)
def test_explicit_column_widths_fill_the_text_width(doc, section: str) -> None:  # type: ignore[no-untyped-def]
    tbl = doc.tables[TABLE_SECTIONS.index(section)]._tbl
    grid = [int(c.get(f"{W}w")) for c in tbl.tblGrid.findall(f"{W}gridCol")]
    assert len(grid) == len(TABLE_COLUMNS_MM[section])
    assert sum(grid) == TEXT_WIDTH
    assert tbl.find(f"{W}tblPr/{W}tblLayout").get(f"{W}type") == "fixed"
    for tr in tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            span = tc.grid_span
            assert int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) == sum(grid[col : col + span])
            col += span
        assert col == len(grid)


def test_page_setup_is_gb_t_9704(doc) -> None:  # type: ignore[no-untyped-def]
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    assert section.page_width - section.left_margin - section.right_margin == pytest.approx(
        Mm(156), abs=Mm(0.1)
    )


def _styles() -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(build_word_template())) as zf:
        return etree.fromstring(zf.read("word/styles.xml"))


@pytest.mark.parametrize(
    ("style_id", "font", "half_points"),
    [
        ("Title", "方正小标宋简体", 44),  # 二号
        ("Heading1", "黑体", 32),  # 三号
        ("Heading2", "楷体_GB2312", 32),
        ("Normal", "仿宋_GB2312", 32),
        ("TableText", None, 21),  # 五号, font from Normal
    ],
)
def test_style_fonts_are_set_for_east_asian_text(
    style_id: str, font: str | None, half_points: int
) -> None:
    style = _styles().find(f"{W}style[@{W}styleId='{style_id}']")
    if font:
        fonts = style.find(f"{W}rPr/{W}rFonts")
        assert fonts.get(f"{W}eastAsia") == font and fonts.get(f"{W}ascii") == font
    assert style.find(f"{W}rPr/{W}sz").get(f"{W}val") == str(half_points)


def test_body_text_indent_and_fixed_line_pitch() -> None:
    normal = _styles().find(f"{W}style[@{W}styleId='Normal']/{W}pPr")
    spacing = normal.find(f"{W}spacing")
    assert (spacing.get(f"{W}line"), spacing.get(f"{W}lineRule")) == ("578", "exact")  # 28.9 pt
    assert normal.find(f"{W}ind").get(f"{W}firstLineChars") == "200"


def test_language_is_simplified_chinese_and_no_theme_fonts() -> None:
    parts = template_parts()
    lang = _styles().find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}eastAsia") == "zh-CN"
    assert not any(name.startswith("word/theme") for name in parts)
    for name, data in parts.items():
        assert not re.search(rb"(ascii|hAnsi|eastAsia|cs)Theme=", data), name


def test_page_numbers_are_dashed_and_alternate_sides(doc) -> None:  # type: ignore[no-untyped-def]
    parts = template_parts()
    assert b"<w:evenAndOddHeaders/>" in parts["word/settings.xml"]
    for name, side in (("word/footer1.xml", b"right"), ("word/footer2.xml", b"left")):
        footer = parts[name]
        text = "".join(etree.fromstring(footer).itertext())
        assert text.replace(" ", "") == "—PAGE1—"
        assert b'w:fldCharType="begin"' in footer and b'w:jc w:val="' + side + b'"' in footer


def test_repo_copy_in_templates_folder_matches_the_bundled_one() -> None:
    from pathlib import Path

    from xl2report.report.default_template import build_word_template

    copy = Path(__file__).resolve().parent.parent / "templates" / "report.docx"
    assert copy.read_bytes() == build_word_template(), "run: python -m xl2report.report.default_template"


# --- pagination (issue #13) ------------------------------------------------------------------


def _rows_kept(section: str) -> list[bool]:
    """For each table row: is it kept with the next one (all its paragraphs keep-with-next)?"""
    body = etree.fromstring(template_parts()["word/document.xml"])
    tables = body.findall(f".//{W}tbl")
    tbl = tables[TABLE_SECTIONS.index(section)]
    return [
        all(p.find(f"{W}pPr/{W}keepNext") is not None for p in tr.iter(f"{W}p"))
        for tr in tbl.findall(f"{W}tr")
    ]


def test_table_two_breaks_only_where_two_blocks_stay_on_each_side() -> None:
    kept = _rows_kept("二")
    breaks = [i for i, k in enumerate(kept[:-1]) if not k]
    _, rows, _ = table_grid(SHEET_OF["二"])
    captions = [i for i, row in enumerate(rows) if any(c.bold for c in row.values())]
    assert breaks == [captions[2] - 1]  # 第（一）（五）项 | 第（六）（八）项


def test_table_three_starts_and_ends_with_a_few_rows_together() -> None:
    from xl2report.report.word_blocks import FEW_ROWS

    kept = _rows_kept("三")
    header = 3
    assert all(kept[: header + FEW_ROWS - 1])  # header + first rows start on one page
    assert all(kept[-FEW_ROWS:-1])  # the last rows end on one page
    assert not all(kept[:-1])  # but the long body may break


def test_table_four_never_breaks() -> None:
    assert all(_rows_kept("四")[:-1])


def test_short_labels_of_table_three_fit_their_columns() -> None:
    """At 小五 (9 pt ≈ 3.175 mm a character) plus 2 mm of cell margins."""
    from xl2report.report.typography import SIZE_XIAOWU

    char_mm = SIZE_XIAOWU / 2 * 25.4 / 72
    widths = TABLE_COLUMNS_MM["三"]
    for text, col in (("三、本年度", 0), ("（三）不予公开", 1), ("自然人", 3)):
        assert len(text) * char_mm + 2 <= widths[col], (text, widths[col])
