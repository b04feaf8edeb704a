"""Pages the board shows (GET): board, unit page, hand-out page, downloads, pictures.

Handlers are plain functions (Starlette runs them in a worker thread); each opens the ledger,
asks :mod:`xl2report.web.units` or :mod:`xl2report.web.handout` for what to show, and renders.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from xl2report.batch.ledger import Ledger, Row
from xl2report.county.campaign import campaign_years
from xl2report.county.units import UnitState
from xl2report.errors import FatalError
from xl2report.web import files
from xl2report.web import handout as county_files
from xl2report.web.app import web_of
from xl2report.web.files import FileKind
from xl2report.web.units import (
    STATE_ORDER,
    board_page,
    file_status_label,
    load_unit,
    now_text,
)


def _year(request: Request) -> int | None:
    text = request.query_params.get("year", "")
    if text.isascii() and text.isdigit() and len(text) == 4 and 1900 < int(text) < 3000:
        return int(text)
    return None


def board(request: Request) -> Response:
    """``/``: every unit of the year, counts, filters, the upload form, files to decide on."""
    web = web_of(request)
    wanted = request.query_params.get("state", "")
    state = UnitState(wanted) if wanted in UnitState._value2member_map_ else None
    view = web.board(_year(request))
    query = request.query_params.get("q", "").strip()[:50]
    number = request.query_params.get("page", "1")
    shown = board_page(view, state, query, int(number) if _small_number(number) else 1)
    notes = web.recent.get(request.query_params.get("upload", ""), [])
    uploads: list[dict[str, object]] = []
    roster_names: list[str] = []
    if notes or view.campaign.unmatched:
        with web.ledger() as ledger:
            uploads = _upload_notes(ledger, notes)
            roster_names = [e.name for e in ledger.roster()] if view.campaign.unmatched else []
    return web.page(
        request,
        "board.html",
        board=view,
        shown=shown,
        query=query,
        rows=web.rows_html(view, shown, state),
        counts=view.counts(),
        states=STATE_ORDER,
        state=state,
        uploads=uploads,
        roster_names=roster_names,
        status_label=file_status_label,
        pending=web.processor.pending,
        waiting_for_lock=web.processor.waiting_for_lock,
        last_error=web.processor.last_error,
        stamp=web.stamp(),
        now=now_text(),
        config=web.config,
    )


def _small_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 6


def _upload_notes(ledger: Ledger, notes: list[dict[str, str]]) -> list[dict[str, object]]:
    """What became of each file of one upload: its ledger row, or still waiting."""
    web_notes: list[dict[str, object]] = []
    for note in notes:
        row = _row_for(ledger, note) if note.get("rel") else None
        web_notes.append({**note, "row": row,
                          "status": file_status_label(row.status) if row else ""})  # fmt: skip
    return web_notes


def _row_for(ledger: Ledger, note: dict[str, str]) -> Row | None:
    sha = note.get("sha256", "")
    return ledger.find(note["rel"], sha) if sha else None


def stamp(request: Request) -> Response:
    """``/api/stamp``: a short value that changes when the board would (for self-refresh)."""
    web = web_of(request)
    return JSONResponse({"stamp": web.stamp(), "pending": len(web.processor.pending)})


def unit(request: Request) -> Response:
    """``/unit?org=…&year=…``: a unit's files, findings, downloads and actions."""
    web = web_of(request)
    org = request.query_params.get("org", "").strip()
    with web.ledger() as ledger:
        page = load_unit(ledger, org, _year(request)) if org else None
        if page is None:
            raise HTTPException(404)
        rows = {v.submission.id: ledger.get(v.submission.id) for v in page.submissions}
    downloads = {
        row_id: files.available(row, web.config.inbox, web.config.outbox) if row else []
        for row_id, row in rows.items()
    }
    return web.page(
        request,
        "unit.html",
        page=page,
        downloads=downloads,
        preview=files.preview_available(),
        now=now_text(),
    )


def download(request: Request) -> Response:
    """``/download/<row id>/<kind>``: a file the ledger recorded; never a path from the URL."""
    web = web_of(request)
    kind_text = request.path_params["kind"]
    if kind_text not in FileKind._value2member_map_:
        raise HTTPException(404)
    with web.ledger() as ledger:
        row = ledger.get(request.path_params["row_id"])
    if row is None:
        raise HTTPException(404)
    kind = FileKind(kind_text)
    path = files.resolve(row, kind, web.config.inbox, web.config.outbox)
    name = path.name if path else ""
    if path is None and kind is FileKind.PDF and row.report and row.status in PDF_STATUSES:
        path = files.report_pdf(row, web.config.inbox, web.config.outbox)  # made when first asked
        name = Path(row.report).with_suffix(".pdf").name
    if path is None:
        raise HTTPException(404)
    media = files.MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return FileResponse(path, media_type=media, filename=name)


PDF_STATUSES = ("accepted", "superseded")


def preview(request: Request) -> Response:
    """``/preview/<row id>.png``: the first page of the row's report as a picture."""
    web = web_of(request)
    with web.ledger() as ledger:
        png = files.preview_png(
            ledger, request.path_params["row_id"], web.config.inbox, web.config.outbox
        )
    if png is None:
        raise HTTPException(404)
    return FileResponse(png, media_type="image/png")


def handout_page(
    request: Request, message: str = "", error: str = "", status: int = 200
) -> Response:
    """The hand-out page, optionally with a message of what was just done."""
    web = web_of(request)
    with web.ledger() as ledger:
        roster = ledger.roster()
        source = ledger.roster_source()
        years = campaign_years(ledger)
        year = _year(request) or (years[-1] if years else datetime.now().year - 1)
        deadline = ledger.deadline(year)
    return web.page(
        request,
        "handout.html",
        status=status,
        roster=roster,
        roster_source=source,
        year=year,
        years=years,
        deadline=deadline.isoformat() if deadline else "",
        message=message,
        error=error,
    )


def handout(request: Request) -> Response:
    """``/handout``: roster, year, deadline, 报送要求 → templates; county workbooks."""
    return handout_page(request)


WORKBOOKS = {
    "summary": ("汇总表", county_files.summary_xlsx),
    "status": ("报送情况", county_files.status_xlsx),
    "reminders": ("催报清单", county_files.reminders_xlsx),
}


def workbook(request: Request) -> Response:
    """``/handout/<summary|status|reminders>.xlsx?year=…``: a county workbook, built now."""
    web = web_of(request)
    what = request.path_params["what"]
    if what not in WORKBOOKS:
        raise HTTPException(404)
    title, build = WORKBOOKS[what]
    with web.ledger() as ledger:
        year = _year(request) or (ledger.years() or [None])[-1]
        if year is None:
            return handout_page(
                request, error="台账中还没有任何报送，暂时没有可下载的表。", status=409
            )
        try:
            data = build(ledger, year)
        except FatalError as exc:
            return handout_page(request, error=str(exc), status=409)
    name = f"{year}年{title}.xlsx"
    return Response(
        data,
        media_type=files.MEDIA_TYPES[".xlsx"],
        headers={"Content-Disposition": f"attachment; filename*=utf-8''{quote(name)}"},
    )


def login(request: Request) -> Response:
    """``/login``: the password form (only when the board needs one)."""
    return web_of(request).page(request, "login.html", error="")


def file_label(kind: FileKind) -> str:
    """Link text of a download (used by the templates)."""
    return kind.label
