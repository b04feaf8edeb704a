"""`xl2report template` as a clerk calls it: good arguments work, bad ones get one Chinese line."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from inbox_helpers import run_cli
from xl2report.form.national import FORM


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr and stderr.strip(), stderr


def test_personalised_template(tmp_path: Path) -> None:
    out = tmp_path / "甲镇.xlsx"
    done = run_cli("template", "--org", "甲镇人民政府", "--year", "2025", "-o", str(out))
    assert done.returncode == 0, done.stderr
    org = FORM.field("info.org")
    assert openpyxl.load_workbook(out)[org.sheet][org.cell].value == "甲镇人民政府"


def test_default_name_in_current_folder(tmp_path: Path) -> None:
    done = run_cli("template", "--org", "乙镇人民政府", "--year", "2025", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "乙镇人民政府2025年政府信息公开工作年度报告填报表.xlsx").exists()


@pytest.mark.parametrize("year", ["1999", "2101", "24", "abc"])
def test_bad_year(tmp_path: Path, year: str) -> None:
    done = run_cli("template", "--year", year, "-o", str(tmp_path / "x.xlsx"))
    assert done.returncode == 2
    _no_traceback(done.stderr)
    assert not (tmp_path / "x.xlsx").exists()


def test_existing_output_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"keep me")
    done = run_cli("template", "-o", str(out))
    assert done.returncode == 2 and "--force" in done.stderr
    assert out.read_bytes() == b"keep me"
    assert run_cli("template", "-o", str(out), "--force").returncode == 0
    assert out.read_bytes().startswith(b"PK")


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0,
    reason="root 可以写入只读目录（Windows 的文件夹也没有这种只读权限），无法模拟",
)
def test_unwritable_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        done = run_cli("template", "-o", str(folder / "x.xlsx"))
    finally:
        folder.chmod(0o700)
    assert done.returncode == 2
    _no_traceback(done.stderr)


def test_output_in_missing_folder_is_created(tmp_path: Path) -> None:
    out = tmp_path / "新建" / "x.xlsx"
    assert run_cli("template", "-o", str(out)).returncode == 0
    assert out.exists()


def test_wrong_suffix_and_unknown_values_key(tmp_path: Path) -> None:
    done = run_cli("template", "-o", str(tmp_path / "x.docx"))
    assert done.returncode == 2
    _no_traceback(done.stderr)
    values = tmp_path / "v.json"
    values.write_text('{"values": {"s9.nothing": 1}}', encoding="utf-8")
    done = run_cli("template", "--values", str(values), "-o", str(tmp_path / "y.xlsx"))
    assert done.returncode == 2 and "s9.nothing" in done.stderr


def test_folder_that_is_a_file(tmp_path: Path) -> None:
    """A folder that cannot be written to (here: a file in its place; root ignores chmod)."""
    blocker = tmp_path / "不是目录"
    blocker.write_text("x", encoding="utf-8")
    done = run_cli("template", "-o", str(blocker / "x.xlsx"))
    assert done.returncode == 2
    _no_traceback(done.stderr)
    assert "错误" in done.stderr


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("[1, 2]", "JSON 对象"),
        ('"文字"', "JSON 对象"),
        ("{not json", "不是有效的 JSON"),
        ('{"s3.new.natural": [1]}', "应为数字"),
        ('{"s3.new.natural": "abc"}', "应为数字"),
        ('{"s3.new.natural": "1e999999999"}', "超出合理范围"),
        ('{"s3.new.natural": "NaN"}', "超出合理范围"),
        ('{"s3.new.natural": 2.5}', "应为整数"),
        ('{"s6.text": "' + "长" * 200_000 + '"}', "32767"),
        ('{"info.org": "' + "某" * 500 + '"}', "超过上限 100"),
    ],
    ids=["list", "text", "broken", "number-list", "number-text", "exponent", "nan", "fraction",
         "text-200k", "org-500"],
)
def test_values_files_of_every_shape_get_a_chinese_message(
    tmp_path: Path, content: str, said: str
) -> None:
    values = tmp_path / "values.json"
    values.write_text(content, encoding="utf-8")
    done = run_cli("template", "--values", str(values), "-o", str(tmp_path / "y.xlsx"), timeout=60)
    assert done.returncode == 2, done.stderr
    _no_traceback(done.stderr)
    assert "内部错误" not in done.stderr and said in done.stderr, done.stderr
    assert len(done.stderr) < 1000 and not (tmp_path / "y.xlsx").exists()
