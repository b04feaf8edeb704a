"""Headless LibreOffice as a converter: .xls/.et/.ods -> .xlsx, .docx -> .pdf, recalculation.

Every call gets its own throw-away profile (concurrent soffice processes sharing one profile
lose files silently), a timeout, and a check that each expected output exists.  Several inputs
go into one call because start-up dominates the cost.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from xl2report.log import logger

DEFAULT_TIMEOUT = 180
# Recalculate every formula on load (LibreOffice otherwise keeps stale cached values).
_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


class OfficeError(RuntimeError):
    """LibreOffice is missing, timed out, or produced no output (message in Chinese)."""


def soffice_path() -> str | None:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


def available() -> bool:
    return soffice_path() is not None


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
        raise OfficeError("未安装 LibreOffice（soffice），无法转换；请安装后重试。")
    outdir.mkdir(parents=True, exist_ok=True)
    ext = target.split(":", 1)[0]
    expected = [outdir / (Path(f).stem + "." + ext) for f in files]
    with tempfile.TemporaryDirectory(prefix="xl2report-lo-") as profile:
        if recalc:
            user = Path(profile, "user")
            user.mkdir(parents=True)
            (user / "registrymodifications.xcu").write_text(_RECALC_XCU, encoding="utf-8")
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
        fontconf = _fontconfig_file()
        if fontconf:
            env["FONTCONFIG_FILE"] = str(fontconf)
        logger.debug("soffice {}", " ".join(cmd[1:]))
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired as exc:
            raise OfficeError(f"LibreOffice 转换超时（{timeout:.0f} 秒）。") from exc
    missing = [p for p in expected if not p.exists() or p.stat().st_size == 0]
    if missing:
        detail = (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()
        names = "、".join(p.name for p in missing)
        raise OfficeError(f"LibreOffice 没有生成 {names}：{_explain(detail, done.returncode)}")
    return expected


def _fontconfig_file() -> Path | None:
    """Our fontconfig file maps 仿宋_GB2312 & co. to installed Simplified Chinese faces."""
    conf = Path(__file__).parents[1] / "data" / "fonts.conf"
    return conf if conf.exists() else None


def _explain(detail: str, code: int) -> str:
    """LibreOffice's (English) complaint as a Chinese sentence; the original is logged."""
    logger.info("LibreOffice 输出（退出码 {}）：{}", code, detail[-500:])
    lowered = detail.lower()
    if "no export filter" in lowered:
        return "没有可用的导出组件（多半是没有安装相应的 LibreOffice 组件，如 Writer）。"
    if "could not be loaded" in lowered:
        return "无法打开源文件（文件损坏，或没有安装打开它所需的 LibreOffice 组件）。"
    return f"LibreOffice 转换失败（退出码 {code}），详见日志。"
