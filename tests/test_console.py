"""The run table as a clerk reads it: no "already processed" on a file never processed, and a
warning about the whole file is not shown with an empty place before its colon."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

from xl2report.batch.records import FileStatus
from xl2report.cli.console import _run_blocks, _run_table
from xl2report.form.types import Level


def _file(status: FileStatus, findings: list[dict[str, object]], new: bool = False) -> SimpleNamespace:
    return SimpleNamespace(
        file="甲镇.xlsx", org="甲镇人民政府", in_roster=True, status=status, label=status.label,
        new=new, errors=0, warnings=len(findings), reviewed=0, findings=findings, output="",
        message="文件是空的（0 字节）",
    )  # fmt: skip


def _printed(files: list[SimpleNamespace]) -> str:
    result = SimpleNamespace(outbox=Path("outbox"))
    text = []
    for show in (_run_table, _run_blocks):
        console = Console(record=True, width=240)
        show(console, result, files)
        text.append(console.export_text())
    return "\n".join(text)


def test_a_file_still_being_written_is_not_called_processed() -> None:
    printed = _printed([_file(FileStatus.PENDING, [])])
    assert FileStatus.PENDING.label in printed and "已处理过" not in printed
    assert "已处理过" in _printed([_file(FileStatus.REJECTED, [])])  # an old row still says so


def test_a_warning_about_the_whole_file_has_no_empty_place() -> None:
    whole = {"level": Level.WARNING.value, "message": "这份工作簿没有下发编号"}
    at_cell = {"level": Level.WARNING.value, "message": "数字偏大", "sheet": "二", "cell": "C5"}
    printed = _printed([_file(FileStatus.ACCEPTED, [whole, at_cell], new=True)])
    assert "二 C5：数字偏大" in printed
    assert "这份工作簿没有下发编号" in printed and "：这份工作簿" not in printed
