"""The 前言: standard wording from the cover, prefilled in the template, printed before 一."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from xl2report.checks.check import check_file
from xl2report.form.national import FORM, SECTION_HEADINGS
from xl2report.form.preface import PREFACE_KEY, standard_preface
from xl2report.xlsx.factory import TemplateFactory
from xl2report.xlsx.template import TemplateOptions, build_workbook

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"
PREFACE = FORM.field(PREFACE_KEY)


def test_standard_wording_has_basis_period_and_only_the_given_contacts() -> None:
    text = standard_preface({"info.org": "甲镇人民政府", "info.year": 2024})
    assert "国办公开办函〔2021〕30号" in text
    assert "自2024年1月1日起至2024年12月31日止" in text
    assert text.endswith("如对本报告有疑问，请与甲镇人民政府联系。")
    full = standard_preface({
        "info.org": "甲镇人民政府", "info.year": 2024, "info.website": "甲镇政府网站",
        "info.address": "甲镇人民路1号", "info.postcode": "454650",
        "info.public_phone": "0391-1234567", "info.email": "jz@example.cn",
        "info.phone": "13900000000",  # the filler's own number: never published
    })  # fmt: skip
    assert "本报告电子版可在甲镇政府网站查阅或下载。" in full
    assert "（地址：甲镇人民路1号；邮编：454650；电话：0391-1234567；电子邮箱：jz@example.cn）" in full
    assert "13900000000" not in full


def _preface_in(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    return str(check_file(path).values.get(PREFACE_KEY) or "")


def test_template_prefills_the_preface_when_org_and_year_are_known(tmp_path: Path) -> None:
    data = build_workbook(TemplateOptions(org="甲镇人民政府", year=2024))
    assert _preface_in(data, tmp_path) == standard_preface(
        {"info.org": "甲镇人民政府", "info.year": 2024}
    )
    assert _preface_in(build_workbook(TemplateOptions()), tmp_path) == ""


def test_roster_templates_carry_each_units_preface() -> None:
    factory = TemplateFactory(2024)
    for org in ("甲镇人民政府", "乙街道办事处"):
        assert factory.build(org) == build_workbook(TemplateOptions(org=org, year=2024))
        with zipfile.ZipFile(io.BytesIO(factory.build(org))) as zf:
            strings = zf.read("xl/sharedStrings.xml").decode()
        assert f"请与{org}联系" in strings


def test_preface_sits_on_sheet_one_and_the_cover_has_the_contacts() -> None:
    assert PREFACE.sheet == FORM.sheets[1].name and PREFACE.multiline and not PREFACE.required
    for key in ("info.website", "info.address", "info.postcode", "info.public_phone",
                "info.email"):  # fmt: skip
        assert FORM.field(key).sheet == FORM.sheets[0].name


@pytest.fixture
def renderer():  # type: ignore[no-untyped-def]
    from xl2report.report.render import ReportRenderer

    return ReportRenderer()


def _paragraphs(path: Path) -> list[str]:
    from docx import Document

    return [p.text for p in Document(str(path)).paragraphs if p.text.strip()]


def test_preface_is_printed_between_title_and_section_one(renderer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = check_file(EXAMPLE).values
    out = tmp_path / "r.docx"
    renderer.render(values, out)
    paras = _paragraphs(out)
    i = paras.index(SECTION_HEADINGS["一"])
    assert paras[i - 1] == values[PREFACE_KEY] and "统计期限" in paras[i - 1]


def test_empty_preface_is_built_from_the_cover(renderer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    values = {**check_file(EXAMPLE).values, PREFACE_KEY: "", "info.website": "济源市人民政府网站"}
    out = tmp_path / "r.docx"
    renderer.render(values, out)
    paras = _paragraphs(out)
    i = paras.index(SECTION_HEADINGS["一"])
    assert paras[i - 1] == standard_preface(values)
    assert "本报告电子版可在济源市人民政府网站查阅或下载。" in paras[i - 1]
