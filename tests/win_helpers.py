"""The Windows simulations (tests/windows/winsim.py) for tests, and how to start a process
that runs as on Windows."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

WINDOWS_DIR = Path(__file__).resolve().parent / "windows"
if str(WINDOWS_DIR) not in sys.path:  # the lane has it on PYTHONPATH already
    sys.path.insert(0, str(WINDOWS_DIR))

import winsim  # noqa: E402


def simulating(**extra: str) -> dict[str, str]:
    """The environment of a child process with the simulations ``extra`` asks for."""
    path = os.pathsep.join(p for p in (str(WINDOWS_DIR), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def windows_env(**extra: str) -> dict[str, str]:
    """The environment of a child process that runs as on Windows: no POSIX calls, output
    redirected in GBK, files held or stalled as ``extra`` says."""
    return simulating(**{winsim.SIM_WINDOWS: "1", "PYTHONIOENCODING": "gbk", **extra})


def run_cli_as(
    env: dict[str, str], *args: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``python -m xl2report args`` in ``env``, its output read in the encoding it writes."""
    encoding = (env.get("PYTHONIOENCODING") or "utf-8").split(":")[0] or "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "xl2report", *args], env=env, capture_output=True,
        encoding=encoding, timeout=timeout, check=False,
    )  # fmt: skip


def windows_names(folder: Path) -> bool:
    """Whether ``folder`` is on a volume with Windows' name rules: case-insensitive, and
    refusing names Windows refuses (NTFS under ``lowntfs-3g -o windows_names,ignore_case``)."""
    probe = folder / "Xl2report-Probe.tmp"
    try:
        probe.write_bytes(b"")
        same = (folder / "XL2REPORT-PROBE.TMP").exists()
        try:
            (folder / "a:b.tmp").write_bytes(b"")
        except OSError:
            return same
        (folder / "a:b.tmp").unlink()
        return False
    finally:
        probe.unlink(missing_ok=True)


@contextlib.contextmanager
def ntfs_folder(where: Path, size: str = "96M") -> Iterator[Path]:
    """A folder on a real NTFS volume with Windows' name rules: ``where`` itself in the
    Windows lane (its temporary folders are on one), else a volume made and mounted under
    ``where`` for the block (as root, with FUSE and ntfs-3g; skipped otherwise)."""
    where.mkdir(parents=True, exist_ok=True)
    if windows_names(where):
        yield where
        return
    tools = [shutil.which(t) for t in ("mkfs.ntfs", "lowntfs-3g")]
    if (
        getattr(os, "geteuid", lambda: -1)() != 0
        or not all(tools)
        or not Path("/dev/fuse").exists()
    ):
        pytest.skip("需要 root、FUSE 和 ntfs-3g（mkfs.ntfs、lowntfs-3g）才能挂载 NTFS 卷")
    image, mount = where / "ntfs.img", where / "ntfs"
    mount.mkdir()
    subprocess.run(["truncate", "-s", size, str(image)], check=True)
    subprocess.run([tools[0], "-F", "-Q", "-q", str(image)], check=True, capture_output=True)
    subprocess.run(
        [tools[1], "-o", "windows_names,ignore_case", str(image), str(mount)], check=True
    )
    try:
        yield mount
    finally:  # lazily if a process of the test still has a file open there
        if subprocess.run(["umount", str(mount)], check=False).returncode:
            subprocess.run(["umount", "-l", str(mount)], check=False)


__all__ = [
    "WINDOWS_DIR", "ntfs_folder", "run_cli_as", "simulating", "windows_env", "windows_names",
    "winsim",
]  # fmt: skip
