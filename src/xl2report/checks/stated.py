"""Read the numbers a narrative states and hold each against the table cell it must equal.

Pure: values in, findings out.  The phrasings live in :data:`~xl2report.checks.statements.STATEMENTS`;
this module only splits sentences, finds "number + unit" mentions, picks the statement whose cue
is closest to each number and compares.  It stays silent when unsure: a number introduced by
"同比增加"、"约"、"分别"、last year or another year's name is not a statement about this year's table.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from xl2report.checks.catalogue import Finding
from xl2report.checks.numerals import normalize_numbers
from xl2report.checks.statements import BREAKDOWN_COLUMNS, PEER_HINT, STATEMENTS, Statement, Sum
from xl2report.form.national import FORM, S3_ROW_SHORT, Field, Form, ValueType, parse_a1
from xl2report.form.types import format_number

_SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
_MENTION = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(万元|元|件|起|宗|份|个(?![工自月小日天星多]))")
_COUNT_UNITS = {"件", "起", "宗", "份", "个"}
_MONEY_UNITS = {"万元": Decimal(1), "元": Decimal(1)}
# A number introduced by these is a change, an estimate, a list or another year: never compared.
_NOT_A_LEVEL = re.compile(
    r"同比|环比|较上年|比上年|较去年|增长|增加|减少|下降|上升|提高|累计|分别|平均|"
    r"(?:上一?年度?|去年|前年)(?!度?结转)|(?:约|近|逾|超过|不足|将近|大约)$"
)
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年")
_TAIL_END = re.compile(r"[，,、。；;：:（）()]")
_QUOTE_MAX = 60


@dataclass(frozen=True)
class Mention:
    value: Decimal
    unit: str
    start: int  # in the normalized sentence
    end: int
    lead: str  # text since the previous mention
    tail: str  # text after the unit up to the next punctuation


def check_stated_numbers(
    values: Mapping[str, object], year: int | None, form: Form = FORM
) -> list[Finding]:
    """Every narrative number that a statement ties to a table cell, compared with that cell."""
    findings: list[Finding] = []
    seen: set[tuple[str, str, Decimal]] = set()
    for f in form.fields:
        if f.type is not ValueType.TEXT or not f.multiline:
            continue
        for finding, said in _field_findings(f, str(values.get(f.key) or ""), values, year, form):
            key = (f.key, f"{finding.code}|{finding.expected}", said)
            if key in seen:  # the same wrong number said twice in one text: one finding
                continue
            seen.add(key)
            findings.append(finding)
    return findings


def _field_findings(field: Field, text: str, values: Mapping[str, object], year: int | None,
                    form: Form) -> Iterator[tuple[Finding, Decimal]]:  # fmt: skip
    for sentence in _SENTENCE.findall(text):
        norm = normalize_numbers(sentence)
        row: tuple[Statement, Sum] | None = None  # the s3 row a breakdown refers to
        for m in _mentions(norm):
            if _NOT_A_LEVEL.search(m.lead) or _other_year(m.lead, year):
                continue
            column = _column_cue(m.lead)
            st = _statement(m, norm, year)
            if column is not None and row is not None and (st is None or not st.breakdown):
                yield from _breakdown(field, sentence, m, row, column, values, form)
                continue
            if st is None or not _unit_fits(st, m.unit):
                continue
            if st.needs and not re.search(st.needs, norm):
                continue
            got = _compare(st, m.value, values)
            if got is None:
                continue
            matched, expected = got
            if st.breakdown:
                row = (st, matched or st.sums[0])
            if matched is not None and _peer_differs(st, matched, text, values):
                yield _peer_hint(field, sentence, st, m, values), m.value
            if matched is None:
                yield _finding(field, sentence, st, st.sums[0], m, expected, values, form), m.value


def _peer_differs(st: Statement, matched: Sum, text: str, values: Mapping[str, object]) -> bool:
    """The number fits the table, but not as supervisors' tools read this statement."""
    if st.peer is None or matched == st.sums[st.peer]:
        return False
    if st.peer_clear and re.search(st.peer_clear, normalize_numbers(text)):
        return False  # the text names the other part itself ("新收……", "上年结转……")
    return _total(st.sums[st.peer], values) != _total(matched, values)


def _peer_hint(field: Field, sentence: str, st: Statement, m: Mention,
               values: Mapping[str, object]) -> Finding:  # fmt: skip
    assert st.peer is not None
    total = _total(st.sums[st.peer], values)
    return Finding.at(field, PEER_HINT, sentence=quote(sentence), number=m.value,
                      new_row=S3_ROW_SHORT["new"], carried=_plain(total - m.value),
                      total=_plain(total), expected=_plain(total), actual=_plain(m.value))  # fmt: skip


def _mentions(norm: str) -> Iterator[Mention]:
    previous_end = 0
    for m in _MENTION.finditer(norm):
        tail_text = norm[m.end() :]
        stop = _TAIL_END.search(tail_text)
        tail = tail_text[: stop.start()] if stop else tail_text
        yield Mention(Decimal(m.group(1)), m.group(2), m.start(), m.end(),
                      norm[previous_end : m.start()], tail)  # fmt: skip
        previous_end = m.end()


def _other_year(lead: str, year: int | None) -> bool:
    return year is not None and any(int(y) != year for y in _YEAR.findall(lead))


def _statement(m: Mention, norm: str, year: int | None = None) -> Statement | None:
    """The statement whose cue is closest before the number (else first after it).

    A catch-all ("办理") gives way to a specific cue in the same clause: "上年结转政府信息公开
    办理数量1件" states 上年结转.  A cue after the number counts only if no other year is named
    before it: "（其中1件为2022年结转本年度办理）" is about last year's requests.
    """
    best: tuple[tuple[int, int], Statement] | None = None
    clause = max(m.lead.rfind(c) for c in "，,；;：:") + 1
    specific: tuple[tuple[int, int], Statement] | None = None
    for st in STATEMENTS:
        hits = list(re.finditer(st.cue, m.lead))
        if not hits or not _topic_holds(st, norm[: m.start], m.tail):
            continue
        h = hits[-1]
        rank = (h.end(), -h.start())
        if best is None or rank > best[0]:
            best = (rank, st)
        if not st.fallback and h.start() >= clause and (specific is None or rank > specific[0]):
            specific = (rank, st)
    if best is not None:
        # A column name closer to the number than the cue ("收到申请75件（自然人72件" is the
        # total; "（其中自然人72件" is not) is handled by the caller.
        return specific[1] if best[1].fallback and specific is not None else best[1]
    after = [(h.start(), st) for st in STATEMENTS
             for h in [re.search(st.cue, m.tail)]
             if h and _topic_holds(st, norm[: m.start], m.tail)
             and not _other_year(m.tail[: h.start()], year)]  # fmt: skip
    return min(after, key=lambda t: t[0])[1] if after else None


def _topic_holds(st: Statement, before: str, tail: str) -> bool:
    if not st.topic:
        return True
    if not st.family:
        return st.topic in before or st.topic in tail
    named = re.findall(st.family, before) or re.findall(st.family, tail)[:1]
    return bool(named) and named[-1] == st.topic


def _column_cue(lead: str) -> tuple[str, ...] | None:
    """The applicant column named last in ``lead``, if a column name is the closest cue."""
    best: tuple[int, tuple[str, ...]] | None = None
    for _, words, cols in BREAKDOWN_COLUMNS:
        for h in re.finditer(words, lead):
            if best is None or h.end() > best[0]:
                best = (h.end(), cols)
    if best is None:
        return None
    # Another cue after the column name ("自然人申请中予以公开40件") wins over the column.
    if any(h.end() > best[0] for st in STATEMENTS for h in re.finditer(st.cue, lead)):
        return None
    return best[1]


def _unit_fits(st: Statement, unit: str) -> bool:
    return unit in _MONEY_UNITS if st.money else unit in _COUNT_UNITS


def _compare(st: Statement, said: Decimal, values: Mapping[str, object]
             ) -> tuple[Sum | None, Decimal] | None:  # fmt: skip
    """(the reading that matches or None, the first reading's value); None if a cell is unusable."""
    totals = []
    for keys in st.sums:
        parts = [values.get(k) for k in keys]
        if not all(isinstance(p, int | Decimal) and not isinstance(p, bool) for p in parts):
            return None
        totals.append((keys, sum((Decimal(p) for p in parts), Decimal(0))))  # type: ignore[arg-type]
    for keys, total in totals:
        if total == said or (st.money and _rounds_to(total, said)):
            return keys, totals[0][1]
    return None, totals[0][1]


def _rounds_to(exact: Decimal, said: Decimal) -> bool:
    """24252.31 said for 24252.311082 in the table: the same amount, written less precisely."""
    exponent = said.as_tuple().exponent
    return isinstance(exponent, int) and exact.quantize(Decimal(1).scaleb(exponent)) == said


def _breakdown(field: Field, sentence: str, m: Mention, row: tuple[Statement, Sum],
               cols: tuple[str, ...], values: Mapping[str, object], form: Form
               ) -> Iterator[tuple[Finding, Decimal]]:  # fmt: skip
    st, total_keys = row
    keys = tuple(k.removesuffix(".total") + f".{c}" for k in total_keys for c in cols)
    part = Statement(f"{st.said}中的{_column_names(cols)}", "narrative-breakdown-mismatch",
                     st.cue, (keys,))  # fmt: skip
    got = _compare(part, m.value, values)
    if got is not None and got[0] is None:
        yield _finding(field, sentence, part, keys, m, got[1], values, form), m.value


def _column_names(cols: tuple[str, ...]) -> str:
    return next(name for name, _, c in BREAKDOWN_COLUMNS if c == cols)


def _finding(field: Field, sentence: str, st: Statement, keys: Sum, m: Mention,
             expected: Decimal, values: Mapping[str, object], form: Form) -> Finding:  # fmt: skip
    unit = m.unit if st.money else "件"
    others = [f"{_describe(alt, form)}为 {format_number(_total(alt, values))} {unit}"
              for alt in st.sums[1:]] if keys == st.sums[0] else []  # fmt: skip
    return Finding.at(
        field, st.code, sentence=quote(sentence), said=st.said, number=m.value, unit=m.unit,
        cells=_describe(keys, form), table=expected, alternatives="；".join(others) or None,
        expected=_plain(expected), actual=_plain(m.value),
    )  # fmt: skip


def _describe(keys: Sum, form: Form) -> str:
    """'三、依申请公开 J6“一、本年新收政府信息公开申请数量（总计）”' or a sum of such cells."""
    fields = [form.field(k) for k in keys]
    sheet = fields[0].sheet
    if len(fields) == 1:
        return f"{sheet} {fields[0].cell}“{fields[0].label}”"
    cells = [parse_a1(f.cell) for f in fields]
    rows, cols = [r for r, _ in cells], [c for _, c in cells]
    run = list(range(len(cells)))
    if (len(set(cols)) == 1 and [r - rows[0] for r in rows] == run) or (
        len(set(rows)) == 1 and [c - cols[0] for c in cols] == run
    ):
        return f"{sheet} {fields[0].cell}:{fields[-1].cell} 之和"
    return f"{sheet} {'+'.join(f.cell for f in fields)} 之和"


def _total(keys: Sum, values: Mapping[str, object]) -> Decimal:
    return sum((Decimal(values[k]) for k in keys), Decimal(0))  # type: ignore[arg-type]


def _plain(v: Decimal) -> int | Decimal:
    return int(v) if v == v.to_integral_value() else v


def quote(sentence: str) -> str:
    """A sentence as a message quotes it: trimmed, without its full stop, at most 60 characters."""
    s = sentence.strip().rstrip("。；;")
    return s if len(s) <= _QUOTE_MAX else s[: _QUOTE_MAX - 1] + "…"
