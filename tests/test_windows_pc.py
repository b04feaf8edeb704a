"""Issue 21's "Done when": the examples run as on a clerk's Windows PC — inbox and outbox on a
real NTFS volume with Windows' name rules (lowntfs-3g), Python without the calls Windows lacks
(tests/windows/sitecustomize.py), every command's output redirected to a file in GBK strict
(``PYTHONIOENCODING=gbk``), and last version's report held open in WPS/Word (the simulated
sharing violation, ``winerror`` 32) while a corrected version and another unit's return arrive.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import make_workbook
from inbox_helpers import ROOT, audit, digest, set_mtime, write_valid
from win_helpers import ntfs_folder, windows_env, winsim
from xl2report.batch.outbox import HISTORY_DIR, report_filename
from xl2report.checks.catalogue import CATALOGUE

KEJING, SHIYAN, OTHER = "克井镇人民政府", "示例乡人民政府", "乙镇人民政府"


@pytest.fixture
def pc(tmp_path: Path) -> Iterator[Path]:
    """A folder on an NTFS volume holding a copy of the example inbox."""
    with ntfs_folder(tmp_path / "pc") as folder:
        shutil.copytree(ROOT / "examples" / "inbox", folder / "inbox")
        for workbook in (folder / "inbox").iterdir():
            set_mtime(workbook, 1_700_000_000)  # last week's returns
        yield folder


def _redirected(folder: Path, *args: str, **env: str) -> tuple[int, str, str]:
    """``xl2report args > out.txt 2> err.txt`` as on the Windows PC; both files read as GBK
    (strictly: a byte GBK does not have fails the test), and no traceback."""
    out, err = folder / "out.txt", folder / "err.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        code = subprocess.run(
            [sys.executable, "-m", "xl2report", *args], cwd=folder, stdout=stdout,
            stderr=stderr, env=windows_env(**env), timeout=300, check=False,
        ).returncode  # fmt: skip
    text, errors = out.read_bytes().decode("gbk"), err.read_bytes().decode("gbk")
    assert "Traceback" not in errors and "Error" not in errors, errors
    return code, text, errors


def test_the_examples_on_a_windows_pc(pc: Path, kejing_values: dict) -> None:
    inbox, outbox = pc / "inbox", pc / "outbox"
    code, out, _ = _redirected(pc, "run", "--inbox", "inbox", "--outbox", "outbox")
    assert code == 1  # the wrong township is sent back
    report = outbox / "2024" / report_filename(KEJING, 2024)
    assert report.is_file() and (outbox / "2024" / "退回" / f"{SHIYAN}_校验反馈.xlsx").is_file()
    assert KEJING in out and SHIYAN in out and "已通过" in out and "已退回" in out

    workbooks = sorted(str(p) for p in inbox.iterdir())
    code, out, _ = _redirected(pc, "check", "--json", *workbooks)
    assert code == 1 and [f["valid"] for f in json.loads(out)["files"]] == [True, False]
    code, out, _ = _redirected(pc, "check", *workbooks)
    assert code == 1 and "× 错误" in out and f"〔{CATALOGUE['balance-mismatch'].name}〕" in out
    code, out, _ = _redirected(pc, "codes")
    assert code == 0 and "yoy-in-force-mismatch" in out

    # Last version's report is open in WPS while the corrected version and another unit's
    # return come in.
    first = digest(report)
    requests = "2024 年，镇进一步规范依申请公开工作，建立健全接收、登记、办理、答复等流程。"
    corrected = {**kejing_values, "s1.requests.text": requests + "本年度未收到政府信息公开申请。"}
    make_workbook(inbox / f"{KEJING}2024年报表（更正）.xlsx", corrected, org=KEJING, year=2024)
    write_valid(inbox / "乙镇.xlsx", OTHER, seed=5)
    held = {winsim.SIM_HELD: str(report)}
    code, out, _ = _redirected(pc, "run", "--inbox", "inbox", "--outbox", "outbox", **held)
    assert code == 1
    assert (outbox / "2024" / report_filename(OTHER, 2024)).is_file()
    assert f"关闭 WPS/Word 中打开的“{report.name}”" in out, out
    assert digest(report) == first  # untouched while open
    code, out, _ = _redirected(pc, "run", "--inbox", "inbox", "--outbox", "outbox", **held)
    assert code == 1 and f"关闭 WPS/Word 中打开的“{report.name}”" in out  # told again

    code, out, _ = _redirected(pc, "run", "--inbox", "inbox", "--outbox", "outbox")  # closed
    assert code == 1 and "关闭 WPS/Word" not in out  # 示例乡 is still sent back
    (old,) = (outbox / "2024" / HISTORY_DIR).iterdir()
    assert digest(old) == first and digest(report) != first
    assert audit(inbox, outbox) == []
    assert os.environ.get(winsim.SIM_HELD) is None  # nothing held in this process
