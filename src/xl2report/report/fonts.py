"""The 公文 fonts the report names, what stands in for each where it is missing, and the
replacement table that makes LibreOffice's PDFs use those stand-ins on every platform.

The report names 仿宋_GB2312, 楷体_GB2312, 黑体, 方正小标宋简体 and 宋体 (:mod:`typography`).
Chinese Windows ships 仿宋/楷体/黑体/宋体 but not the GB2312-era names or 方正小标宋, which
offices install from font packs; Linux machines usually have only free faces (Noto CJK, AR PL
UKai).  Each :data:`CHAINS` entry lists faces of one style, best first: a face that is not
installed is replaced by the first installed face after it in its chain.

LibreOffice honours the table only in the profile's ``registrymodifications.xcu``
(``/org.openoffice.Office.Common/Font/Substitution``); Windows' LibreOffice ignores
``FONTCONFIG_FILE``.  Only entries with ``Always`` set are applied (vcl's
``ImplDirectFontSubstitution::FindFontSubstitute`` looks at no others), so entries are written
only for faces this machine lacks: an installed 仿宋_GB2312 is never replaced.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from xml.sax.saxutils import escape

from xl2report.log import logger
from xl2report.report.typography import (
    FONT_BODY,
    FONT_H1,
    FONT_H2,
    FONT_PAGE_NUMBER,
    FONT_TITLE,
)

# Free faces: Debian/Ubuntu/UOS/麒麟 fonts-noto-cjk, fonts-arphic-ukai; Adobe's names for the same.
_SERIF = ("Noto Serif CJK SC", "Source Han Serif SC", "思源宋体")
_SANS = ("Noto Sans CJK SC", "Source Han Sans SC", "思源黑体")
CHAINS: tuple[tuple[str, ...], ...] = (
    (FONT_BODY, "仿宋", "FangSong", "STFangsong", "华文仿宋", *_SERIF),
    (FONT_H2, "楷体", "KaiTi", "STKaiti", "华文楷体", "AR PL UKai CN", *_SERIF),
    (FONT_H1, "SimHei", *_SANS),
    (FONT_TITLE, "方正小标宋_GBK", "华文中宋", "STZhongsong", *_SERIF, "宋体", "SimSun"),
    (FONT_PAGE_NUMBER, "SimSun", *_SERIF),
)
# What each face the report names is for, as the doctor and the docs say it.
ROLES = {
    FONT_BODY: "正文、表格",
    FONT_H2: "二级标题",
    FONT_H1: "一级标题",
    FONT_TITLE: "标题",
    FONT_PAGE_NUMBER: "页码",
}


@dataclass(frozen=True)
class FontChoice:
    """One face the report names: whether it is installed, and what stands in when it is not."""

    name: str
    role: str
    installed: bool
    stand_in: str | None  # None: installed, or nothing of its style is installed either


def _key(name: str) -> str:
    """Font names compare as LibreOffice compares them: case and spaces do not count."""
    return "".join(name.split()).casefold()


def replacements(installed: set[str]) -> dict[str, str]:
    """``{missing face: installed stand-in}`` for every chain, given the installed families."""
    have = {_key(n) for n in installed}
    table: dict[str, str] = {}
    for chain in CHAINS:
        for i, name in enumerate(chain):
            if _key(name) in have:
                continue
            stand_in = next((n for n in chain[i + 1 :] if _key(n) in have), None)
            if stand_in is not None:
                table.setdefault(name, stand_in)
    return table


def choices(installed: set[str]) -> list[FontChoice]:
    """The faces the report names, in :data:`ROLES` order, with what this machine uses."""
    have = {_key(n) for n in installed}
    table = replacements(installed)
    return [
        FontChoice(name, role, _key(name) in have, table.get(name)) for name, role in ROLES.items()
    ]


def substitution_items(table: dict[str, str]) -> str:
    """``registrymodifications.xcu`` items that switch the replacement table on and fill it."""
    if not table:
        return ""
    path = "/org.openoffice.Office.Common/Font/Substitution"
    items = [
        f'<item oor:path="{path}"><prop oor:name="Replacement" oor:op="fuse">'
        "<value>true</value></prop></item>"
    ]
    for i, (face, stand_in) in enumerate(sorted(table.items())):
        props = (
            ("ReplaceFont", escape(face)),
            ("SubstituteFont", escape(stand_in)),
            ("Always", "true"),  # the only kind LibreOffice applies (see the module docstring)
            ("OnScreenOnly", "false"),  # for PDF export too
        )
        body = "".join(
            f'<prop oor:name="{n}" oor:op="fuse"><value>{v}</value></prop>' for n, v in props
        )
        items.append(
            f'<item oor:path="{path}/FontPairs"><node oor:name="_{i}" oor:op="replace">'
            f"{body}</node></item>"
        )
    return "\n".join(items)


@functools.lru_cache(maxsize=1)
def installed_families() -> frozenset[str] | None:
    """Font family names as LibreOffice will see them; None when they cannot be listed.

    Windows: GDI's face names (what LibreOffice's vcl registers: localised, e.g. 仿宋 on Chinese
    Windows, FangSong on English Windows).  Elsewhere: fontconfig's family names (all of them,
    English and localised), which LibreOffice uses there.
    """
    try:
        if sys.platform == "win32":
            return frozenset(_gdi_families())
        return _fontconfig_families()
    except (OSError, subprocess.SubprocessError, AttributeError, ValueError) as exc:
        logger.info("无法列出已安装的字体：{}", exc)
        return None


def _fontconfig_families() -> frozenset[str] | None:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    done = subprocess.run(
        [fc_list, "--format", "%{family}\n"],
        capture_output=True,
        timeout=60,
        check=True,
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    names = done.stdout.decode("utf-8", "replace").replace("\\-", "-")
    return frozenset(n.strip() for line in names.splitlines() for n in line.split(",") if n.strip())


def _gdi_families() -> set[str]:  # pragma: no cover - Windows only
    """Every font family GDI enumerates (``EnumFontFamiliesExW``, all character sets)."""
    import ctypes
    from ctypes import wintypes

    class LOGFONTW(ctypes.Structure):
        _fields_ = [
            *((n, wintypes.LONG) for n in ("lfHeight", "lfWidth", "lfEscapement", "lfOrientation")),
            ("lfWeight", wintypes.LONG),
            *((n, wintypes.BYTE) for n in ("lfItalic", "lfUnderline", "lfStrikeOut", "lfCharSet")),
            *((n, wintypes.BYTE) for n in ("lfOutPrecision", "lfClipPrecision", "lfQuality")),
            ("lfPitchAndFamily", wintypes.BYTE),
            ("lfFaceName", wintypes.WCHAR * 32),
        ]

    callback_type = ctypes.WINFUNCTYPE(
        ctypes.c_int, ctypes.POINTER(LOGFONTW), ctypes.c_void_p, wintypes.DWORD, wintypes.LPARAM
    )
    user32, gdi32 = ctypes.WinDLL("user32"), ctypes.WinDLL("gdi32")
    user32.GetDC.restype = wintypes.HDC
    user32.GetDC.argtypes = [wintypes.HWND]
    user32.ReleaseDC.argtypes = [wintypes.HWND, wintypes.HDC]
    gdi32.EnumFontFamiliesExW.argtypes = [
        wintypes.HDC, ctypes.POINTER(LOGFONTW), callback_type, wintypes.LPARAM, wintypes.DWORD
    ]  # fmt: skip
    names: set[str] = set()

    def found(font: ctypes._Pointer, _metric: int, _kind: int, _param: int) -> int:
        name = font.contents.lfFaceName
        if name and not name.startswith("@"):  # "@name" is the same face set vertically
            names.add(name)
        return 1

    wanted = LOGFONTW()
    wanted.lfCharSet = 1  # DEFAULT_CHARSET: every character set
    hdc = user32.GetDC(None)
    if not hdc:
        raise OSError("GetDC failed")
    try:
        gdi32.EnumFontFamiliesExW(hdc, ctypes.byref(wanted), callback_type(found), 0, 0)
    finally:
        user32.ReleaseDC(None, hdc)
    return names
