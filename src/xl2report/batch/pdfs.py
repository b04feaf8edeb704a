"""``--pdf``: a PDF beside every current report that has none, in one LibreOffice call per worker.

Covers this run's reports and any a killed run left without one.  A PDF that cannot be made is
a run-level note (the report itself stands); the next ``--pdf`` run tries again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from xl2report.batch import worker
from xl2report.batch.commit import Recorder
from xl2report.batch.pool import TaskPool
from xl2report.batch.records import Event, EventSink
from xl2report.log import logger

T = TypeVar("T")


def make_missing_pdfs(recorder: Recorder, executor: TaskPool, emit: EventSink) -> list[str]:
    """PDFs for every current report without one; returns notes on those that failed.

    The reports are split into one chunk per worker; each chunk is ONE LibreOffice call.
    """
    root, staging = recorder.outbox.root, recorder.outbox.staging
    reports = [
        (row, root / row.report)
        for row in recorder.ledger.accepted_without_pdf()
        if row.report and (root / row.report).exists()
    ]
    if not reports:
        return []
    emit(Event("note", text=f"正在用 LibreOffice 生成 {len(reports)} 份 PDF…"))
    chunks = _chunks(reports, executor.width(len(reports)))
    tasks = [
        ([str(path) for _, path in chunk], str(staging / f"pdf-{i}"))
        for i, chunk in enumerate(chunks)
    ]
    per_file, executor.timeout = executor.timeout, None  # LibreOffice has its own time limit
    try:
        made_chunks = list(
            executor.ordered(
                _pdf_task,
                _pdf_task,
                tasks,
                broken=lambda task, reason: [worker.PdfResult(d, None, reason) for d in task[0]],
            )
        )
    finally:
        executor.timeout = per_file
    notes = []
    for chunk, made in zip(chunks, made_chunks, strict=True):
        for (row, report), res in zip(chunk, made, strict=True):
            if res.pdf is None:
                notes.append(
                    f"{row.report}：PDF 生成失败（{res.message}），下次加 --pdf 运行时重试。"
                )
            else:
                recorder.pdf(row, report, Path(res.pdf))
    for note in notes:
        logger.warning(note)
    return notes


def _chunks(items: Sequence[T], n: int) -> list[list[T]]:
    """``items`` split into ``n`` contiguous, nearly equal chunks."""
    size, extra = divmod(len(items), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(list(items[start:end]))
        start = end
    return [c for c in out if c]


def _pdf_task(task: tuple[list[str], str]) -> list[worker.PdfResult]:
    paths, outdir = task
    return worker.make_pdfs(paths, outdir)
