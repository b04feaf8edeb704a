"""Numbers the narrative states, each held against its table cell: every statement both ways."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xl2report.checks.catalogue import CATALOGUE
from xl2report.checks.numerals import chinese_to_int, normalize_numbers
from xl2report.checks.stated import check_stated_numbers
from xl2report.checks.statements import PEER_HINT, STATEMENTS
from xl2report.form.national import FORM, blank_values, compute_formulas
from xl2report.form.types import Level

TEXT = "s1.requests.text"

# A consistent small table: 新收 12 (自然人 10, 商业企业 2), 上年结转 3, 予以公开 8, 部分公开 2,
# 不予公开 1, 无法提供 1, 不予处理 1, 其他处理 1, 办结 14, 结转下年度 1; documents, decisions,
# review and litigation, fees.
TABLE = {
    "s3.new.natural": 10, "s3.new.business": 2, "s3.carried.natural": 3,
    "s3.granted.natural": 8, "s3.partial.business": 2, "s3.refused.third_party.natural": 1,
    "s3.unavailable.not_held.natural": 1, "s3.not_processed.repeat.natural": 1,
    "s3.other.other.natural": 1, "s3.carry_over.natural": 1,
    "s2.rules.issued": 1, "s2.rules.repealed": 0, "s2.rules.in_force": 12,
    "s2.normative.issued": 5, "s2.normative.repealed": 3, "s2.normative.in_force": 42,
    "s2.licensing.decisions": 3456, "s2.penalty.decisions": 1205, "s2.coercion.decisions": 7,
    "s4.review.upheld": 2, "s4.suit_direct.pending": 1, "s4.suit_after_review.corrected": 1,
    "s2.fees.amount": Decimal("24252.311082"),
    "s6.fee_notices": 1, "s6.fee_billed": Decimal("150.5"), "s6.fee_collected": Decimal("100"),
}  # fmt: skip


def codes(text: str, field: str = TEXT, year: int | None = 2024, **changes: object) -> list[str]:
    """The codes found; TABLE has 上年结转 3, so "收到申请12件" also earns the supervisors'-reading
    hint, which is left out here and tested on its own (test_received_read_as_new_plus_carried)."""
    values = compute_formulas({**blank_values(), **TABLE, field: text})
    values.update({k.replace("__", "."): v for k, v in changes.items()})  # after the totals
    return [f.code for f in check_stated_numbers(values, year, FORM) if f.code != PEER_HINT]


# (what the statement is, a sentence that agrees with TABLE, the same with one number wrong, code)
BOTH_WAYS = [
    ("新收", "本年度共收到政府信息公开申请12件。", "本年度共收到政府信息公开申请13件。",
     "narrative-count-mismatch"),
    ("新收+结转", "共受理政府信息公开申请15件（含上年结转3件）。",
     "共受理政府信息公开申请16件（含上年结转3件）。", "narrative-count-mismatch"),
    ("数字在前", "共收到12件政府信息公开申请。", "共收到21件政府信息公开申请。",
     "narrative-count-mismatch"),
    ("上年结转", "上年结转申请3件。", "上年结转申请4件。", "narrative-count-mismatch"),
    ("办结", "收到申请12件，办结14件。", "收到申请12件，办结15件。", "narrative-count-mismatch"),
    ("结转下年度", "收到申请12件，结转下年度继续办理1件。", "收到申请12件，结转下年度继续办理2件。",
     "narrative-count-mismatch"),
    ("结转在后", "收到申请12件，其余1件结转至下年度办理。", "收到申请12件，其余2件结转至下年度办理。",
     "narrative-count-mismatch"),
    ("办理", "全年共办理政府信息公开申请15件。", "全年共办理政府信息公开申请17件。",
     "narrative-handled-mismatch"),
    ("予以公开", "其中予以公开8件。", "其中予以公开9件。", "narrative-outcome-mismatch"),
    ("部分公开", "部分公开2件。", "部分公开3件。", "narrative-outcome-mismatch"),
    ("不予公开", "不予公开1件。", "不予公开2件。", "narrative-outcome-mismatch"),
    ("无法提供", "无法提供1件。", "无法提供0件。", "narrative-outcome-mismatch"),
    ("不予处理", "不予处理1件。", "不予处理5件。", "narrative-outcome-mismatch"),
    ("其他处理", "其他处理1件。", "其他处理2件。", "narrative-outcome-mismatch"),
    # Phrasings of real reports (tests/real_reports.py and the pages read for it).
    ("予以公开及部分公开", "予以公开及部分公开的有10件。", "予以公开及部分公开的有11件。",
     "narrative-outcome-mismatch"),
    ("转下年度", "收到申请12件，1件转下年度继续办理。", "收到申请12件，2件转下年度继续办理。",
     "narrative-count-mismatch"),
    ("上年结转·办理数量", "上年结转政府信息公开办理数量3件。", "上年结转政府信息公开办理数量4件。",
     "narrative-count-mismatch"),
    ("分列·自然人", "收到申请12件（自然人10件、法人或其他组织2件）。",
     "收到申请12件（自然人9件、法人或其他组织2件）。", "narrative-breakdown-mismatch"),
    ("分列·法人", "收到申请12件（自然人10件、法人或其他组织2件）。",
     "收到申请12件（自然人10件、法人或其他组织3件）。", "narrative-breakdown-mismatch"),
    ("分列·商业企业", "收到申请12件，其中自然人10件，商业企业2件。",
     "收到申请12件，其中自然人10件，商业企业1件。", "narrative-breakdown-mismatch"),
    ("制发规章", "本年制定规章1件。", "本年制定规章2件。", "narrative-documents-mismatch"),
    ("废止规章", "废止规章0件。", "废止规章1件。", "narrative-documents-mismatch"),
    ("现行有效规章", "现行有效规章12件。", "现行有效规章13件。", "narrative-documents-mismatch"),
    ("制发规范性文件", "本年制发规范性文件5件。", "本年制发规范性文件6件。",
     "narrative-documents-mismatch"),
    ("废止规范性文件", "制发规范性文件5件，废止3件。", "制发规范性文件5件，废止4件。",
     "narrative-documents-mismatch"),
    ("现行有效规范性文件", "现行有效行政规范性文件42件。", "现行有效行政规范性文件393件。",
     "narrative-documents-mismatch"),
    ("行政许可", "办理行政许可事项3,456件。", "办理行政许可事项3,465件。",
     "narrative-decisions-mismatch"),
    ("行政处罚", "作出行政处罚决定1205件。", "作出行政处罚决定1250件。",
     "narrative-decisions-mismatch"),
    ("行政强制", "实施行政强制7件。", "实施行政强制8件。", "narrative-decisions-mismatch"),
    ("行政复议", "因政府信息公开被申请行政复议2件。", "因政府信息公开被申请行政复议3件。",
     "narrative-review-mismatch"),
    ("行政诉讼", "因政府信息公开被提起行政诉讼2起。", "因政府信息公开被提起行政诉讼1起。",
     "narrative-review-mismatch"),
    ("行政事业性收费", "行政事业性收费24252.311082万元。", "行政事业性收费24253万元。",
     "narrative-fee-amount-mismatch"),
    ("信息处理费", "实际收取信息处理费100元。", "实际收取信息处理费120元。",
     "narrative-fee-amount-mismatch"),
    ("收费通知", "向申请人发出收费通知1件。", "向申请人发出收费通知2件。",
     "narrative-fee-notices-mismatch"),
]  # fmt: skip


@pytest.mark.parametrize(("what", "agrees", "disagrees", "code"), BOTH_WAYS, ids=[b[0] for b in BOTH_WAYS])
def test_each_statement_both_ways(what: str, agrees: str, disagrees: str, code: str) -> None:
    assert codes(f"2024年，{agrees}") == []
    assert codes(f"2024年，{disagrees}") == [code]


def test_every_statement_of_the_table_is_tested_both_ways() -> None:
    """Each row of STATEMENTS is the one that fired in at least one disagreeing case."""
    fired: set[str] = set()
    for _, _, disagrees, _ in BOTH_WAYS:
        values = compute_formulas({**blank_values(), **TABLE, TEXT: f"2024年，{disagrees}"})
        for f in check_stated_numbers(values, 2024, FORM):
            fired |= {st.said for st in STATEMENTS if f"说{st.said}为" in f.message}
    assert fired == {st.said for st in STATEMENTS}


def test_levels_follow_the_catalogue() -> None:
    """A number that can only mean one cell is an error; a phrasing with other meanings warns."""
    assert CATALOGUE["narrative-count-mismatch"].level is Level.ERROR
    assert CATALOGUE["narrative-documents-mismatch"].level is Level.ERROR
    assert CATALOGUE["narrative-handled-mismatch"].level is Level.WARNING
    assert CATALOGUE["narrative-decisions-mismatch"].level is Level.WARNING


def test_finding_quotes_the_sentence_and_names_the_cell() -> None:
    values = {**blank_values(), **TABLE, TEXT: "2024年，现行有效行政规范性文件393件。其他。"}
    (f,) = check_stated_numbers(compute_formulas(values), 2024, FORM)
    assert (f.sheet, f.cell, f.key) == ("一、总体情况", FORM.field(TEXT).cell, TEXT)
    assert "“2024年，现行有效行政规范性文件393件”" in f.message
    assert "二、主动公开 D6“行政规范性文件现行有效件数”为 42 件" in f.message
    assert (f.expected, f.actual) == (42, 393)


def test_a_part_named_with_another_year_is_not_compared() -> None:
    # A real county report: "办结31件（其中1件为2022年结转本年度办理）".  The 1 is last year's.
    assert codes("2024年共收到申请12件，办结14件（其中3件为2023年结转本年度办理）。") == []
    # The same sentence with the total wrong is still caught; without the other year, the part
    # is read as a count of requests handled and compared.
    assert codes("2024年共收到申请12件，办结15件（其中3件为2023年结转本年度办理）。") == [
        "narrative-count-mismatch"
    ]
    assert codes("2024年共收到申请12件，办结14件（其中3件为结转本年度办理）。") == [
        "narrative-handled-mismatch"
    ]


def test_the_catch_all_gives_way_to_a_specific_cue_in_its_clause() -> None:
    # "办理" closer to the number than "上年结转", but the clause is about 上年结转.
    assert codes("2024年，收到申请12件，上年结转申请的办理数量3件。") == []
    # In another clause the catch-all still reads "办理": 3 is none of 办结 14, 15, 12.
    assert codes("2024年，上年结转申请3件，本年办理申请3件。") == ["narrative-handled-mismatch"]


def test_breakdown_is_not_read_as_a_second_total() -> None:
    # 10 is 自然人's column, not a second 新收 total of 10.
    assert codes("2024年收到申请12件（自然人10件，法人或其他组织2件）。") == []


@pytest.mark.parametrize(
    "text",
    [
        "收到申请十二件，办结十四件。",  # Chinese numerals
        "收到申请１２件，办结１４件。",  # full-width digits
        "共收到政府信息公开申请一十二件。",
    ],
)
def test_numerals_are_read(text: str) -> None:
    assert codes(text) == []
    assert codes(text.replace("十二", "十三").replace("１２", "１３")) == ["narrative-count-mismatch"]


@pytest.mark.parametrize(
    "text",
    [
        "收到申请12件，同比增加3件。",  # a change, not a level
        "2023年收到申请9件，2024年收到申请12件。",  # another year's number
        "上年收到申请9件。",
        "收到申请约20件。",  # an estimate
        "行政处罚、行政强制决定分别为1200件、8件。",  # a list mapped by 分别
        "收到申请后15个工作日内答复，收到申请12件。",
        "全年行政复议案件45件。",  # not about 信息公开
        "公开行政许可信息1234条。",  # 条 counts information, not decisions
        "完善规章制度3件。",
        "收费约24000万元。",
    ],
)
def test_silent_when_the_number_is_not_this_years_cell(text: str) -> None:
    assert codes(text) == []


def test_rounded_amounts_agree() -> None:
    assert codes("行政事业性收费24252.31万元。") == []
    assert codes("行政事业性收费2.43亿元。") == []  # 亿元 is not read: silent, not wrong


def test_unusable_cell_is_not_compared() -> None:
    text = "本年度共收到政府信息公开申请13件。"
    assert codes(text) == ["narrative-count-mismatch"]
    assert codes(text, s3__new__total=None) == []


@pytest.mark.parametrize(
    ("text", "n"),
    [("十三", 13), ("二十一", 21), ("一百零五", 105), ("两千", 2000), ("一万零五", 10005),
     ("三万五千", 35000), ("十十", None), ("一二", None)],
)  # fmt: skip
def test_chinese_numerals(text: str, n: int | None) -> None:
    assert chinese_to_int(text) == n


def test_normalize_keeps_other_text() -> None:
    assert normalize_numbers("一是加强，三安全一稳定，１,２３４件，1，234件") == (
        "一是加强，三安全一稳定，1234件，1，234件"
    )
