"""Last year's accepted figures per organisation, for templates that start from them (issue #16).

``template --previous-year SRC`` takes SRC as either last year's outbox — its ledger stores the
checked values of every accepted submission, the same values ``run`` uses for its year-over-year
checks — or a folder of last year's returned workbooks, read and checked with the project's
reader (only valid workbooks of last year count; the most recently modified one per
organisation wins), or — in the first year — a folder of last year's published reports
(.pdf/.docx/.html…, read by :mod:`~xl2report.batch.published_source`).  Records are matched to this year's roster by 机关名称 or one of the
roster's 别名 (:class:`~xl2report.batch.roster.RosterIndex`: names compared normalised), so a
renamed township still starts from last year's figures.  Nothing in SRC is ever changed.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from xl2report.batch import inbox as inbox_mod
from xl2report.batch.ledger import Ledger, RosterEntry
from xl2report.batch.outbox import default_ledger
from xl2report.batch.pool import TaskPool, no_setup
from xl2report.batch.records import FileStatus
from xl2report.batch.reference import decode_values, previous_values
from xl2report.batch.roster import (
    RosterIndex,
    TemplateRequest,
    normalize_org,
    write_roster_templates,
)
from xl2report.errors import FatalError
from xl2report.form.national import Value
from xl2report.xlsx.prefill import LastYearFill


@dataclass(frozen=True)
class LastYearRecord:
    """One organisation's accepted submission of last year."""

    org: str  # 机关名称 as last year's workbook gives it
    year: int
    values: dict[str, Value]
    file: str  # the file's name as it was received
    received: str  # 2025年1月20日
    received_ns: int  # for choosing between two records of one organisation
    received_word: str = "收到"  # or 文件修改 for a folder of workbooks

    def fill(self) -> LastYearFill:
        """What a template prefilled from this record carries."""
        return LastYearFill(
            self.year, self.values, f"{self.file}，{self.received}{self.received_word}"
        )


@dataclass
class LastYearData:
    """Everything found in SRC for one year."""

    source: str  # what was read, for messages
    year: int
    records: dict[str, LastYearRecord] = field(default_factory=dict)  # by normalised 机关名称
    skipped: list[str] = field(default_factory=list)  # files not used, with the reason
    roster: list[RosterEntry] = field(default_factory=list)  # registered in SRC's ledger, if any

    def find(self, org: str) -> LastYearRecord | None:
        """The record of ``org`` (names compared normalised), if any."""
        return self.records.get(normalize_org(org))


@dataclass
class _Found:
    """What one source holds: accepted records (oldest first), files not used, its roster."""

    source: str  # what was read, for messages
    kind: str  # LEDGER_KIND or FOLDER_KIND
    records: list[LastYearRecord] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    roster: list[RosterEntry] = field(default_factory=list)
    seen: int = 0  # workbooks looked at in a folder


LEDGER_KIND, FOLDER_KIND = "台账", "文件夹"


def _read_source(src: Path, year: int | None, pool: TaskPool | None = None) -> _Found:
    """Accepted figures in ``src`` (an outbox, its ledger file, or a folder of workbooks): of
    ``year``, or of every year when None.  The one place that knows what a source can be."""
    src = Path(src)
    ledger = src if src.is_file() and src.suffix == ".sqlite" else default_ledger(src)
    if ledger.is_file():
        return _from_ledger(ledger, year)
    if src.is_dir():
        return _from_folder(src, year, pool=pool)
    raise FatalError(f"上年数据来源不存在：{src}（应为上年的输出目录或上年工作簿所在的文件夹）。")


def load_last_year(src: Path, year: int) -> LastYearData:
    """Last year's (``year``'s) accepted figures from an outbox or a folder of workbooks."""
    found = _read_source(src, year)
    data = LastYearData(found.source, year, skipped=found.skipped, roster=found.roster)
    for record in found.records:  # oldest first: a later one of an organisation replaces it
        data.records[normalize_org(record.org)] = record
    if not data.records:  # a wrong folder or year must not hand out "no data found" to everyone
        seen = f"（{'；'.join(data.skipped[:3])}）" if data.skipped else ""
        raise FatalError(
            f"在 {data.source} 中没有找到 {year} 年度已通过的报送{seen}；请检查 --previous-year "
            f"给的目录和 --year（上年数据取 --year 减 1），没有生成任何模板。"
        )
    return data


def _date_text(ns: int) -> str:
    d = datetime.fromtimestamp(ns / 1e9)
    return f"{d.year}年{d.month}月{d.day}日"


def _from_ledger(path: Path, year: int | None) -> _Found:
    found = _Found(str(path), LEDGER_KIND)
    try:
        ledger = Ledger.open(path)
    except FatalError as exc:
        raise FatalError(f"上年台账无法读取：{exc}") from exc
    try:
        rows = ledger.rows(year=year, statuses=(FileStatus.ACCEPTED,))
        found.roster = ledger.roster()
    except sqlite3.DatabaseError as exc:
        raise FatalError(f"上年台账 {path} 无法读取：{exc}") from exc
    finally:
        ledger.close()
    for row in rows:  # oldest received first: a later acceptance replaces an earlier one
        values = row.values()
        if not row.org or not values or row.year is None:
            continue
        name = PurePosixPath(row.path).name
        found.records.append(LastYearRecord(
            row.org, row.year, values, name, _date_text(row.received_ns), row.received_ns
        ))  # fmt: skip
    return found


PARALLEL_FROM = 50  # workbooks: below this, starting worker processes costs more than it saves


def _from_folder(
    folder: Path, year: int | None, jobs: int | None = None, pool: TaskPool | None = None
) -> _Found:
    """Every valid workbook in ``folder`` (of ``year``, when given), read and checked with the
    project's reader, in worker processes for a big folder (or in ``pool``, a run's own)."""
    found = _Found(str(folder), FOLDER_KIND)
    _add_published(folder, year, found)  # the first year: published reports (workbooks win)
    books = [e for e in inbox_mod.scan(folder) if e.kind is inbox_mod.Kind.WORKBOOK and e.size]
    books.sort(key=lambda e: (e.mtime_ns, e.rel))  # the most recently modified wins
    found.seen += len(books)
    own = pool is None
    if pool is None:
        pool = TaskPool(jobs if len(books) >= PARALLEL_FROM else 1, len(books), no_setup)
    try:
        results = list(pool.ordered(previous_values, previous_values, [str(e.path) for e in books],
                                    broken=lambda path, reason: ("", None, None)))  # fmt: skip
    finally:
        if own:
            pool.shutdown()
    for entry, (org, found_year, vals) in zip(books, results, strict=True):
        if found_year is None or (year is not None and found_year != year):
            why = f"年度为 {found_year}，不是 {year}" if found_year else "无法读取或不是填报模板"
            found.skipped.append(f"{entry.rel}：{why}")
        elif vals is None or not org:
            found.skipped.append(f"{entry.rel}：未通过校验，未采用")
        else:
            found.records.append(LastYearRecord(
                org, found_year, decode_values(vals), entry.path.name,
                _date_text(entry.mtime_ns), entry.mtime_ns, "文件修改",
            ))  # fmt: skip
    return found


@dataclass
class EarlierFigures:
    """What ``run --previous-year SRC`` loaded: accepted figures of every year in SRC."""

    source: str
    kind: str  # LEDGER_KIND or FOLDER_KIND
    records: list[LastYearRecord]  # oldest first
    skipped: list[str]
    seen: int  # workbooks looked at (a folder)

    def orgs_by_year(self) -> dict[int, int]:
        """How many organisations have figures, per year."""
        orgs: dict[int, set[str]] = {}
        for r in self.records:
            orgs.setdefault(r.year, set()).add(normalize_org(r.org))
        return {y: len(orgs[y]) for y in sorted(orgs)}

    def summary(self) -> str:
        """One Chinese sentence: what was loaded, or that nothing was and why."""
        by_year = self.orgs_by_year()
        if by_year:
            what = "、".join(f"{n} 个单位的 {y} 年数字" for y, n in by_year.items())
            unused = f"（{len(self.skipped)} 个文件未采用，见日志）" if self.skipped else ""
            return f"上年数据：已载入 {what}（{self.kind} {self.source}），用于跨年度核对{unused}。"
        if self.kind == LEDGER_KIND:
            why = "台账里没有已通过的报送"
        elif not self.seen:
            why = "文件夹里没有工作簿（.xlsx）或已发布的报告"
        else:
            why = f"文件夹里的 {self.seen} 个工作簿或报告都不能用（{'；'.join(self.skipped[:2])}）"
        return f"上年数据：{self.source} 的{why}，没有载入任何上年数字，本次不与上年核对。"


def load_earlier_figures(src: Path, pool: TaskPool | None = None) -> EarlierFigures:
    """For ``run --previous-year``: every year's accepted figures in ``src``, the same sources
    ``template --previous-year`` reads (an outbox, its ledger file, a folder of workbooks)."""
    found = _read_source(src, None, pool)
    return EarlierFigures(found.source, found.kind, found.records, found.skipped, found.seen)


def _add_published(folder: Path, year: int | None, found: _Found) -> None:
    """Records from published reports (.pdf/.docx/.html…) in ``folder``, added before the
    workbooks so that a workbook of the same unit, later in the list, wins."""
    from xl2report.batch.published_source import published_records

    for record in published_records(folder, year):
        found.seen += 1
        if isinstance(record, str):
            found.skipped.append(record)
            continue
        found.records.append(LastYearRecord(
            record.org, record.year, record.values, record.path.name,
            _date_text(record.mtime_ns), record.mtime_ns, "文件修改（已发布的报告）",
        ))  # fmt: skip


@dataclass
class HandOut:
    """What ``template --roster --previous-year`` made."""

    paths: list[Path]
    prefilled: list[str]  # roster names whose template carries last year's figures
    missing: list[str]  # roster names without last year's figures (blank, with a cover line)
    unmatched: list[str]  # 机关名称 of last year's records that match no roster name
    skipped: list[str]  # SRC files not used


def hand_out(
    entries: Sequence[RosterEntry],
    outdir: Path,
    year: int,
    previous: Path,
    request: TemplateRequest | None = None,
) -> HandOut:
    """One template per roster entry, each starting from its own last-year figures if found
    (``request`` as for :func:`~xl2report.batch.roster.write_roster_templates`; its year and
    last-year figures are set here)."""
    data = load_last_year(previous, year - 1)
    index = RosterIndex(entries)
    chosen: dict[str, LastYearRecord] = {}  # roster name -> record (by name or 别名)
    unmatched = []
    for record in data.records.values():
        official = index.official(record.org)
        if official is None:
            hint = index.suggest(record.org)
            unmatched.append(record.org + (f"（是否为“{hint}”？）" if hint else ""))
        elif official not in chosen or record.received_ns > chosen[official].received_ns:
            chosen[official] = record  # renamed: the later submission under either name
    fills: list[LastYearFill] = []
    prefilled, missing = [], []
    for entry in entries:
        record = chosen.get(entry.name)
        fills.append(record.fill() if record else LastYearFill(year - 1))
        (prefilled if record else missing).append(entry.name)
    request = dataclasses.replace(request or TemplateRequest(year), year=year, last_year=fills)
    paths = write_roster_templates(entries, outdir, request)
    return HandOut(paths, prefilled, missing, sorted(unmatched), data.skipped)


def fill_for(org: str, year: int, previous: Path) -> tuple[LastYearFill, LastYearData]:
    """Last year's figures of one organisation (a fill saying none were found when absent)."""
    data = load_last_year(previous, year - 1)
    record = data.find(org)
    entry = RosterIndex(data.roster).entry(org) if record is None else None
    if entry is not None:  # renamed: the roster registered in SRC's ledger knows its other names
        found = [r for n in (entry.name, *entry.aliases) if (r := data.find(n))]
        record = max(found, key=lambda r: r.received_ns, default=None)
    return (record.fill() if record else LastYearFill(year - 1)), data
