"""Headless LibreOffice as a converter: .xls/.et/.ods -> .xlsx, .docx -> .pdf, recalculation.

Every call gets its own throw-away profile (concurrent soffice processes sharing one profile
lose files silently), a timeout, and a check that each expected output exists.  Several inputs
go into one call because start-up dominates the cost.  The profile carries the font replacement
table (:mod:`fonts`), so PDFs use the installed stand-ins of 仿宋_GB2312 & co. on Windows and
Linux alike.  On a timeout (or an interruption) the whole process tree goes: soffice starts
soffice.bin, which would otherwise survive and keep the profile locked.  Where soffice is:
:mod:`soffice`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from xl2report.log import logger
from xl2report.report import fonts
from xl2report.report.soffice import ENV_VAR, locate

DEFAULT_TIMEOUT = 180
_XCU_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
"""
# Recalculate every formula on load (LibreOffice otherwise keeps stale cached values).
_RECALC_ITEMS = """<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
"""


class OfficeError(RuntimeError):
    """LibreOffice is missing, timed out, or produced no output (message in Chinese)."""


def soffice_path() -> str | None:
    """soffice's path, or None when LibreOffice is not found (see :mod:`soffice`)."""
    return locate().path


def available() -> bool:
    """Whether LibreOffice was found."""
    return soffice_path() is not None


def missing_text() -> str:
    """Why LibreOffice cannot be used, in Chinese, with what to do."""
    problem = locate().problem
    if problem:
        return f"{problem}请改正设置，或删去它以自动查找。"
    return (
        "未安装 LibreOffice（soffice），无法转换；请安装后重试。"
        "装在别处时，在 xl2report.toml 中写 [office] 一节和 "
        "soffice = 'D:\\LibreOffice\\program\\soffice.exe'（单引号），"
        f"或设置环境变量 {ENV_VAR}。"
    )


# The Writer component's library in a LibreOffice program folder (Linux, macOS, Windows).
WRITER_FILES = ("libswlo.so", "libswlo.dylib", "swlo.dll")
WRITER_MISSING = (
    "本机的 LibreOffice 没有安装 Writer（文字处理组件），无法把 Word 报告转换为 PDF。"
    "请安装 LibreOffice Writer：统信 UOS、麒麟、Debian/Ubuntu 上运行 "
    "sudo apt install libreoffice-writer；Windows 上重新运行 LibreOffice 安装程序，"
    "选择“修改”并勾选 Writer。Word 报告本身已可使用。"
)


def writer_available() -> bool:
    """Whether the installed LibreOffice has Writer (needed to turn .docx into PDF).

    Some offices install only Calc; LibreOffice then fails with an English "no export filter".
    Unknown layouts count as available (the conversion itself still reports failures).
    """
    exe = soffice_path()
    if exe is None:
        return False
    program = Path(os.path.realpath(exe)).parent
    if not any(program.glob("*lo.*")) and not any(program.glob("*lo")):
        return True  # not a program folder we recognise: let LibreOffice decide
    return any((program / name).exists() for name in WRITER_FILES)


def convert(
    files: Sequence[Path],
    target: str,
    outdir: Path,
    *,
    recalc: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[Path]:
    """Convert ``files`` into ``outdir`` as ``target`` (e.g. 'pdf', 'xlsx'); return the outputs.

    ``target`` may carry a filter, e.g. 'xlsx:Calc MS Excel 2007 XML'.  Raises
    :class:`OfficeError` when LibreOffice is absent, times out, or an output is missing.
    """
    exe = soffice_path()
    if exe is None:
        raise OfficeError(missing_text())
    outdir.mkdir(parents=True, exist_ok=True)
    ext = target.split(":", 1)[0]
    expected = [outdir / (Path(f).stem + "." + ext) for f in files]
    with tempfile.TemporaryDirectory(prefix="xl2report-lo-") as profile:
        user = Path(profile, "user")
        user.mkdir(parents=True)
        (user / "registrymodifications.xcu").write_text(profile_settings(recalc), encoding="utf-8")
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--nofirststartwizard",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *[str(f) for f in files],
        ]
        env = {**os.environ, "HOME": profile}
        logger.debug("soffice {}", " ".join(cmd[1:]))
        code, out, err = _run(cmd, env, timeout)
    missing = [p for p in expected if not p.exists() or p.stat().st_size == 0]
    if missing:
        detail = (err or out or b"").decode("utf-8", "replace").strip()
        names = "、".join(p.name for p in missing)
        raise OfficeError(f"LibreOffice 没有生成 {names}：{_explain(detail, code)}")
    return expected


def profile_settings(recalc: bool = False) -> str:
    """The throw-away profile's ``registrymodifications.xcu``: fonts, and recalculation."""
    installed = fonts.installed_families()
    table = fonts.replacements(set(installed)) if installed is not None else {}
    items = fonts.substitution_items(table)
    body = (_RECALC_ITEMS if recalc else "") + (items + "\n" if items else "")
    return _XCU_HEAD + body + "</oor:items>\n"


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> tuple[int, bytes, bytes]:
    """Run soffice; on a timeout or an interruption end its whole process tree, then raise."""
    if sys.platform == "win32":
        extra = {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    else:
        extra = {"start_new_session": True}  # its own process group, killed as one
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, **extra)  # type: ignore[call-overload]
    try:
        out, err = proc.communicate(timeout=timeout)
    except BaseException as exc:  # timeout, Ctrl-C, a time limit: never leave soffice.bin behind
        kill_tree(proc)
        if isinstance(exc, subprocess.TimeoutExpired):
            raise OfficeError(f"LibreOffice 转换超时（{timeout:.0f} 秒）。") from exc
        raise
    return proc.returncode, out, err


def kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """End ``proc`` and every process it started (soffice → soffice.bin), then reap it.

    POSIX: soffice runs in its own session, so its process group is killed.  Windows: soffice.exe
    waits for soffice.bin, its child, so ``taskkill /T /F`` ends the tree from soffice.exe.
    """
    if sys.platform == "win32":  # pragma: no cover - Windows only
        subprocess.run(
            ["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True, check=False
        )
    else:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # a grandchild that left the group still holds the pipes
        logger.warning("LibreOffice 的子进程没有随之结束（进程 {}）", proc.pid)


def _explain(detail: str, code: int) -> str:
    """LibreOffice's (English) complaint as a Chinese sentence; the original is logged."""
    logger.info("LibreOffice 输出（退出码 {}）：{}", code, detail[-500:])
    lowered = detail.lower()
    if "no export filter" in lowered:
        return "没有可用的导出组件（多半是没有安装相应的 LibreOffice 组件，如 Writer）。"
    if "could not be loaded" in lowered:
        return "无法打开源文件（文件损坏，或没有安装打开它所需的 LibreOffice 组件）。"
    return f"LibreOffice 转换失败（退出码 {code}），详见日志。"
