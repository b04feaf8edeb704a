"""File-name safety and how the inbox is read: classification, scanning, stability, hashing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from xl2report.batch.inbox import PROCESSED_DIR, Kind, classify, scan, settle, sha256_file
from xl2report.batch.outbox import free_path, safe_filename


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("克井镇人民政府", "克井镇人民政府"),
        ('a\\b/c:d*e?f"g<h>i|j', "a_b_c_d_e_f_g_h_i_j"),
        ("名称. ", "名称"),
        ("  前后空格  ", "前后空格"),
        ("CON", "_CON"),
        ("com1.docx", "_com1.docx"),
        ("Lpt9", "_Lpt9"),
        ("CONSOLE", "CONSOLE"),
        ("...", "未命名"),
        ("", "未命名"),
        ("制表\t符\x01", "制表_符_"),
    ],
)
def test_safe_filename(name: str, safe: str) -> None:
    assert safe_filename(name) == safe


def test_safe_filename_caps_length_and_keeps_extension() -> None:
    name = safe_filename("长" * 300 + ".docx")
    assert name.endswith(".docx") and len(name) <= 120


def test_free_path_never_reuses_a_name(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"")
    taken = {str(tmp_path / "a（2）.xlsx")}
    assert free_path(tmp_path, "a.xlsx", taken) == tmp_path / "a（3）.xlsx"
    assert free_path(tmp_path, "b.xlsx") == tmp_path / "b.xlsx"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("报表.xlsx", Kind.WORKBOOK),
        ("报表.XLSX", Kind.WORKBOOK),
        ("报表.xlsm", Kind.WORKBOOK),
        ("报表.xls", Kind.LEGACY),
        ("报表.et", Kind.LEGACY),
        ("~$报表.xlsx", Kind.LOCK),
        (".~lock.报表.xlsx#", Kind.LOCK),
        ("报表.xlsx.crdownload", Kind.TEMP),
        ("~WRL0001.tmp", Kind.TEMP),
        ("Thumbs.db", Kind.TEMP),
        (".DS_Store", Kind.TEMP),
        ("报表.xlsx~", Kind.TEMP),
        ("说明.docx", Kind.OTHER),
        ("报表.csv", Kind.OTHER),
        ("无扩展名", Kind.OTHER),
    ],
)
def test_classify(name: str, kind: Kind) -> None:
    assert classify(name) is kind


def test_scan_walks_subfolders_but_not_excluded_ones(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for rel in ("a.xlsx", "乡镇/b.xlsx", f"{PROCESSED_DIR}/c.xlsx", ".hidden/d.xlsx", "out/e.xlsx"):
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_bytes(b"x")
    entries = scan(inbox, exclude=[inbox / "out"])
    assert [e.rel for e in entries] == ["a.xlsx", "乡镇/b.xlsx"]
    assert all(e.path.is_absolute() and e.size == 1 for e in entries)


def test_settle_separates_empty_and_changing_files(tmp_path: Path) -> None:
    for name, data in (("done.xlsx", b"abc"), ("empty.xlsx", b""), ("growing.xlsx", b"a")):
        (tmp_path / name).write_bytes(data)
    entries = scan(tmp_path)
    with open(tmp_path / "growing.xlsx", "ab") as fh:
        fh.write(b"more")
    stable, changing = settle(entries, time.monotonic(), 0)
    assert [e.rel for e in stable] == ["done.xlsx"]
    assert sorted(e.rel for e in changing) == ["empty.xlsx", "growing.xlsx"]


def test_settle_does_not_wait_for_files_written_before_the_run(tmp_path: Path) -> None:
    """Attachments saved an hour ago are processed at once; a stale look still catches change."""
    hour_ago = time.time() - 3600
    for name in ("old.xlsx", "old-growing.xlsx"):
        (tmp_path / name).write_bytes(b"abc")
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    entries = scan(tmp_path)
    with open(tmp_path / "old-growing.xlsx", "ab") as fh:
        fh.write(b"more")
    start = time.monotonic()
    stable, changing = settle(entries, start, 30)
    assert time.monotonic() - start < 5  # no 30-second wait
    assert [e.rel for e in stable] == ["old.xlsx"]
    assert [e.rel for e in changing] == ["old-growing.xlsx"]


def test_settle_waits_only_when_a_file_was_just_modified(tmp_path: Path) -> None:
    hour_ago = time.time() - 3600
    (tmp_path / "old.xlsx").write_bytes(b"abc")
    os.utime(tmp_path / "old.xlsx", (hour_ago, hour_ago))
    (tmp_path / "new.xlsx").write_bytes(b"abc")  # modified just now
    entries = scan(tmp_path)
    start = time.monotonic()
    stable, changing = settle(entries, start, 0.6)
    assert time.monotonic() - start >= 0.6  # the second look comes after the window
    assert [e.rel for e in stable] == ["new.xlsx", "old.xlsx"] and changing == []


def test_sha256_file(tmp_path: Path) -> None:
    (tmp_path / "x").write_bytes(b"abc")
    assert sha256_file(tmp_path / "x") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
