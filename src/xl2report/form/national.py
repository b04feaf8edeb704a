"""The national form (2021 format), defined once.

Everything that is a fact about the form lives here and nowhere else: sheet names, every label
with its position and merge, every field with its key, cell, type, unit and formula, every
consistency rule with its live check cell, and the metadata sheet's layout.  The template writer,
the reader, the rules, the Word renderer, the docs and ``xl2report fields`` all derive from
:data:`FORM`.  The types it is written in live in :mod:`xl2report.form.types` and are importable
from here too.

This module only describes; it never reads or writes files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from xl2report.form.preface import PREFACE_KEY
from xl2report.form.types import (  # noqa: F401  (re-exported: the form's public vocabulary)
    CHECK_OK,
    STOCK_NO_PRIOR,
    Field,
    Form,
    Kind,
    Label,
    LabelRole,
    LastYear,
    MetaRow,
    Number,
    PriorCell,
    Rule,
    RuleKind,
    SheetSpec,
    StockCheck,
    Value,
    ValueType,
    a1,
    as_number,
    check_display,
    col_letter,
    defined_name_for,
    nest,
    number_or_zero,
    parse_a1,
    quote_sheet,
    rule_holds,
    rule_sides,
    sum_expression,
)

FORM_ID = "xl2report/gov-info-annual-report"
# 2021 = the national format (国办公开办函〔2021〕30号); .1 = revision of our workbook layout.
FORM_VERSION = "2021.2"
FORM_TITLE = "政府信息公开工作年度报告"
FEEDBACK_SHEET = "校验结果"  # the first sheet of a feedback copy: the list of findings
YEAR_MIN, YEAR_MAX = 2008, 2100
# A count or amount (万元) above MAX_NUMBER is far beyond a county unit's year: a warning to
# check (a mistyped digit, a wrong cell), not an error, since a city or province may really count
# 11,398,889 licensing decisions.  Above MAX_EXACT a number is an error: Excel keeps 15
# significant digits, so it is no longer the number typed (sums and the summary stay exact
# integers below it).
MAX_NUMBER = 10_000_000
MAX_EXACT = 10**15
# 万元 with 6 decimals is exact to the 分 (0.000001 万元 = 0.01 元); real reports print it so.
MAX_DECIMALS = 6
# Texts: Excel keeps at most 32,767 characters in a cell; a 机关名称 is a few dozen at most, so
# far more is a paste gone wrong (a whole row or page in one cell).
MAX_TEXT_CHARS = 32_767
MAX_ORG_CHARS = 100


# ---------------------------------------------------------------------------------------------
# The form's content.  Labels are the national format's exact wording (format-spec.md §2).
# ---------------------------------------------------------------------------------------------

COVER = "封面"
S1 = "一、总体情况"
S2 = "二、主动公开"
S3 = "三、依申请公开"
S4 = "四、复议诉讼"
S5 = "五、问题及改进"
S6 = "六、其他事项"
META = "_meta"
ISSUE_META = "issue"  # the _meta row holding a handed-out template's 下发编号

SECTION_HEADINGS = {
    "一": "一、总体情况",
    "二": "二、主动公开政府信息情况",
    "三": "三、收到和处理政府信息公开申请情况",
    "四": "四、政府信息公开行政复议、行政诉讼情况",
    "五": "五、存在的主要问题及改进情况",
    "六": "六、其他需要报告的事项",
}

S1_PARTS: tuple[tuple[str, str, str], ...] = (
    ("active", "（一）主动公开情况", "主动公开"),
    ("requests", "（二）依申请公开情况", "依申请公开"),
    ("management", "（三）政府信息管理情况", "政府信息管理"),
    ("platform", "（四）政府信息公开平台建设情况", "平台建设"),
    ("oversight", "（五）监督保障情况", "监督保障"),
)

S3_COLUMNS: tuple[tuple[str, str], ...] = (
    ("natural", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("nonprofit", "社会公益组织"),
    ("legal", "法律服务机构"),
    ("other_org", "其他"),
    ("total", "总计"),
)
S3_APPLICANT_COLUMNS = tuple(k for k, _ in S3_COLUMNS if k != "total")

# (group label or None, ((row key, label), ...)) in table order; rows under one group share a
# merged B cell.  Rows outside 三、本年度办理结果 carry their label in A–C.
S3_OUTCOME_GROUPS: tuple[tuple[str | None, tuple[tuple[str, str], ...]], ...] = (
    (None, (("granted", "（一）予以公开"),)),
    (None, (("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),)),
    (
        "（三）不予公开",
        (
            ("refused.secret", "1.属于国家秘密"),
            ("refused.prohibited", "2.其他法律行政法规禁止公开"),
            ("refused.security", "3.危及“三安全一稳定”"),
            ("refused.third_party", "4.保护第三方合法权益"),
            ("refused.internal", "5.属于三类内部事务信息"),
            ("refused.process", "6.属于四类过程性信息"),
            ("refused.enforcement", "7.属于行政执法案卷"),
            ("refused.inquiry", "8.属于行政查询事项"),
        ),
    ),
    (
        "（四）无法提供",
        (
            ("unavailable.not_held", "1.本机关不掌握相关政府信息"),
            ("unavailable.needs_creation", "2.没有现成信息需要另行制作"),
            ("unavailable.unclear", "3.补正后申请内容仍不明确"),
        ),
    ),
    (
        "（五）不予处理",
        (
            ("not_processed.petition", "1.信访举报投诉类申请"),
            ("not_processed.repeat", "2.重复申请"),
            ("not_processed.publication", "3.要求提供公开出版物"),
            ("not_processed.excessive", "4.无正当理由大量反复申请"),
            ("not_processed.confirm", "5.要求行政机关确认或重新出具已获取信息"),
        ),
    ),
    (
        "（六）其他处理",
        (
            (
                "other.no_correction",
                "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            ),
            (
                "other.no_fee",
                "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            ),
            ("other.other", "3.其他"),
        ),
    ),
)
S3_OUTCOME_ROWS = tuple(key for _, rows in S3_OUTCOME_GROUPS for key, _ in rows)
S3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
S3_ROW_LABELS = {
    "new": "一、本年新收政府信息公开申请数量",
    "carried": "二、上年结转政府信息公开申请数量",
    "results": "三、本年度办理结果",
    "handled_total": "（七）总计",
    "carry_over": "四、结转下年度继续办理",
}
# The rows as messages name them: 一、本年新收, 二、上年结转, 四、结转下年度继续办理 …
S3_ROW_SHORT = {k: v.removesuffix("政府信息公开申请数量") for k, v in S3_ROW_LABELS.items()}

S4_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("suit_direct", "未经复议直接起诉"),
    ("suit_after_review", "复议后起诉"),
)
S4_RESULTS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
    ("total", "总计"),
)

S2_BLOCKS: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str, tuple[str, ...]], ...]], ...] = (
    # caption, column headers (B–D, or one merged header), rows (key prefix, label, value keys)
    (
        "第二十条第（一）项",
        ("本年制发件数", "本年废止件数", "现行有效件数"),
        (
            ("rules", "规章", ("issued", "repealed", "in_force")),
            ("normative", "行政规范性文件", ("issued", "repealed", "in_force")),
        ),
    ),
    ("第二十条第（五）项", ("本年处理决定数量",), (("licensing", "行政许可", ("decisions",)),)),
    (
        "第二十条第（六）项",
        ("本年处理决定数量",),
        (
            ("penalty", "行政处罚", ("decisions",)),
            ("coercion", "行政强制", ("decisions",)),
        ),
    ),
    (
        "第二十条第（八）项",
        ("本年收费金额（单位：万元）",),
        (("fees", "行政事业性收费", ("amount",)),),
    ),
)

DEFAULT_SUBMIT_NOTE = "按县（区）政务公开办公室通知的时间和方式报送。"
# Fields whose last-year value is a starting point in next year's template (issue #16): the
# filler's contact, the 前言's contact details, and a 前言 the unit wrote itself.
CARRY_FORWARD = frozenset({
    "info.contact", "info.phone", "info.website", "info.address", "info.postcode",
    "info.public_phone", "info.email", PREFACE_KEY,
})  # fmt: skip
S2_STOCK_ROWS = (("rules", "规章"), ("normative", "行政规范性文件"))
S2_NOTE = (
    "右侧“上年现行有效件数”由县（区）政务公开办公室按本单位上年报告预填并锁定；“与上年核对”按"
    "“上年现行有效+本年制发−本年废止”核对现行有效件数。文件到期失效、修订等也会使件数变化，"
    "显示“!”时请核对，确有此类情况请在“一、总体情况”的政府信息管理部分说明。"
)
LAST_YEAR_NOTE_NONE = (
    "本模板未预填上年数据；“三、依申请公开”的“二、上年结转”请按本单位上年报告的"
    "“四、结转下年度继续办理”填写。"
)
LAST_YEAR_NOTE_MISSING = (
    "未找到本单位{year}年度已通过的报送，没有预填上年数据；“三、依申请公开”的“二、上年结转”"
    "请按本单位上年报告的“四、结转下年度继续办理”填写。"
)
LAST_YEAR_NOTE_FILLED = (
    "“三、依申请公开”的“二、上年结转”已按本单位{year}年度报告的“四、结转下年度继续办理”预填并锁定；"
    "“二、主动公开”右侧是上年现行有效件数。来源：{source}。上年数字如有错误，请联系县（区）"
    "政务公开办公室更正，不要自行修改。"
)
STOCK_FAIL = (
    "! 上年{prior}+制发{issued}−废止{repealed}={expected}，现填{stock}；"
    "文件到期失效等也会使件数变化，请核对"
)

INSTRUCTIONS = (
    "1. 只在白色（未锁定）格子里填写；灰色格子是标签、合计和校验，已锁定，不能修改。",
    "2. 各表“总计”列、“（七）总计”行和复议诉讼的“总计”都由公式自动计算，不用填写。",
    "3. 数字格只填阿拉伯数字（件数为不小于 0 的整数），没有就填 0，不要写“无”“-”或单位。",
    "4. 行政事业性收费以“万元”为单位，可带小数；信息处理费以“元”为单位。",
    "5. 每张表下方的“校验”格显示 ✓ 表示通过；出现 ✗ 时请按提示修改，本页“校验结果”应为“全部通过”。",
    "6. 文字部分直接输入或粘贴，段落之间用 Alt+Enter（WPS 同）换行；请勿保留“XX”“20XX”等占位文字。",
    "7. 不要插入或删除行列、不要重命名或删除工作表；填好后保存为 .xlsx，按通知要求报送。",
)


def s2_key(row: str, column: str) -> str:
    """The key of a table 二 value: s2_key("rules", "in_force") -> 's2.rules.in_force'."""
    return f"s2.{row}.{column}"


def s3_key(row: str, column: str) -> str:
    """The key of a table 三 cell: s3_key("new", "natural") -> 's3.new.natural'."""
    return f"s3.{row}.{column}"


class _Builder:
    """Collects labels, fields and rules while the sheets are laid out top to bottom."""

    def __init__(self) -> None:
        self.sheets: list[SheetSpec] = []
        self.labels: list[Label] = []
        self.fields: list[Field] = []
        self.rules: list[Rule] = []
        self.priors: list[PriorCell] = []
        self.stock_checks: list[StockCheck] = []

    def label(
        self,
        sheet: str,
        row: int,
        col: int,
        text: str,
        role: LabelRole,
        last_row: int | None = None,
        last_col: int | None = None,
    ) -> None:
        self.labels.append(Label(sheet, row, col, text, role, last_row, last_col))

    def add(self, f: Field) -> Field:
        self.fields.append(f)
        return f

    def number(
        self, key: str, sheet: str, row: int, col: int, label: str, unit: str = "件", **kw: object
    ) -> Field:
        return self.add(
            Field(key, sheet, row, col, label, Kind.INPUT, ValueType.INTEGER, unit, default=0, **kw)  # type: ignore[arg-type]
        )

    def total(self, key: str, sheet: str, row: int, col: int, label: str, parts: Sequence[str]):
        formula = "=" + sum_expression([self._cell(p) for p in parts])
        return self.add(
            Field(
                key, sheet, row, col, label, Kind.FORMULA, ValueType.INTEGER, "件",
                parts=tuple(parts), formula=formula,
            )
        )  # fmt: skip

    def rule(self, rule: Rule) -> None:
        """Register a rule; a rule with a live check cell gets its Excel formula here."""
        if rule.check:
            rule = replace(rule, check_formula=self._check_formula(rule))
        self.rules.append(rule)

    def _check_formula(self, rule: Rule) -> str:
        assert rule.check is not None
        sheet = rule.check[0]
        lhs = "+".join(self.cell_ref(k, sheet) for k in rule.lhs)
        rhs = "+".join(self.cell_ref(k, sheet) for k in rule.rhs)
        condition = {
            RuleKind.BALANCE: f"{lhs}={rhs}",
            RuleKind.SUM: f"{lhs}={rhs}",
            RuleKind.NOT_GREATER: f"{lhs}<={rhs}",
            RuleKind.IMPLIES_POSITIVE: f"NOT(AND({lhs}>0,{rhs}=0))",
            RuleKind.REQUIRED: f"LEN(TRIM({lhs}))>0",
        }[rule.kind]
        # "✗ 一+二={lhs}" -> "✗ 一+二="&(D6+D7)&""
        pieces = re.split(r"(\{lhs\}|\{rhs\})", rule.check_fail)
        parts = []
        for piece in pieces:
            if piece == "{lhs}":
                parts.append(f"({lhs})")
            elif piece == "{rhs}":
                parts.append(f"({rhs})")
            elif piece:
                parts.append('"' + piece.replace('"', '""') + '"')
        return f'=IF({condition},"{CHECK_OK}",{"&".join(parts)})'

    def stock_formula(self, check: StockCheck, prior: PriorCell) -> str:
        """=IF(prior="","—",IF(stock=prior+issued-repealed,"✓","! 上年"&prior&…))."""
        refs = {
            "prior": a1(prior.row, prior.col),
            "issued": self.cell_ref(check.issued, prior.sheet),
            "repealed": self.cell_ref(check.repealed, prior.sheet),
            "stock": self.cell_ref(check.stock, prior.sheet),
        }
        refs["expected"] = f"({refs['prior']}+{refs['issued']}-{refs['repealed']})"
        parts = []
        for piece in re.split(r"(\{\w+\})", check.check_fail):
            if piece[1:-1] in refs and piece.startswith("{"):
                parts.append(refs[piece[1:-1]])
            elif piece:
                parts.append('"' + piece.replace('"', '""') + '"')
        ok = f'IF({refs["stock"]}={refs["expected"][1:-1]},"{CHECK_OK}",{"&".join(parts)})'
        return f'=IF({refs["prior"]}="","{STOCK_NO_PRIOR}",{ok})'

    def field(self, key: str) -> Field:
        return next(f for f in self.fields if f.key == key)

    def _cell(self, key: str) -> tuple[int, int]:
        f = next(f for f in self.fields if f.key == key)
        return f.row, f.col

    def cell_ref(self, key: str, sheet: str) -> str:
        """Reference to a field's cell as written in a formula on ``sheet``."""
        f = next(f for f in self.fields if f.key == key)
        ref = a1(f.row, f.col)
        return ref if f.sheet == sheet else f"{quote_sheet(f.sheet)}!{ref}"


def _cover(b: _Builder) -> tuple[tuple[str, int, int], tuple[str, int, int], tuple[str, int, int]]:
    s = COVER
    b.sheets.append(SheetSpec(s, FORM_TITLE + "填报表", (16, 44, 24, 10)))
    b.label(s, 0, 0, FORM_TITLE + "填报表", LabelRole.TITLE, last_col=2)
    b.label(s, 2, 0, "基本信息", LabelRole.CAPTION, last_col=2)
    text = ValueType.TEXT
    rows = (
        ("info.org", "机关名称", text, True, "填写机关全称，如“××镇人民政府”。"),
        ("info.year", "年度", ValueType.INTEGER, True, "报告所属年度，四位数字，如 2024。"),
        ("info.contact", "联系人", text, False, "填报人姓名。"),
        ("info.phone", "联系电话", text, False, "便于核对数据时联系。"),
        ("info.publish_date", "发布日期", text, False, "报告落款日期，如“2025年1月20日”，可空。"),
    )
    for i, (key, prompt, vtype, required, hint) in enumerate(rows):
        row = 3 + i
        b.label(s, row, 0, prompt, LabelRole.PROMPT)
        b.add(Field(key, s, row, 1, prompt, Kind.INPUT, vtype, required=required, help=hint,
                    carry_forward=key in CARRY_FORWARD))  # fmt: skip
    b.label(s, 9, 0, "校验结果", LabelRole.PROMPT)
    b.label(s, 9, 2, "未通过项数", LabelRole.PROMPT)
    b.label(s, 11, 0, "填报说明", LabelRole.CAPTION, last_col=2)
    for i, line in enumerate(INSTRUCTIONS):
        b.label(s, 12 + i, 0, line, LabelRole.NOTE, last_col=2)
    submit_row = 12 + len(INSTRUCTIONS) + 1
    b.label(s, submit_row, 0, "报送要求", LabelRole.PROMPT)
    b.label(s, submit_row + 1, 0, "上年数据", LabelRole.PROMPT)
    # Where the report is published and whom readers contact: used by the 前言 (appended
    # below the existing rows, so workbooks made from an older template keep their cells).
    contact_row = submit_row + 2
    b.label(s, contact_row, 0, "公开与联系（用于前言）", LabelRole.CAPTION, last_col=2)
    contact = (
        (
            "info.website",
            "电子版网址",
            "报告电子版发布的网站，如“××县人民政府门户网站（http://…）”。",
        ),
        ("info.address", "联系地址", "读者就报告提问的地址，可空。"),
        ("info.postcode", "邮政编码", "可空。"),
        ("info.public_phone", "咨询电话", "对外公布的咨询电话（不是上面的填报人电话），可空。"),
        ("info.email", "电子邮箱", "可空。"),
    )
    for i, (key, prompt, hint) in enumerate(contact, start=1):
        b.label(s, contact_row + i, 0, prompt, LabelRole.PROMPT)
        b.add(Field(key, s, contact_row + i, 1, prompt, Kind.INPUT, text, help=hint,
                    carry_forward=key in CARRY_FORWARD))  # fmt: skip
    # Summary text in B10, failed-check count in D10 (both formulas built by the template); the
    # office's own words on where and by when to send the workbook right of 报送要求 (B–C), and
    # below it where last year's prefilled figures come from (B–C).
    return (s, 9, 3), (s, 9, 1), (s, submit_row, 1)


def _section1(b: _Builder) -> None:
    s = S1
    preface_row = 3 + 2 * len(S1_PARTS)  # below the five parts: older workbooks keep their cells
    b.sheets.append(
        SheetSpec(s, SECTION_HEADINGS["一"], (12, 88, 14), section="一",
                  row_heights=(*((3 + 2 * i + 1, 240.0) for i in range(len(S1_PARTS))),
                               (preface_row, 150.0)))
    )  # fmt: skip
    b.label(s, 0, 0, SECTION_HEADINGS["一"], LabelRole.TITLE, last_col=2)
    b.label(
        s, 1, 0,
        "每部分的标题已按国家格式填好，可按实际修改；正文直接输入或粘贴，分段用 Alt+Enter。"
        "最下方的“前言”是报告开头的一段话，已按标准写法预填，可修改。",
        LabelRole.NOTE, last_col=2,
    )  # fmt: skip
    b.label(s, 2, 2, "校验", LabelRole.HEADER)
    for i, (part, heading, short) in enumerate(S1_PARTS):
        row = 3 + 2 * i
        b.label(s, row, 0, f"{heading[:3]}标题", LabelRole.PROMPT)
        b.add(
            Field(f"s1.{part}.heading", s, row, 1, f"总体情况{heading[:3]}标题", Kind.INPUT,
                  ValueType.TEXT, default=heading, required=True)
        )  # fmt: skip
        b.label(s, row + 1, 0, f"{heading[:3]}正文", LabelRole.PROMPT)
        b.add(
            Field(f"s1.{part}.text", s, row + 1, 1, f"总体情况{heading[:3]}{short}正文",
                  Kind.INPUT, ValueType.TEXT, required=True, multiline=True)
        )  # fmt: skip
    # The 前言, printed before 一、总体情况 (form/preface.py writes the standard wording).
    b.label(s, preface_row, 0, "前言", LabelRole.PROMPT)
    b.add(
        Field(PREFACE_KEY, s, preface_row, 1, "前言", Kind.INPUT, ValueType.TEXT, multiline=True,
              carry_forward=PREFACE_KEY in CARRY_FORWARD, help="报告开头的一段话（编制依据、统计期限、电子版网址、联系方式），印在"
                   "“一、总体情况”之前；已按标准写法预填，可修改；留空时按封面信息自动生成。")
    )  # fmt: skip


def _section2(b: _Builder) -> None:
    s = S2
    b.sheets.append(
        SheetSpec(s, SECTION_HEADINGS["二"], (24, 18, 18, 18, 14, 36), section="二",
                  row_heights=((4, 45.0), (5, 45.0)))
    )  # fmt: skip
    b.label(s, 0, 0, SECTION_HEADINGS["二"], LabelRole.TITLE, last_col=3)
    b.label(s, 1, 0, S2_NOTE, LabelRole.NOTE, last_col=5)
    row = 2
    for caption, headers, rows in S2_BLOCKS:
        b.label(s, row, 0, caption, LabelRole.CAPTION, last_col=3)
        b.label(s, row + 1, 0, "信息内容", LabelRole.HEADER)
        if len(headers) == 1:
            b.label(s, row + 1, 1, headers[0], LabelRole.HEADER, last_col=3)
        else:
            for j, h in enumerate(headers):
                b.label(s, row + 1, 1 + j, h, LabelRole.HEADER)
        row += 2
        for prefix, label, keys in rows:
            b.label(s, row, 0, label, LabelRole.ROW)
            for j, k in enumerate(keys):
                key = s2_key(prefix, k)
                caption_text = f"{label}{headers[j]}"
                if prefix == "fees":
                    b.add(
                        Field(key, s, row, 1, caption_text, Kind.INPUT, ValueType.DECIMAL, "万元",
                              default=0, last_col=3,
                              help=f"单位：万元，可带小数（最多 {MAX_DECIMALS} 位），如 3500 元填 0.35。")
                    )  # fmt: skip
                else:
                    merge = 3 if len(keys) == 1 else None
                    b.number(key, s, row, 1 + j, caption_text, last_col=merge)
            row += 1
    _stock_aside(b)


def _stock_aside(b: _Builder) -> None:
    """Beside 第二十条第（一）项: last year's 现行有效 (locked) and a live check of the stock."""
    for i, (prefix, label) in enumerate(S2_STOCK_ROWS):
        stock = b.field(f"s2.{prefix}.in_force")
        s, row, col = stock.sheet, stock.row, stock.col
        if i == 0:
            b.label(s, row - 1, col + 1, "上年现行有效件数", LabelRole.ASIDE)
            b.label(s, row - 1, col + 2, "与上年核对", LabelRole.ASIDE)
        prior = PriorCell(f"prior.{stock.key}", stock.key, s, row, col + 1,
                          f"{label}上年现行有效件数")  # fmt: skip
        b.priors.append(prior)
        check = StockCheck(
            f"Y2.{prefix}", label, stock.key, f"s2.{prefix}.issued", f"s2.{prefix}.repealed",
            prior.key, (s, row, col + 2), STOCK_FAIL,
        )  # fmt: skip
        b.stock_checks.append(replace(check, check_formula=b.stock_formula(check, prior)))


def _section3(b: _Builder) -> None:
    s = S3
    ncol = len(S3_COLUMNS)
    first_value_col, last_col = 3, 3 + ncol - 1
    b.sheets.append(
        SheetSpec(s, SECTION_HEADINGS["三"], (12, 14, 36) + (9,) * (ncol - 1) + (10,),
                  header_rows=(2, 4), landscape=True, section="三")
    )  # fmt: skip
    b.label(s, 0, 0, SECTION_HEADINGS["三"], LabelRole.TITLE, last_col=last_col)
    b.label(
        s, 1, 0, "只填白色格子；“总计”列与“（七）总计”行自动计算。最后一行“校验”应全部为 ✓。",
        LabelRole.NOTE, last_col=last_col,
    )  # fmt: skip
    # Three header rows, merges as format-spec.md §2.3.
    b.label(s, 2, 0, S3_NOTE, LabelRole.HEADER, last_row=4, last_col=2)
    b.label(s, 2, first_value_col, "申请人情况", LabelRole.HEADER, last_col=last_col)
    b.label(s, 3, first_value_col, "自然人", LabelRole.HEADER, last_row=4)
    b.label(s, 3, first_value_col + 1, "法人或其他组织", LabelRole.HEADER, last_col=last_col - 1)
    b.label(s, 3, last_col, "总计", LabelRole.HEADER, last_row=4)
    for j, (_, lab) in enumerate(S3_COLUMNS[1:-1]):
        b.label(s, 4, first_value_col + 1 + j, lab, LabelRole.HEADER)

    row = 5
    body: list[tuple[str, int, str]] = []  # (row key, row, label for messages)

    def full_row(key: str, label: str) -> None:
        nonlocal row
        b.label(s, row, 0, label, LabelRole.ROW, last_col=2)
        body.append((key, row, label))
        row += 1

    full_row("new", S3_ROW_LABELS["new"])
    full_row("carried", S3_ROW_LABELS["carried"])
    results_first = row
    for group, rows in S3_OUTCOME_GROUPS:
        if group is None:
            ((key, label),) = rows
            b.label(s, row, 1, label, LabelRole.ROW, last_col=2)
            body.append((key, row, label))
            row += 1
            continue
        b.label(s, row, 1, group, LabelRole.ROW, last_row=row + len(rows) - 1)
        for key, label in rows:
            b.label(s, row, 2, label, LabelRole.ROW)
            body.append((key, row, f"{group}{label}"))
            row += 1
    b.label(s, row, 1, S3_ROW_LABELS["handled_total"], LabelRole.ROW, last_col=2)
    body.append(("handled_total", row, S3_ROW_LABELS["handled_total"]))
    b.label(s, results_first, 0, S3_ROW_LABELS["results"], LabelRole.ROW, last_row=row)
    row += 1
    full_row("carry_over", S3_ROW_LABELS["carry_over"])

    # Inputs first (formulas refer to them), then the handled_total row, then the total column.
    for key, r, label in body:
        if key == "handled_total":
            continue
        for j, col_key in enumerate(S3_APPLICANT_COLUMNS):
            b.number(s3_key(key, col_key), s, r, first_value_col + j,
                     f"{label}（{S3_COLUMNS[j][1]}）")  # fmt: skip
    handled_row = next(r for k, r, _ in body if k == "handled_total")
    for j, col_key in enumerate(S3_APPLICANT_COLUMNS):
        b.total(s3_key("handled_total", col_key), s, handled_row, first_value_col + j,
                f"（七）总计（{S3_COLUMNS[j][1]}）",
                [s3_key(k, col_key) for k in S3_OUTCOME_ROWS])  # fmt: skip
    for key, r, label in body:
        b.total(s3_key(key, "total"), s, r, last_col, f"{label}（总计）",
                [s3_key(key, c) for c in S3_APPLICANT_COLUMNS])  # fmt: skip

    # Rules: (七)总计 also equals the sum of the outcome rows in the total column (T3-3).
    b.rule(
        Rule("T3-3.total", "total-mismatch", RuleKind.SUM,
             (s3_key("handled_total", "total"),),
             tuple(s3_key(k, "total") for k in S3_OUTCOME_ROWS),
             text="（七）总计 应等于 （一）至（六）各项之和", scope="总计列",
             report_at=(s3_key("handled_total", "total"),))
    )  # fmt: skip
    # T3-1, the printed 勾稽 rule, shown live in a check row under the table.
    check_row = row
    b.label(s, check_row, 0, "校验：一+二 应等于 三(七)+四", LabelRole.PROMPT, last_col=2)
    for j, (col_key, col_label) in enumerate(S3_COLUMNS):
        b.rule(
            Rule(f"T3-1.{col_key}", "balance-mismatch", RuleKind.BALANCE,
                 (s3_key("new", col_key), s3_key("carried", col_key)),
                 (s3_key("handled_total", col_key), s3_key("carry_over", col_key)),
                 text="一+二 应等于 三(七)+四", scope=f"{col_label}列",
                 report_at=(s3_key("new", col_key), s3_key("handled_total", col_key)),
                 check=(s, check_row, first_value_col + j),
                 check_fail="✗ {lhs}≠{rhs}")
        )  # fmt: skip


def _section4(b: _Builder) -> None:
    s = S4
    n = len(S4_RESULTS)
    b.sheets.append(
        SheetSpec(s, SECTION_HEADINGS["四"], (8.5,) * (len(S4_GROUPS) * n), header_rows=(2, 4),
                  landscape=True, section="四", row_heights=((3, 30.0), (4, 30.0)))
    )  # fmt: skip
    last = len(S4_GROUPS) * n - 1
    b.label(s, 0, 0, SECTION_HEADINGS["四"], LabelRole.TITLE, last_col=last)
    b.label(s, 2, 0, "行政复议", LabelRole.HEADER, last_col=n - 1)
    b.label(s, 2, n, "行政诉讼", LabelRole.HEADER, last_col=last)
    for j, (_, lab) in enumerate(S4_RESULTS):
        b.label(s, 3, j, lab, LabelRole.HEADER, last_row=4)
    for g, (_, group_label) in enumerate(S4_GROUPS[1:], start=1):
        b.label(s, 3, g * n, group_label, LabelRole.HEADER, last_col=g * n + n - 1)
        for j, (_, lab) in enumerate(S4_RESULTS):
            b.label(s, 4, g * n + j, lab, LabelRole.HEADER)
    data_row = 5
    for g, (group, group_label) in enumerate(S4_GROUPS):
        parts = []
        for j, (result, result_label) in enumerate(S4_RESULTS[:-1]):
            key = f"s4.{group}.{result}"
            b.number(key, s, data_row, g * n + j, f"{group_label}{result_label}")
            parts.append(key)
        b.total(f"s4.{group}.total", s, data_row, g * n + n - 1, f"{group_label}总计", parts)


def _narrative_sheet(b: _Builder, sheet: str, section: str, key: str, note: str,
                     required: bool, label_width: float = 12) -> int:  # fmt: skip
    b.sheets.append(
        SheetSpec(sheet, SECTION_HEADINGS[section], (label_width, 88, 14), section=section,
                  row_heights=((3, 360.0),))
    )  # fmt: skip
    b.label(sheet, 0, 0, SECTION_HEADINGS[section], LabelRole.TITLE, last_col=2)
    b.label(sheet, 1, 0, note, LabelRole.NOTE, last_col=2)
    b.label(sheet, 2, 2, "校验", LabelRole.HEADER)
    b.label(sheet, 3, 0, "正文", LabelRole.PROMPT)
    b.add(
        Field(key, sheet, 3, 1, SECTION_HEADINGS[section][2:] + "正文", Kind.INPUT,
              ValueType.TEXT, required=required, multiline=True)
    )  # fmt: skip
    return 4


def _section5(b: _Builder) -> None:
    _narrative_sheet(
        b, S5, "五", "s5.text",
        "写明存在的主要问题和改进措施（可分“（一）主要问题”“（二）改进情况”两部分）。",
        required=True,
    )  # fmt: skip


def _section6(b: _Builder) -> None:
    s = S6
    row = _narrative_sheet(
        b, s, "六", "s6.text",
        "写明其他需要报告的事项；留空时，报告按下方信息处理费数字自动生成一句说明。",
        required=False, label_width=22,
    )  # fmt: skip
    b.label(s, row + 1, 0, "信息处理费（《政府信息公开信息处理费管理办法》）",
            LabelRole.CAPTION, last_col=2)  # fmt: skip
    fee_rows = (
        ("s6.fee_notices", "发出收费通知件数", ValueType.INTEGER, "件"),
        ("s6.fee_billed", "收费通知总金额（元）", ValueType.DECIMAL, "元"),
        ("s6.fee_collected", "实际收取总金额（元）", ValueType.DECIMAL, "元"),
    )
    for i, (key, label, vtype, unit) in enumerate(fee_rows):
        r = row + 2 + i
        b.label(s, r, 0, label, LabelRole.PROMPT)
        hint = "单位：元，可带小数。" if vtype is ValueType.DECIMAL else "没有就填 0。"
        b.add(Field(key, s, r, 1, label, Kind.INPUT, vtype, unit, default=0, help=hint))
    notices, billed, collected = (k for k, *_ in fee_rows)
    b.rule(
        Rule("F-1", "fee-collected-exceeds-billed", RuleKind.NOT_GREATER, (collected,), (billed,),
             text="实际收取金额不应大于收费通知总金额", report_at=(collected,),
             check=(s, row + 4, 2), check_fail="✗ 实收大于通知金额")
    )  # fmt: skip
    b.rule(
        Rule("F-2", "fee-notices-missing", RuleKind.IMPLIES_POSITIVE, (billed,), (notices,),
             text="有收费通知金额时，收费通知件数应大于 0", report_at=(notices,),
             check=(s, row + 2, 2), check_fail="✗ 请填通知件数")
    )  # fmt: skip
    b.rule(
        Rule("T3-6", "fee-notices-missing", RuleKind.IMPLIES_POSITIVE,
             (s3_key("other.no_fee", "total"),), (notices,),
             text="三表有“逾期未按收费通知要求缴纳费用”的申请时，应报告发出的收费通知",
             report_at=(notices,))
    )  # fmt: skip


def _required_text_rules(b: _Builder) -> None:
    """Every required text gets a live check cell right of its input."""
    for f in list(b.fields):
        if f.type is ValueType.TEXT and f.required:
            b.rule(
                Rule(f"R-{f.key}", "required-text-missing", RuleKind.REQUIRED, (f.key,),
                     text=f"{f.label}不能为空", report_at=(f.key,),
                     check=(f.sheet, f.row, f.col + 1), check_fail="✗ 请填写")
            )  # fmt: skip


def _sum_rules(b: _Builder) -> None:
    """Each formula's identity, re-checked in Python (a typed-over total must still add up)."""
    for f in list(b.fields):
        if f.kind is Kind.FORMULA:
            b.rule(
                Rule(f"SUM-{f.key}", "total-mismatch", RuleKind.SUM, (f.key,), f.parts,
                     text=f"{f.label}应等于各分项之和", report_at=(f.key,))
            )  # fmt: skip


def _meta_rows() -> tuple[MetaRow, ...]:
    names = (
        ("form_id", "表单标识"),
        ("form_version", "表单版本"),
        ("fingerprint", "版式指纹"),
        ("org", "下发时锁定的机关名称"),
        ("year", "下发时锁定的年度"),
        ("generator", "生成工具"),
        ("last_year", "下发时按上年报告预填的数字（JSON）"),
        (ISSUE_META, "下发编号（按名单下发时登记在输出目录，用于核对报送单位）"),
    )
    return tuple(
        MetaRow(name, i, label, optional=name == ISSUE_META) for i, (name, label) in enumerate(names)
    )


def build_form() -> Form:
    b = _Builder()
    summary, summary_text, submit_note = _cover(b)
    _section1(b)
    _section2(b)
    _section3(b)
    _section4(b)
    _section5(b)
    _section6(b)
    _required_text_rules(b)
    _sum_rules(b)
    last_year = LastYear(
        carried=tuple((f"s3.carried.{c}", f"s3.carry_over.{c}") for c in S3_APPLICANT_COLUMNS),
        priors=tuple(b.priors),
        stock_checks=tuple(b.stock_checks),
        note=(submit_note[0], submit_note[1] + 1, submit_note[2]),
        starting_points=tuple(f.key for f in b.fields if f.carry_forward),
        meta_row="last_year",
    )
    return Form(
        sheets=tuple(b.sheets),
        labels=tuple(b.labels),
        fields=tuple(b.fields),
        rules=tuple(b.rules),
        meta_sheet=META,
        meta_rows=_meta_rows(),
        summary=summary,
        summary_text=summary_text,
        submit_note=submit_note,
        last_year=last_year,
    )


FORM = build_form()

# Handles on the fields the code refers to by meaning (their keys are typed only above).
ORG = FORM.field("info.org")
YEAR = FORM.field("info.year")
CONTACT = FORM.field("info.contact")
PHONE = FORM.field("info.phone")
PUBLISH_DATE = FORM.field("info.publish_date")
FEE_NOTICES = FORM.field("s6.fee_notices")
FEE_BILLED = FORM.field("s6.fee_billed")
FEE_COLLECTED = FORM.field("s6.fee_collected")
OTHER_MATTERS = FORM.field("s6.text")
PROBLEMS = FORM.field("s5.text")  # 五、存在的主要问题及改进情况
PREFACE = FORM.field(PREFACE_KEY)  # the 前言 (form/preface.py)
NEW_TOTAL = FORM.field(s3_key("new", "total"))
CARRIED_TOTAL = FORM.field(s3_key("carried", "total"))


# Values keyed by field key.


def compute_formulas(values: dict[str, Value], form: Form = FORM) -> dict[str, Value]:
    """Fill in every formula field from the inputs (formulas only sum, in definition order)."""
    out = dict(values)
    for f in form.fields:
        if f.kind is Kind.FORMULA:
            out[f.key] = sum(number_or_zero(out.get(p)) for p in f.parts)
    return out


def blank_values(form: Form = FORM) -> dict[str, Value]:
    """The values of an untouched template: defaults, totals computed."""
    base: dict[str, Value] = {}
    for f in form.fields:
        if f.kind is Kind.INPUT:
            base[f.key] = f.default if f.default is not None else ""
    return compute_formulas(base, form)


# The cover's 校验结果: how many live checks fail (未通过项数) and what that means in words.


def counted_checks(form: Form = FORM) -> list[Rule]:
    """The live checks the cover's 未通过项数 counts: every check cell except those over totals
    only (三表's 总计 column), which fail exactly when a column's check fails and so would count
    one mistake twice (the Python rules leave them out too: checks/rules.py)."""
    return [
        r for r in form.rules
        if r.check and not all(form.field(k).kind is Kind.FORMULA for k in r.keys)
    ]  # fmt: skip


def cover_count_formula(form: Form = FORM) -> str:
    """The formula of the cover's 未通过项数 cell: one term per counted check cell."""
    count_sheet = form.summary[0]
    refs = []
    for rule in counted_checks(form):
        sheet, row, col = rule.check  # type: ignore[misc]
        ref = a1(row, col) if sheet == count_sheet else f"{quote_sheet(sheet)}!{a1(row, col)}"
        refs.append(f'({ref}<>"{CHECK_OK}")')
    return "=" + "+".join(refs)


_COVER_OK, _COVER_FAILED = f"{CHECK_OK} 全部通过", "✗ {} 项未通过，请按各表 ✗ 提示修改"


def cover_text_formula(form: Form = FORM) -> str:
    """The formula of the cover's 校验结果 cell: 全部通过 / N 项未通过, from the count cell."""
    count = a1(form.summary[1], form.summary[2])
    before, after = _COVER_FAILED.split("{}")
    return f'=IF({count}=0,"{_COVER_OK}","{before}"&{count}&"{after}")'


def summary_shown(failed: int) -> str:
    """What the cover's 校验结果 cell shows when ``failed`` counted checks fail."""
    return _COVER_OK if failed == 0 else _COVER_FAILED.format(failed)
