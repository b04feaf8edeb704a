"""What differs on a Windows PC's file system, simulated here where Windows itself cannot be had:
calls its Python lacks, names NTFS treats as equal or refuses, the run lock's byte, SQLite URIs
of network paths, a frozen executable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inbox_helpers import ROOT, snapshot
from xl2report.atomic import atomic_path, write_bytes_atomic
from xl2report.batch.outbox import report_filename
from xl2report.batch.records import RunOptions
from xl2report.batch.session import run_batch


def test_outputs_are_written_without_fchmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' Python has no ``os.fchmod`` before 3.13 (it needs none: no modes to widen)."""
    monkeypatch.delattr(os, "fchmod")
    write_bytes_atomic(tmp_path / "报告.docx", b"docx")
    with atomic_path(tmp_path / "反馈.xlsx") as tmp:
        tmp.write_bytes(b"xlsx")
    assert (tmp_path / "报告.docx").read_bytes() == b"docx"
    assert (tmp_path / "反馈.xlsx").read_bytes() == b"xlsx"


def test_examples_run_without_fchmod(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every accepted file used to become 无法读取 (the report could not be written)."""
    monkeypatch.delattr(os, "fchmod")
    outbox = tmp_path / "outbox"
    options = RunOptions(inbox=ROOT / "examples" / "inbox", outbox=outbox, jobs=1, settle=0)
    result = run_batch(options)
    assert sorted(f.status.value for f in result.files) == ["accepted", "rejected"]
    assert set(snapshot(outbox)) == {
        f"2024/{report_filename('克井镇人民政府', 2024)}",
        "2024/退回/示例乡人民政府_校验反馈.xlsx",
    }
