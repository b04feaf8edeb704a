"""Across years within one run: what each submission is compared with, and two years of one
unit in the same inbox.

Before the workers start, :func:`prepare` freezes last year's values for the run (the ledger's
accepted rows; ``--previous-year`` — another outbox, its ledger, or a folder of workbooks, read
as ``template --previous-year`` reads them — wins) and says in one sentence what
``--previous-year`` loaded.  After the last file is committed, :func:`settle` looks for
submissions of this run whose last-year values changed meanwhile (last year's workbook of the
same unit was in the same inbox and was accepted in this run), checks them again against those
values and records the findings: the earlier year's accepted figures count, whichever of the
two files was committed first.  A report is rendered from this year's values alone, so it
stays as it is; a feedback workbook already written keeps the findings it was written with.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xl2report.batch import reference
from xl2report.batch.inbox import Entry
from xl2report.batch.ledger import Ledger
from xl2report.batch.pool import TaskPool
from xl2report.batch.records import FileStatus
from xl2report.batch.roster import RosterIndex
from xl2report.batch.worker import Job, Outcome
from xl2report.checks.check import CheckResult
from xl2report.log import logger

_RECHECKED = (FileStatus.ACCEPTED, FileStatus.REJECTED, FileStatus.SUPERSEDED)


@dataclass
class Baseline:
    """The run's frozen last-year values, and where they came from."""

    earlier: list[tuple[str, int, str, str]] = field(default_factory=list)  # --previous-year
    note: str = ""  # what --previous-year loaded ('' without it)
    frozen: dict[tuple[str, int], int] = field(default_factory=dict)  # (org, year) -> hash


def prepare(ledger: Ledger, previous_year: Path | None, pool: TaskPool) -> Baseline:
    """Freeze last year's values before any worker starts (see the module docstring)."""
    base = Baseline()
    if previous_year is not None:
        from xl2report.batch.lastyear import load_earlier_figures  # only with --previous-year

        figures = load_earlier_figures(previous_year, pool)
        index = RosterIndex(ledger.roster())  # a renamed unit: last year's name is a 别名
        base.earlier = [
            (index.official(r.org) or r.org, r.year, f"{figures.source}：{r.file}",
             reference.encode_values(r.values))
            for r in figures.records
        ]  # fmt: skip
        base.note = figures.summary()
        logger.info("{}", base.note)
        for why in figures.skipped:
            logger.info("上年数据未采用：{}", why)
    reference.snapshot(ledger, base.earlier)
    base.frozen = _frozen(ledger)
    return base


def settle(
    ledger: Ledger,
    base: Baseline,
    done: Sequence[tuple[Entry, str, Job]],
    check: Callable[[Job], CheckResult | Outcome],
) -> list[str]:
    """After the run: check again what was compared with values that changed meanwhile, and
    say per year how many submissions had last year's figures to compare with (the notes)."""
    rows = [(job, row) for e, sha, job in done
            if (row := ledger.find(e.rel, sha)) is not None and row.status in _RECHECKED
            and row.org and row.year is not None]  # fmt: skip
    accepted = {(r.org, r.year) for _, r in rows if r.status is FileStatus.ACCEPTED}
    now, changed = base.frozen, set()
    if any((r.org, r.year - 1) in accepted for _, r in rows):  # type: ignore[operator]
        # Last year's return of a unit was accepted in this very run: freeze again, compare.
        reference.snapshot(ledger, base.earlier)
        now = _frozen(ledger)
        changed = {key for key, value in now.items() if base.frozen.get(key) != value}
    per_year: dict[int, list[bool]] = {}
    for job, row in rows:
        assert row.year is not None
        last = (row.org, row.year - 1)
        per_year.setdefault(row.year, []).append(last in now)
        if last in changed:
            _record_again(ledger, row.id, row.errors, check(job), row.path)
    notes = []
    for year, compared in sorted(per_year.items()):
        n = sum(compared)
        line = (f"跨年度核对：本次处理的 {year} 年度报送 {len(compared)} 份，{n} 份与本单位 "
                f"{year - 1} 年度已通过的数字核对" + (f"，{len(compared) - n} 份没有 {year - 1} "
                f"年度的数字可比" if n < len(compared) else "") + "。")  # fmt: skip
        logger.info("{}", line)
        notes.append(line)
    return notes


def _record_again(
    ledger: Ledger, row_id: int, errors: int, result: CheckResult | Outcome, rel: str
) -> None:
    if not isinstance(result, CheckResult):  # held meanwhile (the roster changed): keep it
        return
    report = result.report
    if len(report.errors) != errors:  # year-over-year findings are warnings: cannot happen
        logger.warning("{}：再次核对的错误数与处理时不同，保留原结果", rel)
        return
    findings = json.dumps([f.to_dict() for f in report.findings], ensure_ascii=False)
    ledger.commit(updates=[(row_id, {"findings": findings, "warnings": len(report.warnings)})])
    logger.info(
        "{}：已与同一次运行中通过的上一年度报送核对（提醒 {} 项）", rel, len(report.warnings)
    )


def _frozen(ledger: Ledger) -> dict[tuple[str, int], int]:
    rows = ledger.conn.execute("SELECT org, year, vals FROM reference")
    return {(org, year): hash(vals) for org, year, vals in rows}
