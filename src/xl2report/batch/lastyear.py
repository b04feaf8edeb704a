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
from xl2report.batch.pool import TaskPool
from xl2report.batch.records import FileStatus
from xl2report.batch.reference import decode_values, previous_values
from xl2report.batch.roster import (
    RosterIndex,
    TemplateRequest,
    normalize_org,
    write_roster_templates,
)
from xl2report.batch.session import default_ledger
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


def load_last_year(src: Path, year: int) -> LastYearData:
    """Last year's (``year``'s) accepted figures from an outbox or a folder of workbooks."""
    src = Path(src)
    ledger = src if src.is_file() and src.suffix == ".sqlite" else default_ledger(src)
    if ledger.is_file():
        data = _from_ledger(ledger, year)
    elif src.is_dir():
        data = _from_folder(src, year)
    else:
        raise FatalError(
            f"上年数据来源不存在：{src}（应为上年的输出目录或上年工作簿所在的文件夹）。"
        )
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


def _from_ledger(path: Path, year: int) -> LastYearData:
    data = LastYearData(str(path), year)
    try:
        ledger = Ledger.open(path)
    except FatalError as exc:
        raise FatalError(f"上年台账无法读取：{exc}") from exc
    try:
        rows = ledger.rows(year=year, statuses=(FileStatus.ACCEPTED,))
        data.roster = ledger.roster()
    except sqlite3.DatabaseError as exc:
        raise FatalError(f"上年台账 {path} 无法读取：{exc}") from exc
    finally:
        ledger.close()
    for row in rows:  # oldest received first: a later acceptance replaces an earlier one
        values = row.values()
        if not row.org or not values:
            continue
        name = PurePosixPath(row.path).name
        data.records[normalize_org(row.org)] = LastYearRecord(
            row.org, year, values, name, _date_text(row.received_ns), row.received_ns
        )
    return data


PARALLEL_FROM = 50  # workbooks: below this, starting worker processes costs more than it saves


def _no_setup() -> None:
    """Worker processes need nothing prepared to check a workbook."""


def _from_folder(folder: Path, year: int, jobs: int | None = None) -> LastYearData:
    data = LastYearData(str(folder), year)
    found = [e for e in inbox_mod.scan(folder) if e.kind is inbox_mod.Kind.WORKBOOK and e.size]
    found.sort(key=lambda e: (e.mtime_ns, e.rel))  # the most recently modified wins
    # Read and checked as run --previous-year does (worker processes for a big folder).
    pool = TaskPool(jobs if len(found) >= PARALLEL_FROM else 1, len(found), _no_setup)
    try:
        results = list(pool.ordered(previous_values, previous_values, [str(e.path) for e in found],
                                    broken=lambda path, reason: ("", None, None)))  # fmt: skip
    finally:
        pool.shutdown()
    _add_published(folder, year, data)  # the first year: published reports instead
    for entry, (org, found_year, vals) in zip(found, results, strict=True):
        if found_year != year:
            why = f"年度为 {found_year}，不是 {year}" if found_year else "无法读取或不是填报模板"
            data.skipped.append(f"{entry.rel}：{why}")
        elif vals is None or not org:
            data.skipped.append(f"{entry.rel}：未通过校验，未采用")
        else:
            data.records[normalize_org(org)] = LastYearRecord(
                org, year, decode_values(vals), entry.path.name, _date_text(entry.mtime_ns),
                entry.mtime_ns, "文件修改",
            )  # fmt: skip
    return data


def _add_published(folder: Path, year: int, data: LastYearData) -> None:
    """Records from published reports (.pdf/.docx/.html…) in ``folder``; a workbook of the same
    unit, read after them, wins."""
    from xl2report.batch.published_source import published_records

    for found in published_records(folder, year):
        if isinstance(found, str):
            data.skipped.append(found)
            continue
        data.records[normalize_org(found.org)] = LastYearRecord(
            found.org, year, found.values, found.path.name, _date_text(found.mtime_ns),
            found.mtime_ns, "文件修改（已发布的报告）",
        )  # fmt: skip


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
