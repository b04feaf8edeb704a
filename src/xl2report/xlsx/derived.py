"""Workbooks recomputed from the ledger (汇总表, 报送情况表, 催报清单): rebuilt in place.

A clerk makes these again every round of the campaign, under the same name, so writing one
replaces the earlier copy (atomically: a reader never sees half a file).  What must not be lost
is a file of the clerk's own that happens to have the name given (``-o 名单.xlsx``): each derived
workbook carries a custom document property, and a file without it is only replaced when the
caller says so (``--force``).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from xl2report.atomic import write_bytes_atomic
from xl2report.errors import FatalError

if TYPE_CHECKING:
    import xlsxwriter

DERIVED_PROPERTY = "xl2report"  # the custom property's name; its value says which workbook
_CUSTOM_PART = "docProps/custom.xml"
_MAX_CUSTOM_BYTES = 1 << 20  # a real custom.xml is a few hundred bytes


class NotDerivedError(FatalError):
    """The output path holds a file that xl2report did not compute (and ``force`` was not given)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} 已存在，但不是 xl2report 生成的汇总表、报送情况表或催报清单；为免覆盖您自己"
            "的文件，没有写入。请换一个文件名；确认可以覆盖时加 --force。"
        )
        self.path = path


def mark_derived(wb: xlsxwriter.Workbook, kind: str) -> None:
    """Label ``wb`` as a derived workbook of ``kind`` (summary, status, reminders)."""
    wb.set_custom_property(DERIVED_PROPERTY, kind)


def is_derived(path: Path) -> bool:
    """Whether ``path`` is a workbook that :func:`mark_derived` labelled (also after Excel, WPS or
    LibreOffice saved it: they keep custom document properties)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(_CUSTOM_PART)
            if info.file_size > _MAX_CUSTOM_BYTES:
                return False
            text = zf.read(info).decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False
    return f'name="{DERIVED_PROPERTY}"' in text


def write_derived(path: Path, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path``, replacing an earlier derived workbook there; a file that is not
    one is replaced only with ``force`` (else :class:`NotDerivedError`)."""
    path = Path(path)
    if path.exists() and not force and not is_derived(path):
        raise NotDerivedError(path)
    write_bytes_atomic(path, data, overwrite=True)
    return path
