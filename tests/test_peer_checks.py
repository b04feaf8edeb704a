"""What a supervisor's checker flags (issue 23): 五 that says nothing, 六 and the fees, a report
that speaks of another year, and "收到申请N件" read as 新收 + 上年结转.

Each case is a real workbook made by the template writer and checked end to end; the report's
六 is rendered with the real Word renderer and read back.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document

from helpers import make_workbook
from inbox_helpers import values_for
from xl2report.checks.catalogue import CATALOGUE
from xl2report.checks.check import check_file
from xl2report.checks.narrative import check_narrative
from xl2report.form.national import FORM, blank_values, compute_formulas
from xl2report.form.preface import PREFACE_KEY
from xl2report.form.types import Level
from xl2report.report.content import report_content
from xl2report.report.render import ReportRenderer

ORG = "甲镇人民政府"
FEES = {"s6.fee_notices": 2, "s6.fee_billed": Decimal(300), "s6.fee_collected": Decimal(200)}
PROBLEMS = (
    "2024年，我镇政务公开工作存在政策解读形式单一、公开栏目更新不够及时等问题。下一步将明确专人"
    "负责栏目更新，每季度至少发布一篇图解解读。"
)


def _values(**texts: str) -> dict:  # type: ignore[type-arg]
    """A consistent 2024 return with no requests and no fees, and ``texts`` (keys with __)."""
    values = values_for(ORG, seed=1)
    for f in FORM.fields:
        if f.kind.value == "input" and f.key.startswith(("s3.", "s6.fee")):
            values[f.key] = 0
    values["s5.text"] = PROBLEMS
    values["s6.text"] = "本年度未收取信息处理费。"
    values.update({k.replace("__", "."): v for k, v in texts.items()})
    return values


def _found(tmp_path: Path, values: dict, year: int = 2024) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    path = make_workbook(tmp_path / "甲.xlsx", values, org=ORG, year=year)
    return [(f.code, f.key) for f in check_file(path).report.findings]


# --- 五: a section that says nothing --------------------------------------------------------


@pytest.mark.parametrize("text", ["无", "无。", "暂无。", "  无 \n", "无明显问题。", "-", "/"])
def test_section_five_saying_nothing_is_an_error(tmp_path: Path, text: str) -> None:
    assert _found(tmp_path, _values(s5__text=text)) == [("text-says-nothing", "s5.text")]
    assert CATALOGUE["text-says-nothing"].level is Level.ERROR


def test_section_five_too_short_is_a_warning(tmp_path: Path) -> None:
    assert _found(tmp_path, _values(s5__text="存在不足，将改进。")) == [
        ("text-too-short", "s5.text")
    ]
    assert CATALOGUE["text-too-short"].level is Level.WARNING
    assert _found(tmp_path, _values()) == []  # problems and measures: nothing to say


def test_five_and_six_reading_nothing_while_fees_are_recorded(tmp_path: Path) -> None:
    """The issue's case: 五 and 六 "无。", 2 fee notices, 300 元 billed, 200 元 collected."""
    values = _values(s5__text="无。", s6__text="无。") | FEES
    path = make_workbook(tmp_path / "甲.xlsx", values, org=ORG, year=2024)
    result = check_file(path)
    assert [(f.code, f.key) for f in result.report.findings] == [("text-says-nothing", "s5.text")]
    # The report's 六 states the figures the unit entered instead of "无。" …
    content = report_content(result.values)
    assert content.paragraphs["s6.text"] == [
        ("本年度共发出收费通知2件，总金额300元，实际收取200元。", False)
    ]
    assert any("只写了“无。”" in w for w in content.warnings)  # … and the clerk is told why
    # … in the rendered Word document too (read back from the file).
    out = tmp_path / "甲.docx"
    ReportRenderer().render(result.values, out, overwrite=True)
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    six = text.split("六、其他需要报告的事项", 1)[1]
    assert "发出收费通知2件" in six and "总金额300元" in six and "实际收取200元" in six
    assert "无。" not in six.split("\n")[1]


def test_six_without_fee_figures_gets_the_sentence_appended() -> None:
    values = compute_formulas({**blank_values(), **FEES,
                               "s6.text": "（一）其他事项\n本年度无其他需要报告的事项。"})  # fmt: skip
    paragraphs = report_content(values).paragraphs["s6.text"]
    assert paragraphs[:2] == [("（一）其他事项", True), ("本年度无其他需要报告的事项。", False)]
    assert paragraphs[2][0].startswith("本年度共发出收费通知2件")


def test_six_stating_the_figures_is_kept_as_written() -> None:
    text = "本年度发出收费通知2件，金额300元，实际收取信息处理费200元。"
    values = compute_formulas({**blank_values(), **FEES, "s6.text": text})
    assert report_content(values).paragraphs["s6.text"] == [(text, False)]
    zero = compute_formulas({**blank_values(), "s6.text": "无"})  # no fees, says nothing
    assert report_content(zero).paragraphs["s6.text"] == [("本年度未收取信息处理费。", False)]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("本年度未收取信息处理费。", "narrative-fee-contradiction"),
        ("本年度共发出收费通知3件，实际收取信息处理费200元。", "narrative-fee-notices-mismatch"),
        ("本年度发出收费通知2件，实际收取信息处理费250元。", "narrative-fee-amount-mismatch"),
    ],
)
def test_six_contradicting_the_fee_figures_is_a_finding(
    tmp_path: Path, text: str, code: str
) -> None:
    assert _found(tmp_path, _values(s6__text=text) | FEES) == [(code, "s6.text")]


# --- another year ------------------------------------------------------------------------------


def test_a_2024_workbook_speaking_of_2025_is_flagged_naming_2025(tmp_path: Path) -> None:
    texts = {f.key.replace(".", "__"): f"2025年，{f.label}：本机关依法做好相关工作，情况如下。"
             for f in FORM.fields if f.multiline and f.key != PREFACE_KEY}  # fmt: skip
    path = make_workbook(tmp_path / "甲.xlsx", _values(**texts), org=ORG, year=2024)
    findings = check_file(path).report.findings
    later = [f for f in findings if f.code == "text-later-year"]
    assert {f.key for f in later} == {k.replace("__", ".") for k in texts}
    assert all("2025" in f.message and "2024" in f.message for f in later)
    assert later[0].actual == 2025 and later[0].expected == 2024


def test_a_statistics_period_of_another_year_is_an_error(tmp_path: Path) -> None:
    preface = ("本报告根据《条例》编制。本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。"
               "本报告于2025年1月20日发布。")  # fmt: skip
    found = _found(tmp_path, _values(**{PREFACE_KEY.replace(".", "__"): preface}))
    assert found == [("period-wrong-year", PREFACE_KEY)]
    assert CATALOGUE["period-wrong-year"].level is Level.ERROR


@pytest.mark.parametrize(
    ("key", "text"),
    [
        (
            PREFACE_KEY,
            "本报告中所列数据的统计期限自2024年1月1日起至2024年12月31日止。"
            "本报告于2025年1月20日在县政府网站发布。",
        ),
        ("s5.text", PROBLEMS + "2025年工作计划：一是加强培训；二是完善审核机制。"),
        ("s5.text", PROBLEMS + "2025年，我镇将进一步规范依申请公开办理流程。"),
        ("s6.text", "本年度未收取信息处理费。《某某条例》自2025年5月1日起施行，已组织学习。"),
        ("s1.active.text", "2024年主动公开信息131条；截至2025年1月10日，专栏累计发布信息900条。"),
        ("s1.active.text", "2024年主动公开信息131条，力争到2027年实现重点领域全覆盖。"),
        ("s1.requests.text", "2024年未收到政府信息公开申请；2023年1月1日至12月31日期间收到3件。"),
    ],
)
def test_plans_and_publication_dates_are_not_flagged(tmp_path: Path, key: str, text: str) -> None:
    assert _found(tmp_path, _values(**{key.replace(".", "__"): text})) == []


# --- "收到申请N件" as supervisors' tools read it -----------------------------------------------


def _requests(text: str, new: int, carried: int) -> list[str]:
    values = {**blank_values(), "s5.text": PROBLEMS, "s1.requests.text": text,
              "s3.new.natural": new, "s3.carried.natural": carried,
              "s3.granted.natural": new + carried}  # fmt: skip
    return [f.code for f in check_narrative(compute_formulas(values), 2024)]


def test_received_equal_to_new_while_carried_is_a_hint() -> None:
    assert _requests("2024年共收到政府信息公开申请10件。", 10, 2) == ["narrative-received-reading"]
    assert CATALOGUE["narrative-received-reading"].level is Level.WARNING  # the lowest level


@pytest.mark.parametrize(
    ("text", "new", "carried"),
    [
        ("2024年共收到政府信息公开申请12件。", 10, 2),  # 新收 + 上年结转: as the tools read it
        ("2024年共收到政府信息公开申请10件，上年结转2件。", 10, 2),  # both said
        ("2024年新收政府信息公开申请10件。", 10, 2),  # the table's own word
        ("2024年共收到政府信息公开申请10件。", 10, 0),  # nothing carried: one reading
    ],
)
def test_no_hint_when_the_count_is_clear(text: str, new: int, carried: int) -> None:
    assert _requests(text, new, carried) == []
