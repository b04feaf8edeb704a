"""Output redirected to a file on a Chinese Windows PC: GBK in strict mode (simulated exactly by
``PYTHONIOENCODING=gbk``, which is what Python uses for a redirected stdout there).  Every
command writes what GBK can hold and replaces the rest, never a ``UnicodeEncodeError``; JSON
keeps every character (as a ``\\uXXXX`` escape where GBK has none)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import consistent_values, make_workbook
from inbox_helpers import ROOT, write_invalid, write_valid

RARE_ORG = "𠮷溪镇人民政府"  # U+20BB7 is in GB18030 only, not in GBK


def _redirected(tmp: Path, *args: str, **env: str) -> tuple[int, bytes, bytes]:
    """``xl2report args > out 2> err`` with the environment of a redirected Windows console."""
    out, err = tmp / "out.txt", tmp / "err.txt"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        code = subprocess.run(
            [sys.executable, "-m", "xl2report", *args], stdout=stdout, stderr=stderr,
            env={**os.environ, "PYTHONIOENCODING": "gbk", **env}, timeout=300, check=False,
        ).returncode  # fmt: skip
    return code, out.read_bytes(), err.read_bytes()


def _clean(err: bytes, encoding: str = "gbk") -> str:
    text = err.decode(encoding)
    assert "Traceback" not in text and "UnicodeEncodeError" not in text, text
    return text


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A rejected workbook of an org whose name GBK lacks, and a pair of years that disagree
    (the in-force warning's message has U+2212, which GBK lacks too)."""
    import random

    folder = tmp_path_factory.mktemp("gbk")
    bad = write_invalid(folder / "inbox" / "退回.xlsx", RARE_ORG, seed=3)
    last = consistent_values(random.Random(1), year=2023)
    this = consistent_values(random.Random(2), year=2024)
    for values in (last, this):
        values["info.org"] = "甲镇人民政府"
    return {
        "bad": bad,
        "last": make_workbook(folder / "上年.xlsx", last, org="甲镇人民政府", year=2023),
        "this": make_workbook(folder / "本年.xlsx", this, org="甲镇人民政府", year=2024),
        "inbox": bad.parent,
    }


def test_check_of_a_rejected_file_redirected(tmp_path: Path, workbooks: dict[str, Path]) -> None:
    code, out, err = _redirected(tmp_path, "check", str(workbooks["bad"]))
    _clean(err)
    text = out.decode("gbk")  # strict: the file is valid GBK throughout
    assert code == 1
    assert "× 错误" in text  # the error mark GBK has (✗ is not in GBK)
    assert "?溪镇人民政府" in text  # the one character GBK lacks is replaced, the rest kept


def test_check_json_keeps_every_character(tmp_path: Path, workbooks: dict[str, Path]) -> None:
    code, out, err = _redirected(
        tmp_path, "check", "--json", "--previous", str(workbooks["last"]), str(workbooks["this"]),
        str(workbooks["bad"]),
    )  # fmt: skip
    _clean(err)
    assert code == 1
    files = json.loads(out.decode("gbk"))["files"]
    codes = {f["code"] for f in files[0]["findings"]}
    assert "yoy-in-force-mismatch" in codes  # its message has "−": carried as an escape
    message = next(f for f in files[0]["findings"] if f["code"] == "yoy-in-force-mismatch")
    assert "−" in message["message"]
    assert files[1]["org"] == RARE_ORG  # not a "?" in data meant for machines


def test_codes_redirected(tmp_path: Path) -> None:
    code, out, err = _redirected(tmp_path, "codes")
    _clean(err)
    assert code == 0 and "yoy-in-force-mismatch" in out.decode("gbk")


@pytest.mark.parametrize("as_json", [False, True])
def test_run_redirected(tmp_path: Path, workbooks: dict[str, Path], as_json: bool) -> None:
    inbox = tmp_path / "inbox"
    write_valid(inbox / "甲.xlsx", "甲镇人民政府", seed=1)
    (inbox / "退回.xlsx").write_bytes(workbooks["bad"].read_bytes())
    args = ["run", "--inbox", str(inbox), "--outbox", str(tmp_path / "outbox"), "--settle", "0"]
    code, out, err = _redirected(tmp_path, *args, *(["--json"] if as_json else []))
    _clean(err)
    assert code == 1
    if as_json:
        orgs = {f["org"] for f in json.loads(out.decode("gbk"))["files"]}
        assert orgs == {"甲镇人民政府", RARE_ORG}
    else:
        assert "甲镇人民政府" in out.decode("gbk") and "?溪镇人民政府" in out.decode("gbk")


def test_an_ascii_locale_writes_utf8(tmp_path: Path, workbooks: dict[str, Path]) -> None:
    """``LC_ALL=C`` without Python's UTF-8 mode makes stdout ASCII: a misconfigured locale,
    written in UTF-8 (as click does for its own output) rather than as question marks."""
    code, out, err = _redirected(
        tmp_path, "check", str(workbooks["bad"]),
        PYTHONIOENCODING="", LC_ALL="C", LANG="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0",
    )  # fmt: skip
    _clean(err, "utf-8")
    assert code == 1 and RARE_ORG in out.decode("utf-8")


def test_help_and_usage_errors_redirected(tmp_path: Path) -> None:
    code, out, err = _redirected(tmp_path, "--help")
    assert code == 0 and "用法" in out.decode("gbk")
    code, out, err = _redirected(tmp_path, "check", str(ROOT / "没有这个文件.xlsx"))
    assert code == 2 and "Traceback" not in err.decode("gbk")
