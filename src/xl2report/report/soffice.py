"""Where LibreOffice is on the clerk's PC, and which version it is.

Looked for in this order (the first that names a file wins):

1. the environment variable ``XL2REPORT_SOFFICE``;
2. ``soffice = "…"`` under ``[office]`` in ``xl2report.toml`` (the current folder's);
3. ``soffice`` / ``libreoffice`` on PATH;
4. Windows: ``%ProgramFiles%``, ``%ProgramW6432%``, ``%ProgramFiles(x86)%`` +
   ``LibreOffice\\program\\soffice.exe``, then the registry keys LibreOffice's installer writes
   (``scp2/source/ooo/registryitem_ooo.scp`` in LibreOffice's sources):
   ``SOFTWARE\\LibreOffice\\UNO\\InstallPath`` (default value: the ``program`` folder) and
   ``SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\App Paths\\soffice.exe`` (default value:
   ``soffice.exe`` itself), under HKLM and HKCU (per-user installs), 64- and 32-bit views;
5. Linux: ``/opt/libreoffice*/program/soffice`` (The Document Foundation's own packages, newest
   first), ``/usr/lib/libreoffice``, ``/usr/lib64/libreoffice``, ``/usr/local/lib/libreoffice``,
   and the 统信 UOS app-store layout ``/opt/apps/*libreoffice*/files/…/program/soffice``.

A setting (1 or 2) that names no LibreOffice is reported as such, never silently replaced by
another copy.  A setting may name ``soffice(.exe)``, its ``program`` folder or the install folder.
"""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from xl2report.compat import SETTINGS_FILE, TOMLDecodeError, load_toml
from xl2report.log import logger

ENV_VAR = "XL2REPORT_SOFFICE"
WINDOWS = sys.platform == "win32"
EXE = "soffice.exe" if WINDOWS else "soffice"
_REGISTRY_KEYS = (
    (r"SOFTWARE\LibreOffice\UNO\InstallPath", "program folder"),
    (r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\soffice.exe", "soffice.exe"),
)
_LINUX_GLOBS = (
    "/opt/libreoffice*/program/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/usr/lib64/libreoffice/program/soffice",
    "/usr/local/lib/libreoffice/program/soffice",
    "/opt/apps/*libreoffice*/files/program/soffice",
    "/opt/apps/*libreoffice*/files/*/program/soffice",
)


@dataclass(frozen=True)
class Located:
    """Where soffice was found (or why not): ``path`` None means not usable."""

    path: str | None
    source: str  # Chinese: 环境变量 XL2REPORT_SOFFICE / 设置文件 … / PATH / 注册表 / 常用位置
    problem: str | None = None  # Chinese, when a setting names no LibreOffice


def locate(settings: Path | None = None) -> Located:
    """Find soffice as the module docstring says; ``settings`` defaults to ./xl2report.toml."""
    for source, value in _settings(settings):
        exe = _executable(Path(value).expanduser())
        if exe is None:
            problem = f"{source} 指定的“{value}”不是 LibreOffice（找不到 {EXE}）。"
            return Located(None, source, problem)
        return Located(str(exe), source)
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return Located(found, "PATH")
    for source, candidate in _usual_places():
        if candidate.is_file():
            return Located(str(candidate), source)
    return Located(None, "未找到")


def _settings(settings: Path | None) -> Iterator[tuple[str, str]]:
    value = os.environ.get(ENV_VAR, "").strip().strip('"')
    if value:
        yield f"环境变量 {ENV_VAR}", value
    path = settings if settings is not None else Path(SETTINGS_FILE)
    if not path.is_file():
        return
    try:
        table, _note = load_toml(path)
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as exc:
        logger.warning("设置文件 {} 无法读取，忽略其中的 [office]：{}", path, exc)
        return
    office = table.get("office")
    value = office.get("soffice") if isinstance(office, dict) else None
    if isinstance(value, str) and value.strip():
        yield f"设置文件 {path} 的 [office] soffice", value.strip().strip('"')


def _executable(given: Path) -> Path | None:
    """``given`` itself, or soffice inside it (a program folder or an install folder)."""
    for candidate in (given, given / EXE, given / "program" / EXE):
        if candidate.is_file():
            return candidate
    return None


def _usual_places() -> Iterator[tuple[str, Path]]:
    if WINDOWS:
        for var in ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)"):
            root = os.environ.get(var)
            if root:
                yield f"%{var}%", Path(root, "LibreOffice", "program", EXE)
        yield from _registry()
        return
    for pattern in _LINUX_GLOBS:
        if "*" not in pattern:
            yield "常用位置", Path(pattern)
            continue
        for match in sorted(Path("/").glob(pattern[1:]), key=_natural, reverse=True):
            yield "常用位置", match


def _natural(path: Path) -> list[object]:
    """libreoffice24.2 after libreoffice7.6: numbers compare as numbers."""
    return [(1, int(t)) if t.isdigit() else (0, t) for t in re.split(r"(\d+)", str(path))]


def _registry() -> Iterator[tuple[str, Path]]:  # pragma: no cover - Windows only
    try:
        import winreg
    except ImportError:
        return
    views = (0, getattr(winreg, "KEY_WOW64_64KEY", 0), getattr(winreg, "KEY_WOW64_32KEY", 0))
    for hive, hive_name in (
        (winreg.HKEY_LOCAL_MACHINE, "HKLM"),
        (winreg.HKEY_CURRENT_USER, "HKCU"),
    ):
        for subkey, kind in _REGISTRY_KEYS:
            for view in dict.fromkeys(views):
                try:
                    with winreg.OpenKey(hive, subkey, 0, winreg.KEY_READ | view) as key:
                        value, _type = winreg.QueryValueEx(key, "")
                except OSError:
                    continue
                if isinstance(value, str) and value.strip():
                    path = Path(os.path.expandvars(value.strip().strip('"')))
                    yield f"注册表 {hive_name}\\{subkey}", path / EXE if kind != EXE else path


_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)*)")


def version(exe: str) -> str | None:
    """LibreOffice's version, e.g. ``7.4.7.2``; None when it cannot be told.

    Windows: ``program\\version.ini`` (``MsiProductVersion``), since soffice.exe prints nothing
    to a pipe.  Elsewhere ``soffice --version``, which answers without starting the office.
    """
    program = Path(os.path.realpath(exe)).parent
    ini = program / "version.ini"
    if ini.is_file():
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            parser.read(ini, encoding="utf-8")
            found = parser.get("Version", "MsiProductVersion", fallback="")
        except (OSError, configparser.Error, UnicodeDecodeError):
            found = ""
        if found:
            return found
    if sys.platform == "win32":
        return None
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(done.stdout.decode("utf-8", "replace"))
    return match.group(1) if match else None
