"""Errors that stop a whole command (not one file): lock held, outbox not writable, bad roster,
a report that cannot be rendered.

Their message is Chinese and complete; the CLI prints it as is and exits with code 2.  Problems
with one input file are never exceptions: they become findings or a status in the run's result.
"""

from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

# The machine, not a file: the disk or the quota is full, or a file size limit (ulimit -f) hit.
# A run stops with one sentence for these (batch.guards), wherever they happen.
ENVIRONMENT_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class FatalError(Exception):
    """A problem that stops the command; ``str(exc)`` is the Chinese message for the user.

    The one base class the CLI catches: every library error meant for a user derives from it.
    """


_OS_ERRORS = {
    "ENOENT": "文件或文件夹不存在",
    "EACCES": "没有访问权限",
    "EPERM": "操作不被允许（没有权限）",
    "EROFS": "磁盘或文件夹是只读的",
    "ENOSPC": "磁盘空间已满",
    "EDQUOT": "磁盘配额已用完",
    "EEXIST": "已有同名文件",
    "EISDIR": "这是文件夹，不是文件",
    "ENOTDIR": "路径中有一项不是文件夹",
    "EBUSY": "文件正被其他程序使用",
    "ENAMETOOLONG": "文件名或路径太长",
    "EIO": "读写磁盘出错",
    "EMFILE": "同时打开的文件太多",
    "EXDEV": "不能跨磁盘移动文件",
}


def os_error_text(exc: OSError) -> str:
    """An operating-system error in Chinese (``strerror`` is English on most systems)."""
    name = errno.errorcode.get(exc.errno or 0, "")
    if name in _OS_ERRORS:
        return _OS_ERRORS[name]
    if isinstance(exc, PermissionError):
        return _OS_ERRORS["EACCES"]
    return f"系统错误 {name or exc.errno}" if exc.errno else "系统错误"


# Windows' answer when another program (WPS, Word, Excel) has a file open: a sharing or lock
# violation, or (replacing an open target) plain access denied on a file that exists.
_IN_USE_WINERRORS = (32, 33)


def open_elsewhere(exc: OSError, *paths: str | os.PathLike[str] | None) -> bool:
    """Whether ``exc`` means another program has one of the files open, so the operation may
    work once it is closed (Windows refuses to rename, replace or delete an open file)."""
    if getattr(exc, "winerror", None) in _IN_USE_WINERRORS:
        return True
    if not isinstance(exc, PermissionError) or sys.platform != "win32":
        return False  # elsewhere a PermissionError is about permissions
    named = [p for p in (*paths, exc.filename, exc.filename2) if p]
    return any(Path(p).exists() for p in named)  # (a folder: a file in it is open)


def in_use_text(path: str | os.PathLike[str], action: str, then: str) -> str:
    """One sentence: which file is open, what could not be done, to close it, what happens
    next — e.g. ``in_use_text(p, "移到“历史版本”", "下次运行时会自动完成")``."""
    name = Path(path).name
    return f"“{path}”正在其他程序中打开，无法{action}：请关闭 WPS/Word 中打开的“{name}”，{then}。"


class FileInUseError(FatalError, PermissionError):
    """An output could not be replaced or removed because another program has it open; the
    message (``str``) is the Chinese sentence, ``filename`` the file."""

    def __init__(self, path: str | os.PathLike[str], action: str = "替换", then: str = "然后重试"):
        PermissionError.__init__(self, 13, "file in use", str(path))
        self.text = in_use_text(path, action, then)

    def __str__(self) -> str:
        return self.text
