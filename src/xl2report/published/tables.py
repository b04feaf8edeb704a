"""Tables 二, 三 and 四 of a published report: every cell exactly as published, by field key.

Rows are classified one by one, not tables, so a table split across pages (with its header
repeated, or not) reads like one.  A row of table 二 or 三 is found by its label (the last cell
that is not a value; :class:`~xl2report.published.labels.LabelIndex`), its values are the
cells after the label; table 四's one data row is the first all-value row after its header.

Each cell is read as printed: a number (full-width digits and thousands separators accepted)
is a number; a blank cell stays ``""`` and a "—", "/", "-" or "无" stays that text, each with
a finding (they are told apart, and all count as 0 in totals); anything else is reported with
the checks' own value codes.  Totals are kept as printed: the reader compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xl2report.checks.catalogue import Finding
from xl2report.checks.cells import ZERO_WORDS, parse_number
from xl2report.form.national import MAX_NUMBER, S3, Field, Value, ValueType
from xl2report.published.document import Document, Row, Table, cell_text
from xl2report.published.labels import (
    LabelIndex,
    TableRow,
    group_rows,
    header_words,
    normalize,
    outcome_groups,
    review_fields,
    table_rows,
)
from xl2report.xlsx.parts import RawCell

# A cell in a table-三/四 value column: a number, a mark, or nothing.
_UNIT_SUFFIXES = ("件", "宗", "个", "万元")
OLD_TABLE2_HEADERS = ("本年新制作数量", "本年新公开数量", "对外公开总数量")  # the 2019 format


@dataclass
class TableRead:
    values: dict[str, Value] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unusable: set[str] = field(default_factory=set)  # keys with no number (blank, mark, text)
    found: set[str] = field(default_factory=set)  # tables seen: 二 三 四


def read_tables(doc: Document) -> TableRead:
    """Every table cell of the report that the form has a field for."""
    out = TableRead()
    indexes = {t: LabelIndex(table_rows(t)) for t in ("二", "三")}
    review_header = header_words("四")
    pending_review = False  # table 四's header was seen, its data row not yet (a page break)
    for table in doc.tables:
        words = {normalize(c) for row in table.rows for c in row if c}
        if words & {normalize(h) for h in OLD_TABLE2_HEADERS}:
            out.findings.append(Finding.at(None, "published-old-table2",
                                           headers="、".join(OLD_TABLE2_HEADERS)))  # fmt: skip
            out.found.add("二")
            continue
        has_review = len(words & review_header) >= 3
        labelled = [_read_labelled(row, indexes, out) for row in table.rows]
        if has_review or (pending_review and not any(labelled)):
            pending_review = not _read_review(table, out)
        else:
            pending_review = False
    return out


def _split(row: Row) -> tuple[str | None, list[str]]:
    """(last label, the cells after it); covered (merged) positions are no cells."""
    cells = [c for c in row if c is not None]
    last = -1
    for i, c in enumerate(cells):
        if not _value_like(c):
            last = i
    if last < 0:
        return None, cells
    return cells[last], cells[last + 1 :]


def _value_like(text: str) -> bool:
    t = cell_text(text)
    if t == "" or t in ZERO_WORDS:
        return True
    for suffix in _UNIT_SUFFIXES:
        t = t.removesuffix(suffix)
    return parse_number(RawCell(t, "s", None, False), decimal=True).value is not None


def _read_labelled(row: Row, indexes: dict[str, LabelIndex], out: TableRead) -> bool:
    label, cells = _split(row)
    if label is None:
        return False
    group = outcome_groups().get(normalize(label))
    if group is not None:
        return _group_row(group, label, cells, out)
    for table, index in indexes.items():
        found, exact = index.match(label)
        if found is None:
            continue
        want = len(found.fields)
        cells = _fit(cells, want)
        if len(cells) < want and len(cells) < (want + 1) // 2:
            continue  # a header row (其他 / 总计 …), not a row of values
        out.found.add(table)
        if not exact:
            out.findings.append(Finding.at(found.fields[0], "published-label-variant",
                                           found=cell_text(label), text=found.name))  # fmt: skip
        _store(found, cells, out)
        return True
    return False


def _fit(cells: list[str], want: int) -> list[str]:
    """The row's value cells: extra empty cells at the end, then at the start, dropped."""
    cells = list(cells)
    while len(cells) > want and not cell_text(cells[-1]):
        cells.pop()
    while len(cells) > want and not cell_text(cells[0]):
        cells.pop(0)
    return cells[:want] if len(cells) > want else cells


def _store(row: TableRow, cells: list[str], out: TableRead) -> None:
    for i, f in enumerate(row.fields):
        if i >= len(cells):
            out.values[f.key] = ""
            out.unusable.add(f.key)
            out.findings.append(Finding.at(f, "published-cell-missing"))
            continue
        _cell(f, cells[i], out)


def _cell(f: Field, text: str, out: TableRead) -> None:
    shown = cell_text(text)
    if shown == "":
        out.values[f.key] = ""
        out.unusable.add(f.key)
        out.findings.append(Finding.at(f, "published-cell-blank"))
        return
    if shown in ZERO_WORDS:
        out.values[f.key] = shown
        out.unusable.add(f.key)
        out.findings.append(Finding.at(f, "published-cell-mark", actual=shown, shown=shown))
        return
    bare = shown
    for suffix in _UNIT_SUFFIXES:
        bare = bare.removesuffix(suffix)
    parsed = parse_number(RawCell(bare, "s", None, False), decimal=f.type is ValueType.DECIMAL)
    if parsed.value is None:
        out.values[f.key] = shown
        out.unusable.add(f.key)
        out.findings.append(Finding.at(f, parsed.code or "not-a-number", actual=shown,
                                       shown=shown, max=MAX_NUMBER))  # fmt: skip
        return
    out.values[f.key] = parsed.value
    if parsed.code == "fullwidth-number":
        out.findings.append(Finding.at(f, parsed.code, actual=shown, shown=shown,
                                       value=parsed.value))  # fmt: skip


def _group_row(group: str, label: str, cells: list[str], out: TableRead) -> bool:
    """A row labelled with an outcome group: the 2019 format's single （六）其他处理 row is
    spread over the 2021 rows (all of it to 3.其他, the other two 0); another group's row is a
    subtotal some templates add, which the national format has not: skipped."""
    rows = {r.label.row: r for r in table_rows("三")}
    keys = group_rows(group)
    width = len(next(iter(rows.values())).fields)
    cells = _fit(cells, width)
    if len(cells) < (width + 1) // 2:
        return False  # the group's label cell on a row whose values belong to a sub-row
    if keys[0] != "other.no_correction":
        out.findings.append(Finding.at(S3, "published-subtotal-row", label=cell_text(label)))
        return True
    out.found.add("三")
    by_key = {r.fields[0].key.rsplit(".", 1)[0]: r for r in rows.values()}
    target = by_key[f"s3.{keys[-1]}"]
    _store(target, cells, out)
    for key in keys[:-1]:
        for f in by_key[f"s3.{key}"].fields:
            out.values[f.key] = 0
    shown = "、".join(cell_text(c) or "空" for c in cells)
    out.findings.append(Finding.at(target.fields[0], "published-2019-other", shown=shown))
    return True


def _read_review(table: Table, out: TableRead) -> bool:
    """Table 四's data row; False when this part of the table has none (it is on the next)."""
    fields = review_fields()
    for row in table.rows:
        cells = [c for c in row if c is not None]
        if len(cells) < len(fields) or not all(_value_like(c) for c in cells):
            continue
        cells = _fit(cells, len(fields))
        out.found.add("四")
        for f, text in zip(fields, cells, strict=False):
            _cell(f, text, out)
        return True
    return False
