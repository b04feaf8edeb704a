"""Findings: what is wrong with a returned workbook, where, and how to fix it.

A :class:`Finding` is data, not an exception.  Its ``code`` comes from one closed
:data:`CATALOGUE`, which fixes each code's level, a short Chinese name (what clerks see beside a
finding; the code stays in ``--json`` and the ledger), a one-line Chinese title and the Chinese
message template (as frictionless-py keeps ``Error.template``); :meth:`Finding.at` is the one
factory that fills a template at a place of the form.  No finding message is written anywhere
else.  docs/校验代码表.md is generated from this table (``python -m xl2report.docs``) and a
test keeps both in step.

Templates are ``str.format`` text: ``{name}`` is a parameter (numbers are shown as
:func:`~xl2report.form.types.format_number` shows them, lists joined with 、), and a part in
``[...]`` is kept only when every parameter inside it is given and not None.  ``{sheet}``,
``{cell}`` and (for a field) ``{label}`` default to the place's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Protocol

from xl2report.checks.likeness import Likeness
from xl2report.checks.messages import fill as fill
from xl2report.checks.messages import shift_phrase as shift_phrase
from xl2report.form.national import MAX_DECIMALS, MAX_EXACT, MAX_NUMBER, YEAR_MAX, YEAR_MIN
from xl2report.form.types import Level, format_number

EMPTY = "（空）"  # how a message shows a cell or text that holds nothing


@dataclass(frozen=True)
class Code:
    """One finding code: its level, what it means, and how its message reads."""

    code: str
    level: Level
    name: str  # Chinese, a few words: what clerks see beside a finding (feedback copy, check)
    title: str  # Chinese, one line: what this code means
    group: str  # 文件 / 版式 / 数值 / 勾稽 / 文字 / 跨年度 / 导入
    template: str  # Chinese message (see the module docstring for its syntax)
    variants: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def message(self, variant: str = "", **params: object) -> str:
        """The message of this code (or of one of its named ``variants``) with ``params``."""
        template = self.variants[variant] if variant else self.template
        return fill(template, params)

    @property
    def templates(self) -> tuple[str, ...]:
        """The template and every variant, in order."""
        return (self.template, *self.variants.values())


def _code(code: str, level: Level, name: str, title: str, group: str, template: str,
          **variants: str) -> Code:  # fmt: skip
    return Code(code, level, name, title, group, template, MappingProxyType(variants))


E, W = Level.ERROR, Level.WARNING
_SHIFTED = "该表的数字无法按位置读取；请删除插入的行列（或恢复删除的），或在原模板中重新填写。"
_LEGACY = "这是 .xls/.et/.ods 格式的表格，请在 Excel 或 WPS 中“另存为” .xlsx 工作簿后重新报送。"
_ZERO = "已按 0 计；没有请直接填 0。"
# A stated number against its cells: the sentence quoted, the cells named, both numbers given.
_STATED = (
    "{label}中“{sentence}”说{said}为 {number} {unit}，但{cells}为 {table} {unit}"
    "[；{alternatives}]。请把文字和表格改为一致。"
)

# fmt: off
_CODES = (
    # 文件: the file cannot be read as our workbook at all.
    _code("file-empty", E, "空文件", "文件是空的（0 字节）", "文件",
          "文件是空的（0 字节），可能没有保存成功或没有下载完整，请重新发送。"),
    _code("file-too-large", E, "文件过大", "文件过大，超过允许的大小", "文件",
          "文件过大（{detail}），请确认是否为年度报告填报表。"),
    _code("file-missing", E, "找不到文件", "找不到文件或无法读取", "文件", "无法读取：{detail}。"),
    _code("lock-file", E, "临时锁文件", "这是 Excel/WPS 打开文件时留下的临时锁文件（~$ 开头），不是工作簿", "文件",
          "这是 Excel/WPS 打开文件时自动生成的临时锁文件（~$ 开头），不是报送的工作簿；"
          "请找不带 ~$ 的那个文件。"),
    _code("legacy-format", E, "旧版格式", "旧版 .xls/.et 或 .ods 格式，请另存为 .xlsx 后再报送", "文件",
          _LEGACY,
          no_office=_LEGACY + "（本机未安装 LibreOffice，无法自动转换。）",
          not_converted=_LEGACY + "（自动转换失败。）"),
    _code("encrypted", E, "设有打开密码", "工作簿设置了打开密码，请取消密码后再报送", "文件",
          "工作簿设置了打开密码，无法读取；请在 Excel/WPS 中取消“打开密码”后重新报送。"),
    _code("not-a-workbook", E, "不是工作簿", "不是 Excel 工作簿（.xlsx）", "文件",
          "这不是 Excel 工作簿（.xlsx）文件，请发送下发模板填写后的 .xlsx 文件。"),
    _code("zip-without-workbook", E, "压缩包里没有工作簿", "压缩包里没有 Excel 工作簿（如改了扩展名的 Word 文档或压缩包）", "文件",
          "这个文件是压缩包，里面没有 Excel 工作簿[（{detail}）]；请用 Excel/WPS 打开要报送的报表，"
          "“另存为” Excel 工作簿（.xlsx）后重新报送。"),
    _code("unknown-namespace", E, "格式无法识别", "工作簿的格式无法识别（不是 Excel 的命名空间）", "文件",
          "工作簿的格式无法识别（{detail}），可能由不兼容的软件生成；请用 Excel/WPS 打开后"
          "“另存为” Excel 工作簿（.xlsx）再报送。"),
    _code("corrupt-workbook", E, "文件已损坏", "工作簿已损坏或不完整（可能没有复制完）", "文件",
          "工作簿已损坏或不完整（可能没有复制或下载完整），请重新保存后报送。"),
    _code("zip-bomb", E, "解压后过大", "工作簿解压后过大，已拒绝读取", "文件",
          "工作簿解压后过大（{detail}），出于安全原因拒绝读取。"),
    _code("xml-dtd-forbidden", E, "不安全的内容", "工作簿内含 DTD/实体声明，出于安全原因拒绝读取", "文件",
          "工作簿内含 DTD/实体声明，出于安全原因拒绝读取。"),
    _code("not-our-form", E, "不是下发的模板", "不是本系统下发的年度报告填报模板", "文件",
          "找不到年度报告填报表的任何工作表，请使用下发的模板填写。",
          other_form="模板标识为“{form_id}”，不是年度报告填报模板。"),
    _code("content-too-large", E, "内容过多", "工作簿的内容远多于年度报告模板，拒绝读取", "文件",
          "工作簿{detail}，远多于年度报告模板，出于安全原因拒绝读取；请用下发的模板填写。"),
    _code("cannot-process", E, "无法处理", "无法处理：处理这个文件时出错或超时", "文件",
          "无法处理：{reason}。请检查文件，或用下发的模板重新填写后报送。"),
    _code("cannot-process-retry", E, "无法处理（将重试）", "无法处理：超时或工作进程意外退出，之后的运行会自动重试", "文件",
          "无法处理：{reason}。可能是电脑当时太忙或内存不足：之后运行 xl2report run 时会自动"
          "重试，每个文件共 {times} 次；次数用完后可用 run --retry（或工作台的“重新处理”）再试；"
          "仍然失败请检查文件，或用下发的模板重新填写后报送。"),
    # 版式: the workbook is ours, but its layout or identity was changed.
    _code("form-meta-missing", W, "缺少模板信息", "缺少模板元数据（可能由旧模板复制而来），按版式核对", "版式",
          "工作簿缺少模板元数据（隐藏的 {meta_sheet} 表），可能不是由下发模板直接填写；"
          "已按版式逐项核对。"),
    _code("form-version-old", E, "旧版模板", "使用的是旧版模板，请用新下发的模板重新填报", "版式",
          "这是旧版模板（版本 {version}，当前为 {current}）；请用新下发的模板重新填报。"),
    _code("form-version-unknown", E, "模板版本不明", "模板版本无法识别", "版式",
          "无法识别模板版本“{version}”（当前为 {current}）；请用本次下发的模板重新填报。"),
    _code("form-fingerprint-mismatch", W, "版式指纹不符", "模板版式指纹与当前版本不一致", "版式",
          "模板版式指纹与当前版本不一致（元数据可能被改动）；已按版式逐项核对。"),
    _code("sheet-missing", E, "缺少工作表", "缺少工作表（被删除或改名）", "版式",
          "缺少工作表“{sheet}”（被删除或改名），请用原模板填写。"),
    _code("sheet-duplicate", E, "工作表同名", "两个工作表同名（Excel 不允许），无法确定用哪一个", "版式",
          "有两个工作表都叫“{sheet}”（Excel 不允许同名），只读取了第一个，无法确定哪一个是报送的"
          "数据；请删除多余的一个，或用下发的模板重新填写后报送。"),
    _code("sheet-extra", W, "多余的工作表", "多出了模板中没有的工作表", "版式",
          "多出了工作表“{sheet}”，其内容不会被读取。"),
    _code("label-changed", E, "标签被改动", "表格标签被修改", "版式",
          "标签被改动：应为“{text}”，现为“{found}”；请改回原文。"),
    _code("label-shifted", E, "插入或删除了行列", "表格标签位置移动（插入或删除了行/列）", "版式",
          "标签“{text}”应在 {cell}，现在在 {found}：{shift}。" + _SHIFTED,
          formula="{label}的公式应在 {cell}，现在在 {found}：{shift}。" + _SHIFTED),
    _code("formula-overwritten", E, "公式被改成数字", "合计公式被改成了手填数字", "版式",
          "{label}应由公式 {formula} 自动计算，现被改成了手填的“{typed}”；请恢复公式。"),
    _code("formula-cleared", E, "公式被清空", "合计公式被清空", "版式",
          "{label}的公式被清空；请恢复公式 {formula}（或用原模板重新填写）。"),
    _code("formula-altered", E, "公式被改动", "合计公式被改动", "版式",
          "{label}的公式被改为 {found}；请恢复原公式 {formula}。"),
    _code("org-changed", E, "机关名称被改", "机关名称与下发模板锁定的不一致", "版式",
          "{label}应为下发时的“{fixed}”，现为“{found}”。"),
    _code("year-changed", E, "年度被改", "年度与下发模板锁定的不一致", "版式",
          "{label}应为下发时的 {fixed}，现为 {found}。"),
    _code("issued-to-other", E, "用了别单位的模板", "用的是下发给其他单位的模板", "版式",
          "这份工作簿用的是下发给“{issued}”的模板，机关名称却是“{found}”，不能作为“{found}”的报送。"
          "如果是误用了其他单位的模板：请向县（区）政务公开办公室索取下发给“{found}”的模板，"
          "把本单位的数字和文字填进去后重新报送；如果这确是“{issued}”的报送：请把机关名称改回"
          "“{issued}”。"),
    _code("issue-unknown", W, "下发编号不明", "模板的下发编号不在本县（区）的下发记录中", "版式",
          "这份工作簿的下发编号（{issue}）不在本输出目录的下发记录中：可能是上一年度、其他县（区）"
          "或未按名单生成的模板。请核对它确是所填单位的报送。"),
    _code("issue-missing", W, "没有下发编号", "没有下发编号：不是用下发给本单位的模板填写的", "版式",
          "“{org}”{year}年度的模板已按名单下发并登记了下发编号，这份工作簿却没有下发编号"
          "（不是用下发的模板填写的，或编号被删除）。请核对它确是“{org}”的报送；"
          "以后请用下发给本单位的模板填写。"),
    _code("sheet-hidden", E, "工作表被隐藏", "年度报告的工作表被隐藏", "版式",
          "工作表“{sheet}”被隐藏；请在 Excel/WPS 中取消隐藏后重新报送。"),
    _code("formula-in-input", E, "数字格里是公式", "填写数字的格子里是公式", "版式",
          "{label}应直接填写数字，现在是公式 ={formula}（不按公式结果计算）；请改为数字。"),
    _code("prefill-changed", E, "预填数字被改", "下发时按上年报告预填并锁定的数字被改动", "版式",
          "{label}下发时已按本单位{year}年度报告的“{source}”预填为 {before} 并锁定，现为 {found}；"
          "请改回 {before}。上年数字如有错误，请联系县（区）政务公开办公室更正，不要在本表中修改。"),
    _code("protection-removed", W, "保护被撤销", "工作表保护被撤销", "版式",
          "工作表“{sheet}”的保护被撤销；请确认没有改动合计公式和标签。"),
    # 数值: a cell's content.
    _code("required-field-missing", E, "必填项为空", "必填项为空", "数值",
          "{label}为空；请填写报告年度（四位数字，如 2024）。"),
    _code("year-invalid", E, "年度不对", f"年度不是 {YEAR_MIN}—{YEAR_MAX} 之间的四位年份", "数值",
          "{label}应为 {min}—{max} 之间的四位年份，现为 {shown}。"),
    _code("text-number", W, "文本格式的数字", "数字以文本形式存储，已按数字读取", "数值",
          "{label}“{shown}”是文本格式的数字，已按 {value} 读取。"),
    _code("fullwidth-number", W, "全角数字", "数字使用了全角字符，已按数字读取", "数值",
          "{label}“{shown}”使用了全角数字，已按 {value} 读取；请改用半角数字。"),
    _code("blank-as-zero", W, "按 0 计", "数字格为空或写了“无”“-”等，已按 0 计", "数值",
          "{label}填的是“{shown}”，" + _ZERO,
          empty="{label}为空，" + _ZERO),
    _code("not-an-integer", E, "不是整数", "件数必须是整数", "数值",
          "{label}应为整数件数，现为 {shown}（格子里可能显示为四舍五入后的整数）；请改为整数。"),
    _code("number-large", W, "数字很大", f"数字超过 {format_number(MAX_NUMBER)}，请核对", "数值",
          "{label}为 {shown}，超过 {max}，请核对是否多打了数字或填错了格子；确实如此可以报送。"),
    _code("number-out-of-range", E, "数字过大", f"数字过大，无法精确计算（超过 {format_number(MAX_EXACT)}）",
          "数值", "{label}为 {shown}，超过 {max}，Excel 已无法精确保存这个数；请检查是否多打了数字或"
          "填错了格子。"),
    _code("text-not-encodable", E, "损坏的字符", "文字中含有损坏的字符（如半个表情符号）", "数值",
          "{label}含有 {count} 个损坏的字符（如不完整的表情符号），无法保存；请删除后重新输入。"),
    _code("text-too-long", E, "文字过长", "文字过长（超过上限）", "数值",
          "{label}有 {length} 个字，超过上限 {max} 个字（可能是粘贴时带进了整页或整表的内容）；"
          "请删减后重新报送。"),
    _code("org-not-one-line", E, "机关名称有换行", "机关名称含有换行或不可见的控制字符", "数值",
          "{label}{what}（多为从网页或其他软件复制带入），已按“{shown}”读取；请删除后重新输入。"),
    _code("negative-number", E, "负数", "数字不能为负数", "数值", "{label}不能为负数，现为 {shown}。"),
    _code("not-a-number", E, "不是数字", "数字格里填了文字或单位", "数值",
          "{label}应填数字，现为“{shown}”；请只填阿拉伯数字，不要写文字或单位。"),
    _code("date-value", E, "数字成了日期", "数字格里是日期（输入被 Excel/WPS 识别成了日期）", "数值",
          "{label}应填数字，现为日期“{shown}”（输入被识别成了日期）；请重新输入数字。"),
    _code("decimal-precision", W, "小数位过多", f"金额小数位超过 {MAX_DECIMALS} 位", "数值",
          f"{{label}}为 {{shown}}，小数超过 {MAX_DECIMALS} 位；请确认单位（万元）并保留至多 "
          f"{MAX_DECIMALS} 位小数（6 位已精确到分）。"),
    _code("cell-error", E, "错误值", "单元格显示错误值（如 #VALUE!）", "数值",
          "{label}显示错误值 {shown}；请重新填写数字。"),
    # 勾稽: arithmetic between cells, always recomputed from the inputs.  {rule} and {scope}
    # are the rule's own words in the form.
    _code("balance-mismatch", E, "勾稽不平", "三表勾稽不平：一+二 应等于 三(七)+四", "勾稽",
          "{rule}（[{scope}：]{lhs} ≠ {rhs}[，即 {lhs_total} ≠ {rhs_total}]）"),
    _code("total-mismatch", E, "合计不符", "合计与分项之和不符", "勾稽",
          "{rule}[（{scope}）]：[{addends} = ]{total}，现为 {found}。"),
    _code("cached-value-stale", W, "显示的合计有误",
          "公式保存的结果与重新计算的不一致（文件由不会计算公式的工具保存）", "勾稽",
          "{label}在表格里显示为 {shown}，按分项重新计算为 {total}"
          "[（{text_cells} 是文本格式的数字，表格的合计没有算进去，请改为数字）]"
          "[（{cleared_cells} 的公式被清空）]；报告按 {total} 生成。"),
    _code("fee-collected-exceeds-billed", W, "实收大于通知金额", "实际收取的信息处理费大于收费通知总金额", "勾稽",
          "{rule}（{lhs} > {rhs}）"),
    _code("fee-notices-missing", W, "缺收费通知件数", "有收费相关数字，但发出收费通知件数为 0", "勾稽",
          "{rule}（{names}为 {lhs}，{label}为 0）"),
    # 文字: the narrative.
    _code("required-text-missing", E, "必填文字为空", "必填的文字部分为空", "文字", "{label}不能为空，请填写。"),
    _code("placeholder-left", E, "留有占位内容", "文字中留有“XX”“20XX”“【】”“请填写”等占位内容", "文字",
          "{label}中留有占位内容：{hits}，请替换为实际内容。"),
    # Error: 条例第五十条(四) makes 存在的主要问题及改进情况 an item every report must contain, and the
    # 2021 format sanctions reports that are 敷衍塞责; "无" leaves the item out as surely as an
    # empty cell (itself an error).  A short text may still say something: a person judges.
    _code("text-says-nothing", E, "只写了“无”", "存在的主要问题及改进情况只写了“无”之类的字，等于没有填写", "文字",
          "{label}只写了“{text}”，等于没有填写。《条例》第五十条要求年报写明政府信息公开工作"
          "存在的主要问题及改进情况，请写出本年度的具体问题和改进措施。"),
    _code("text-too-short", W, "问题及改进过短", "存在的主要问题及改进情况过短，说不出具体问题和改进措施", "文字",
          "{label}只有 {length} 个字（“{text}”），写不出具体的问题和改进措施；上级核对年报时"
          "会把过短的这一部分判为敷衍，请按本年度实际充实。"),
    # Error: the 统计期限 is the year the report is about; another year there is never right.
    _code("period-wrong-year", E, "统计期限年份不对", "前言等处写的统计期限不是报告年度", "文字",
          "{label}中“{sentence}”写的统计期限是 {found} 年，报告年度为 {year} 年；请改为"
          "“自{year}年1月1日起至{year}年12月31日止”。"),
    # Warning: plans ("2025年将……"), dates of publication in the reporting season and rules
    # taking effect later are legitimate; a person judges what remains.
    _code("text-later-year", W, "写了以后的年份", "文字把报告年度之后的年份当作本年度来写（可能是其他年度的报告）",
          "文字",
          "{label}中“{sentence}”写的是 {later} 年，报告年度为 {year} 年[（这部分另有 {more} "
          "处）]；如果是照抄了其他年度的文字，请改为 {year} 年的情况（今后的工作计划、报告的发布"
          "日期不算）。"),
    _code("year-not-mentioned", W, "未提报告年度",
          "文字没有提到报告年度，却提到了其他年份（可能照抄了往年报告）", "文字",
          "报告年度为 {year} 年，但文字中只出现了 {others}；是否照抄了其他年度的报告？"),
    # Numbers the text states (checks/statements.py ties each phrasing to its cells).  A report
    # must not publish a number its own table contradicts, so a statement that can only mean
    # one cell is an error; a phrasing real reports also use for another count is a warning.
    # Error: 新收/上年结转/办结/结转下年度 are the rows of table 三, in the table's own words.
    _code("narrative-count-mismatch", E, "文字申请件数不符",
          "文字中的申请件数（新收、上年结转、办结、结转下年度）与三表不一致", "文字", _STATED),
    # Error: 予以公开、部分公开、不予公开…… are table 三's own row names.
    _code("narrative-outcome-mismatch", E, "文字办理结果不符",
          "文字中的办理结果件数（予以公开、部分公开、不予公开等）与三表不一致", "文字", _STATED),
    # Error: "（自然人72件、法人或其他组织3件）" names the table's own columns.
    _code("narrative-breakdown-mismatch", E, "文字分列件数不符",
          "文字中按申请人分列的件数与三表该行各列不一致", "文字", _STATED),
    # Warning: "办理/处理 N 件" is used for 办结, for 新收 + 结转 and for 新收 alike.
    _code("narrative-handled-mismatch", W, "文字办理件数不符",
          "文字中“办理/处理申请 N 件”与三表新收、新收加结转、办结都不一致", "文字", _STATED),
    # Error: 制发/废止/现行有效 are table 二's own column names.
    _code("narrative-documents-mismatch", E, "文字文件件数不符",
          "文字中的规章、行政规范性文件件数（制发、废止、现行有效）与二表不一致", "文字", _STATED),
    # Warning: prose counts 许可/处罚/强制 as 事项, 案件 or 决定书; the table counts 处理决定.
    _code("narrative-decisions-mismatch", W, "文字许可处罚件数不符",
          "文字中的行政许可、行政处罚、行政强制件数与二表处理决定数量不一致", "文字", _STATED),
    # Error: in a sentence about 信息公开, 行政复议/行政诉讼 N 件 is table 四's total.
    _code("narrative-review-mismatch", E, "文字复议诉讼件数不符",
          "文字中政府信息公开行政复议、行政诉讼件数与四表总计不一致", "文字", _STATED),
    # Warning: prose rounds amounts and may quote another basis (收费 of a whole county).
    _code("narrative-fee-amount-mismatch", W, "文字收费金额不符",
          "文字中的收费金额与二表（万元）或六部分信息处理费（元）不一致", "文字", _STATED),
    # Error: "发出收费通知N件" names 六's own field 发出收费通知件数.
    _code("narrative-fee-notices-mismatch", E, "文字收费通知件数不符",
          "文字中的收费通知件数与六部分“发出收费通知件数”不一致", "文字", _STATED),
    # Warning, the lowest level there is: "收到申请N件" equal to 新收 is right by the table's
    # words, but supervisors' comparison tools read "共收到申请N件" as 新收 + 上年结转.
    _code("narrative-received-reading", W, "文字收到件数易误读",
          "文字“收到申请 N 件”等于新收，而上年结转大于 0：上级核对工具会读作新收加上年结转", "文字",
          "{label}中“{sentence}”的 {number} 件等于三表“{new_row}”；有上年结转 {carried} 件时，"
          "上级部门和评议机构的核对工具把“收到申请N件”读作 新收 + 上年结转（{total} 件），会判为"
          "不一致。建议写明“新收申请{number}件，上年结转{carried}件”。"),
    # Errors, not warnings: "未收到申请" against a table with new applications, or "未收取信息处理费"
    # against fee figures, is no doubtful reading of prose but a report that says both "none"
    # and "N"; published, it contradicts itself.  (Counts read from prose stay warnings where a
    # phrasing may mean another count: a person checks them in 待核对.)
    _code("narrative-says-none", E, "文字说未收到申请", "文字说未收到申请，但三表有新收申请", "文字",
          "{label}说未收到申请，但三表“{new_row}”为 {new} 件。"),
    _code("narrative-fee-contradiction", E, "文字说未收费", "文字说未收取信息处理费，但六部分有收费数字", "文字",
          "{label}说未收取信息处理费，但六部分填有收费通知 {notices} 件、"
          "通知金额 {billed} 元、实收 {collected} 元。"),
    _code("control-characters", W, "不可见字符", "文字中含有不可见的控制字符，生成报告时会被删除", "文字",
          "{label}含有 {count} 个不可见的控制字符（多为从其他软件粘贴带入），生成报告时会删除。"),
    # 跨年度: with last year's accepted workbook.
    _code("yoy-carried-mismatch", W, "上年结转对不上", "本年“上年结转”与上年“结转下年度继续办理”不一致", "跨年度",
          "“{carried_row}”（{column}）为 {now}，上年报告“{carry_over_row}”为 {before}。"),
    _code("yoy-in-force-mismatch", W, "现行有效件数对不上", "现行有效件数 ≠ 上年现行有效 + 本年制发 − 本年废止",
          "跨年度",
          "{label}为 {now}，按上年现行有效 {before} + 本年制发 {issued} − "
          "本年废止 {repealed} 应为 {total}（修订、到期失效等情况请在文字中说明）。"),
    _code("text-copied-from-last-year", W, "照抄上年",
          "文字部分与上年报告的同一部分几乎相同（去掉数字和年份后达到提醒线，默认 90%）", "跨年度",
          "{label}与上年报告的同一部分有 {percent}% 相同（已去掉数字和年份），达到 {threshold}% "
          "的提醒线；请按本年度的实际工作重写。"),
    # Warning: a table whose every figure is last year's is copied or not filled in; a table
    # that is 0 in both years (nothing happened) is not flagged.
    _code("table-same-as-last-year", W, "表格与上年相同", "表格的数字与上年报告完全相同（可能照抄了上年的表格）",
          "跨年度",
          "“{sheet}”的 {cells} 个数字与上年报告逐格相同（其中 {nonzero} 个不为 0）；请核对是否"
          "照抄了上年的表格。"),
    _code("yoy-swing", W, "与上年相差十倍", "与上年相比变化超过十倍（可能把“元”当成“万元”）", "跨年度",
          "{label}本年为 {now}，上年为 {before}，[是上年的 {times} 倍][只有上年的 {percent}%]"
          "[，请确认单位是否为“{unit}”]。"),
    _code("yoy-org-mismatch", W, "上年机关名称不同", "上年工作簿的机关名称与本年不同", "跨年度",
          "上年工作簿的{label}为“{before}”，本年为“{now}”。"),
    _code("yoy-year-mismatch", W, "上年年度不对", "上年工作簿的年度不是本年度减一", "跨年度",
          "上年工作簿的{label}为 {before}，应为 {total}。"),
    # 导入: reading a published report (.pdf/.docx/.html…) with ``xl2report import``.  A cell
    # printed blank or as a mark is kept as printed (the workbook shows it too), so these are
    # warnings; what could not be read at all is an error.
    _code("published-unreadable", E, "报告无法读取", "已发布的报告无法读取", "文件", "无法读取这份报告：{detail}。",
          unsupported="不能导入 {suffix} 文件；可导入 .pdf .docx .doc .wps .html .htm .mhtml .txt。",
          no_office="{detail}（本机未安装 LibreOffice，无法转换 .doc/.wps；请在 WPS 或 Word 中"
                    "另存为 .docx 后导入）。"),
    _code("published-scanned", E, "扫描件", "PDF 是扫描件，没有文字层", "文件",
          "这份 PDF 是扫描件（只有图片，没有文字层），无法读取文字和表格；本工具不做文字识别。"
          "请向发布单位索取 Word 版或网页版，或按报告在模板中手工填写。"),
    _code("published-not-a-report", E, "不像年度报告", "不像政府信息公开工作年度报告", "文件",
          "没有找到年度报告的任何部分（一、总体情况……六、其他需要报告的事项）和表格，"
          "这份文件可能不是政府信息公开工作年度报告。"),
    _code("published-org-missing", E, "未读出机关名称", "没有读出机关名称", "导入",
          "没有从报告标题读出机关名称；请用 --org 给出。"),
    _code("published-org-differs", W, "机关名称不同", "报告标题中的机关名称与 --org 不同", "导入",
          "报告标题中的机关名称为“{found}”，已按 --org 记为“{org}”。"),
    _code("published-year-missing", E, "未读出年度", "没有读出报告年度", "导入",
          "没有从报告标题或统计期限读出报告年度；请用 --year 给出。"),
    _code("published-year-differs", W, "年度不同", "报告中读出的年度与 --year 不同", "导入",
          "报告标题或统计期限中的年度为 {found}，已按 --year 记为 {year}。"),
    _code("published-section-missing", W, "缺少一部分", "没有找到报告的某一部分", "导入",
          "没有找到“{heading}”这一部分，其文字未导入。"),
    _code("published-table-missing", E, "缺少表格", "没有找到某张表", "导入",
          "没有找到“{heading}”的表格，该表的数字未导入。"),
    _code("published-row-missing", E, "表格缺一行", "表格中缺少一行", "导入",
          "表格中没有找到“{label}”这一行，该行的数字未导入。"),
    _code("published-cell-missing", E, "表格缺格子", "表格一行中的格子少于国家格式", "导入",
          "{label}：报告表格这一行的格子比国家格式少，这一格没有读到，工作簿中留空。"),
    _code("published-cell-blank", W, "报告中是空白", "报告表格中的格子是空白", "导入",
          "{label}在报告中是空白，工作簿中同样留空（合计按 0 计）。"),
    _code("published-cell-mark", W, "报告中是符号", "报告表格中填的是“—”“/”等符号，不是数字", "导入",
          "{label}在报告中为“{shown}”，不是数字；工作簿中照录（合计按 0 计）。"),
    _code("published-label-variant", W, "行标签不同", "报告表格的行标签与国家格式不同，已按最接近的读取", "导入",
          "报告中的行“{found}”与国家格式不同，已按“{text}”读取，请核对。"),
    _code("published-2019-other", W, "旧格式其他处理", "2019 年格式：“（六）其他处理”只有一行，已拆分", "导入",
          "报告用的是 2019 年格式，“（六）其他处理”只有一行（{shown}）；已全部计入“3.其他”，"
          "“1.逾期不补正”“2.逾期未缴费”两行记为 0，请按原始台账核对。"),
    _code("published-old-table2", W, "二表是旧格式", "二表是 2019 年格式，栏目不同，未导入", "导入",
          "二表是 2019 年格式（{headers}），与现行格式的栏目不同，未导入；请按原始台账填写。"),
    _code("published-subtotal-row", W, "多出小计行", "三表中有国家格式没有的小计行，未导入", "导入",
          "三表中的“{label}”一行是国家格式没有的小计，未导入。"),
)
# fmt: on

CATALOGUE: dict[str, Code] = {c.code: c for c in _CODES}


# --- findings ----------------------------------------------------------------------------------

Number = int | Decimal


class Place(Protocol):
    """Where a finding sits: a field or a fixed label of the form."""

    @property
    def sheet(self) -> str: ...

    @property
    def cell(self) -> str: ...


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

    @classmethod
    def at(
        cls,
        place: Place | str | None,
        code: str,
        variant: str = "",
        *,
        expected: Number | str | None = None,
        actual: Number | str | None = None,
        related: tuple[str, ...] = (),
        **params: object,
    ) -> Finding:
        """A finding of ``code`` at ``place`` (a field or label of the form, a sheet name, or
        None for the whole file), its message the catalogue's template filled with ``params``.

        The place's ``sheet``, ``cell`` and (for a field) ``label`` are parameters too unless
        given; ``variant`` picks one of the code's other wordings.
        """
        if place is None:
            sheet = cell = key = ""
        elif isinstance(place, str):
            sheet, cell, key = place, "", ""
        else:
            sheet, cell, key = place.sheet, place.cell, getattr(place, "key", "")
        known: dict[str, object] = {"sheet": sheet or None, "cell": cell or None}
        label = getattr(place, "label", None)
        if isinstance(label, str):
            known["label"] = label
        message = CATALOGUE[code].message(variant, **(known | params))
        return cls(code, message, sheet, cell, key, expected, actual, related)

    @property
    def level(self) -> Level:
        return CATALOGUE[self.code].level

    @property
    def name(self) -> str:
        """The code's short Chinese name (勾稽不平), shown to clerks instead of the code."""
        return CATALOGUE[self.code].name

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
    # How like last year's each section is; None when there was no last year to compare with.
    similarity: list[Likeness] | None = None

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
            "similarity": None if self.similarity is None else [s.to_dict() for s in self.similarity],
        }
