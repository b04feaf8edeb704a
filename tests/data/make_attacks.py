"""The attack corpus of issue #15: hostile files that once stopped (or hung) a whole run.

Each attack writes one or more hostile files into an inbox and says what the run must make of
them: the status each gets and a finding code it must carry.  ``tests/test_attacks.py`` runs
every attack beside a good workbook; names, links and timestamps are made at run time (a GBK file
name or a symbolic link cannot be committed portably), so nothing here is checked in.

Run from the repository root to look at the files:  python tests/data/make_attacks.py DIR [NAME …]
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CORPUS = HERE / "corpus"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import openpyxl  # noqa: E402
from make_corpus import edit_cell_xml  # noqa: E402

from inbox_helpers import write_invalid, write_truncated, write_valid  # noqa: E402
from xl2report.checks.check import check_file  # noqa: E402
from xl2report.form.national import FEEDBACK_SHEET, FORM, ORG, OTHER_MATTERS  # noqa: E402
from xl2report.xlsx.feedback import write_feedback  # noqa: E402
from xl2report.xlsx.feedback_list import MARK_FIRST_COL  # noqa: E402
from xl2report.xlsx.parts import NS_MAIN, worksheet_trees  # noqa: E402

LONG_ORG = "某" * 95 + "人民政府"  # 99 characters, 297 bytes: once "File name too long"
OLD = 1_736_000_000  # a received time well before any run


@dataclass(frozen=True)
class Attack:
    """Hostile files and what a run must make of them."""

    make: Callable[[Path, Path], list[str]]  # (inbox, scratch folder) -> files as listed
    status: str  # the status each hostile file gets
    code: str | None  # a finding code each must carry (None: no finding required)
    note: str


ATTACKS: dict[str, Attack] = {}


def attack(name: str, status: str, code: str | None, note: str):  # type: ignore[no-untyped-def]
    def register(make: Callable[[Path, Path], list[str]]) -> Callable[[Path, Path], list[str]]:
        ATTACKS[name] = Attack(make, status, code, note)
        return make

    return register


def _old(path: Path) -> Path:
    os.utime(path, (OLD, OLD))
    return path


def _corpus(inbox: Path, name: str, as_name: str) -> list[str]:
    _old(Path(shutil.copyfile(CORPUS / f"{name}.xlsx", inbox / as_name)))
    return [as_name]


# --- names ---------------------------------------------------------------------------------


@attack("long-org-accepted", "accepted", None, "99-character 机关名称, valid: report name in bytes")
def _(inbox: Path, scratch: Path) -> list[str]:
    _old(write_valid(inbox / "长名称.xlsx", LONG_ORG, seed=31))
    return ["长名称.xlsx"]


@attack("long-org-rejected", "rejected", "balance-mismatch", "99-character 机关名称, invalid")
def _(inbox: Path, scratch: Path) -> list[str]:
    _old(write_invalid(inbox / "长名称错.xlsx", LONG_ORG, seed=32))
    return ["长名称错.xlsx"]


@attack("long-file-name", "rejected", "required-text-missing",
        "a 242-byte file name and a blank 机关名称: the feedback is named after the file")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    name = "长" * 79 + ".xlsx"
    path = write_valid(scratch / "blank.xlsx", "", seed=33)
    _old(Path(shutil.copyfile(path, inbox / name)))
    return [name]


@attack("gbk-file-name", "accepted", None, "a file name in GBK bytes (a Windows zip on Linux)")
def _(inbox: Path, scratch: Path) -> list[str]:
    source = write_valid(scratch / "gbk.xlsx", "国标镇人民政府", seed=34)
    raw = os.fsencode(inbox) + b"/" + "国标镇报表.xlsx".encode("gbk")
    with open(raw, "wb") as fh:
        fh.write(source.read_bytes())
    os.utime(raw, (OLD, OLD))
    return ["国标镇报表.xlsx"]


# --- text that is not valid Unicode ----------------------------------------------------------


@attack("half-emoji-text", "rejected", "text-not-encodable", "_xD83D_ in a narrative cell")
def _(inbox: Path, scratch: Path) -> list[str]:
    return _corpus(inbox, "text-half-emoji", "半个表情.xlsx")


@attack("half-emoji-org", "rejected", "text-not-encodable", "_xD83D_ in 机关名称")
def _(inbox: Path, scratch: Path) -> list[str]:
    source = write_valid(scratch / "org.xlsx", "", seed=35)
    data = edit_cell_xml(source.read_bytes(), ORG.key, inline="表情_xD83D_镇人民政府")
    (inbox / "表情镇.xlsx").write_bytes(data)
    _old(inbox / "表情镇.xlsx")
    return ["表情镇.xlsx"]


@attack("text-200k", "rejected", "text-too-long",
        "200,000 characters in a narrative cell and in 机关名称 (beyond Excel's 32,767)")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    source = write_valid(scratch / "long.xlsx", "长文镇人民政府", seed=41)
    data = edit_cell_xml(source.read_bytes(), OTHER_MATTERS.key, inline="很长" * 100_000)
    data = edit_cell_xml(data, ORG.key, inline="长" * 200_000)
    (inbox / "长文.xlsx").write_bytes(data)
    _old(inbox / "长文.xlsx")
    return ["长文.xlsx"]


@attack("meta-record-hostile", "accepted", None,
        "_meta's last-year record edited: 1e400, a 1e400 year, 100,000 nested brackets")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    records = {
        "元数据一.xlsx": '{"values": {"s3.carried.natural": 1e400}, "year": 2023}',
        "元数据二.xlsx": '{"values": {}, "year": 1e400}',
        "元数据三.xlsx": "[" * 100_000 + "]" * 100_000,
    }
    for i, (name, record) in enumerate(records.items()):
        source = write_valid(scratch / f"meta{i}.xlsx", f"元数据{i}镇人民政府", seed=42 + i)
        wb = openpyxl.load_workbook(source)
        for row in wb[FORM.meta_sheet].iter_rows():
            if row[0].value == FORM.last_year.meta_row:  # type: ignore[union-attr]
                row[1].value = record
        wb.save(inbox / name)
        _old(inbox / name)
    return list(records)


# --- numbers ---------------------------------------------------------------------------------


@attack("nan-inf-exponents", "rejected", "number-out-of-range",
        "NaN, INF, 1e400 and the text 1e999999999 in count cells (once a 30 s+ hang)")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    return _corpus(inbox, "hostile-numbers", "数字.xlsx")


@attack("year-1e20", "rejected", "year-invalid", "年度 stored as 1e20 (once failed every run)")
def _(inbox: Path, scratch: Path) -> list[str]:
    return _corpus(inbox, "year-overflow", "年度.xlsx")


# --- workbook contents ------------------------------------------------------------------------


@attack("formula-sheet-names", "rejected", "sheet-extra",
        "extra sheets named =1+1 and =HYPERLINK(…): text in the feedback copy, never formulas")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    source = write_invalid(scratch / "sheets.xlsx", "公式镇人民政府", seed=36)
    wb = openpyxl.load_workbook(source)
    wb.create_sheet("=1+1")
    wb.create_sheet('=HYPERLINK("evil.cn","点此")')
    wb.save(inbox / "公式表名.xlsx")
    _old(inbox / "公式表名.xlsx")
    return ["公式表名.xlsx"]


@attack("returned-copy-huge-marks", "rejected", "balance-mismatch",
        "a returned feedback copy whose hidden marks list A1:XFD1048576 and A0")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    source = write_invalid(scratch / "marks.xlsx", "标注镇人民政府", seed=37)
    copy = write_feedback(source, check_file(source).report, scratch / "marks_校验反馈.xlsx")
    wb = openpyxl.load_workbook(copy)
    ws = wb[FEEDBACK_SHEET]
    ws.cell(4, MARK_FIRST_COL + 1, "A1:XFD1048576")
    ws.cell(5, MARK_FIRST_COL, ws.cell(4, MARK_FIRST_COL).value)
    ws.cell(5, MARK_FIRST_COL + 1, "A0")
    wb.save(inbox / "退回的副本.xlsx")
    _old(inbox / "退回的副本.xlsx")
    return ["退回的副本.xlsx"]


@attack("oversized-sheet", "unreadable", "content-too-large",
        "30,000 extra cells (1 M took 369 s and 1.3 GB)")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    return _corpus(inbox, "content-too-large", "大表.xlsx")


@attack("zip-bomb", "unreadable", "zip-bomb", "60 MB of zeros inside")
def _(inbox: Path, scratch: Path) -> list[str]:
    return _corpus(inbox, "zip-bomb", "炸弹.xlsx")


@attack("formula-in-input", "rejected", "formula-in-input", "=1+1 typed into a count cell")
def _(inbox: Path, scratch: Path) -> list[str]:
    return _corpus(inbox, "formula-in-input", "输入公式.xlsx")


@attack("hidden-sheet", "rejected", "sheet-hidden", "a form sheet set hidden")
def _(inbox: Path, scratch: Path) -> list[str]:
    return _corpus(inbox, "sheet-hidden", "隐藏表.xlsx")


# --- the file system -------------------------------------------------------------------------


@attack("symlinks-out", "skipped", None,
        "links in the inbox to /etc/passwd and to a workbook outside: never read")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    outside = write_valid(scratch / "外面.xlsx", "外面镇人民政府", seed=38)
    (inbox / "密码.xlsx").symlink_to("/etc/passwd")
    (inbox / "外面.xlsx").symlink_to(outside)
    return ["外面.xlsx", "密码.xlsx"]


@attack("still-copying", "pending", None,
        "half a workbook written just now: not recorded as unreadable for good")  # fmt: skip
def _(inbox: Path, scratch: Path) -> list[str]:
    full = write_valid(scratch / "full.xlsx", "复制镇人民政府", seed=39)
    write_truncated(inbox / "复制中.xlsx", full)
    os.utime(inbox / "复制中.xlsx", (time.time(), time.time()))
    return ["复制中.xlsx"]


def formulas_in_feedback(path: Path) -> list[str]:
    """Every cell of a feedback copy's 校验结果 list that holds a formula (there must be none).

    Read from the XML: the rest of the copy is the township's workbook byte for byte, which may
    hold what openpyxl refuses (a <v>NaN</v>).
    """
    with zipfile.ZipFile(path) as zf:
        _, tree = worksheet_trees(zf)[FEEDBACK_SHEET]
    return [
        c.get("r", "")
        for c in tree.iter(f"{{{NS_MAIN}}}c")
        if c.find(f"{{{NS_MAIN}}}f") is not None
    ]


def main(argv: list[str]) -> None:
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    scratch = out / ".scratch"
    scratch.mkdir(exist_ok=True)
    for name, a in ATTACKS.items():
        if argv[1:] and name not in argv[1:]:
            continue
        folder = out / name
        folder.mkdir(exist_ok=True)
        print(f"{name}: {', '.join(a.make(folder, scratch))} -> {a.status} ({a.note})")


if __name__ == "__main__":
    main(sys.argv[1:])
