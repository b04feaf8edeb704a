"""LibreOffice with Calc only: render --pdf says in Chinese that Writer is missing."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from inbox_helpers import write_valid


def _fake_office(folder: Path, libraries: list[str], says: str = "") -> Path:
    """A LibreOffice program folder with the given component libraries and a soffice that
    fails the way LibreOffice does ("Error: no export filter")."""
    program = folder / "program"
    program.mkdir(parents=True)
    for name in libraries:
        (program / name).write_bytes(b"")
    exe = program / "soffice"
    exe.write_text(f"#!/bin/sh\necho '{says}' >&2\nexit 1\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    return program


def _render_pdf(tmp_path: Path, program: Path) -> subprocess.CompletedProcess:
    book = write_valid(tmp_path / "甲.xlsx", "甲镇人民政府", seed=1)
    env = {**os.environ, "PATH": f"{program}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        [sys.executable, "-m", "xl2report", "render", str(book), "-o", str(tmp_path / "out"),
         "--pdf"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip


def test_calc_without_writer_is_named_in_chinese(tmp_path: Path) -> None:
    program = _fake_office(tmp_path / "lo", ["libsclo.so", "libmergedlo.so"])
    done = _render_pdf(tmp_path, program)
    assert done.returncode == 2
    assert "没有安装 Writer" in done.stderr and "libreoffice-writer" in done.stderr
    assert "export filter" not in done.stderr


def test_an_english_failure_of_libreoffice_is_explained_in_chinese(tmp_path: Path) -> None:
    program = _fake_office(
        tmp_path / "lo", ["libsclo.so", "libswlo.so"], says="Error: no export filter"
    )
    done = _render_pdf(tmp_path, program)
    assert done.returncode == 2
    assert "没有可用的导出组件" in done.stderr and "no export filter" not in done.stderr


@pytest.mark.libreoffice
def test_check_converts_an_old_xls_as_run_does(tmp_path: Path) -> None:
    from xl2report.report import office

    book = write_valid(tmp_path / "甲.xlsx", "甲镇人民政府", seed=1)
    (xls,) = office.convert([book], "xls:MS Excel 97", tmp_path / "old")
    before = xls.read_bytes()
    done = subprocess.run(
        [sys.executable, "-m", "xl2report", "check", str(xls), "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    (report,) = json.loads(done.stdout)["files"]
    assert report["file"] == str(xls) and report["valid"] and report["org"] == "甲镇人民政府"
    assert xls.read_bytes() == before  # the original is never touched
