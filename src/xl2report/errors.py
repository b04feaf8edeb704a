"""Errors that stop a whole command (not one file): lock held, outbox not writable, bad roster,
a report that cannot be rendered.

Their message is Chinese and complete; the CLI prints it as is and exits with code 2.  Problems
with one input file are never exceptions: they become findings or a status in the run's result.
"""

from __future__ import annotations

import errno

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
