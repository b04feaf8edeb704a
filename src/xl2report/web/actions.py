"""What the board does (POST): sign in and out, upload workbooks, register a roster, hand out
templates, and the unit page's actions.  Each handler reads its form through
:func:`~xl2report.web.app.checked_form` (CSRF token) after the middleware's same-origin check.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import date
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from xl2report.county.campaign import confirm_held, confirm_sender
from xl2report.errors import FatalError
from xl2report.form.national import FORM_TITLE
from xl2report.web import handout
from xl2report.web.app import checked_form, web_of
from xl2report.web.pages import handout_page
from xl2report.web.uploads import UploadRefused, store_upload

FAILED_LOGIN_PAUSE = 1.0  # seconds before answering a wrong password
MAX_RECENT = 50  # upload notes kept for the board's “本次上传” box


async def login(request: Request) -> Response:
    """Check the password (constant time); a new signed session on success."""
    web = web_of(request)
    form = await checked_form(request)
    password = form.get("password")
    if isinstance(password, str) and web.guard.password_ok(password):
        request.state.session = web.guard.new_session(authenticated=True)
        request.state.session_changed = True
        return RedirectResponse("/", status_code=303)
    await asyncio.sleep(FAILED_LOGIN_PAUSE)  # slows down guessing; the right password is not
    return web.page(request, "login.html", status=403, error="密码不对，请重新输入。")


async def logout(request: Request) -> Response:
    """Forget the sign-in (a fresh anonymous session)."""
    web = web_of(request)
    await checked_form(request)
    request.state.session = web.guard.new_session(authenticated=False)
    request.state.session_changed = True
    return RedirectResponse("/login" if web.guard.needs_password else "/", status_code=303)


async def upload(request: Request) -> Response:
    """Store each uploaded workbook in the inbox, process them like ``run``, show the result."""
    web = web_of(request)
    form = await checked_form(request, files=True)
    notes: list[dict[str, str]] = []
    stored: list[str] = []
    try:
        for item in form.getlist("files"):
            if not isinstance(item, UploadFile) or not item.filename:
                continue
            data = await item.read(web.config.max_file_bytes + 1)
            try:
                kept = await run_in_threadpool(
                    store_upload, web.config.inbox, item.filename, data, web.config.max_file_bytes
                )
            except UploadRefused as exc:
                notes.append({"original": item.filename, "message": str(exc)})
                continue
            notes.append({"original": kept.original, "rel": kept.rel, "sha256": kept.sha256})
            stored.append(kept.rel)
    finally:
        await form.close()
    if not notes:
        return web.error(
            request, "没有选择文件：请选择一个或多个报回的 Excel 工作簿（.xlsx）再上传。"
        )
    web.processor.submit(stored)
    if stored:
        await run_in_threadpool(web.processor.wait, stored, web.config.wait_seconds)
    batch = secrets.token_urlsafe(9)
    web.recent[batch] = notes
    while len(web.recent) > MAX_RECENT:
        web.recent.pop(next(iter(web.recent)))
    return RedirectResponse(f"/?upload={batch}", status_code=303)


async def roster(request: Request) -> Response:
    """Register an uploaded roster (replaces the registered one)."""
    web = web_of(request)
    form = await checked_form(request, files=True)
    item = form.get("roster")
    try:
        if not isinstance(item, UploadFile) or not item.filename:
            return handout_page(request, error="请选择名单文件（.xlsx 或 .csv）。", status=400)
        data = await item.read(handout.MAX_ROSTER_BYTES + 1)
    finally:
        await form.close()

    def register() -> int:
        with web.ledger() as ledger:
            return len(
                handout.register_roster(ledger, web.config.outbox, item.filename or "", data)
            )

    try:
        count = await run_in_threadpool(register)
    except FatalError as exc:
        return handout_page(request, error=str(exc), status=400)
    web.processor.request_pass()  # units on the new roster may match files already received
    return handout_page(request, message=f"已登记名单：共 {count} 个单位。")


async def templates(request: Request) -> Response:
    """The personalised templates of every roster unit as one zip."""
    web = web_of(request)
    form = await checked_form(request)
    year_text = str(form.get("year") or "").strip()
    submit_to = str(form.get("submit_to") or "").strip()
    deadline = str(form.get("deadline") or "").strip()
    if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        return handout_page(
            request, error=f"年度应为四位数字（如 2024），收到的是“{year_text}”。", status=400
        )
    year = int(year_text)
    try:
        due = date.fromisoformat(deadline) if deadline else None
    except ValueError:
        return handout_page(
            request,
            error=f"截止日期应为 年-月-日（如 2025-01-20），收到的是“{deadline}”。",
            status=400,
        )
    submit_to = handout.submit_note(submit_to, due)

    def build() -> bytes:
        with web.ledger() as ledger:
            entries = ledger.roster()
            data = handout.templates_zip(entries, year, submit_to, web.config.outbox)
            if due is not None:  # remembered for the board's overdue marks, as status --deadline
                ledger.set_deadline(year, due)
        return data

    try:
        data = await run_in_threadpool(build)
    except FatalError as exc:
        return handout_page(request, error=str(exc), status=400)
    name = f"{year}年{FORM_TITLE}填报模板.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f"attachment; filename*=utf-8''{quote(name)}"},
    )


async def confirm(request: Request) -> Response:
    """确认为名单中的单位: a held file's 机关名称 becomes an alias of a roster unit; the file is
    then processed again under the roster's name."""
    web = web_of(request)
    form = await checked_form(request)
    row_id, official = _int(form.get("row")), str(form.get("official") or "")

    def decide() -> bool:
        with web.ledger() as ledger:
            return row_id is not None and confirm_held(ledger, row_id, official)

    if not await run_in_threadpool(decide):
        return web.error(
            request,
            "无法确认：这个文件已不在待确认名称中，或名单里没有这个单位。请刷新页面后重试。",
            status=409,
        )
    web.processor.request_pass()
    await run_in_threadpool(web.processor.wait_pass, web.config.wait_seconds)
    return RedirectResponse(f"/unit?org={quote(official)}", status_code=303)


async def adopt(request: Request) -> Response:
    """确认采用: a file held because of the address it was mailed from is the unit's after all;
    the address becomes known for the unit (with the time) and the file is processed again."""
    web = web_of(request)
    form = await checked_form(request)
    row_id = _int(form.get("row"))

    def decide() -> str | None:
        with web.ledger() as ledger:
            known = confirm_sender(ledger, row_id) if row_id is not None else None
            return known.org if known else None

    org = await run_in_threadpool(decide)
    if org is None:
        return web.error(request, "无法确认采用：这个文件已不在待确认来源中，请刷新页面后重试。",
                         status=409)  # fmt: skip
    web.processor.request_pass()
    await run_in_threadpool(web.processor.wait_pass, web.config.wait_seconds)
    return RedirectResponse(f"/unit?org={quote(org)}", status_code=303)


async def review(request: Request) -> Response:
    """已核对: record in the ledger (with the time) that a person checked one warning."""
    web = web_of(request)
    form = await checked_form(request)
    row_id = _int(form.get("row"))
    code, sheet, cell = (str(form.get(k) or "") for k in ("code", "sheet", "cell"))

    def mark() -> str | None:
        with web.ledger() as ledger:
            row = ledger.get(row_id) if row_id is not None else None
            if row is None or not any(
                f.get("code") == code and (f.get("sheet") or "") == sheet
                and (f.get("cell") or "") == cell for f in row.finding_dicts()
            ):  # fmt: skip
                return None
            ledger.mark_reviewed(row.sha256, code, sheet, cell)
            return row.org

    org = await run_in_threadpool(mark)
    if org is None:
        return web.error(
            request, "没有找到这条提醒（文件可能已被新版本取代），请刷新页面后重试。", status=409
        )
    return RedirectResponse(f"/unit?org={quote(org)}#row-{row_id}", status_code=303)


async def retry(request: Request) -> Response:
    """重新处理: process every 无法处理 file again (as ``run --retry``), then show the board."""
    web = web_of(request)
    await checked_form(request)
    web.processor.request_pass(retry=True)
    await run_in_threadpool(web.processor.wait_pass, web.config.wait_seconds)
    return RedirectResponse("/#unreadable", status_code=303)


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def unit_routes() -> list[Route]:
    """The unit page's actions (name confirmation, warnings reviewed) and 重新处理."""
    return [
        Route("/unit/confirm", confirm, methods=["POST"]),
        Route("/unit/adopt", adopt, methods=["POST"]),
        Route("/unit/review", review, methods=["POST"]),
        Route("/retry", retry, methods=["POST"]),
    ]
