"""Windows behaviour simulated on Linux, for the Windows lane and the tests of Windows fixes.

Nothing here is a stand-in for xl2report's own code: each piece reproduces a documented
behaviour of Windows (or of its Python) at the boundary where xl2report meets it, so the
product code runs unchanged against it.  ``sitecustomize.py`` beside this file installs what
the environment asks for in every Python process, children included (``PYTHONPATH``):

``XL2REPORT_SIM_WINDOWS=1``
    Python without the calls Windows' CPython 3.11/3.12 lacks (:data:`POSIX_ONLY`): no
    ``os.fchmod``/``fork``/``getuid``…, no ``SIGALRM``/``setitimer``.  Calls the standard
    library's own POSIX code needs on Linux to work at all (``SIGKILL`` for
    ``Popen.kill``, ``statvfs`` for ``shutil.disk_usage``) stay.
``XL2REPORT_SIM_HELD=path{os.pathsep}path…``
    Files open in WPS/Word/Excel.  Windows refuses to rename, replace or delete such a file
    (or a folder holding it) and to open it for writing: ``PermissionError`` with errno 13
    (EACCES) and ``winerror`` 32 (ERROR_SHARING_VIOLATION), as CPython raises it there.
    Reading stays allowed (Word shares the file for reading).  Read at every call, so a test
    can hold and release files while a process runs.  Paths compare as NTFS compares them
    (case-insensitively).
``XL2REPORT_SIM_STALL=path{os.pathsep}path…``
    Workbooks whose reading never ends (a stalled network drive, or a file crafted to hang
    the reader): opening them as a zip blocks until the process is interrupted or killed.
"""

from __future__ import annotations

import builtins
import contextlib
import io
import os
import signal
import time
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

SIM_WINDOWS = "XL2REPORT_SIM_WINDOWS"
SIM_HELD = "XL2REPORT_SIM_HELD"
SIM_STALL = "XL2REPORT_SIM_STALL"

# What Windows' CPython (3.11, 3.12) does not have.  os.fchmod arrived there in 3.13.
POSIX_ONLY = {
    os: (
        "fchmod", "fchown", "chown", "lchown", "fork", "forkpty", "register_at_fork",
        "getuid", "geteuid", "getgid", "getegid", "getgroups", "setuid", "seteuid", "setgid",
        "setegid", "setsid", "getsid", "setpgrp", "getpgrp", "getpgid", "killpg", "wait3",
        "wait4", "mkfifo", "mknod", "getloadavg", "nice", "openpty", "sync", "pread", "pwrite",
    ),
    signal: (
        "SIGALRM", "alarm", "setitimer", "getitimer", "ITIMER_REAL", "ITIMER_VIRTUAL",
        "ITIMER_PROF", "pause", "siginterrupt", "SIGUSR1", "SIGUSR2",
    ),
}  # fmt: skip

ERROR_SHARING_VIOLATION = 32
SHARING_MESSAGE = "另一个程序正在使用此文件，进程无法访问。"  # Windows' own text for error 32


# What remove_posix_calls took away, for the tests' own machinery (mail servers run as on
# Linux): "os.chown" -> the function.
REMOVED: dict[str, Any] = {}


def remove_posix_calls() -> None:
    """Delete :data:`POSIX_ONLY` from ``os`` and ``signal`` in this process."""
    for module, names in POSIX_ONLY.items():
        for name in names:
            if hasattr(module, name):
                REMOVED[f"{module.__name__}.{name}"] = getattr(module, name)
                delattr(module, name)


def posix(name: str) -> Any:
    """``os.<name>`` even where the lane removed it (for test servers, not for xl2report)."""
    return getattr(os, name, None) or REMOVED[f"os.{name}"]


# --- files open in an editor ---------------------------------------------------------------


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path)).casefold()


def _listed(variable: str) -> set[str]:
    value = os.environ.get(variable, "")
    return {_key(p) for p in value.split(os.pathsep) if p}


def _path_of(target: Any, dir_fd: int | None = None) -> str | None:
    """The absolute path a call names, or None for a descriptor."""
    if isinstance(target, int):
        return None
    text = os.fsdecode(os.fspath(target))
    if dir_fd is not None and not os.path.isabs(text):
        text = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), text)
    return text


def _held_at(path: str | None, whole_tree: bool = False) -> str | None:
    """The held file ``path`` is (or, for a rename of a folder, holds), if any."""
    held = _listed(SIM_HELD)
    if path is None or not held:
        return None
    key = _key(path)
    if key in held:
        return path
    if whole_tree:
        prefix = key.rstrip(os.sep) + os.sep
        if any(h.startswith(prefix) for h in held):
            return path
    return None


def sharing_violation(path: str) -> PermissionError:
    """The exception CPython raises on Windows for a file another program has open."""
    exc = PermissionError(13, SHARING_MESSAGE, path)
    exc.winerror = ERROR_SHARING_VIOLATION  # type: ignore[attr-defined]
    return exc


_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_TRUNC | os.O_APPEND


def _guard_two(real: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(src: Any, dst: Any, *args: Any, **kw: Any) -> Any:
        for path, fd in ((src, kw.get("src_dir_fd")), (dst, kw.get("dst_dir_fd"))):
            held = _held_at(_path_of(path, fd), whole_tree=True)
            if held is not None:
                raise sharing_violation(held)
        return real(src, dst, *args, **kw)

    return guarded


def _guard_one(real: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(path: Any, *args: Any, **kw: Any) -> Any:
        held = _held_at(_path_of(path, kw.get("dir_fd")))
        if held is not None:
            raise sharing_violation(held)
        return real(path, *args, **kw)

    return guarded


def _guard_open(real: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(file: Any, mode: str = "r", *args: Any, **kw: Any) -> Any:
        if any(m in mode for m in "wax+"):
            held = _held_at(_path_of(file))
            if held is not None:
                raise sharing_violation(held)
        return real(file, mode, *args, **kw)

    return guarded


def _guard_os_open(real: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(path: Any, flags: int, *args: Any, **kw: Any) -> Any:
        if flags & _WRITE_FLAGS:
            held = _held_at(_path_of(path, kw.get("dir_fd")))
            if held is not None:
                raise sharing_violation(held)
        return real(path, flags, *args, **kw)

    return guarded


def _stalling(real: Callable[..., Any]) -> Callable[..., Any]:
    def init(self: zipfile.ZipFile, file: Any, *args: Any, **kw: Any) -> None:
        path = None if hasattr(file, "read") else _path_of(file)
        if path is not None and _key(path) in _listed(SIM_STALL):
            while True:  # interrupted by an alarm's exception, or the process is killed
                time.sleep(3600)
        real(self, file, *args, **kw)

    return init


def _patches() -> list[tuple[Any, str, Callable[[Callable[..., Any]], Callable[..., Any]]]]:
    return [
        (os, "rename", _guard_two),
        (os, "replace", _guard_two),
        (os, "unlink", _guard_one),
        (os, "remove", _guard_one),
        (os, "truncate", _guard_one),
        (os, "open", _guard_os_open),
        (builtins, "open", _guard_open),
        (io, "open", _guard_open),
        (zipfile.ZipFile, "__init__", _stalling),
    ]


_ORIGINALS: dict[tuple[int, str], Any] = {}


def install_file_rules() -> None:
    """Put the editor lock and the stalled reads in place (idempotent; inert while the
    environment names no file)."""
    for owner, name, wrap in _patches():
        key = (id(owner), name)
        if key not in _ORIGINALS:
            _ORIGINALS[key] = getattr(owner, name)
            setattr(owner, name, wrap(_ORIGINALS[key]))


def installed() -> bool:
    """Whether :func:`install_file_rules` is in effect in this process."""
    return bool(_ORIGINALS)


def uninstall_file_rules() -> None:
    """Undo :func:`install_file_rules`."""
    for owner, name, _ in _patches():
        original = _ORIGINALS.pop((id(owner), name), None)
        if original is not None:
            setattr(owner, name, original)


@contextlib.contextmanager
def holding(*paths: os.PathLike[str] | str) -> Iterator[None]:
    """Keep ``paths`` open in a simulated editor for the block (this process and children)."""
    before = os.environ.get(SIM_HELD)
    held = [str(p) for p in paths] + ([before] if before else [])
    os.environ[SIM_HELD] = os.pathsep.join(held)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SIM_HELD, None)
        else:
            os.environ[SIM_HELD] = before


def in_lane() -> bool:
    """Whether this process runs as on Windows (the CI lane)."""
    return os.environ.get(SIM_WINDOWS) == "1"


def install_from_environment() -> None:
    """What ``sitecustomize`` does at every start."""
    if in_lane():
        remove_posix_calls()
    if in_lane() or os.environ.get(SIM_HELD) or os.environ.get(SIM_STALL):
        install_file_rules()
