"""Reading a roster file (.xlsx, or .csv in UTF-8 with or without BOM, or GBK as Chinese Excel
saves it) into :class:`~xl2report.batch.ledger.RosterEntry` records, every cell checked.

Each used cell (机关名称, 代码, 联系人, 邮箱, 别名) must be one line of visible text
(:mod:`xl2report.form.characters`): a line break, NUL, a bidi override in a name would end up
in file names, mail headers and web pages.  A formula cell (``=HYPERLINK(…)``) is refused as a
formula, not read as empty.  Every problem is listed at once, by row and column, in Chinese,
before anything is written; a file that is no workbook at all gets one Chinese sentence.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path

from xl2report.batch.ledger import RosterEntry
from xl2report.errors import FatalError
from xl2report.form.characters import marked, one_line_problem
from xl2report.form.national import MAX_ORG_CHARS

HEADERS = {
    "name": ("机关名称", "单位名称", "机关", "单位", "名称"),
    "code": ("代码", "编码", "机关代码", "单位代码", "机关编码", "单位编码"),
    "contact": ("联系人", "填报人"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail"),
    "aliases": ("别名", "曾用名", "简称", "其他名称"),
}
COLUMN_NAMES = {"name": "机关名称", "code": "代码", "contact": "联系人", "email": "邮箱",
                "aliases": "别名"}  # fmt: skip
ALIAS_SPLIT = re.compile(r"[、；;，,]+")
MAX_PROBLEMS_SHOWN = 10
_OLE2 = b"\xd0\xcf\x11\xe0"
_ADDRESS_SPLIT = re.compile(r"[;；,，、\s]+")


class Formula(str):
    """A roster cell that holds a formula (its text, ``=HYPERLINK(…)``), not a value."""


def normalize_org(name: str) -> str:
    """How names are compared: NFKC (full-width → half-width), whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a 机关名称 of a template (Chinese), or None when it can."""
    why = one_line_problem(name)
    if why:
        return why + "（可能是从网页或其他系统复制带入的），请删除后重新输入"
    if len(name) > MAX_ORG_CHARS:
        return (
            f"有 {len(name)} 个字，超过 {MAX_ORG_CHARS} 个字的上限"
            "（是否把几列的内容粘贴到了一个格子里？）"
        )
    return None


def entry_problem(entry: RosterEntry) -> str | None:
    """Why a registered roster entry cannot be used for a template or a message (its name, or
    a contact, address or alias that is not one line of visible text), or None."""
    why = name_problem(entry.name)
    if why:
        return f"机关名称{why}"
    for column, text in (("联系人", entry.contact), ("邮箱", entry.email),
                         ("别名", "、".join(entry.aliases))):  # fmt: skip
        why = one_line_problem(text)
        if why:
            return f"{column}“{shown(text)}”{why}"
    return None


def shown(name: str, limit: int = 30) -> str:
    """A roster text as a message shows it: hidden characters marked, long ones cut."""
    name = marked(name)
    return name if len(name) <= limit else name[:limit] + "…"


def read_roster(path: Path) -> list[RosterEntry]:
    """Entries in file order; raises :class:`FatalError` naming every bad row."""
    path = Path(path)
    if not path.is_file():
        raise FatalError(f"名单文件不存在：{path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(path)
    elif suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    else:
        raise FatalError(f"名单文件应为 .xlsx 或 .csv：{path}")
    return _entries(path, rows)


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise FatalError(f"名单 {path} 的编码无法识别，请另存为 UTF-8 或 .xlsx。")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _not_a_workbook(path: Path) -> FatalError:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        head = b""
    why = ("设置了打开密码，或是旧版 .xls 文件" if head == _OLE2
           else "已损坏、没有保存完整，或其实不是 Excel 文件")  # fmt: skip
    return FatalError(
        f"名单 {path} 无法作为 Excel 工作簿打开（{why}）；请用 Excel 或 WPS 打开它，"
        "“另存为” Excel 工作簿（.xlsx，不设密码）或 CSV 文件后重试。"
    )


def _xlsx_rows(path: Path) -> list[list[str]]:
    """The first sheet's cells as text; a formula cell as a :class:`Formula` (its text)."""
    from openpyxl import load_workbook

    if not zipfile.is_zipfile(path):
        raise _not_a_workbook(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a damaged package
        raise _not_a_workbook(path) from exc
    try:
        ws = wb.worksheets[0]
        return [[_cell_text(c) for c in row] for row in ws.iter_rows()]
    except Exception as exc:  # a damaged sheet part shows only when read
        raise _not_a_workbook(path) from exc
    finally:
        wb.close()


def _cell_text(cell: object) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if getattr(cell, "data_type", "") == "f":
        return Formula(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number
    return str(value)


def _entries(path: Path, rows: Sequence[Sequence[str]]) -> list[RosterEntry]:
    header_at, columns = _find_header(rows)
    if header_at is None:
        raise FatalError(
            f"名单 {path} 没有“机关名称”列；第一行应为表头：机关名称、代码、联系人、邮箱、别名"
            "（后四列可省略）。"
        )
    problems: list[str] = []
    seen: dict[str, int] = {}
    entries: list[RosterEntry] = []
    for index in range(header_at + 1, len(rows)):
        row = rows[index]
        line = index + 1  # as Excel / a text editor numbers it
        cells = {f: row[c] for f, c in columns.items() if c < len(row)}
        bad = _cell_problems(cells, line)
        if bad:
            problems += bad
            continue
        name = str(cells.get("name", "")).strip()
        if not name:
            if any(str(v).strip() for v in row):
                problems.append(f"第 {line} 行：机关名称为空。")
            continue
        if len(name) > MAX_ORG_CHARS:
            problems.append(f"第 {line} 行：“{shown(name)}”{name_problem(name)}。")
            continue
        key = normalize_org(name)
        if key in seen:
            problems.append(f"第 {line} 行：“{name}”与第 {seen[key]} 行重复。")
            continue
        seen[key] = line
        text = {f: str(v).strip() for f, v in cells.items()}
        aliases = tuple(a for a in split_aliases(text.get("aliases", "")) if a != name)
        entries.append(RosterEntry(name, text.get("code", ""), text.get("contact", ""),
                                   text.get("email", ""), aliases))  # fmt: skip
    if not entries and not problems:
        problems.append("没有任何单位。")
    problems += _alias_clashes(entries)
    if problems:
        listed = problems[:MAX_PROBLEMS_SHOWN]
        more = f"（另有 {len(problems) - len(listed)} 处）" if len(problems) > len(listed) else ""
        raise FatalError(f"名单 {path} 有问题，未作任何登记或生成：" + " ".join(listed) + more)
    return entries


def _cell_problems(cells: dict[str, str], line: int) -> list[str]:
    """Each used cell of one row that is a formula or not one line of visible text."""
    problems = []
    for field_name, value in cells.items():
        column = COLUMN_NAMES[field_name]
        if isinstance(value, Formula):
            problems.append(f"第 {line} 行“{column}”是公式（{shown(value, 40)}），不是文字；"
                            "请改为直接输入文字（可复制后“选择性粘贴 → 数值”）。")  # fmt: skip
            continue
        text = str(value).strip()
        if field_name == "aliases":  # several aliases may stand on separate lines of one cell
            text = "、".join(split_aliases(text))
        why = one_line_problem(text)
        if why:
            problems.append(f"第 {line} 行“{column}”“{shown(text)}”{why}（可能是从网页或"
                            "其他系统复制带入的），请删除后重新输入。")  # fmt: skip
    return problems


def split_addresses(text: str) -> list[str]:
    """``a@x.cn；b@y.cn`` -> ['a@x.cn', 'b@y.cn'] (a roster's 邮箱 cell may hold several)."""
    return [a for a in _ADDRESS_SPLIT.split(text.strip()) if a]


def split_aliases(text: str) -> list[str]:
    """The aliases of one cell: separated by 、；;，, or each on its own line."""
    return [a for line in text.splitlines() for a in (x.strip() for x in ALIAS_SPLIT.split(line))
            if a]  # fmt: skip


def _alias_clashes(entries: Sequence[RosterEntry]) -> list[str]:
    """An alias may stand for one organisation only, and never for another's official name."""
    owner = {normalize_org(e.name): e.name for e in entries}
    problems = []
    for e in entries:
        for alias in e.aliases:
            key = normalize_org(alias)
            if key in owner and owner[key] != e.name:
                problems.append(f"别名“{alias}”（{e.name}）已是“{owner[key]}”的名称或别名。")
            owner.setdefault(key, e.name)
    return problems


def _find_header(rows: Sequence[Sequence[str]]) -> tuple[int | None, dict[str, int]]:
    """The first row (of the first ten) with a 机关名称-like cell, and its column per field."""
    wanted = {field: {h.lower() for h in names} for field, names in HEADERS.items()}
    for index, row in enumerate(rows[:10]):
        cells = ["".join(str(v).split()).lower() for v in row]
        columns: dict[str, int] = {}
        for field, names in wanted.items():
            for col, text in enumerate(cells):
                if text in names and field not in columns:
                    columns[field] = col
        if "name" in columns:
            return index, columns
    return None, {}
