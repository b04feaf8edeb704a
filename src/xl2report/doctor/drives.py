"""What kind of drive a folder is on, and whether xl2report may read and write there.

As far as each platform tells: Windows from the path (``\\\\server\\share``) and
``GetDriveTypeW``/``GetVolumeInformationW``; Linux from ``/proc/self/mountinfo`` (the file
system type: SMB/NFS/sshfs and the desktop's gvfs shares are network drives; the ``ro`` flag) and
sysfs (a USB or removable disk).  Writability is tried, not guessed: a temporary file is made and
removed (the folder is never changed otherwise).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from xl2report.compat import StrEnum
from xl2report.errors import os_error_text


class DriveKind(StrEnum):
    """Where a folder lives, as a clerk or IT person names it."""

    LOCAL = "local"
    NETWORK = "network"
    REMOVABLE = "removable"
    OPTICAL = "optical"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {
            DriveKind.LOCAL: "本机磁盘",
            DriveKind.NETWORK: "网络驱动器（共享文件夹）",
            DriveKind.REMOVABLE: "可移动磁盘（U 盘、移动硬盘）",
            DriveKind.OPTICAL: "光盘",
            DriveKind.UNKNOWN: "无法判断的磁盘",
        }[self]


@dataclass(frozen=True)
class Drive:
    """The drive under a folder: its kind, file system (may be empty) and read-only flag."""

    kind: DriveKind
    filesystem: str = ""
    read_only: bool = False


@dataclass(frozen=True)
class FolderState:
    """A folder xl2report reads or writes: exists, readable, writable, and its drive."""

    path: str
    exists: bool
    readable: bool
    writable: bool
    drive: Drive
    problem: str = ""  # Chinese, when it is missing or cannot be read or written


NETWORK_FILESYSTEMS = frozenset(
    ("nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "lustre",
     "fuse.sshfs", "fuse.glusterfs", "fuse.davfs2", "davfs", "fuse.rclone", "fuse.gvfsd-fuse",
     "fuse.s3fs", "fuse.cephfs")
)  # fmt: skip
OPTICAL_FILESYSTEMS = frozenset(("iso9660", "udf"))


def folder_state(folder: Path, *, create_ok: bool = False) -> FolderState:
    """Check ``folder``; when it does not exist and ``create_ok``, check the folder it would go in.

    Writing is tried with a temporary file that is removed at once.
    """
    path = Path(os.path.abspath(folder))
    exists = path.is_dir()
    if not exists and path.exists():
        return FolderState(str(path), False, False, False, drive_of(path), "这是文件，不是文件夹")
    probe = path
    while not probe.is_dir() and probe.parent != probe:
        probe = probe.parent  # the nearest existing folder: where it would be created
    drive = drive_of(probe)
    if not exists and not create_ok:
        return FolderState(str(path), False, False, False, drive, "文件夹不存在")
    readable = os.access(probe, os.R_OK | os.X_OK)
    writable, problem = _try_write(probe)
    if not readable:
        problem = problem or "没有读取权限"
    return FolderState(str(path), exists, readable, writable, drive, problem)


def _try_write(folder: Path) -> tuple[bool, str]:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".xl2report-doctor-", delete=True):
            pass
    except OSError as exc:
        return False, os_error_text(exc)
    return True, ""


def drive_of(path: Path) -> Drive:
    """The drive ``path`` is on, as far as this platform tells."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return _windows_drive(str(path))
    try:
        text = Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return Drive(DriveKind.UNKNOWN)
    return drive_from_mountinfo(text, os.path.realpath(path))


def drive_from_mountinfo(text: str, real_path: str, sysfs: Path = Path("/sys")) -> Drive:
    """The drive of ``real_path`` by the mount table ``text`` (``/proc/self/mountinfo``)."""
    best: tuple[str, str, str, str] | None = None  # mount point, options, fs type, source
    for line in text.splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 6 or len(tail) < 2:
            continue
        point = _unescape(fields[4])
        inside = real_path == point or real_path.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            options = fields[5] + "," + (tail[2] if len(tail) > 2 else "")
            best = (point, options, tail[0], _unescape(tail[1]))
    if best is None:
        return Drive(DriveKind.UNKNOWN)
    _point, options, fstype, source = best
    read_only = "ro" in options.split(",")
    if fstype in NETWORK_FILESYSTEMS or source.startswith("//"):
        kind = DriveKind.NETWORK
    elif fstype in OPTICAL_FILESYSTEMS:
        kind = DriveKind.OPTICAL
    elif source.startswith("/dev/") and _removable(source[5:], sysfs):
        kind = DriveKind.REMOVABLE
    else:
        kind = DriveKind.LOCAL
    return Drive(kind, fstype, read_only)


def _unescape(field: str) -> str:
    """mountinfo writes space, tab, newline and backslash as octal escapes (\\040 …)."""
    for code, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(code, char)
    return field


def _removable(device: str, sysfs: Path) -> bool:
    """A disk that says it is removable, or one attached over USB (/sys/class/block/<dev>)."""
    node = sysfs / "class" / "block" / device
    try:
        real = node.resolve()
    except OSError:
        return False
    if not real.exists():
        return False
    disk = real if (real / "removable").exists() else real.parent  # a partition's disk
    try:
        flag = (disk / "removable").read_text(encoding="ascii").strip()
    except OSError:
        flag = "0"
    return flag == "1" or "/usb" in str(real)


def _windows_drive(path: str) -> Drive:  # pragma: no cover - Windows only
    """``\\\\server\\share`` is a network drive; else ask Windows about the drive letter."""
    import ctypes

    unc = path.startswith(("\\\\", "//")) and not path.startswith("\\\\?\\")
    if unc or path.startswith("\\\\?\\UNC\\"):
        return Drive(DriveKind.NETWORK)
    root = os.path.splitdrive(path)[0] + "\\"
    kernel32 = ctypes.WinDLL("kernel32")
    kind = {2: DriveKind.REMOVABLE, 3: DriveKind.LOCAL, 4: DriveKind.NETWORK,
            5: DriveKind.OPTICAL, 6: DriveKind.LOCAL}.get(kernel32.GetDriveTypeW(root),
                                                          DriveKind.UNKNOWN)  # fmt: skip
    name = ctypes.create_unicode_buffer(64)
    flags = ctypes.c_ulong(0)
    ok = kernel32.GetVolumeInformationW(
        root, None, 0, None, None, ctypes.byref(flags), name, len(name)
    )
    read_only = bool(ok) and bool(flags.value & 0x00080000)  # FILE_READ_ONLY_VOLUME
    return Drive(kind, name.value if ok else "", read_only)
