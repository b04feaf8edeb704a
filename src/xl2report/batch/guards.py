"""What a run refuses before it starts, and how its own environment failing is told.

Per-file problems never get here (they become the file's own findings).  These are the run's:
folders that would make it read its own outputs, a disk that is full, a file size limit, no
permission; each is a :class:`~xl2report.errors.FatalError` with one Chinese sentence (exit 2).
Also the one judgement about time: a file that reads as incomplete right after it was written
is looked at again later instead of being recorded unreadable for good.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from xl2report.batch.inbox import Entry
from xl2report.batch.outbox import PROCESSED_DIR
from xl2report.batch.records import FileStatus, RunOptions
from xl2report.batch.worker import Outcome
from xl2report.errors import FatalError, in_use_text, open_elsewhere


def check_folders(options: RunOptions) -> None:
    """Refuse inbox/outbox combinations where a run would read its own outputs."""
    inbox, outbox = Path(options.inbox).absolute(), Path(options.outbox).absolute()
    if not inbox.is_dir():
        raise FatalError(f"收件目录不存在或不是文件夹：{inbox}")
    inbox, outbox = inbox.resolve(), outbox.resolve()
    if inbox == outbox:
        raise FatalError(
            f"收件目录和输出目录是同一个文件夹（{inbox}）：这样每次运行都会把自己生成的反馈表"
            "当作报送重新处理。请另设一个输出目录（如 --outbox outbox）。"
        )
    if outbox in inbox.parents:
        raise FatalError(
            f"收件目录 {inbox} 在输出目录 {outbox} 里面：请把收件目录移到输出目录之外。"
        )
    processed = inbox / PROCESSED_DIR
    if options.move_processed and processed.exists() and not processed.is_dir():
        raise FatalError(
            f"收件目录里有一个名为“{PROCESSED_DIR}”的文件，--move-processed 无法建立同名文件夹；"
            "请把这个文件改名或移走后再运行。"
        )


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@contextlib.contextmanager
def environment_errors(outbox: Path) -> Iterator[None]:
    """The run's own environment failing (disk full, a file size limit, no permission) as one
    Chinese sentence (exit 2); per-file problems never get here."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        text = str(exc)
        if "full" in text:
            raise FatalError(f"磁盘已满，无法写入台账（{outbox}）；请腾出空间后重新运行。") from exc
        raise FatalError(
            f"读写台账时出错（{text}）：可能是磁盘已满、文件大小受限（ulimit -f）或没有写入权限；"
            "请检查输出目录后重新运行。"
        ) from exc
    except OSError as exc:
        if exc.errno in _DISK_FULL:
            raise FatalError(
                f"磁盘已满，无法写入输出目录 {outbox}；请腾出空间后重新运行。"
            ) from exc
        if exc.errno == errno.EFBIG:
            raise FatalError(
                f"写入 {exc.filename or outbox} 时超出系统允许的文件大小（ulimit -f）；"
                "请解除限制后重新运行。"
            ) from exc
        if open_elsewhere(exc):
            path = exc.filename2 or exc.filename or outbox  # a rename's target
            raise FatalError(in_use_text(path, "写入或改名", "然后重新运行")) from exc
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise FatalError(
                f"没有写入权限：{exc.filename or outbox}；请检查输出目录的权限后重新运行。"
            ) from exc
        raise


# Codes a workbook gets while it is still being copied or saved (a truncated zip, nothing yet).
_INCOMPLETE_CODES = frozenset({"corrupt-workbook", "file-empty", "not-a-workbook"})
# How long, in units of the run's settle time, a file that reads as incomplete right after it
# was written is given before it is recorded unreadable (a copy that pauses, a slow network
# drive).  ``--settle 0`` asks for no waiting at all, and gets none.
INCOMPLETE_GRACE_SETTLES = 30
PENDING_INCOMPLETE = (
    "文件刚刚改动过且读不出完整的工作簿，可能还在复制或保存中，稍后再处理"
    "（过一会儿仍然如此，记为无法读取）。"
)


def maybe_incomplete(e: Entry, outcome: Outcome, settle: float) -> bool:
    """Whether ``outcome`` (unreadable) may just be a copy still arriving."""
    if outcome.status is not FileStatus.UNREADABLE or not outcome.findings:
        return False
    grace_ns = settle * INCOMPLETE_GRACE_SETTLES * 1e9
    recent = time.time_ns() - e.mtime_ns < grace_ns
    return recent and outcome.findings[0].get("code") in _INCOMPLETE_CODES
