"""LibreOffice on the clerk's PC: where soffice is, the font table in the profile, the tree kill.

Windows itself is not available here.  What can be reproduced is: a LibreOffice that ignores
``FONTCONFIG_FILE`` (Windows' does; here a wrapper drops the variable before starting the real
soffice), soffice starting a child that outlives it (soffice.exe → soffice.bin), and the Program
Files layout (``sys.platform`` set to win32 and ``%ProgramFiles%`` pointed at a folder).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from xl2report.report import fonts, office, soffice
from xl2report.report.typography import FONT_BODY, FONT_H1, FONT_H2, FONT_TITLE

MAIN_XCD = Path("/usr/lib/libreoffice/share/registry/main.xcd")
OOR = "{http://openoffice.org/2001/registry}"


def _script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# --- where soffice is ---------------------------------------------------------------------------


def test_the_environment_variable_wins_over_the_settings_file_and_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = _script(tmp_path / "bin" / "soffice", "exit 0\n")
    configured = _script(tmp_path / "办公软件" / "LibreOffice" / "program" / "soffice", "exit 0\n")
    from_env = _script(tmp_path / "env" / "soffice", "exit 0\n")
    settings = tmp_path / "xl2report.toml"
    install = str(configured.parent.parent)  # the install folder is enough
    settings.write_bytes(f"[office]\r\nsoffice = '{install}'\r\n".encode("gbk"))  # Notepad, ANSI
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv(soffice.ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)
    assert soffice.locate() == soffice.Located(
        str(configured), f"设置文件 {settings.name} 的 [office] soffice"
    )
    assert office.soffice_path() == str(configured)
    monkeypatch.setenv(soffice.ENV_VAR, str(from_env))
    assert office.soffice_path() == str(from_env)
    settings.unlink()
    monkeypatch.delenv(soffice.ENV_VAR)
    assert office.soffice_path() == str(on_path)


def test_a_setting_that_names_no_libreoffice_is_said_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _script(tmp_path / "bin" / "soffice", "exit 0\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setenv(soffice.ENV_VAR, str(tmp_path / "没有这个文件夹"))
    found = soffice.locate()
    assert found.path is None and found.problem and soffice.ENV_VAR in found.problem
    with pytest.raises(office.OfficeError, match=soffice.ENV_VAR):
        office.convert([tmp_path / "a.docx"], "pdf", tmp_path / "out")


def test_windows_program_files_is_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulated: LibreOffice's installer puts soffice.exe in %ProgramFiles%, not on PATH."""
    exe = tmp_path / "Program Files" / "LibreOffice" / "program" / "soffice.exe"
    exe.parent.mkdir(parents=True)
    exe.write_bytes(b"MZ")
    monkeypatch.setattr(soffice, "WINDOWS", True)
    monkeypatch.setattr(soffice, "EXE", "soffice.exe")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(soffice.ENV_VAR, raising=False)
    monkeypatch.setenv("ProgramFiles", str(tmp_path / "Program Files"))
    monkeypatch.chdir(tmp_path)
    assert soffice.locate() == soffice.Located(str(exe), "%ProgramFiles%")


def test_newer_libreoffice_under_opt_comes_first() -> None:
    names = [
        "/opt/libreoffice7.6",
        "/opt/libreoffice24.2",
        "/opt/libreoffice24.8",
        "/opt/libreoffice6.4",
    ]
    ordered = sorted((Path(n) for n in names), key=soffice._natural, reverse=True)
    assert [p.name for p in ordered] == [
        "libreoffice24.8",
        "libreoffice24.2",
        "libreoffice7.6",
        "libreoffice6.4",
    ]


@pytest.mark.libreoffice
def test_version_is_read() -> None:
    found = soffice.locate()
    assert found.path is not None
    version = soffice.version(found.path)
    assert version is not None and version.split(".")[0].isdigit()


# --- the font table -----------------------------------------------------------------------------


def test_only_missing_faces_are_replaced_by_the_first_installed_one() -> None:
    windows = {"仿宋", "楷体", "黑体", "宋体", "华文中宋", "Microsoft YaHei"}
    table = fonts.replacements(windows)
    assert table[FONT_BODY] == "仿宋" and table[FONT_H2] == "楷体"
    assert table[FONT_TITLE] == "华文中宋"
    assert FONT_H1 not in table and "宋体" not in table  # installed: never replaced
    english_windows = {"FangSong", "KaiTi", "SimHei", "SimSun"}
    table = fonts.replacements(english_windows)
    assert (table[FONT_BODY], table[FONT_H2], table[FONT_H1], table[FONT_TITLE]) == (
        "FangSong", "KaiTi", "SimHei", "SimSun"
    )  # fmt: skip
    with_pack = english_windows | {"仿宋_GB2312", "方正小标宋简体"}
    assert FONT_BODY not in fonts.replacements(with_pack)
    debian = {"Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL UKai CN", "DejaVu Sans"}
    table = fonts.replacements(debian)
    assert (table[FONT_BODY], table[FONT_H2], table[FONT_H1], table[FONT_TITLE]) == (
        "Noto Serif CJK SC", "AR PL UKai CN", "Noto Sans CJK SC", "Noto Serif CJK SC"
    )  # fmt: skip
    assert fonts.replacements({"DejaVu Sans"}) == {}


def test_the_profile_carries_the_table_as_libreoffice_s_schema_names_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        fonts, "installed_families", lambda: frozenset({"楷体", "Noto Serif CJK SC"})
    )
    root = etree.fromstring(office.profile_settings(recalc=True).encode("utf-8"))
    paths = [item.get(f"{OOR}path") for item in root]
    assert "/org.openoffice.Office.Calc/Formula/Load" in paths
    switch = root.find(f"item[@{OOR}path='/org.openoffice.Office.Common/Font/Substitution']/prop")
    assert switch.get(f"{OOR}name") == "Replacement" and switch.findtext("value") == "true"
    pairs = {}
    for node in root.iterfind(
        f"item[@{OOR}path='/org.openoffice.Office.Common/Font/Substitution/FontPairs']/node"
    ):
        props = {p.get(f"{OOR}name"): p.findtext("value") for p in node}
        assert props["Always"] == "true" and props["OnScreenOnly"] == "false"
        pairs[props["ReplaceFont"]] = props["SubstituteFont"]
        names = set(props)
    assert pairs[FONT_H2] == "楷体" and pairs[FONT_BODY] == "Noto Serif CJK SC"
    assert "楷体" not in pairs
    if MAIN_XCD.exists():  # the schema of the LibreOffice on this machine
        schema = etree.parse(str(MAIN_XCD))
        group = schema.find(f".//group[@{OOR}name='FontReplacement']")
        assert names == {p.get(f"{OOR}name") for p in group.iterfind("prop")}
        substitution = schema.find(f".//group[@{OOR}name='Substitution']")
        assert (
            substitution.find(f"set[@{OOR}name='FontPairs']").get(f"{OOR}node-type")
            == "FontReplacement"
        )
        assert substitution.find(f"prop[@{OOR}name='Replacement']") is not None


PDF_NAMES = {
    "Noto Serif CJK SC": "NotoSerifCJK",
    "Noto Sans CJK SC": "NotoSansCJK",
    "AR PL UKai CN": "UKai",
}


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_pdf_fonts_land_on_the_stand_ins_without_fontconfig_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A LibreOffice that ignores FONTCONFIG_FILE, as Windows' does: the profile's table works."""
    real = shutil.which("soffice") or shutil.which("libreoffice")
    assert real and shutil.which("pdffonts")
    fonts.installed_families.cache_clear()
    installed = fonts.installed_families()
    assert installed is not None
    table = fonts.replacements(set(installed))
    faces = (FONT_BODY, FONT_H2, FONT_TITLE, FONT_H1)
    if not all(table.get(face) in PDF_NAMES for face in faces):
        pytest.skip("本机没有 Noto CJK 和 AR PL UKai 字体（fonts-noto-cjk、fonts-arphic-ukai）")
    wrapper = _script(tmp_path / "bin" / "soffice", f'unset FONTCONFIG_FILE\nexec "{real}" "$@"\n')
    monkeypatch.setenv("PATH", f"{wrapper.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    monkeypatch.delenv(soffice.ENV_VAR, raising=False)
    docs = []
    for i, face in enumerate(faces):
        doc = Document()
        run = doc.add_paragraph().add_run("政府信息公开工作年度报告 2024")
        run.font.name = face
        run._element.get_or_add_rPr().find(qn("w:rFonts")).set(qn("w:eastAsia"), face)
        docs.append(tmp_path / f"face{i}.docx")
        doc.save(str(docs[-1]))
    pdfs = office.convert(docs, "pdf", tmp_path / "pdf")
    for face, pdf in zip(faces, pdfs, strict=True):
        listed = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
        used = [row.split()[0] for row in listed.stdout.splitlines()[2:]]
        assert any(PDF_NAMES[table[face]] in name for name in used), (face, table[face], used)
        others = {m for f, m in PDF_NAMES.items() if f != table[face]}
        assert not any(m in name for m in others for name in used), (face, used)


# --- the process tree on a timeout --------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a killed orphan may wait as a zombie for a PID 1 that does not reap


@pytest.mark.skipif(sys.platform == "win32" or not Path("/proc").exists(), reason="Linux /proc")
def test_a_timeout_kills_soffice_and_the_office_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "child.pid"
    # soffice starts soffice.bin and waits for it, as LibreOffice's launcher does.
    _script(tmp_path / "bin" / "soffice", f"sleep 300 &\necho $! > '{pid_file}'\nwait\n")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv(soffice.ENV_VAR, raising=False)
    started = time.monotonic()
    with pytest.raises(office.OfficeError, match="超时"):
        office.convert([tmp_path / "a.docx"], "pdf", tmp_path / "out", timeout=1)
    assert time.monotonic() - started < 30
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "soffice.bin outlived the timeout"


def test_the_install_guide_lists_the_font_table() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "安装.md").read_text(
        encoding="utf-8"
    )
    for chain in fonts.CHAINS:
        assert f"| {chain[0]} | {' → '.join(chain[1:])} |" in guide, chain[0]
