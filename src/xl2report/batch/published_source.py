"""Last year's figures from a folder of *published* reports (the first year on xl2report).

A source adapter beside the ledger and the folder of workbooks (:mod:`~xl2report.batch.
lastyear`, :mod:`~xl2report.batch.reference`): every report file (.pdf/.docx/.html…) is read
with :func:`~xl2report.published.reader.read_published`; a report of the wanted year whose
机关名称 was read becomes one record.  Numbers printed blank or as "—" count as 0 here (what
the published report means); texts are kept.  With a roster, a report's 机关名称 becomes the
roster's name for it (the name itself or one of its 别名, compared normalised), so last year's
report of a renamed unit (洪泽区人民政府 → 淮安市洪泽区人民政府) is found under this year's name,
as ``template --previous-year`` finds it.  Nothing in the folder is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xl2report.batch.roster import RosterIndex
from xl2report.form.national import FORM, Value, ValueType, number_or_zero
from xl2report.published.reader import read_published
from xl2report.published.workbook import report_files


@dataclass(frozen=True)
class PublishedRecord:
    org: str
    year: int
    values: dict[str, Value]
    path: Path
    mtime_ns: int


def published_records(
    folder: Path, year: int | None = None, roster: RosterIndex | None = None
) -> Iterator[PublishedRecord | str]:
    """Each usable report under ``folder`` as a record (of ``year`` when given; named as
    ``roster`` names it, when it does), or a line saying why a report file was not used."""
    for path in report_files(folder):
        imported = read_published(path)
        rel = path.relative_to(folder)
        if not imported.readable:
            yield f"{rel}：{imported.findings[0].message}"
        elif not imported.org or imported.year is None:
            yield f"{rel}：没有读出机关名称或年度"
        elif year is not None and imported.year != year:
            yield f"{rel}：年度为 {imported.year}，不是 {year}"
        else:
            org = (roster.official(imported.org) if roster else None) or imported.org
            yield PublishedRecord(org, imported.year, _numbers(imported.inputs()), path,
                                  path.stat().st_mtime_ns)  # fmt: skip


def _numbers(values: dict[str, Value]) -> dict[str, Value]:
    """Blank or "—" number cells as 0; texts unchanged."""
    return {
        k: v if FORM.field(k).type is ValueType.TEXT else number_or_zero(v)
        for k, v in values.items()
    }
