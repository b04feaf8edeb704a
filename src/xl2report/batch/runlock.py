"""One run at a time per outbox: an OS file lock that dies with its process.

``fcntl.flock`` (``msvcrt.locking`` on Windows) is released by the kernel when the holder exits,
even after ``kill -9``, so a crash never leaves a stale lock behind.  The holder writes its pid
into the file so the second run can say who holds it.  ``msvcrt.locking`` locks bytes, and no
other process can read a locked byte, so on Windows the lock is on a byte far past the pid.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from types import TracebackType

from xl2report.errors import FatalError, os_error_text


class LockHeld(FatalError):
    """Another process holds the lock."""


class RunLock:
    """``with RunLock(path):`` — exclusive, non-blocking; raises :class:`LockHeld` at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise :class:`LockHeld` at once (never waits)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise FatalError(
                f"无法在 {self.path.parent} 建立运行锁：{os_error_text(exc)}（请确认输出目录可写）。"
            ) from exc
        if not _try_lock(fd):
            holder = _read_pid(fd)
            os.close(fd)
            who = f"（进程 {holder}）" if holder else ""
            raise LockHeld(
                f"另一个 xl2report run/watch 正在处理这个输出目录{who}；请等它结束后再运行。"
                f"锁文件：{self.path}"
            )
        # The holder's pid, for the message another run shows.  Not fsynced: other processes
        # read it through the page cache, and no lock outlives a crash (flushing it cost a
        # disk wait at the start of every run).
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        """Give the lock up (the OS also does this when the process ends)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        _unlock(self._fd)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _read_pid(fd: int) -> str:
    with contextlib.suppress(OSError):
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode("ascii", "replace").strip()
    return ""


_LOCK_BYTE = 1 << 20  # the byte msvcrt locks (past the end of the file, which Windows allows)

if sys.platform == "win32":  # tested with a simulated msvcrt (tests/test_windows_files.py)
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _LOCK_BYTE, os.SEEK_SET)  # msvcrt locks from the current position
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            os.lseek(fd, _LOCK_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
