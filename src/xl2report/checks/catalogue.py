"""Findings: what is wrong with a returned workbook, where, and how to fix it.

A :class:`Finding` is data, not an exception.  Its ``code`` comes from one closed
:data:`CATALOGUE`, which fixes the level and a Chinese description of each code; the README's
list of checks is generated from it (``xl2report codes``) and a test keeps both in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from xl2report.form.national import MAX_DECIMALS
from xl2report.form.types import Level


@dataclass(frozen=True)
class Code:
    code: str
    level: Level
    title: str  # Chinese, one line: what this code means
    group: str  # 文件 / 版式 / 数值 / 勾稽 / 文字 / 跨年度


E, W = Level.ERROR, Level.WARNING

_CODES = (
    # 文件: the file cannot be read as our workbook at all.
    Code("file-empty", E, "文件是空的（0 字节）", "文件"),
    Code("file-too-large", E, "文件过大，超过允许的大小", "文件"),
    Code("file-missing", E, "找不到文件或无法读取", "文件"),
    Code(
        "lock-file", E, "这是 Excel/WPS 打开文件时留下的临时锁文件（~$ 开头），不是工作簿", "文件"
    ),
    Code("legacy-format", E, "旧版 .xls/.et 二进制格式，请另存为 .xlsx 后再报送", "文件"),
    Code("encrypted", E, "工作簿设置了打开密码，请取消密码后再报送", "文件"),
    Code("not-a-workbook", E, "不是 Excel 工作簿（.xlsx）", "文件"),
    Code("corrupt-workbook", E, "工作簿已损坏或不完整（可能没有复制完）", "文件"),
    Code("zip-bomb", E, "工作簿解压后过大，已拒绝读取", "文件"),
    Code("xml-dtd-forbidden", E, "工作簿内含 DTD/实体声明，出于安全原因拒绝读取", "文件"),
    Code("not-our-form", E, "不是本系统下发的年度报告填报模板", "文件"),
    # 版式: the workbook is ours, but its layout or identity was changed.
    Code("form-meta-missing", W, "缺少模板元数据（可能由旧模板复制而来），按版式核对", "版式"),
    Code("form-version-old", E, "使用的是旧版模板，请用新下发的模板重新填报", "版式"),
    Code("form-version-unknown", E, "模板版本无法识别", "版式"),
    Code("form-fingerprint-mismatch", W, "模板版式指纹与当前版本不一致", "版式"),
    Code("sheet-missing", E, "缺少工作表（被删除或改名）", "版式"),
    Code("sheet-extra", W, "多出了模板中没有的工作表", "版式"),
    Code("label-changed", E, "表格标签被修改", "版式"),
    Code("label-shifted", E, "表格标签位置移动（插入或删除了行/列）", "版式"),
    Code("formula-overwritten", E, "合计公式被改成了手填数字", "版式"),
    Code("formula-cleared", E, "合计公式被清空", "版式"),
    Code("formula-altered", E, "合计公式被改动", "版式"),
    Code("org-changed", E, "机关名称与下发模板锁定的不一致", "版式"),
    Code("year-changed", E, "年度与下发模板锁定的不一致", "版式"),
    Code("protection-removed", W, "工作表保护被撤销", "版式"),
    # 数值: a cell's content.
    Code("required-field-missing", E, "必填项为空", "数值"),
    Code("year-invalid", E, "年度不是 2008—2100 之间的四位年份", "数值"),
    Code("text-number", W, "数字以文本形式存储，已按数字读取", "数值"),
    Code("fullwidth-number", W, "数字使用了全角字符，已按数字读取", "数值"),
    Code("blank-as-zero", W, "数字格为空或写了“无”“-”等，已按 0 计", "数值"),
    Code("not-an-integer", E, "件数必须是整数", "数值"),
    Code("negative-number", E, "数字不能为负数", "数值"),
    Code("not-a-number", E, "数字格里填了文字或单位", "数值"),
    Code("date-value", E, "数字格里是日期（输入被 Excel/WPS 识别成了日期）", "数值"),
    Code("decimal-precision", W, f"金额小数位超过 {MAX_DECIMALS} 位", "数值"),
    Code("cell-error", E, "单元格显示错误值（如 #VALUE!）", "数值"),
    # 勾稽: arithmetic between cells, always recomputed from the inputs.
    Code("balance-mismatch", E, "三表勾稽不平：一+二 应等于 三(七)+四", "勾稽"),
    Code("total-mismatch", E, "合计与分项之和不符", "勾稽"),
    Code(
        "cached-value-stale",
        W,
        "公式保存的结果与重新计算的不一致（文件由不会计算公式的工具保存）",
        "勾稽",
    ),
    Code("fee-collected-exceeds-billed", W, "实际收取的信息处理费大于收费通知总金额", "勾稽"),
    Code("fee-notices-missing", W, "有收费相关数字，但发出收费通知件数为 0", "勾稽"),
    # 文字: the narrative.
    Code("required-text-missing", E, "必填的文字部分为空", "文字"),
    Code("placeholder-left", E, "文字中留有“XX”“20XX”“【】”“请填写”等占位内容", "文字"),
    Code(
        "year-not-mentioned",
        W,
        "文字没有提到报告年度，却提到了其他年份（可能照抄了往年报告）",
        "文字",
    ),
    # Numbers the text states (checks/statements.py ties each phrasing to its cell).  A report
    # must not publish a number its own table contradicts, so a statement that can only mean one
    # cell is an error; a phrasing real reports also use for another count is a warning.
    # Error: 新收/上年结转/办结/结转下年度 are the rows of table 三, in the table's own words.
    Code(
        "narrative-count-mismatch",
        E,
        "文字中的申请件数（新收、上年结转、办结、结转下年度）与三表不一致",
        "文字",
    ),
    # Error: 予以公开、部分公开、不予公开…… are table 三's row names.
    Code(
        "narrative-outcome-mismatch",
        E,
        "文字中的办理结果件数（予以公开、部分公开、不予公开等）与三表不一致",
        "文字",
    ),
    # Error: "（自然人72件、法人或其他组织3件）" names the table's columns.
    Code("narrative-breakdown-mismatch", E, "文字中按申请人分列的件数与三表该行各列不一致", "文字"),
    # Warning: "办理/处理 N 件" is used for 办结, for 新收 + 结转 and for 新收 alike.
    Code(
        "narrative-handled-mismatch",
        W,
        "文字中“办理/处理申请 N 件”与三表新收、新收加结转、办结都不一致",
        "文字",
    ),
    # Error: 制发/废止/现行有效 are table 二's own column names.
    Code(
        "narrative-documents-mismatch",
        E,
        "文字中的规章、行政规范性文件件数（制发、废止、现行有效）与二表不一致",
        "文字",
    ),
    # Warning: prose counts 许可/处罚/强制 as 事项, 案件 or 决定书; the table counts 处理决定.
    Code(
        "narrative-decisions-mismatch",
        W,
        "文字中的行政许可、行政处罚、行政强制件数与二表处理决定数量不一致",
        "文字",
    ),
    # Error: in a sentence about 信息公开, 行政复议/行政诉讼 N 件 is table 四's total.
    Code(
        "narrative-review-mismatch",
        E,
        "文字中政府信息公开行政复议、行政诉讼件数与四表总计不一致",
        "文字",
    ),
    # Warning: prose rounds amounts (“约”“余” are skipped, but 12.5万元 for 12.4816 is common).
    Code(
        "narrative-fee-amount-mismatch",
        W,
        "文字中的收费金额与二表（万元）或六部分信息处理费（元）不一致",
        "文字",
    ),
    Code("narrative-says-none", W, "文字说未收到申请，但三表有新收申请", "文字"),
    Code("narrative-fee-contradiction", W, "文字说未收取信息处理费，但六部分有收费数字", "文字"),
    Code("control-characters", W, "文字中含有不可见的控制字符，生成报告时会被删除", "文字"),
    # 跨年度: with last year's accepted workbook.
    Code("yoy-carried-mismatch", W, "本年“上年结转”与上年“结转下年度继续办理”不一致", "跨年度"),
    Code("yoy-in-force-mismatch", W, "现行有效件数 ≠ 上年现行有效 + 本年制发 − 本年废止", "跨年度"),
    Code(
        "text-copied-from-last-year",
        W,
        "文字部分与上年报告的同一部分几乎相同（去掉数字和年份后达到提醒线，默认 90%）",
        "跨年度",
    ),
    Code("yoy-swing", W, "与上年相比变化超过十倍（可能把“元”当成“万元”）", "跨年度"),
    Code("yoy-org-mismatch", W, "上年工作簿的机关名称与本年不同", "跨年度"),
    Code("yoy-year-mismatch", W, "上年工作簿的年度不是本年度减一", "跨年度"),
)

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}


Number = int | Decimal


@dataclass(frozen=True)
class Finding:
    code: str
    message: str  # Chinese: what is wrong and what would be right, with the numbers
    sheet: str = ""
    cell: str = ""  # A1, as Excel shows it
    key: str = ""  # field key
    expected: Number | str | None = None
    actual: Number | str | None = None
    related: tuple[str, ...] = ()  # other cells of the same sheet involved

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:
            raise KeyError(f"finding code not in catalogue: {self.code}")

    @property
    def level(self) -> Level:
        return CATALOGUE[self.code].level

    @property
    def is_error(self) -> bool:
        return self.level is Level.ERROR

    @property
    def where(self) -> str:
        """'三、依申请公开!D8' or just the sheet, or ''."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["level"] = str(self.level)
        d["related"] = list(self.related)
        for k in ("expected", "actual"):
            if isinstance(d[k], Decimal):
                d[k] = _decimal_json(d[k])
        return {k: d[k] for k in _FIELD_ORDER}


_FIELD_ORDER = ("code", "level", "sheet", "cell", "key", "message", "expected", "actual", "related")


def _decimal_json(v: Decimal) -> int | float:
    return int(v) if v == v.to_integral_value() else float(v)


@dataclass
class FileReport:
    """Everything found in one input file."""

    file: str
    org: str = ""
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.is_error for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]

    @property
    def readable(self) -> bool:
        """False when the file could not be opened as our workbook at all."""
        return not any(CATALOGUE[f.code].group == "文件" for f in self.findings)

    def extend(self, findings: Iterable[Finding]) -> None:
        self.findings.extend(findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "org": self.org,
            "year": self.year,
            "valid": self.valid,
            "findings": [f.to_dict() for f in self.findings],
        }
