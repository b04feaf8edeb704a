"""What a rerun does with files recorded before: which 无法处理 files are tried again, which
unreadable files are forgotten because they left the inbox, and which warnings a person has
already marked 已核对 (so ``run`` stops listing them).

A file is recorded once and listed from the ledger on every later run.  Two exceptions need a
judgement, made here: a file that could not be processed because the machine was busy (a
timeout, a worker that died) is tried again on the next runs, at most
:data:`~xl2report.batch.worker.MAX_AUTO_RETRIES` times, and ``run --retry`` tries every
无法处理 file again; a deterministic failure (an internal error) waits for ``--retry`` or a
changed file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.records import CANNOT_PROCESS, MAX_AUTO_RETRIES, RETRY_CODE, FileStatus
from xl2report.form.types import Level


def retry_can_help(codes: Iterable[str]) -> bool:
    """Whether processing a file with these finding codes again may give another result."""
    return bool(CANNOT_PROCESS.intersection(codes))


def should_retry(row: Row, ledger: Ledger, forced: bool) -> bool:
    """Process this recorded file again?  Only a 无法处理 one: with ``forced`` (``--retry``)
    always; after a timeout or a dead worker on its own, a limited number of times."""
    if row.status is not FileStatus.UNREADABLE:
        return False
    codes = {str(f.get("code")) for f in row.finding_dicts()}
    if forced:
        return retry_can_help(codes)
    return RETRY_CODE in codes and ledger.retries(row.id) < MAX_AUTO_RETRIES


def forget_removed_unreadable(
    ledger: Ledger, inbox: Path, present: Mapping[str, str | None]
) -> list[str]:
    """Forget unreadable rows (without outputs) whose file left the inbox; their paths.

    ``present``: the inbox's submissions as just scanned, path -> content hash (None when the
    file could not be read right now: kept, to be safe).  A row is gone when nothing with its
    content is at its path any more (deleted, or replaced by another file of that name) and no
    copy of it recorded as a duplicate is left either.
    """
    rows = ledger.rows(statuses=(FileStatus.UNREADABLE, FileStatus.DUPLICATE), values=False)
    copies: dict[int, list[Row]] = {}
    for row in rows:
        if row.duplicate_of is not None:
            copies.setdefault(row.duplicate_of, []).append(row)

    def gone(row: Row) -> bool:
        if row.stored_path:  # moved to 已处理 by --move-processed
            return not (inbox / row.stored_path).exists()
        if row.path in present:
            return present[row.path] not in (None, row.sha256)
        return not (inbox / row.path).exists()

    forgotten: list[Row] = []
    for row in rows:
        if row.status is not FileStatus.UNREADABLE or row.report or row.pdf or row.feedback:
            continue
        family = [row, *copies.get(row.id, [])]
        if all(gone(r) for r in family):
            forgotten += family
    ledger.forget(r.id for r in forgotten)
    return [r.path for r in forgotten]


def mark_reviewed(findings: list[dict[str, object]], ledger: Ledger, sha: str) -> int:
    """Flag the warnings a person marked 已核对 (``"reviewed": true``), as ``status`` and the
    board count them; returns how many."""
    done = {(r.code, r.sheet, r.cell) for r in ledger.reviews(sha)}
    count = 0
    for d in findings:
        key = (str(d.get("code", "")), str(d.get("sheet") or ""), str(d.get("cell") or ""))
        if d.get("level") == Level.WARNING.value and key in done:
            d["reviewed"] = True
            count += 1
    return count
