"""The hand-out page's work: register an uploaded roster, build the personalised templates as
one zip, and the county workbooks (summary, status, reminder list) as bytes to download.

Everything is built in memory or in a temporary folder; nothing the user uploads becomes a path.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

from xl2report.atomic import write_bytes_atomic
from xl2report.batch.ledger import Ledger, RosterEntry
from xl2report.batch.outbox import safe_filename
from xl2report.batch.roster import TemplateRequest, read_roster, write_roster_templates
from xl2report.batch.session import STATE_DIR
from xl2report.county.campaign import load_campaign
from xl2report.county.remind import build_reminders, build_reminders_xlsx
from xl2report.county.status import build_status_xlsx
from xl2report.county.summary import build_summary
from xl2report.errors import FatalError, open_elsewhere

ROSTER_SUFFIXES = (".xlsx", ".xlsm", ".csv")
MAX_ROSTER_BYTES = 5_000_000


def register_roster(ledger: Ledger, outbox: Path, original: str, data: bytes) -> list[RosterEntry]:
    """Read an uploaded roster and register it in the ledger; raises FatalError when unusable.

    The upload is kept in the state folder under a new name (the ledger names its source).
    """
    shown = safe_filename(Path(original.replace("\\", "/")).name, fallback="名单.xlsx")
    suffix = Path(shown).suffix.lower()
    if suffix not in ROSTER_SUFFIXES:
        raise FatalError(f"名单“{shown}”应为 .xlsx 或 .csv 文件。")
    if not data:
        raise FatalError(f"名单“{shown}”是空文件。")
    if len(data) > MAX_ROSTER_BYTES:
        raise FatalError(
            f"名单“{shown}”超过 {MAX_ROSTER_BYTES // 1_000_000} MB，请检查是否选错了文件。"
        )
    with tempfile.TemporaryDirectory(prefix="xl2report-roster-") as tmp:
        probe = Path(tmp) / f"名单{suffix}"  # read before anything is kept or registered
        probe.write_bytes(data)
        try:
            entries = read_roster(probe)
        except FatalError as exc:
            message = str(exc).replace(f"名单 {probe} ", f"名单“{shown}”")
            raise FatalError(message.replace(str(probe), f"“{shown}”")) from exc
    if not entries:
        raise FatalError(f"名单“{shown}”中没有任何单位（需要“机关名称”一列）。")
    folder = Path(outbox) / STATE_DIR / "web"
    folder.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(folder / f"名单-{datetime.now():%Y%m%d-%H%M%S}{suffix}", data,
                       overwrite=True)  # fmt: skip
    ledger.set_roster(entries, f"网页上传：{shown}")
    return entries


def templates_zip(
    entries: list[RosterEntry], year: int, submit_to: str | None, outbox: Path | None = None
) -> bytes:
    """One personalised template per roster unit, zipped (names safe on Windows); with
    ``outbox``, each carries its 下发编号 registered there (:mod:`xl2report.batch.issued`)."""
    if not entries:
        raise FatalError("还没有登记名单：请先上传名单（.xlsx 或 .csv，含“机关名称”一列）。")
    request = TemplateRequest(year, submit_to=submit_to or None, register=outbox)
    with tempfile.TemporaryDirectory(prefix="xl2report-handout-") as tmp:
        paths = write_roster_templates(entries, Path(tmp), request)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in paths:
                zf.write(path, path.name)
    return buffer.getvalue()


def submit_note(submit_to: str, due: date | None) -> str:
    """The cover's 报送要求: what the clerk wrote, led by the deadline when one is given."""
    if due and due.isoformat() not in submit_to:
        return f"请于 {due.year} 年 {due.month} 月 {due.day} 日前报送。{submit_to}".strip()
    return submit_to


def write_templates(
    entries: list[RosterEntry], folder: Path, year: int, submit_to: str, outbox: Path | None = None
) -> int:
    """(Re)write ``folder`` with one personalised template per roster unit; returns how many.

    The new set is built beside the folder and swapped in, so a failure leaves the old set
    whole and a mail sent meanwhile never attaches a half-written file.  With ``outbox``, each
    template carries its 下发编号 registered there (:mod:`xl2report.batch.issued`).
    """
    if not entries:
        raise FatalError("还没有登记名单：请先上传名单（.xlsx 或 .csv，含“机关名称”一列）。")
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".new-", dir=folder.parent) as tmp:
        fresh = Path(tmp) / "set"
        fresh.mkdir()
        request = TemplateRequest(year, submit_to=submit_to or None, register=outbox)
        paths = write_roster_templates(entries, fresh, request)
        old = Path(tmp) / "old"
        try:
            if folder.exists():
                folder.rename(old)
        except OSError as exc:  # Windows: a template in it is open in WPS/Excel
            if open_elsewhere(exc, folder):
                raise FatalError(
                    f"文件夹“{folder}”里有模板正在 WPS/Excel 中打开，无法更新："
                    "请关闭 WPS/Word 中打开的这些模板，然后重试。"
                ) from exc
            raise
        fresh.rename(folder)
    return len(paths)


def summary_xlsx(ledger: Ledger, year: int) -> bytes:
    """The county summary workbook for ``year`` (FatalError when nothing has passed yet)."""
    data, _orgs, _sums = build_summary(ledger, year)
    return data


def status_xlsx(ledger: Ledger, year: int | None) -> bytes:
    """The status workbook, as ``xl2report status --xlsx`` writes it."""
    return build_status_xlsx(load_campaign(ledger, year))


def reminders_xlsx(ledger: Ledger, year: int | None) -> bytes:
    """The reminder list (催报清单), as ``xl2report remind -o`` writes it."""
    return build_reminders_xlsx(build_reminders(load_campaign(ledger, year)))
