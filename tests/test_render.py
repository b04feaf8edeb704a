"""The Word report: reproduces the published seed, keeps every text literal, verifies itself."""

from __future__ import annotations

import random
import re
import tracemalloc
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import consistent_values
from report_helpers import edit_docx, parse_seed, read_report
from xl2report.atomic import OutputExistsError
from xl2report.batch.outbox import report_filename
from xl2report.checks.check import check_file
from xl2report.form.national import (
    FORM,
    S2_BLOCKS,
    S3_COLUMNS,
    S3_OUTCOME_ROWS,
    SECTION_HEADINGS,
    blank_values,
    compute_formulas,
)
from xl2report.form.types import format_number
from xl2report.report.content import (
    DRAFT_MARK,
    TABLE_FIELDS,
    fee_sentence,
    report_content,
    split_paragraphs,
    template_context,
)
from xl2report.report.default_template import default_word_template
from xl2report.report.engine import render_with_docxtpl
from xl2report.report.render import RenderError, ReportRenderer, check_word_template
from xl2report.report.verify import read_document
from xl2report.report.word_blocks import table_grid

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"
SHEETS = {spec.section: spec.name for spec in FORM.sheets if spec.section}


@pytest.fixture(scope="module")
def renderer() -> ReportRenderer:
    return ReportRenderer()


@pytest.fixture(scope="module")
def values(kejing_values) -> dict:  # type: ignore[no-untyped-def]
    """The example's values as check_file returns them: every field, totals computed."""
    return compute_formulas({**blank_values(), **kejing_values})


@pytest.fixture(scope="module")
def example_docx(renderer: ReportRenderer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = check_file(EXAMPLE)
    assert result.valid, result.report.findings
    out = tmp_path_factory.mktemp("example") / report_filename(result.report.org, 2024)
    assert renderer.render(result.values, out) == []
    return out


def _cell(report, key: str) -> str:  # type: ignore[no-untyped-def]
    """The docx table cell where the form puts field ``key``."""
    f = FORM.field(key)
    section = FORM.sheet(f.sheet).section
    first, _, _ = table_grid(f.sheet)
    return report.tables[("二", "三", "四").index(section)][f.row - first][f.col]


# --- the seed -------------------------------------------------------------------------------


def test_example_report_reproduces_the_published_seed(example_docx: Path) -> None:
    seed = parse_seed()
    report = read_report(example_docx)
    (title,) = report.styled("Title")
    assert title.replace("\n", "") == seed.title == "克井镇人民政府2024年政府信息公开工作年度报告"
    assert report.styled("Heading 1") == seed.headings == list(SECTION_HEADINGS.values())
    texts = report.texts
    # Section 一: each part's heading (level 2), then its text, verbatim.
    for heading, text in seed.parts:
        i = texts.index(heading)
        assert report.paragraphs[i][0] == "Heading 2"
        assert texts[i + 1] == text
    # Sections 五 and 六: every paragraph verbatim, after its heading.
    for section in ("五", "六"):
        start = texts.index(SECTION_HEADINGS[section])
        for paragraph in seed.paragraphs[section]:
            assert paragraph in texts[start + 1 :], paragraph
    # Table 二, by row label; tables 三 and 四, every number at its row and column.
    for _, _, rows in S2_BLOCKS:
        for prefix, label, keys in rows:
            shown = [_cell(report, f"s2.{prefix}.{k}") for k in keys]
            assert shown == seed.table2[label], label
    row_keys = ["new", "carried", *S3_OUTCOME_ROWS, "handled_total", "carry_over"]
    assert len(seed.table3) == len(row_keys)
    for row_key, numbers in zip(row_keys, seed.table3, strict=True):
        shown = [_cell(report, f"s3.{row_key}.{col}") for col, _ in S3_COLUMNS]
        assert shown == numbers, row_key
    s4 = sorted(FORM.fields_on(SHEETS["四"]), key=lambda f: f.col)
    assert [_cell(report, f.key) for f in s4] == seed.table4


def test_every_number_lands_at_its_row_and_column(renderer: ReportRenderer, tmp_path: Path) -> None:
    # The seed's tables are mostly zeros; distinct random numbers pin each position down.
    values = compute_formulas(consistent_values(random.Random(7)))
    out = tmp_path / "r.docx"
    renderer.render(values, out)
    report = read_report(out)
    for f in TABLE_FIELDS:
        assert _cell(report, f.key) == format_number(values[f.key]), f.key


# --- literal text ---------------------------------------------------------------------------

MARKUP = "A&B <c> {{ x }} {% if %} {# c #} &amp; ]]> <w:p/> \"双引号\" '单引号' {_{ }_} {_% %_}"
HOSTILE = {
    "info.org": "A&B<镇>{{ info.org }}",
    "s1.active.heading": "（一）<b>主动</b>{{ s1 }}",
    "s1.oversight.heading": "（五）监督\r\n保障\r情况",
    "s1.active.text": MARKUP,
    "s1.requests.text": "控制\x0b字符\x01被删\x1f除了",
    "s1.management.text": ("政务公开&<>{{}}{%%}😀" * 400)[:5000],
    "s1.platform.text": "表情 😀🎉👍🏽 生僻字 𠮷 制表\t符",
    "s1.oversight.text": "{%p endfor %}\n{{r x }}\n{%tr if y %}",
    "s5.text": "（一）主要问题\n问题{{ a }}。\r\n\r\n（二）改进情况\n　　措施<b>。",
    "s6.text": "{{ draft }}{% for x in y %}",
}
CLEAN = {
    k: v.replace("\x0b", "").replace("\x01", "").replace("\x1f", "") for k, v in HOSTILE.items()
}


def _hostile_values(values):  # type: ignore[no-untyped-def]
    return compute_formulas({**values, **HOSTILE})


def test_hostile_text_comes_out_verbatim(renderer: ReportRenderer, values, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "hostile.docx"
    warnings = renderer.render(_hostile_values(values), out)
    report = read_report(out)
    texts = report.texts
    assert report.styled("Title") == [CLEAN["info.org"] + "\n2024年政府信息公开工作年度报告"]
    for key in ("s1.active.heading", "s1.active.text", "s1.requests.text", "s1.management.text",
                "s1.platform.text", "s6.text"):  # fmt: skip
        assert CLEAN[key] in texts, key
    assert len(CLEAN["s1.management.text"]) == 5000
    assert ("Heading 2", "（五）监督\n保障\n情况") in report.paragraphs  # a break inside a heading
    assert texts[texts.index("{%p endfor %}") : texts.index("{%p endfor %}") + 3] == [
        "{%p endfor %}",
        "{{r x }}",
        "{%tr if y %}",
    ]
    assert ("Heading 2", "（一）主要问题") in report.paragraphs
    assert ("Normal", "问题{{ a }}。") in report.paragraphs
    assert ("Normal", "措施<b>。") in report.paragraphs
    # The removed control characters are reported, naming the cell.
    f = FORM.field("s1.requests.text")
    assert any(w.startswith(f"{f.sheet}!{f.cell}") and "3 个" in w for w in warnings), warnings


def test_hostile_text_through_a_real_workbook(
    renderer: ReportRenderer, values, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from helpers import make_workbook

    book = make_workbook(tmp_path / "h.xlsx", _hostile_values(values), org=None, year=2024)
    result = check_file(book)
    assert result.valid, [f.code for f in result.report.errors]
    out = tmp_path / "h.docx"
    renderer.render(result.values, out)
    texts = read_report(out).texts
    for key in ("s1.active.text", "s1.requests.text", "s1.management.text", "s1.platform.text"):
        assert CLEAN[key] in texts, key


# --- same result as plain docxtpl -----------------------------------------------------------


@pytest.mark.parametrize("case", ["example", "random", "hostile", "draft"])
def test_fast_renderer_matches_plain_docxtpl(renderer: ReportRenderer, values, case: str) -> None:  # type: ignore[no-untyped-def]
    chosen = {
        "example": values,
        "random": compute_formulas(consistent_values(random.Random(11))),
        "hostile": _hostile_values(values),
        "draft": values,
    }[case]
    content = report_content(chosen, draft=case == "draft")
    fast = read_report(renderer.render_bytes(content))
    plain = read_report(render_with_docxtpl(default_word_template(), template_context(content)))
    assert fast.paragraphs == plain.paragraphs
    assert fast.tables == plain.tables


def test_same_values_same_bytes(renderer: ReportRenderer, values, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = tmp_path / "a.docx", tmp_path / "b.docx"
    assert renderer.render(values, a) == []
    ReportRenderer().render(values, b)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "<dc:title>克井镇人民政府2024年政府信息公开工作年度报告</dc:title>" in core
    assert "<dc:creator>克井镇人民政府</dc:creator>" in core  # the unit, not the tool
    assert "2021-09-29" not in core  # the format's issue date is not this report's date


@pytest.mark.parametrize(
    ("published", "when"),
    [("2025年1月20日", "2025-01-20T00:00:00Z"), ("2025/1/5", "2025-01-05T00:00:00Z"),
     ("", None), ("一月底", None), ("2025年2月30日", None)],
)  # fmt: skip
def test_core_dates_are_the_publish_date_or_today(
    renderer: ReportRenderer, values, published: str, when: str | None, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import datetime

    out = tmp_path / "r.docx"
    renderer.render({**values, "info.publish_date": published}, out)
    with zipfile.ZipFile(out) as zf:
        core = zf.read("docProps/core.xml").decode()
    expected = when or f"{datetime.date.today().isoformat()}T00:00:00Z"
    assert f'<dcterms:created xsi:type="dcterms:W3CDTF">{expected}</dcterms:created>' in core
    assert f'<dcterms:modified xsi:type="dcterms:W3CDTF">{expected}</dcterms:modified>' in core


# --- content rules --------------------------------------------------------------------------


def test_line_breaks_become_paragraphs_and_short_numbered_lines_headings() -> None:
    text = (
        "（一）主要问题\n  一是认识不够。\r\n\n（二）改进情况：继续推进各项工作。\n(三)加强培训\n"
        + "（四）"
        + "长" * 40
    )
    assert split_paragraphs(text) == [
        ("（一）主要问题", True),
        ("一是认识不够。", False),
        ("（二）改进情况：继续推进各项工作。", False),  # has 。: a sentence, not a heading
        ("(三)加强培训", True),
        ("（四）" + "长" * 40, False),  # too long for a heading
    ]


@pytest.mark.parametrize(
    ("fees", "sentence"),
    [
        ((0, 0, 0), "本年度未收取信息处理费。"),
        (
            (2, Decimal("150.50"), Decimal("100")),
            "本年度共发出收费通知2件，总金额150.5元，实际收取100元。",
        ),
    ],
)
def test_empty_section_six_is_written_from_the_fee_figures(
    renderer: ReportRenderer,
    values,
    tmp_path: Path,
    fees,
    sentence: str,  # type: ignore[no-untyped-def]
) -> None:
    values = {**values, "s6.text": "  \n", "s6.fee_notices": fees[0],
              "s6.fee_billed": fees[1], "s6.fee_collected": fees[2]}  # fmt: skip
    assert fee_sentence(values) == sentence
    out = tmp_path / "six.docx"
    renderer.render(values, out)
    texts = read_report(out).texts
    assert texts[texts.index(SECTION_HEADINGS["六"]) + 1] == sentence


def test_amounts_keep_their_decimals_without_trailing_zeros(
    renderer: ReportRenderer, values, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "n.docx"
    renderer.render({**values, "s2.fees.amount": Decimal("12.50")}, out)
    assert _cell(read_report(out), "s2.fees.amount") == "12.5"


def test_draft_mark_only_on_drafts(renderer: ReportRenderer, values, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    renderer.render(values, tmp_path / "final.docx")
    renderer.render(values, tmp_path / "draft.docx", draft=True)
    assert DRAFT_MARK not in read_report(tmp_path / "final.docx").texts
    draft = read_report(tmp_path / "draft.docx").texts
    assert draft[0] == DRAFT_MARK  # first line of the first page, above the title


def test_signature_block_when_a_publish_date_is_given(
    renderer: ReportRenderer, values, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "signed.docx"
    renderer.render({**values, "info.publish_date": "2025年1月20日"}, out)
    assert read_report(out).texts[-2:] == ["克井镇人民政府", "2025年1月20日"]
    renderer.render(values, tmp_path / "unsigned.docx")
    assert "2025年1月20日" not in read_report(tmp_path / "unsigned.docx").texts


def test_missing_numbers_are_left_blank_with_a_warning(
    renderer: ReportRenderer, values, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    values = dict(values)
    del values["s3.new.natural"]
    out = tmp_path / "gap.docx"
    warnings = renderer.render(values, out, draft=True)
    f = FORM.field("s3.new.natural")
    assert any(w.startswith(f"{f.sheet}!{f.cell}") for w in warnings)
    assert _cell(read_report(out), "s3.new.natural") == ""


def test_report_filename_is_safe_on_windows() -> None:
    assert (
        report_filename("克井镇人民政府", 2024)
        == "克井镇人民政府2024年政府信息公开工作年度报告.docx"
    )
    name = report_filename('某局/办公室:"测试"<1>|?*\\', 2024)
    assert not re.search(r'[\\/:*?"<>|]', name) and name.startswith("某局办公室测试1")


# --- writing and verifying ------------------------------------------------------------------


def test_never_overwrites_unless_asked(renderer: ReportRenderer, values, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "r.docx"
    out.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError):
        renderer.render(values, out)
    assert out.read_bytes() == b"keep me"
    renderer.render(values, out, overwrite=True)
    assert zipfile.is_zipfile(out)


def _tamper(path: Path, old: bytes, new: bytes) -> None:
    def edit(parts: dict[str, bytes]) -> None:
        assert old in parts["word/document.xml"]
        parts["word/document.xml"] = parts["word/document.xml"].replace(old, new, 1)

    edit_docx(path, path, edit)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b">13<", b">14<"),  # a table number altered
        ("本年制发件数".encode(), "本年废止件数".encode()),  # a table heading altered
        ("未收到政府信息公开申请。".encode(), b""),  # part of a paragraph lost
        ("克井镇人民政府".encode(), b""),  # the title's organisation lost
        (b"</w:body>", b"</w:bod>"),  # not even XML any more
    ],
)
def test_verification_catches_a_lost_or_altered_value(
    renderer: ReportRenderer,
    values,
    tmp_path: Path,
    old: bytes,
    new: bytes,  # type: ignore[no-untyped-def]
) -> None:
    out = tmp_path / "r.docx"
    renderer.render(values, out)
    _tamper(out, old, new)
    with pytest.raises(RenderError):
        renderer.verify_bytes(out.read_bytes(), report_content(values), name=str(out))


def test_tables_are_read_by_row_and_grid_column_as_word_shows_them() -> None:
    # A merged cell moves the next one along the grid; a tab stop in paragraph properties is
    # no text; a nested table's text belongs to the outer cell, its rows are not the outer's.
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def run(inner: str) -> str:
        return f"<w:r>{inner}</w:r>"

    def para(inner: str, ppr: str = "") -> str:
        return f"<w:p>{ppr}{inner}</w:p>"

    nested = "<w:tbl><w:tr><w:tc>" + para(run("<w:t>内</w:t>")) + "</w:tc></w:tr></w:tbl>"
    xml = (
        f"<w:document {w}><w:body>"
        + para(run("<w:t>正文</w:t>"))
        + "<w:tbl><w:tr>"
        + '<w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>' + para(run("<w:t>合并</w:t>")) + "</w:tc>"
        + "<w:tc>" + para(run("<w:t>a</w:t><w:tab/><w:t>b</w:t>"),
                          '<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>')
        + para(run('<w:t>c</w:t><w:br/><w:t>d</w:t><w:br w:type="page"/>')) + "</w:tc>"
        + "</w:tr><w:tr>"
        + "<w:tc>" + para(run("<w:t>外</w:t>")) + nested + "</w:tc>"
        + "<w:tc>" + para("") + "</w:tc>"
        + "</w:tr></w:tbl>"
        + "</w:body></w:document>"
    )  # fmt: skip
    doc = read_document(xml.encode())
    assert doc.paragraphs == ["正文"]
    assert doc.tables == [
        {(0, 0): ["合并"], (0, 2): ["a\tb", "c\nd"], (1, 0): ["外", "内"], (1, 1): [""]}
    ]


def test_failed_verification_writes_nothing(values, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    renderer = ReportRenderer()
    good = renderer.render_bytes(report_content(values))
    broken = tmp_path / "broken.docx"
    broken.write_bytes(good)
    _tamper(broken, b">194.3525<", b">194.35<")
    monkeypatch.setattr(renderer._compiled, "render", lambda *a, **k: broken.read_bytes())
    out = tmp_path / "out" / "r.docx"
    out.parent.mkdir()
    with pytest.raises(RenderError):
        renderer.render(values, out)
    assert list(out.parent.iterdir()) == []  # no report, no temporary file


def test_memory_stays_flat_over_many_renders(
    renderer: ReportRenderer, values, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "m.docx"
    for _ in range(5):
        renderer.render(values, out, overwrite=True)
    tracemalloc.start()
    try:
        for _ in range(5):
            renderer.render(values, out, overwrite=True)
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            renderer.render(values, out, overwrite=True)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # One report's document.xml alone is ~75 kB: keeping anything per render would show.
    assert after - before < 50_000, after - before


# --- restyled templates ---------------------------------------------------------------------


def _restyled(tmp_path: Path, *replacements: tuple[bytes, bytes], name: str = "t.docx") -> Path:
    def edit(parts: dict[str, bytes]) -> None:
        for old, new in replacements:
            part = "word/styles.xml" if old.startswith(b"<w:sz") else "word/document.xml"
            assert old in parts[part], old
            parts[part] = parts[part].replace(old, new)

    return edit_docx(default_word_template(), tmp_path / name, edit)


def test_restyled_template_with_inline_text_renders_and_verifies(values, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A clerk changed the body size, added a line under the title and printed 五 whole.
    loop = re.compile(
        rb"<w:p>(?:(?!<w:p>).)*?\{%p for para in s5\.text %\}.*?\{%p endfor %\}</w:t></w:r></w:p>",
        re.S,
    )
    template = default_word_template().read_bytes()
    with zipfile.ZipFile(default_word_template()) as zf:
        doc = zf.read("word/document.xml")
    (block,) = loop.findall(doc)
    inline = b'<w:p><w:r><w:t xml:space="preserve">{{ s5.text }}</w:t></w:r></w:p>'
    path = _restyled(
        tmp_path,
        (
            b'<w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>',
            b'<w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style>',
        ),
        (block, inline),
        ("一、总体情况</w:t>".encode(), "一、总体情况（正文）</w:t>".encode()),
    )
    assert template == default_word_template().read_bytes()
    assert check_word_template(path) == ([], [])
    values = {**values, "s5.text": "第一段。\n第二段 <&>。"}
    out = tmp_path / "r.docx"
    ReportRenderer(path).render(values, out)
    texts = read_report(out).texts
    assert "第一段。\n第二段 <&>。" in texts and "一、总体情况（正文）" in texts


def test_check_template_lists_missing_and_unknown_placeholders(tmp_path: Path) -> None:
    path = _restyled(tmp_path, (b"{{ s3.new.natural }}", b"{{ s3.new.natral }}"),
                     (b"{{ info.org }}", b"{{ info.organisation }}"))  # fmt: skip
    assert check_word_template(path) == (
        ["info.org", "s3.new.natural"],
        ["info.organisation", "s3.new.natral"],
    )
    with pytest.raises(RenderError):
        ReportRenderer(path)


def test_optional_signature_may_be_dropped(tmp_path: Path) -> None:
    path = _restyled(tmp_path, (b"{{ info.publish_date }}", b""))
    assert check_word_template(path) == ([], [])


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"not a zip", "not a docx"),
        (None, "syntax"),
    ],
)
def test_broken_templates_give_a_clear_error(
    tmp_path: Path, content: bytes | None, why: str
) -> None:
    if content is None:
        path = _restyled(tmp_path, (b"{%p endif %}", b"{%p endiff %}"))
    else:
        path = tmp_path / "x.docx"
        path.write_bytes(content)
    with pytest.raises(RenderError):
        check_word_template(path)
    with pytest.raises(RenderError):
        ReportRenderer(path)


def test_table_numbers_must_stay_in_tables(tmp_path: Path) -> None:
    # A template that moved a table value into the text would drop the value from its table.
    path = _restyled(
        tmp_path,
        (b"{{ s4.review.total }}", b""),
        ("一、总体情况</w:t>".encode(), "一、总体情况{{ s4.review.total }}</w:t>".encode()),
    )
    assert check_word_template(path) == ([], [])
    with pytest.raises(RenderError):
        ReportRenderer(path)
