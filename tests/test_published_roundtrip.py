"""Round trip on our own output: random valid workbooks -> Word report and its LibreOffice PDF
-> ``import`` -> the same values the report prints.

Each example makes a few workbooks (random figures from tests/helpers.consistent_values,
random narrative paragraphs, names and years), renders them, converts all .docx to PDF in one
LibreOffice call, and imports both files of each.  The values compared are the report's own
(:func:`~xl2report.report.content.report_content`: numbers as printed, texts as paragraphs
joined by line breaks, section 六 with its generated fee sentence).  One honest exception:
a PDF cannot tell "2024 年" from "2024年" (LibreOffice puts the same gap between Chinese and
Latin text either way), so PDF texts are compared with spaces next to Chinese removed.
"""

from __future__ import annotations

import difflib
import random
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import consistent_values
from xl2report.checks.check import check_file
from xl2report.form.national import PUBLISH_DATE
from xl2report.published.reader import read_published
from xl2report.report.content import REPORT_FIELDS, report_content
from xl2report.report.render import ReportRenderer, docx_to_pdf
from xl2report.xlsx.template import TemplateOptions, write_template

pytestmark = [pytest.mark.libreoffice, pytest.mark.poppler]

SENTENCES = (
    "2024年，本机关通过门户网站主动公开政府信息1,234条。",
    "严格落实保密审查制度，发布前逐条审核。",
    "全年办理政府信息公开申请，均在法定期限内答复。",
    "依托政务新媒体发布政策解读37篇，回应社会关切。",
    "下一步将加强业务培训，提高公开质量（含“三安全一稳定”审查）。",
    "本年度未发生行政复议、行政诉讼案件。",
)
SUBHEADINGS = ("（一）主要问题", "（二）改进情况")
ORGS = ("测试镇人民政府", "城关县交通运输局", "滨江街道办事处", "某市生态环境局高新区分局")
_CJK_SPACE = re.compile(r"\s+(?=[\u3000-\u9fff\uff00-\uffef])|(?<=[\u3000-\u9fff\uff00-\uffef])\s+")
# LibreOffice sometimes prints no "。" at the end of a justified line: "……均在法定期限内答复。
# 2024年……" and "……回应社会关切。严格落实……" came out of its PDF without it (in neither the
# page picture nor the text layer; poppler's pdftotext reads the same).  What LibreOffice did not
# print cannot be read: a text read from the PDF may lack a "。" where poppler finds the PDF
# lacking it too; every other difference fails.
_CONTEXT = 6


def only_unprinted_stops(want: str, read: str, poppler: str) -> bool:
    """Whether ``read`` is ``want`` less some "。" that poppler also finds missing from the PDF
    (``poppler``: the PDF's text without whitespace)."""
    matcher = difflib.SequenceMatcher(None, want, read, autojunk=False)
    for tag, i1, i2, _, _ in matcher.get_opcodes():
        if tag == "equal":
            continue
        around = want[max(0, i1 - _CONTEXT) : i1] + want[i2 : i2 + _CONTEXT]
        if tag != "delete" or set(want[i1:i2]) != {"。"} or around not in poppler:
            return False
    return True


def poppler_text(pdf: Path) -> str:
    """The PDF's text as poppler reads it, without whitespace."""
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"\s+", "", done.stdout)


@st.composite
def paragraphs(draw: st.DrawFn, headings: bool = False) -> str:
    out = []
    for i in range(draw(st.integers(1, 3))):
        if headings and draw(st.booleans()):
            out.append(SUBHEADINGS[i % 2])
        out.append("".join(draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=6))))
    return "\n".join(out)


@st.composite
def workbook_values(draw: st.DrawFn) -> dict[str, object]:
    values: dict[str, object] = consistent_values(random.Random(draw(st.integers(0, 2**32 - 1))))
    values["info.org"] = draw(st.sampled_from(ORGS))
    values["info.year"] = draw(st.integers(2021, 2026))
    for key in ("s1.active.text", "s1.requests.text", "s1.management.text",
                "s1.platform.text", "s1.oversight.text", "preface.text"):  # fmt: skip
        values[key] = draw(paragraphs())
    values["s5.text"] = draw(paragraphs(headings=True))
    values["s6.text"] = draw(st.sampled_from(["", "本年度无其他需要报告的事项。"]))
    values[PUBLISH_DATE.key] = draw(st.sampled_from(["", "2025年1月20日"]))
    return values


def printed(values: dict[str, object]) -> dict[str, str]:
    """What the report shows for each printed field, as text."""
    content = report_content(values)  # type: ignore[arg-type]
    out = dict(content.scalars)
    for key, paras in content.paragraphs.items():
        out[key] = "\n".join(text for text, _ in paras)
    return out


def shown(value: object) -> str:
    from xl2report.form.types import format_number

    return format_number(value) if not isinstance(value, str) else value  # type: ignore[arg-type]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(workbook_values(), min_size=3, max_size=3))
def test_docx_and_pdf_import_give_the_printed_values(batch: list[dict[str, object]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        renderer = ReportRenderer()
        expected, docs = [], []
        for i, values in enumerate(batch):
            book = folder / f"{i}.xlsx"
            write_template(book, TemplateOptions(), values)  # type: ignore[arg-type]
            checked = check_file(book)
            assert checked.valid, [f.message for f in checked.report.findings]
            docx = folder / f"{i}.docx"
            renderer.render(checked.values, docx)
            expected.append(printed(checked.values))
            docs.append(docx)
        pdfs = docx_to_pdf(docs, folder)  # one LibreOffice call for the batch
        keys = [f.key for f in REPORT_FIELDS]
        for want, docx, pdf in zip(expected, docs, pdfs, strict=True):
            for path in (docx, pdf):
                got = read_published(path)
                assert not got.findings, (path.suffix, [f.message for f in got.findings])
                read = {k: shown(got.values.get(k, "")) for k in keys}
                wanted = {k: want[k] for k in keys}
                if path == pdf:
                    seen = poppler_text(pdf)
                    read = {k: _CJK_SPACE.sub("", v) for k, v in read.items()}
                    wanted = {k: _CJK_SPACE.sub("", v) for k, v in wanted.items()}
                    wanted.update({k: read[k] for k in keys
                                   if only_unprinted_stops(wanted[k], read[k], seen)})  # fmt: skip
                assert read == wanted, path.suffix
