"""What a rerun does with files recorded before: which 无法处理 files are tried again, and
which warnings a person has already marked 已核对 (so ``run`` stops listing them).

A file is recorded once and listed from the ledger on every later run.  Two exceptions need a
judgement, made here: a file that could not be processed because the machine was busy (a
timeout, a worker that died) is tried again on the next runs, at most
:data:`~xl2report.batch.worker.MAX_AUTO_RETRIES` times, and ``run --retry`` tries every
无法处理 file again; a deterministic failure (an internal error) waits for ``--retry`` or a
changed file.
"""

from __future__ import annotations

from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.records import FileStatus
from xl2report.batch.worker import MAX_AUTO_RETRIES, RETRY_CODE
from xl2report.form.types import Level

CANNOT_PROCESS = frozenset({"cannot-process", RETRY_CODE})


def should_retry(row: Row, ledger: Ledger, forced: bool) -> bool:
    """Process this recorded file again?  Only a 无法处理 one: with ``forced`` (``--retry``)
    always; after a timeout or a dead worker on its own, a limited number of times."""
    if row.status is not FileStatus.UNREADABLE:
        return False
    codes = {str(f.get("code")) for f in row.finding_dicts()}
    if forced:
        return bool(codes & CANNOT_PROCESS)
    return RETRY_CODE in codes and ledger.retries(row.id) < MAX_AUTO_RETRIES


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
