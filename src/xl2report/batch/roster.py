"""The roster: which organisations must report (机关名称, code, contact, email, 别名).

Read from .xlsx (openpyxl, read-only) or .csv (UTF-8 with or without BOM, or GBK as Chinese
Excel saves it), with Chinese headers.  Used to hand out one personalised template per
organisation and, once registered in the ledger, to tell who has not reported yet and to hold
workbooks whose 机关名称 is not on it (:class:`RosterIndex`: names and aliases to the official
name, and the nearest name to suggest).  Problems with the roster itself stop the command with
every problem listed at once.
"""

from __future__ import annotations

import contextlib
import csv
import difflib
import errno
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.atomic import OutputExistsError, write_bytes_atomic
from xl2report.batch.ledger import RosterEntry
from xl2report.batch.outbox import template_filename
from xl2report.errors import FatalError, in_use_text, open_elsewhere, os_error_text
from xl2report.form.national import MAX_ORG_CHARS

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
        why = name_problem(name)
        if why:
            problems.append(f"第 {line} 行：“{_shown(name)}”{why}。")
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
    """The file name of an org's template (safe on Windows, within the byte limit of Linux)."""
    return template_filename(entry.name, year)


_UNSAVABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a 机关名称 of a template (Chinese), or None when it can."""
    if _UNSAVABLE.search(name):
        return "含有无法保存的字符（可能是从网页或其他系统复制来的乱码），请重新输入"
    if len(name) > MAX_ORG_CHARS:
        return (
            f"有 {len(name)} 个字，超过 {MAX_ORG_CHARS} 个字的上限"
            "（是否把几列的内容粘贴到了一个格子里？）"
        )
    return None


@dataclass(frozen=True)
class TemplateRequest:
    """What ``template --roster`` (and the board's 下发模板) is asked to make."""

    year: int | None
    password: str | None = None
    submit_to: str | None = None
    overwrite: bool = False
    last_year: Sequence[LastYearFill | None] | None = None  # per entry (batch/lastyear.py)
    register: Path | None = None  # the outbox whose register records each 下发编号


def write_roster_templates(
    entries: Sequence[RosterEntry], outdir: Path, request: TemplateRequest
) -> list[Path]:
    """One personalised template per entry in ``outdir``: all of them, or nothing at all.

    Every name is checked first (unsavable characters, length, two units whose byte-limited
    file names coincide, files already there without ``overwrite``); the templates are then
    built in a staging folder inside ``outdir`` and moved into place only when every one is
    written, so a failure half way (a full disk) leaves ``outdir`` as it was.  With
    ``register`` each template carries its unit's 下发编号 (:mod:`xl2report.batch.issued`).

    The templates come from one :class:`~xl2report.xlsx.factory.TemplateFactory` in this
    process (about a millisecond each, byte-identical to a separate build).
    """
    outdir = Path(outdir)
    paths = _planned_paths(entries, outdir, request)
    numbers: list[str | None] = [None] * len(entries)
    if request.register is not None:
        from xl2report.batch.issued import issue_numbers

        numbers = list(issue_numbers(request.register, [e.name for e in entries], request.year))
    from xl2report.xlsx.factory import TemplateFactory  # xlsxwriter: only when making templates

    factory = TemplateFactory(request.year, password=request.password, submit_to=request.submit_to)
    fills = list(request.last_year) if request.last_year is not None else [None] * len(entries)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".xl2report-", dir=outdir) as tmp:
            staged = []
            for path, entry, fill, number in zip(paths, entries, fills, numbers, strict=True):
                data = factory.build(entry.name, entry.contact or None, fill, number)
                write_bytes_atomic(Path(tmp) / path.name, data)
                staged.append((Path(tmp) / path.name, path))
            _move_all(staged, request.overwrite)
    except OSError as exc:
        if open_elsewhere(exc):  # --force over a template open in WPS/Excel (Windows)
            held = exc.filename2 or exc.filename or outdir
            raise FatalError(in_use_text(held, "替换", "然后重新生成模板")) from exc
        raise FatalError(f"无法在 {outdir} 中写入模板：{os_error_text(exc)}；没有生成任何模板。") from exc
    return paths


def _planned_paths(
    entries: Sequence[RosterEntry], outdir: Path, request: TemplateRequest
) -> list[Path]:
    """Every output path, or a FatalError naming each unusable roster unit (nothing written)."""
    problems: list[str] = []
    clash: dict[str, str] = {}
    names = []
    for number, entry in enumerate(entries, 1):
        name = template_name(entry, request.year)
        names.append(name)
        why = name_problem(entry.name)
        if why:
            problems.append(f"第 {number} 个单位“{_shown(entry.name)}”{why}。")
            continue
        key = name.casefold()  # Windows names are case-insensitive
        if key in clash:
            problems.append(
                f"“{_shown(entry.name)}”与“{_shown(clash[key])}”生成的文件名相同（{name}），"
                "请在名单中区分。"
            )
        clash.setdefault(key, entry.name)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"（另有 {len(problems) - len(shown)} 处）" if len(problems) > len(shown) else ""
        raise FatalError("名单有问题，没有生成任何模板：" + " ".join(shown) + more)
    paths = [outdir / n for n in names]
    if not request.overwrite:
        existing = [p.name for p in paths if p.exists()]
        if existing:
            raise OutputExistsError(
                f"{outdir} 中已有 {len(existing)} 个同名文件（如 {existing[0]}）"
            )
    return paths


def _shown(name: str, limit: int = 30) -> str:
    """A roster name as a message shows it: unsavable characters visible, long ones cut."""
    name = _UNSAVABLE.sub("\ufffd", name)
    return name if len(name) <= limit else name[:limit] + "…"


def _move_all(staged: Sequence[tuple[Path, Path]], overwrite: bool) -> None:
    """Move staged templates into place; if one move fails, undo the moves already made of
    files that did not exist before (an overwritten file cannot be brought back)."""
    done: list[Path] = []
    try:
        for src, dst in staged:
            if not overwrite and dst.exists():
                raise FileExistsError(errno.EEXIST, "已存在", str(dst))
            existed = dst.exists()
            os.replace(src, dst)
            if not existed:
                done.append(dst)
    except OSError:
        for path in done:
            with contextlib.suppress(OSError):
                path.unlink()
        raise
