"""Which personalised template belongs to which unit: by the 机关名称 locked inside the workbook.

File names are not trusted (a clerk may rename or copy files); each ``.xlsx`` in the folder is
read with the project's reader and matched by the locked name and year in its metadata sheet.
The template's own 报送要求 (cover) goes into the message body.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xl2report.batch.roster import normalize_org
from xl2report.errors import FatalError
from xl2report.xlsx.parts import UnreadableError
from xl2report.xlsx.submission import Submission


@dataclass(frozen=True)
class TemplateFile:
    """A personalised template found in the folder."""

    path: Path
    org: str
    year: int | None
    submit_note: str  # the cover's 报送要求, as the office wrote it when generating


@dataclass(frozen=True)
class TemplateIndex:
    """The templates of one folder by normalised 机关名称, and what could not be used."""

    by_org: dict[str, TemplateFile]
    skipped: list[tuple[str, str]]  # (file name, why)

    def find(self, org: str) -> TemplateFile | None:
        """The template locked to ``org`` (compared as the roster compares names)."""
        return self.by_org.get(normalize_org(org))


def index_templates(folder: Path, year: int | None) -> TemplateIndex:
    """Read every ``.xlsx`` in ``folder`` (not sub-folders) and index them by locked 机关名称.

    Only templates of ``year`` are kept when it is given; with no year, the templates must all
    be of one year.  Two templates locked to the same unit are refused (which one to send?).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FatalError(f"模板目录不存在或不是文件夹：{folder}")
    found: list[TemplateFile] = []
    skipped: list[tuple[str, str]] = []
    for path in sorted(folder.iterdir()):
        if (
            path.suffix.lower() != ".xlsx"
            or path.name.startswith(("~$", "."))
            or not path.is_file()
        ):
            continue
        try:
            sub = Submission.open(path)
        except UnreadableError as exc:
            skipped.append((path.name, f"无法读取（{exc.detail or exc.code}）"))
            continue
        meta = sub.meta
        org = meta.get("org", "").strip()
        if not org:
            skipped.append((path.name, "不是按单位生成的模板（没有锁定机关名称）"))
            continue
        year_text = meta.get("year", "").strip()
        sheet, row, col = sub.form.submit_note
        cover = sub.sheet(sheet)
        note = cover.text(row, col).strip() if cover is not None else ""
        found.append(TemplateFile(path, org, int(year_text) if year_text.isdigit() else None, note))
    years = {t.year for t in found}
    if year is None and len(years) > 1:
        shown = "、".join(str(y) for y in sorted(y for y in years if y is not None))
        raise FatalError(f"模板目录 {folder} 中有多个年度（{shown}）的模板；请用 --year 指定年度。")
    by_org: dict[str, TemplateFile] = {}
    for t in found:
        if year is not None and t.year != year:
            skipped.append((t.path.name, f"年度是 {t.year or '未锁定'}，不是 {year}"))
            continue
        key = normalize_org(t.org)
        if key in by_org:
            raise FatalError(
                f"模板目录 {folder} 中有两份锁定为“{t.org}”的模板：{by_org[key].path.name} 和 "
                f"{t.path.name}；请只保留一份。"
            )
        by_org[key] = t
    return TemplateIndex(by_org, skipped)
