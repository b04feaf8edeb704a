"""What the narrative may state in numbers, and the table cell each number must equal.

:data:`STATEMENTS` is the whole table: one row per kind of statement a real report makes
("共收到政府信息公开申请75件", "现行有效行政规范性文件393件", "行政复议2起" ...).  Each row names
the words that introduce the number (its *cue*), the field(s) the number must equal and the
finding code that decides whether a mismatch is an error or a warning (the reasons are written
beside the codes in :mod:`xl2report.checks.catalogue`).  :mod:`xl2report.checks.said` reads the
text against this table; nothing else in the package knows these phrasings.

Cues are matched in the text just before the number (since the previous number of the same
sentence), or just after it ("收到12件政府信息公开申请", "8件结转下年度办理").  Of several cues the
closest to the number wins; a ``topic`` must also be the last of its family named before the
number in the sentence (so "制发规章2件……废止1件" is about 规章).
"""

from __future__ import annotations

from dataclasses import dataclass

from xl2report.form.national import S3_APPLICANT_COLUMNS, S3_OUTCOME_GROUPS

Sum = tuple[str, ...]  # field keys added up


@dataclass(frozen=True)
class Statement:
    said: str  # Chinese: what the sentence states, for the message ("本年新收申请")
    code: str  # catalogue code: error or warning, with the reason given there
    cue: str  # regex: the words that introduce the number
    sums: tuple[Sum, ...]  # readings the table allows; the first is the one the message names
    topic: str = ""  # the word that must be the family's last one before the number
    family: str = ""  # regex of the topic's family (规章 | 规范性文件)
    needs: str = ""  # regex that must occur somewhere in the sentence
    money: bool = False  # compared as an amount in 万元/元, not a count
    breakdown: bool = False  # an s3 row: a following (自然人N件、法人或其他组织M件) is its columns
    fallback: bool = False  # a catch-all: a specific s3 cue in the same clause wins over it
    # The reading supervisors' comparison tools take (an index into ``sums``), and words that
    # make the text clear anyway: a number that matches only another reading gets ``PEER_HINT``.
    peer: int | None = None
    peer_clear: str = ""


def _s3(row: str) -> str:
    return f"s3.{row}.total"


def _rows(group: str) -> Sum:
    """The total column of every row of one outcome group of table 三 ("（三）不予公开")."""
    return next(tuple(_s3(k) for k, _ in rows) for g, rows in S3_OUTCOME_GROUPS if g == group)


NEW, CARRIED, HANDLED, CARRY_OVER = (
    _s3("new"),
    _s3("carried"),
    _s3("handled_total"),
    _s3("carry_over"),
)
_REQ = "申请"
_DOCS = r"规章(?!制度)|规范性文件"
_ISSUE = r"制发|印发|出台|制定|新制定|发布"
_REPEAL = r"废止|宣布失效"
_IN_FORCE = r"现行有效|继续有效"
_PUBLIC = r"公开"  # 复议/诉讼 statements count only in sentences about 信息公开
_CARRIED = r"上一?年度?结转|结转上一?年度?"
PEER_HINT = "narrative-received-reading"  # catalogue code of the supervisors'-reading hint

# fmt: off
STATEMENTS: tuple[Statement, ...] = (
    # Table 三: the request counts.  The text may count 新收 alone or 新收 + 上年结转.
    # Supervisors' tools read "共收到申请N件" as 新收 + 上年结转 (a hint when it equals 新收 alone).
    Statement("本年新收申请", "narrative-count-mismatch", r"收到|受理|新收|接收|接到",
              ((NEW,), (NEW, CARRIED)), topic=_REQ, breakdown=True, peer=1,
              peer_clear=rf"新收|新增|{_CARRIED}"),
    Statement("上年结转申请", "narrative-count-mismatch", _CARRIED,
              ((CARRIED,),), breakdown=True),
    Statement("办结申请", "narrative-count-mismatch",
              r"办结|办理完毕|答复完毕|已答复|作出答复|予以答复|依法答复|按时答复",
              ((HANDLED,),), topic=_REQ, breakdown=True),
    Statement("结转下年度继续办理", "narrative-count-mismatch",
              r"(?:结转|转入?)(?:至|到)?下一?年度?(?:继续)?(?:办理)?", ((CARRY_OVER,),), breakdown=True),
    # "办理/处理 N 件" is read as 办结, 新收 + 结转 or 新收: real reports use it for all three.
    Statement("办理申请", "narrative-handled-mismatch", r"办理|处理",
              ((HANDLED,), (NEW, CARRIED), (NEW,)), topic=_REQ, fallback=True),
    # Table 三: the outcome rows (the words are the table's own).
    Statement("予以公开", "narrative-outcome-mismatch", r"予以公开|同意公开", ((_s3("granted"),),),
              breakdown=True),
    Statement("部分公开", "narrative-outcome-mismatch", r"部分公开", ((_s3("partial"),),),
              breakdown=True),
    # "予以公开及部分公开的有6件" states the two rows together (a real county report says so).
    Statement("予以公开及部分公开", "narrative-outcome-mismatch",
              r"(?:予以|同意)公开(?:及|和|与|或|、)部分公开", ((_s3("granted"), _s3("partial")),)),
    Statement("不予公开", "narrative-outcome-mismatch", r"不予公开", (_rows("（三）不予公开"),)),
    Statement("无法提供", "narrative-outcome-mismatch", r"无法提供", (_rows("（四）无法提供"),)),
    Statement("不予处理", "narrative-outcome-mismatch", r"不予处理", (_rows("（五）不予处理"),)),
    Statement("其他处理", "narrative-outcome-mismatch", r"其他处理", (_rows("（六）其他处理"),)),
    # Table 二 （一）: documents issued, repealed, in force.
    Statement("本年制发规章", "narrative-documents-mismatch", _ISSUE, (("s2.rules.issued",),),
              topic="规章", family=_DOCS),
    Statement("本年废止规章", "narrative-documents-mismatch", _REPEAL, (("s2.rules.repealed",),),
              topic="规章", family=_DOCS),
    Statement("现行有效规章", "narrative-documents-mismatch", _IN_FORCE, (("s2.rules.in_force",),),
              topic="规章", family=_DOCS),
    Statement("本年制发行政规范性文件", "narrative-documents-mismatch", _ISSUE,
              (("s2.normative.issued",),), topic="规范性文件", family=_DOCS),
    Statement("本年废止行政规范性文件", "narrative-documents-mismatch", _REPEAL,
              (("s2.normative.repealed",),), topic="规范性文件", family=_DOCS),
    Statement("现行有效行政规范性文件", "narrative-documents-mismatch", _IN_FORCE,
              (("s2.normative.in_force",),), topic="规范性文件", family=_DOCS),
    # Table 二 （五）（六）: decisions.
    Statement("行政许可处理决定", "narrative-decisions-mismatch", r"行政许可",
              (("s2.licensing.decisions",),)),
    Statement("行政处罚处理决定", "narrative-decisions-mismatch", r"行政处罚",
              (("s2.penalty.decisions",),)),
    Statement("行政强制处理决定", "narrative-decisions-mismatch", r"行政强制",
              (("s2.coercion.decisions",),)),
    # Table 四: review and litigation totals.
    Statement("政府信息公开行政复议", "narrative-review-mismatch", r"行政复议|复议申请",
              (("s4.review.total",),), needs=_PUBLIC),
    Statement("政府信息公开行政诉讼", "narrative-review-mismatch", r"行政诉讼|提起诉讼|起诉|应诉",
              (("s4.suit_direct.total", "s4.suit_after_review.total"),), needs=_PUBLIC),
    # Fees: table 二 （八） in 万元, section 六's 信息处理费 in 元.
    Statement("行政事业性收费金额", "narrative-fee-amount-mismatch", r"行政事业性收费|收费金额",
              (("s2.fees.amount",),), money=True),
    Statement("信息处理费", "narrative-fee-amount-mismatch", r"信息处理费",
              (("s6.fee_collected",), ("s6.fee_billed",)), money=True),
    Statement("发出收费通知", "narrative-fee-notices-mismatch", r"收费通知",
              (("s6.fee_notices",),)),
)
# fmt: on

# Applicant columns of table 三 as prose names them; "法人或其他组织" is the sum of five columns.
_ORGS = tuple(c for c in S3_APPLICANT_COLUMNS if c != "natural")
# (name in messages, regex, columns)
BREAKDOWN_COLUMNS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("自然人", "自然人", ("natural",)),
    ("法人或其他组织", "法人(?:或者?|和|及)其他组织", _ORGS),
    ("商业企业", "商业企业", ("business",)),
    ("科研机构", "科研机构", ("research",)),
    ("社会公益组织", "社会公益组织", ("nonprofit",)),
    ("法律服务机构", "法律服务机构", ("legal",)),
)
