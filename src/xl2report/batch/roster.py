"""The roster: which organisations must report (机关名称, code, contact, email, 别名).

Read from .xlsx (openpyxl, read-only) or .csv (UTF-8 with or without BOM, or GBK as Chinese
Excel saves it), with Chinese headers.  Used to hand out one personalised template per
organisation and, once registered in the ledger, to tell who has not reported yet and to hold
workbooks whose 机关名称 is not on it (:class:`RosterIndex`: names and aliases to the official
name, and the nearest name to suggest).  Problems with the roster itself stop the command with
every problem listed at once.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.atomic import OutputExistsError, write_bytes_atomic
from xl2report.batch.ledger import RosterEntry
from xl2report.batch.outbox import safe_filename
from xl2report.errors import FatalError

if TYPE_CHECKING:
    from xl2report.xlsx.prefill import LastYearFill

HEADERS = {
    "name": ("机关名称", "单位名称", "机关", "单位", "名称"),
    "code": ("代码", "编码", "机关代码", "单位代码", "机关编码", "单位编码"),
    "contact": ("联系人", "填报人"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail", "mail"),
    "aliases": ("别名", "曾用名", "简称", "其他名称"),
}
ALIAS_SPLIT = re.compile(r"[、；;，,\n]+")
MAX_PROBLEMS_SHOWN = 10


def normalize_org(name: str) -> str:
    """How names are compared: NFKC (full-width → half-width), whitespace removed."""
    return "".join(unicodedata.normalize("NFKC", name).split())


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


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a bad file
        raise FatalError(f"名单 {path} 无法读取：{exc}") from exc
    try:
        ws = wb.worksheets[0]
        return [
            ["" if v is None else _cell_text(v) for v in row]
            for row in ws.iter_rows(values_only=True)
        ]
    finally:
        wb.close()


def _cell_text(value: object) -> str:
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

        def get(field: str, row: Sequence[str] = row) -> str:
            col = columns.get(field)
            return str(row[col]).strip() if col is not None and col < len(row) else ""

        name = get("name")
        if not name:
            if any(str(v).strip() for v in row):
                problems.append(f"第 {line} 行：机关名称为空。")
            continue
        key = normalize_org(name)
        if key in seen:
            problems.append(f"第 {line} 行：“{name}”与第 {seen[key]} 行重复。")
            continue
        seen[key] = line
        aliases = tuple(
            a for a in (x.strip() for x in ALIAS_SPLIT.split(get("aliases"))) if a and a != name
        )
        entries.append(RosterEntry(name, get("code"), get("contact"), get("email"), aliases))
    if not entries and not problems:
        problems.append("没有任何单位。")
    problems += _alias_clashes(entries)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"（另有 {len(problems) - len(shown)} 处）" if len(problems) > len(shown) else ""
        raise FatalError(f"名单 {path} 有问题：" + " ".join(shown) + more)
    return entries


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


class RosterIndex:
    """Which roster organisation a typed 机关名称 stands for.

    Exact after :func:`normalize_org` (full-width, spaces) on official names and aliases;
    otherwise :meth:`suggest` offers the nearest official name for a person to confirm.
    """

    def __init__(self, entries: Iterable[RosterEntry]) -> None:
        self.entries = list(entries)
        self._official: dict[str, str] = {}
        for e in self.entries:
            self._official.setdefault(normalize_org(e.name), e.name)
        for e in self.entries:
            for alias in e.aliases:
                self._official.setdefault(normalize_org(alias), e.name)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def official(self, name: str) -> str | None:
        """The roster's name for ``name`` (itself or an alias), or None when not on it."""
        return self._official.get(normalize_org(name))

    def entry(self, name: str) -> RosterEntry | None:
        """The roster entry ``name`` stands for, if any."""
        official = self.official(name)
        return next((e for e in self.entries if e.name == official), None)

    def suggest(self, name: str) -> str | None:
        """The nearest official name, when it is close enough to be worth asking about."""
        return nearest_name(name, [e.name for e in self.entries])


SUGGEST_CUTOFF = 0.5


def nearest_name(name: str, candidates: Sequence[str]) -> str | None:
    """The candidate most like ``name`` (``白沙乡政府`` -> ``白沙乡人民政府``), or None.

    Similarity is difflib's ratio on normalised names; a shared leading place name (the first
    two characters) counts for more, since townships differ there and share the suffixes
    (人民政府, 街道办事处).
    """
    key = normalize_org(name)
    if not key:
        return None
    best, best_score = None, SUGGEST_CUTOFF
    for candidate in candidates:
        other = normalize_org(candidate)
        score = difflib.SequenceMatcher(None, key, other).ratio()
        if len(key) >= 2 and other.startswith(key):  # a short form: 城关 -> 城关镇人民政府
            score = max(score, 0.8)
        if key[:2] != other[:2]:
            score *= 0.6
        if score > best_score:
            best, best_score = candidate, score
    return best


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


def template_name(entry: RosterEntry, year: int | None) -> str:
    """The file name of an org's template (safe on Windows)."""
    from xl2report.xlsx.template import form_title  # xlsxwriter: only when making templates

    return safe_filename(f"{entry.name}{form_title(year)}填报表.xlsx")


def write_roster_templates(
    entries: Sequence[RosterEntry],
    outdir: Path,
    year: int | None,
    *,
    password: str | None = None,
    overwrite: bool = False,
    jobs: int | None = None,
    submit_to: str | None = None,
    last_year: Sequence[LastYearFill | None] | None = None,
) -> list[Path]:
    """One personalised template per entry in ``outdir``; nothing is written if any name is
    unusable or (without ``overwrite``) any output exists already.

    The templates come from one :class:`~xl2report.xlsx.factory.TemplateFactory` in this process
    (about a millisecond each, byte-identical to a separate build), which is faster than worker
    processes; ``jobs`` is accepted for callers that still pass it.  ``last_year`` gives each
    entry's last-year figures to start from (:mod:`xl2report.batch.lastyear`).
    """
    del jobs  # one factory beats worker processes (issue #6)
    outdir = Path(outdir)
    names = [template_name(e, year) for e in entries]
    clash: dict[str, str] = {}
    for entry, name in zip(entries, names, strict=True):
        key = name.casefold()  # Windows names are case-insensitive
        if key in clash:
            raise FatalError(
                f"“{entry.name}”与“{clash[key]}”生成的文件名相同（{name}），请在名单中区分。"
            )
        clash[key] = entry.name
    paths = [outdir / n for n in names]
    if not overwrite:
        existing = [p.name for p in paths if p.exists()]
        if existing:
            raise OutputExistsError(
                f"{outdir} 中已有 {len(existing)} 个同名文件（如 {existing[0]}）"
            )
    outdir.mkdir(parents=True, exist_ok=True)
    from xl2report.xlsx.factory import TemplateFactory  # xlsxwriter: only when making templates

    factory = TemplateFactory(year, password=password, submit_to=submit_to)
    fills = list(last_year) if last_year is not None else [None] * len(entries)
    for path, entry, fill in zip(paths, entries, fills, strict=True):
        data = factory.build(entry.name, entry.contact or None, fill)
        write_bytes_atomic(path, data, overwrite=overwrite)
    return paths
