"""Narrative checks: required texts, placeholders, copied years, numbers against the tables."""

from __future__ import annotations

import pytest

from xl2report.checks.narrative import check_narrative
from xl2report.form.national import FORM, blank_values, compute_formulas

REQUESTS = "s1.requests.text"
# 五 must say something (problems and measures): a text long enough to pass on its own.
PROBLEMS = "主要问题是公开内容还不够丰富、解读形式较单一；下一步将加强培训，丰富公开形式。"


def findings(texts: dict[str, str], year: int | None = 2024, **numbers: object):  # type: ignore[no-untyped-def]
    values = {**blank_values(), **{k: f"{k}：2024年情况。" for k in _narratives()},
              "s5.text": PROBLEMS, **texts}  # fmt: skip
    values.update({k.replace("__", "."): v for k, v in numbers.items()})
    return [(f.code, f.key) for f in check_narrative(compute_formulas(values), year, FORM)]


def _narratives() -> list[str]:
    """The narrative keys whose wording these tests vary (五 keeps ``PROBLEMS``)."""
    return [f.key for f in FORM.fields if f.multiline and f.key != "s5.text"]


def test_plain_texts_pass() -> None:
    assert findings({}) == []


@pytest.mark.parametrize(
    "text",
    [
        "20XX年，我镇……",
        "XX镇人民政府",
        "××街道",
        "【请填写】",
        "请填写主要问题",
        "２０ＸＸ年",
        "20××年",
    ],
)
def test_placeholders_are_errors(text: str) -> None:
    assert findings({"s5.text": f"2024年，{text}{PROBLEMS}"}) == [("placeholder-left", "s5.text")]


@pytest.mark.parametrize("text", ["2024年通过WPS表格和Excel报送", "Ⅻ 号文件", "x射线", "A、B、C"])
def test_ordinary_text_is_not_a_placeholder(text: str) -> None:
    assert findings({"s5.text": text + PROBLEMS}) == []


def test_year_never_mentioned_but_another_is() -> None:
    texts = {k: "2023年，本机关认真落实。" for k in _narratives()}
    assert findings(texts) == [("year-not-mentioned", "s1.active.text")]


def test_year_mentioned_once_is_enough() -> None:
    texts = {k: "2023年，本机关认真落实。" for k in _narratives()}
    texts["s6.text"] = "与2023年相比，2024年……"
    assert findings(texts) == []


def test_no_year_at_all_is_fine() -> None:
    texts = {k: "本机关认真落实。" for k in _narratives()}
    assert findings(texts) == []


@pytest.mark.parametrize(
    ("text", "new", "carried", "expected"),
    [
        ("本年度共收到政府信息公开申请12件。", 12, 0, []),
        ("共收到12件政府信息公开申请。", 12, 0, []),
        ("共受理政府信息公开申请15件（含上年结转3件）。", 12, 3, []),  # 一+二
        ("本年度共收到政府信息公开申请12件。", 11, 0, ["narrative-count-mismatch"]),
        ("共收到12件政府信息公开申请。", 2, 0, ["narrative-count-mismatch"]),
        ("收到申请后15个工作日内予以答复，全年收到申请2件。", 2, 0, []),
        ("未收到政府信息公开申请。", 0, 0, []),
        ("未收到政府信息公开申请。", 3, 0, ["narrative-says-none"]),
        ("本年度政府信息公开申请为0件。", 1, 0, ["narrative-says-none"]),
    ],
)
def test_request_counts_against_table_three(
    text: str, new: int, carried: int, expected: list[str]
) -> None:
    got = findings(
        {REQUESTS: f"2024年，{text}"}, s3__new__natural=new, s3__carried__natural=carried
    )
    assert got == [(code, REQUESTS) for code in expected]


@pytest.mark.parametrize(
    "text",
    ["本年度未收取信息处理费。", "本年度暂未开展信息处理费收取工作。", "全年没有发生信息处理费。"],
)
def test_fees_said_none_while_section_six_has_some(text: str) -> None:
    got = findings({"s6.text": f"2024年{text}"}, s6__fee_notices=1)
    assert got == [("narrative-fee-contradiction", "s6.text")]
    assert findings({"s6.text": f"2024年{text}"}) == []  # no fee figures: nothing to contradict


def test_control_characters_warned() -> None:
    assert findings({"s1.active.text": "2024年\x0b主动公开"}) == [
        ("control-characters", "s1.active.text")
    ]


def test_year_unknown_skips_the_year_check() -> None:
    texts = {k: "2023年，本机关认真落实。" for k in _narratives()}
    assert findings(texts, year=None) == []
